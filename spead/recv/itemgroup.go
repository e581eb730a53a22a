package recv

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gospead/tutorial/spead"
)

// Item is a named item of an [ItemGroup]: its descriptor and the value
// the latest heap that carried it gave it.
type Item struct {
	// Descriptor describes the item: ID, name, description, type, shape.
	spead.Descriptor
	// Value is the item's value as [DecodeValue] returns it, or nil
	// until a heap carries the item, or if the latest one's value did
	// not decode or did not fit the group's limits (see Err).
	Value any
	// Shape is the shape of Value: the descriptor's, or the numpy
	// header's, with any variable dimension resolved.
	Shape []int64
	// Raw is the item as the latest heap carried it, whether or not it
	// decoded. Its Data is the group's own copy, or nil if even that
	// would pass the group's MaxBytes (Err says so).
	Raw spead.RawItem
	// Err is why Value is nil after the latest heap that carried the
	// item: an error wrapping ErrValue if its value does not decode, or
	// ErrLimit if it would pass the group's MaxBytes. It is nil when
	// Value holds that heap's value.
	Err error
	// Version counts the heaps that have carried the item, and goes up
	// when a different descriptor replaces it.
	Version int

	size int64 // bytes counted against MaxBytes: descriptor, Raw.Data, Value
}

// Defaults of an [ItemGroup]'s limits.
const (
	// DefaultMaxItems is how many items an ItemGroup keeps, unless its
	// MaxItems says otherwise.
	DefaultMaxItems = 1024
	// DefaultMaxBytes is the memory an ItemGroup's items may hold,
	// unless its MaxBytes says otherwise: 128 MiB, a 64 MiB value (the
	// receiver's default largest heap) copied and decoded.
	DefaultMaxBytes = 128 << 20
)

// itemOverhead is what an item is counted for beyond its descriptor's
// text and its value: the Item and its places in the group's maps.
const itemOverhead = 256

// ErrLimit is wrapped by the errors of descriptors and values an
// [ItemGroup] does not keep because they would pass its MaxItems or
// MaxBytes.
var ErrLimit = errors.New("item group limit reached")

// ErrIncompleteHeap is wrapped by the error [ItemGroup.Update] returns for
// an incomplete heap it was not asked to take.
var ErrIncompleteHeap = errors.New("incomplete heap not decoded")

// ItemGroup keeps the descriptors seen in a stream and decodes the items
// of each heap into named, typed values, in the manner of spead2's
// Python ItemGroup. Its memory is bounded: it keeps at most MaxItems
// items, holding at most MaxBytes between them. The values it holds are
// its own copies, valid after the heap they came from is released. The
// zero ItemGroup is empty and ready to use, with the default limits; it
// is not safe for concurrent use.
type ItemGroup struct {
	// MaxItems caps the items kept; 0 means DefaultMaxItems. The
	// descriptor of a new item past the cap is not taken.
	MaxItems int
	// MaxBytes caps the memory the items hold, counted as each item's
	// descriptor text, about 256 bytes of bookkeeping, the copy of its
	// latest raw bytes and its decoded value (numpy i1 and u1 values
	// share the copy); 0 means DefaultMaxBytes. A descriptor that would
	// pass the cap is not taken; a value that would is dropped, keeping
	// Raw if that fits, and the Item's Err says so (ErrLimit).
	MaxBytes int64
	// Incomplete makes Update take incomplete heaps too, decoding the
	// items [Heap.Items] gives for them. By default Update refuses them,
	// as spead2's receivers drop incomplete heaps unless asked
	// (contiguous_only) and its ItemGroup.update takes only whole ones.
	Incomplete bool

	byID   map[uint64]*Item
	byName map[string]*Item
	size   int64 // the sum of the items' sizes
}

// NewItemGroup returns an empty item group with the default limits.
func NewItemGroup() *ItemGroup { return new(ItemGroup) }

// maxItems returns MaxItems or its default.
func (g *ItemGroup) maxItems() int {
	if g.MaxItems > 0 {
		return g.MaxItems
	}
	return DefaultMaxItems
}

// maxBytes returns MaxBytes or its default.
func (g *ItemGroup) maxBytes() int64 {
	if g.MaxBytes > 0 {
		return g.MaxBytes
	}
	return DefaultMaxBytes
}

// Size returns the memory the group's items hold, as counted against
// MaxBytes.
func (g *ItemGroup) Size() int64 { return g.size }

