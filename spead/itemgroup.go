package spead

import (
	"errors"
	"fmt"
	"unsafe"
)

// ItemGroup declares a set of items once and turns their values into heaps,
// in the manner of spead2's Python item groups: the first heap built after
// an item is declared carries its descriptor, each heap carries only the
// values set since the last one, and a small value of fixed size travels
// inside its item pointer, as spead2 sends it. Descriptors are checked
// when added, and values when set ([Set], or the SetUint, SetBytes and
// SetInt8s methods), so that a receiver never sees one that does not fit.
//
// A receiver that joins the stream late has missed the descriptors. Set
// DescriptorFrequency to send them again at intervals, as spead2's
// descriptor_frequency does, or build a heap of all of them with
// [ItemGroup.HeapWith].
type ItemGroup struct {
	// DescriptorFrequency, if positive, makes the group send each
	// descriptor again in the heap it builds DescriptorFrequency heaps
	// after the last one that carried it, so that with n > 0 the heaps
	// built 0, n, 2n and so on, counting from 0, carry every descriptor
	// of the items declared before them. Zero sends each descriptor once.
	// Every heap that Heap, HeapWith and the Fill methods build counts,
	// whatever it carries; StartHeap and EndHeap do not.
	DescriptorFrequency int

	flavour Flavour
	items   []*GroupItem
	byName  map[string]*GroupItem
	byID    map[uint64]*GroupItem
	built   int64 // heaps built so far
}

// GroupItem is one item of an [ItemGroup]: its descriptor and its current
// value. Its Descriptor is for reading: the group checked it, and worked
// out how to send its values, when the item was declared.
type GroupItem struct {
	Descriptor
	layout      layout // what the descriptor says of the values
	item        Item   // the value as it goes into a heap
	set         bool   // a value has been set
	changed     bool   // set since the last heap
	described   bool   // its descriptor has gone out
	describedAt int64  // the group's heap count when it last went out
	immediate   bool   // small values may travel in the pointer (see Add)
}

// NewItemGroup returns an empty item group for heaps of flavour f; the zero
// Flavour means DefaultFlavour, as it does for a Heap.
func NewItemGroup(f Flavour) *ItemGroup {
	if f == (Flavour{}) {
		f = DefaultFlavour
	}
	return &ItemGroup{flavour: f, byName: map[string]*GroupItem{}, byID: map[uint64]*GroupItem{}}
}

// Add declares an item. Its ID and name must be new to the group, the
// descriptor must pass [Descriptor.Validate], and it must encode in the
// group's flavour. A value of the item may later travel inside its item
// pointer, when small enough, if its size is fixed (no variable
// dimension) and, for a format list, its elements are whole bytes: the
// rule of spead2's Python items.
func (g *ItemGroup) Add(d Descriptor) (*GroupItem, error) {
	if _, ok := g.byID[d.ID]; ok {
		return nil, fmt.Errorf("item group: ID %#x declared twice", d.ID)
	}
	if _, ok := g.byName[d.Name]; ok || d.Name == "" {
		return nil, fmt.Errorf("item group: item %#x: name %q is empty or already taken", d.ID, d.Name)
	}
	l, err := d.layout()
	if err != nil {
		return nil, fmt.Errorf("item group: %w", err)
	}
	if _, err := d.AppendEncode(nil, g.flavour); err != nil {
		return nil, fmt.Errorf("item group: %w", err)
	}
	it := &GroupItem{Descriptor: d, layout: l, immediate: !l.variable && (l.numpy || l.elemBits%8 == 0)}
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

// ErrValue is wrapped by the errors of values that do not fit their
// item's descriptor.
var ErrValue = errors.New("bad item value")

// Value lists the Go types of the elements [Set] takes.
type Value interface {
	bool | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 |
		float32 | float64 | complex64 | complex128 | string
}

// Set sets the named item's value to the elements v, in the order they
// go on the wire (C order, or Fortran order if the item's numpy header
// says so): one element for a scalar, as many as the item's fixed shape
// holds, or a whole multiple of its fixed dimensions if one is variable.
// The elements are encoded and copied at once, so v may change afterwards.
//
// A numpy item takes the Go type of its descr exactly: bool for b1 or ?,
// int8 to int64 for i1 to i8, uint8 to uint64 for u1 to u8, float32 and
// float64 for f4 and f8, complex64 and complex128 for c8 and c16, in
// either byte order; string for S and U, each element no longer than the
// type. An item of one format field takes an unsigned Go integer for
// 'u', a signed one for 'i' (any width, the value checked against the
// field's), float32 or float64 for 'f', bool for 'b', and uint8 for
// 'c', or for a one-dimensional ('c', 8) item a single string, spead2's
// way of sending text. Records of several fields are set with
// [ItemGroup.SetBytes].
func Set[T Value](g *ItemGroup, name string, v ...T) error {
	it, err := g.lookup(name)
	if err != nil {
		return err
	}
	data, err := it.encode(v, len(v))
	if err != nil {
		return fmt.Errorf("item group: %s: %w", name, err)
	}
	it.setData(data)
	return nil
}

// setData makes data the item's value for the next heap.
func (it *GroupItem) setData(data []byte) {
	it.item = Item{ID: it.ID, Data: data, AllowImmediate: it.immediate}
	it.set, it.changed = true, true
}

// SetUint sets a scalar item from an unsigned integer: a single field
// ('u', N) of up to 64 bits, or a numpy u8 (see [Set]). The field's
// declared width, not the value, decides whether the value travels
// inside its item pointer: ('u', 40) always does in a 64-48 flavour,
// ('u', 64) never does, as in spead2.
func (g *ItemGroup) SetUint(name string, v uint64) error {
	it, err := g.lookup(name)
	if err != nil {
		return err
	}
	if len(it.layout.shape) != 0 {
		return fmt.Errorf("item group: %s: %w: not a scalar", name, ErrValue)
	}
	return Set(g, name, v)
}

// SetBytes sets an item's value to raw bytes, referenced and not copied:
// the item's values laid out as they go on the wire. Their length must
// be what the item's fixed shape takes, or, with a variable dimension
// and elements of whole bytes, a whole multiple of what its fixed
// dimensions take.
func (g *ItemGroup) SetBytes(name string, b []byte) error {
	it, err := g.lookup(name)
	if err != nil {
		return err
	}
	l := &it.layout
	switch {
	case !l.variable:
		if want := l.size(l.known); int64(len(b)) != want {
			return fmt.Errorf("item group: %s: %w: %d bytes, want %d for shape %v", name, ErrValue, len(b), want, l.shape)
		}
	case l.elemBits%8 == 0:
		if unit := l.known * l.elemBits / 8; unit == 0 && len(b) != 0 || unit != 0 && int64(len(b))%unit != 0 {
			return fmt.Errorf("item group: %s: %w: %d bytes is not a whole number of %d-byte rows of shape %v", name, ErrValue, len(b), unit, l.shape)
		}
	}
	it.setData(b)
	return nil
}

// SetInt8s sets an int8 array item (numpy descr i1, or format
// ('i', 8)) of as many elements as its shape holds. The slice is
// referenced and not copied.
func (g *ItemGroup) SetInt8s(name string, v []int8) error {
	it, err := g.lookup(name)
	if err != nil {
		return err
	}
	l := &it.layout
	if !(l.numpy && l.nt.Kind == 'i' && l.nt.Size == 1) && !(!l.numpy && len(l.format) == 1 && l.format[0] == FormatField{Type: 'i', Bits: 8}) {
		return fmt.Errorf("item group: %s: %w: not an int8 array", name, ErrValue)
	}
	if err := l.checkCount(int64(len(v))); err != nil {
		return fmt.Errorf("item group: %s: %w", name, err)
	}
	it.setData(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)))
	return nil
}

