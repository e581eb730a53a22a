package spead

import "fmt"

// Item is one item of a heap being sent.
type Item struct {
	// ID names the item. It must fit in the flavour's item-ID bits.
	ID uint64
	// Immediate items carry Value inside their item pointer and add
	// nothing to the payload. Value must fit in the flavour's heap
	// address bits.
	Immediate bool
	Value     uint64
	// Data is the value of an addressed item. The heap refers to it and
	// never copies it, so it must not change until the heap is sent.
	Data []byte
	// AllowImmediate lets an addressed item whose Data is no longer than
	// the flavour's immediate size travel inside its pointer instead,
	// right-aligned, as spead2 does for small items.
	AllowImmediate bool
}

// Heap is a heap to send: an ordered list of items. Items go on the wire in
// the order they were added. The zero Heap is empty and uses
// [DefaultFlavour]; a Heap may be reused with [Heap.Reset].
type Heap struct {
	// Flavour is the heap's SPEAD flavour; the zero value means
	// DefaultFlavour.
	Flavour Flavour
	// Items are the heap's items in wire order.
	Items []Item
	// RepeatPointers puts every item pointer in every packet of the heap,
	// so that each packet can be understood on its own. The pointers must
	// then all fit in one packet.
	RepeatPointers bool

	// storage holds the encoded descriptors that the heap owns.
	storage [][]byte
	nStored int
}

// NewHeap returns an empty heap of flavour f.
func NewHeap(f Flavour) *Heap {
	return &Heap{Flavour: f}
}

// flavour returns the heap's flavour, with the zero value read as the
// default.
func (h *Heap) flavour() Flavour {
	if h.Flavour.heapAddressBits == 0 {
		return DefaultFlavour
	}
	return h.Flavour
}

// AddImmediate adds an item whose value travels inside its item pointer.
func (h *Heap) AddImmediate(id, value uint64) {
	h.Items = append(h.Items, Item{ID: id, Immediate: true, Value: value})
}

// AddItem adds an addressed item whose bytes are data. The heap keeps a
// reference to data and copies nothing.
func (h *Heap) AddItem(id uint64, data []byte) {
	h.Items = append(h.Items, Item{ID: id, Data: data})
}

// AddDescriptor encodes d in the heap's flavour and adds it as a descriptor
// item. The heap owns the encoded bytes.
func (h *Heap) AddDescriptor(d *Descriptor) error {
	var buf []byte
	if h.nStored < len(h.storage) {
		buf = h.storage[h.nStored][:0]
	}
	buf, err := d.AppendEncode(buf, h.flavour())
	if err != nil {
		return fmt.Errorf("descriptor %#x: %w", d.ID, err)
	}
	if h.nStored < len(h.storage) {
		h.storage[h.nStored] = buf
	} else {
		h.storage = append(h.storage, buf)
	}
	h.nStored++
	h.AddItem(DescriptorID, buf)
	return nil
}

// AddStart adds the stream control item that starts a stream. A heap
// holding only this item is the start-of-stream heap.
func (h *Heap) AddStart() {
	h.AddImmediate(StreamCtrlID, CtrlStreamStart)
}

// AddEnd adds the stream control item that ends a stream. A heap holding
// only this item is the end-of-stream heap.
func (h *Heap) AddEnd() {
	h.AddImmediate(StreamCtrlID, CtrlStreamStop)
}

// Reset empties the heap for reuse, keeping its flavour, its options and
// the memory it has allocated.
func (h *Heap) Reset() {
	clear(h.Items)
	h.Items = h.Items[:0]
	h.nStored = 0
}

// StartOfStream returns a heap that starts a stream: spead2's
// HeapGenerator.get_start. A receiver hands it out as a heap of its own,
// which does not end the stream.
func StartOfStream(f Flavour) *Heap {
	h := NewHeap(f)
	h.AddStart()
	return h
}

// EndOfStream returns a heap that ends a stream.
func EndOfStream(f Flavour) *Heap {
	h := NewHeap(f)
	h.AddEnd()
	return h
}

// inPointer reports whether it travels inside its item pointer.
func (it *Item) inPointer(immediateSize int) bool {
	return it.Immediate || (it.AllowImmediate && len(it.Data) <= immediateSize)
}

// validate checks the heap's item IDs and immediate values against its
// flavour.
func (h *Heap) validate() error {
	f := h.flavour()
	if !f.Valid() {
		return fmt.Errorf("heap flavour: heap address bits %d is not a multiple of 8 from 8 to 56", f.heapAddressBits)
	}
	for i := range h.Items {
		it := &h.Items[i]
		if it.ID > f.MaxID() {
			return fmt.Errorf("item %d: ID %#x exceeds the %s maximum %#x", i, it.ID, f, f.MaxID())
		}
		if it.ID <= PayloadLengthID {
			return fmt.Errorf("item %d: ID %#x is reserved: IDs up to %#x are the packets' own pointers", i, it.ID, PayloadLengthID)
		}
		if it.Immediate && it.Value > f.MaxValue() {
			return fmt.Errorf("item %#x: immediate value %d does not fit in %d bits", it.ID, it.Value, f.heapAddressBits)
		}
	}
	return nil
}