// AddDescriptor adds an item described by d. A descriptor the same as the
// item's with that ID changes nothing, so the value stays. A different
// one replaces the items with its ID and its name, with no value and a
// higher version, as spead2 does. A descriptor that fails
// [spead.Descriptor.Validate], or would pass the group's limits (the
// error wraps ErrLimit), is not taken.
func (g *ItemGroup) AddDescriptor(d spead.Descriptor) error {
	if err := d.Validate(); err != nil {
		return err
	}
	old := g.byID[d.ID]
	if old != nil && sameDescriptor(&old.Descriptor, &d) {
		return nil
	}
	var gone []*Item // the items d replaces
	if old != nil {
		gone = append(gone, old)
	}
	if o := g.byName[d.Name]; o != nil && o != old {
		gone = append(gone, o)
	}
	size := itemOverhead + descriptorSize(&d)
	held := g.size
	for _, o := range gone {
		held -= o.size
	}
	if n := len(g.byID) - len(gone); n >= g.maxItems() {
		return fmt.Errorf("item %#x (%s): %w: the group holds %d items, its MaxItems", d.ID, d.Name, ErrLimit, n)
	}
	if held+size > g.maxBytes() {
		return fmt.Errorf("item %#x (%s): %w: its descriptor takes %d bytes, the group holds %d of its MaxBytes %d", d.ID, d.Name, ErrLimit, size, held, g.maxBytes())
	}
	it := &Item{Descriptor: d, size: size}
	for _, o := range gone {
		it.Version = max(it.Version, o.Version+1)
		delete(g.byID, o.ID)
		delete(g.byName, o.Name)
		g.size -= o.size
	}
	if g.byID == nil {
		g.byID = make(map[uint64]*Item)
		g.byName = make(map[string]*Item)
	}
	g.byID[d.ID] = it
	g.byName[d.Name] = it
	g.size += size
	return nil
}

// sameDescriptor reports whether a and b describe the same item.
func sameDescriptor(a, b *spead.Descriptor) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description && a.DType == b.DType &&
		slices.Equal(a.Shape, b.Shape) && slices.Equal(a.Format, b.Format)
}

// descriptorSize returns the bytes d's text and lists take.
func descriptorSize(d *spead.Descriptor) int64 {
	return int64(len(d.Name) + len(d.Description) + len(d.DType) + 16*len(d.Format) + 8*len(d.Shape))
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
// order h carries them; items h does not carry keep their values. Items
// with no descriptor, and the protocol's own items (IDs up to stream
// control, 0x06), are skipped. Each value is copied out of h, so h may be
// released afterwards.
//
// An incomplete heap changes nothing, and the error wraps
// ErrIncompleteHeap, unless the group's Incomplete is set. Otherwise the
// error joins one error for each descriptor not taken and each value not
// kept (see [Item].Err); the rest are still applied.
func (g *ItemGroup) Update(h *Heap) ([]*Item, error) {
	if !h.Complete() && !g.Incomplete {
		if h.Length < 0 {
			return nil, fmt.Errorf("heap %d: %w: %d bytes arrived, and no packet gave the heap's length", h.Cnt, ErrIncompleteHeap, h.Received)
		}
		return nil, fmt.Errorf("heap %d: %w: %d of %d bytes arrived", h.Cnt, ErrIncompleteHeap, h.Received, h.Length)
	}
	var errs []error
	ds, err := h.Descriptors()
	if err != nil {
		errs = append(errs, err)
	}
	for _, d := range ds {
		if err := g.AddDescriptor(d); err != nil {
			errs = append(errs, fmt.Errorf("heap %d: %w", h.Cnt, err))
		}
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
		if err := g.set(it, raw, h.Flavour); err != nil {
			errs = append(errs, fmt.Errorf("heap %d: item %#x (%s): %w", h.Cnt, raw.ID, it.Name, err))
		}
		it.Version++
		updated = append(updated, it)
	}
	return updated, errors.Join(errs...)
}

// set gives item it the value raw, within the group's MaxBytes, and
// returns the error it records in it.Err.
func (g *ItemGroup) set(it *Item, raw spead.RawItem, f spead.Flavour) error {
	// The item's old value goes first: only the descriptor stays.
	g.size -= it.size
	it.size = itemOverhead + descriptorSize(&it.Descriptor)
	g.size += it.size
	it.Value, it.Shape, it.Err = nil, nil, nil
	it.Raw = spead.RawItem{ID: raw.ID, Immediate: raw.Immediate, Value: raw.Value}

	budget := g.maxBytes() - g.size
	if n := int64(len(raw.Data)); n > budget {
		it.Err = fmt.Errorf("%w: its %d raw bytes would pass MaxBytes %d (%d held); value and raw bytes dropped", ErrLimit, n, g.maxBytes(), g.size)
		return it.Err
	}
	if raw.Data != nil {
		it.Raw.Data = append([]byte(nil), raw.Data...)
	}
	budget -= int64(len(raw.Data))
	it.size += int64(len(raw.Data))
	g.size += int64(len(raw.Data))

	v, shape, size, err := decode(&it.Descriptor, it.Raw, f, min(budget, maxDecodedBytes))
	var big *sizeError
	switch {
	case errors.As(err, &big) && big.size > maxDecodedBytes:
		it.Err = fmt.Errorf("%w: %v, over the limit of %d", ErrValue, big, maxDecodedBytes)
	case errors.As(err, &big):
		it.Err = fmt.Errorf("%w: %v, passing MaxBytes %d (%d held); value dropped, raw bytes kept", ErrLimit, big, g.maxBytes(), g.size)
	case err != nil:
		it.Err = err
	default:
		it.Value, it.Shape = v, shape
		it.size += size
		g.size += size
	}
	return it.Err
}
