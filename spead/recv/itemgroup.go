package recv

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gospead/tutorial/spead"
)

// Item is a named item of an [ItemGroup]: its descriptor and the value
// the latest heap gave it.
type Item struct {
	// Descriptor describes the item: ID, name, description, type, shape.
	spead.Descriptor
	// Value is the item's value as [DecodeValue] returns it, or nil
	// until a heap carries the item.
	Value any
	// Shape is the shape of Value: the descriptor's, or the numpy
	// header's, with any variable dimension resolved.
	Shape []int64
	// Raw is the item as the latest heap carried it.
	Raw spead.RawItem
	// Version counts the heaps that have set Value.
	Version int
}

// ItemGroup keeps the descriptors seen in a stream and decodes the items
// of each heap into named, typed values, in the manner of spead2's
// Python ItemGroup. The zero ItemGroup is empty and ready to use; it is
// not safe for concurrent use.
type ItemGroup struct {
	byID   map[uint64]*Item
	byName map[string]*Item
}

// NewItemGroup returns an empty item group.
func NewItemGroup() *ItemGroup { return new(ItemGroup) }

// AddDescriptor adds an item described by d, or replaces the item with
// the same ID. Its value is reset.
func (g *ItemGroup) AddDescriptor(d spead.Descriptor) {
	if g.byID == nil {
		g.byID = make(map[uint64]*Item)
		g.byName = make(map[string]*Item)
	}
	if old, ok := g.byID[d.ID]; ok && g.byName[old.Name] == old {
		delete(g.byName, old.Name)
	}
	if old, ok := g.byName[d.Name]; ok && old.ID != d.ID {
		delete(g.byID, old.ID)
	}
	it := &Item{Descriptor: d}
	g.byID[d.ID] = it
	g.byName[d.Name] = it
}

// Get returns the item with the given name.
func (g *ItemGroup) Get(name string) (*Item, bool) {
	it, ok := g.byName[name]
	return it, ok
}

// ByID returns the item with the given ID.
func (g *ItemGroup) ByID(id uint64) (*Item, bool) {
	it, ok := g.byID[id]
	return it, ok
}

// Items returns the group's items in order of ID.
func (g *ItemGroup) Items() []*Item {
	items := make([]*Item, 0, len(g.byID))
	for _, it := range g.byID {
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b *Item) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return items
}

// Update takes the descriptors of heap h into the group, then sets the
// value of every described item h carries, and returns those items in the
// order h carries them. Items with no descriptor, and the protocol's own
// items (IDs up to stream control, 0x06), are skipped. An item or
// descriptor that does not decode is reported in the error, which joins
// one error for each; the rest are still applied.
func (g *ItemGroup) Update(h *Heap) ([]*Item, error) {
	var errs []error
	ds, err := h.Descriptors()
	if err != nil {
		errs = append(errs, err)
	}
	for _, d := range ds {
		g.AddDescriptor(d)
	}
	// Descriptors has reported an error of Items already; there are no
	// items then.
	raws, _ := h.Items(nil)
	var updated []*Item
	for _, raw := range raws {
		if raw.ID <= spead.StreamCtrlID {
			continue
		}
		it, ok := g.byID[raw.ID]
		if !ok {
			continue
		}
		v, shape, err := DecodeValue(&it.Descriptor, raw, h.Flavour)
		if err != nil {
			errs = append(errs, fmt.Errorf("heap %d: item %#x (%s): %w", h.Cnt, raw.ID, it.Name, err))
			continue
		}
		it.Value, it.Shape, it.Raw = v, shape, raw
		it.Version++
		updated = append(updated, it)
	}
	return updated, errors.Join(errs...)
}
