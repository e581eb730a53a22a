package spead

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// ItemGroup declares a set of items once and turns their values into heaps,
// in the manner of spead2's Python item groups: the first heap built after
// an item is declared carries its descriptor, each heap carries only the
// values set since the last one, and a small value of fixed size travels
// inside its item pointer, as spead2 sends it.
type ItemGroup struct {
	flavour Flavour
	items   []*GroupItem
	byName  map[string]*GroupItem
	byID    map[uint64]*GroupItem
}

// GroupItem is one item of an [ItemGroup]: its descriptor and its current
// value. Its Descriptor is for reading: the group checked it, and worked
// out how to send its values, when the item was declared.
type GroupItem struct {
	Descriptor
	item      Item // the value as it goes into a heap
	set       bool // a value has been set
	changed   bool // set since the last heap
	described bool // its descriptor has gone out
	immediate bool // small values may travel in the pointer (allowImmediate)
	int8s     bool // it is an int8 array (isInt8)
}

// NewItemGroup returns an empty item group for heaps of flavour f; the zero
// Flavour means DefaultFlavour, as it does for a Heap.
func NewItemGroup(f Flavour) *ItemGroup {
	if f == (Flavour{}) {
		f = DefaultFlavour
	}
	return &ItemGroup{flavour: f, byName: map[string]*GroupItem{}, byID: map[uint64]*GroupItem{}}
}

// Add declares an item. Its ID and name must be new to the group, and the
// descriptor must encode in the group's flavour.
func (g *ItemGroup) Add(d Descriptor) (*GroupItem, error) {
	if _, ok := g.byID[d.ID]; ok {
		return nil, fmt.Errorf("item group: ID %#x declared twice", d.ID)
	}
	if _, ok := g.byName[d.Name]; ok || d.Name == "" {
		return nil, fmt.Errorf("item group: item %#x: name %q is empty or already taken", d.ID, d.Name)
	}
	if _, err := d.AppendEncode(nil, g.flavour); err != nil {
		return nil, fmt.Errorf("item group: %w", err)
	}
	// What the descriptor says of the values is worked out once here,
	// not at every Set: a numpy header takes parsing.
	it := &GroupItem{Descriptor: d, immediate: allowImmediate(&d), int8s: isInt8(&d)}
	g.items = append(g.items, it)
	g.byName[d.Name] = it
	g.byID[d.ID] = it
	return it, nil
}

// Item returns the item with the given name, or nil.
func (g *ItemGroup) Item(name string) *GroupItem { return g.byName[name] }

// lookup returns the named item or an error naming it.
func (g *ItemGroup) lookup(name string) (*GroupItem, error) {
	it := g.byName[name]
	if it == nil {
		return nil, fmt.Errorf("item group: no item named %q", name)
	}
	return it, nil
}

// SetUint sets a scalar unsigned item, one whose format is a single field
// ('u', N) with N a multiple of 8 up to 64. A value that fits in the
// flavour's immediate size travels in its item pointer.
func (g *ItemGroup) SetUint(name string, v uint64) error {
	it, err := g.lookup(name)
	if err != nil {
		return err
	}
	if len(it.Format) != 1 || it.Format[0].Type != 'u' || len(it.Shape) != 0 ||
		it.Format[0].Bits%8 != 0 || it.Format[0].Bits < 8 || it.Format[0].Bits > 64 {
		return fmt.Errorf("item group: %s is not a scalar of format ('u', 8..64 in whole bytes)", name)
	}
	bits := it.Format[0].Bits
	if bits < 64 && v >= 1<<bits {
		return fmt.Errorf("item group: %s: %d does not fit in %d bits", name, v, bits)
	}
	if bits <= g.flavour.HeapAddressBits() {
		it.item = Item{ID: it.ID, Immediate: true, Value: v}
	} else {
		buf := binary.BigEndian.AppendUint64(nil, v)
		it.item = Item{ID: it.ID, Data: buf[8-bits/8:]}
	}
	it.set, it.changed = true, true
	return nil
}

// SetBytes sets an item's value to raw bytes, referenced and not copied.
func (g *ItemGroup) SetBytes(name string, b []byte) error {
	it, err := g.lookup(name)
	if err != nil {
		return err
	}
	it.item = Item{ID: it.ID, Data: b, AllowImmediate: it.immediate}
	it.set, it.changed = true, true
	return nil
}

// allowImmediate reports whether a value of the item d describes may
// travel inside its item pointer when it is small enough, as spead2's
// Python items allow: when its size is fixed (no dimension of variable
// size) and its elements are whole bytes.
func allowImmediate(d *Descriptor) bool {
	shape := d.Shape
	if d.DType != "" {
		n, err := ParseNumpyHeader(d.DType)
		if err != nil {
			return false
		}
		shape = n.Shape
	} else {
		bits := 0
		for _, ff := range d.Format {
			bits += ff.Bits
		}
		if bits == 0 || bits%8 != 0 {
			return false
		}
	}
	for _, dim := range shape {
		if dim < 0 {
			return false
		}
	}
	return true
}

// SetInt8s sets an int8 array item (numpy descr 'i1', or format
// ('i', 8)). The slice is referenced and not copied.
func (g *ItemGroup) SetInt8s(name string, v []int8) error {
	it, err := g.lookup(name)
	if err != nil {
		return err
	}
	if !it.int8s {
		return fmt.Errorf("item group: %s is not an int8 array", name)
	}
	it.item = Item{ID: it.ID, Data: unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)),
		AllowImmediate: it.immediate}
	it.set, it.changed = true, true
	return nil
}

// isInt8 reports whether d describes int8 elements.
func isInt8(d *Descriptor) bool {
	if d.DType != "" {
		n, err := ParseNumpyHeader(d.DType)
		return err == nil && (n.Descr == "i1" || n.Descr == "|i1")
	}
	return len(d.Format) == 1 && d.Format[0] == FormatField{Type: 'i', Bits: 8}
}

// Heap returns a heap with, item by item in the order they were declared,
// the descriptor of each item not yet described and the value of each item
// set since the last heap: spead2's Python item groups put them in the
// same order.
func (g *ItemGroup) Heap() (*Heap, error) {
	h := NewHeap(g.flavour)
	if err := g.FillHeap(h); err != nil {
		return nil, err
	}
	return h, nil
}

// FillHeap is Heap for a heap the caller reuses: it resets h and fills it.
func (g *ItemGroup) FillHeap(h *Heap) error {
	h.Flavour = g.flavour
	h.Reset()
	for _, it := range g.items {
		if !it.described {
			if err := h.AddDescriptor(&it.Descriptor); err != nil {
				return fmt.Errorf("item group: %w", err)
			}
			it.described = true
		}
		if it.changed {
			h.Items = append(h.Items, it.item)
			it.changed = false
		}
	}
	return nil
}

// EndHeap returns the heap that ends the stream.
func (g *ItemGroup) EndHeap() *Heap { return EndOfStream(g.flavour) }