// Include selects which descriptors, or which values, a heap built by
// [ItemGroup.HeapWith] carries: the 'stale', 'all' and 'none' of the
// descriptors and data arguments of spead2's HeapGenerator.get_heap.
type Include uint8

const (
	// IncludeStale takes the descriptors not yet sent or due again (see
	// DescriptorFrequency), or the values set since they last went out.
	IncludeStale Include = iota
	// IncludeAll takes every descriptor, or every value that has been
	// set, whether sent before or not.
	IncludeAll
	// IncludeNone takes none. Values left out stay stale, for a later
	// heap to carry; descriptors left out are not due again any sooner.
	IncludeNone
)

// Heap returns a heap with, item by item in the order they were declared,
// the descriptor of each item not yet described (or due again, see
// DescriptorFrequency) and the value of each item set since the last
// heap: spead2's Python item groups put them in the same order. It is
// HeapWith(IncludeStale, IncludeStale).
func (g *ItemGroup) Heap() (*Heap, error) {
	return g.HeapWith(IncludeStale, IncludeStale)
}

// FillHeap is Heap for a heap the caller reuses: it resets h and fills it.
func (g *ItemGroup) FillHeap(h *Heap) error {
	return g.FillHeapWith(h, IncludeStale, IncludeStale)
}

// HeapWith returns a heap with, item by item in the order they were
// declared, the descriptors and the values that descriptors and data
// select. HeapWith(IncludeAll, IncludeNone) is a heap of every descriptor
// and no values, for receivers that join late.
func (g *ItemGroup) HeapWith(descriptors, data Include) (*Heap, error) {
	h := NewHeap(g.flavour)
	if err := g.FillHeapWith(h, descriptors, data); err != nil {
		return nil, err
	}
	return h, nil
}

// FillHeapWith is HeapWith for a heap the caller reuses: it resets h and
// fills it.
func (g *ItemGroup) FillHeapWith(h *Heap, descriptors, data Include) error {
	if descriptors > IncludeNone {
		return fmt.Errorf("item group: descriptors %d is not an Include", descriptors)
	}
	if data > IncludeNone {
		return fmt.Errorf("item group: data %d is not an Include", data)
	}
	h.Flavour = g.flavour
	h.Reset()
	for _, it := range g.items {
		if descriptors == IncludeAll || descriptors == IncludeStale && g.due(it) {
			if err := h.AddDescriptor(&it.Descriptor); err != nil {
				return fmt.Errorf("item group: %w", err)
			}
			it.described, it.describedAt = true, g.built
		}
		if it.set && (data == IncludeAll || data == IncludeStale && it.changed) {
			h.Items = append(h.Items, it.item)
			it.changed = false
		}
	}
	g.built++
	return nil
}

// due reports whether it's descriptor is to go in the next heap that
// takes stale descriptors.
func (g *ItemGroup) due(it *GroupItem) bool {
	return !it.described || g.DescriptorFrequency > 0 && g.built-it.describedAt >= int64(g.DescriptorFrequency)
}

// StartHeap returns the heap that starts the stream (see [StartOfStream]).
func (g *ItemGroup) StartHeap() *Heap { return StartOfStream(g.flavour) }

// EndHeap returns the heap that ends the stream.
func (g *ItemGroup) EndHeap() *Heap { return EndOfStream(g.flavour) }
