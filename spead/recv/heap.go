package recv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/gospead/tutorial/spead"
)

// Heap is a heap handed out by a receiver: complete, or incomplete because
// it was evicted or flushed before all its packets arrived. The caller
// owns it; the receiver keeps no reference to it.
type Heap struct {
	// Cnt is the heap counter.
	Cnt uint64
	// Flavour is the SPEAD flavour of the heap's packets.
	Flavour spead.Flavour
	// Length is the heap length its packets claimed, or -1 if none did.
	Length int64
	// Received is how many bytes of payload arrived. A complete heap
	// received all Length bytes.
	Received int64
	// Payload is the heap's payload. An incomplete heap's Payload runs
	// from offset 0 up to the first byte that did not arrive; what
	// arrived past that is not kept.
	Payload []byte

	pointers []byte // distinct item pointers, big-endian, in arrival order
	complete bool
	extent   int64       // Length, or if unknown the end of what packets addressed
	pool     *bufferPool // where Release returns Payload
}

// Release hands the heap's payload memory back to the receiver that made
// it, for later heaps to reuse, so that a long stream allocates nothing
// per heap. Afterwards the heap is empty but for Cnt and Flavour, and the
// Payload, items and values taken from it must not be used. Calling
// Release is optional; memory not released is garbage collected as usual.
func (h *Heap) Release() {
	if h.pool != nil {
		h.pool.put(h.Payload)
	}
	*h = Heap{Cnt: h.Cnt, Flavour: h.Flavour, Length: -1}
}

// Complete reports whether every byte of the heap's payload arrived.
func (h *Heap) Complete() bool { return h.complete }

// Items returns the heap's items, appended to dst, in the order their
// pointers arrived; the pointers that describe packets and NULL padding
// are left out. Addressed items' Data points into Payload. In an
// incomplete heap, addressed items not wholly within Payload are left
// out too. An error means an item pointer addresses a byte past the
// payload; dst is then returned as it was.
func (h *Heap) Items(dst []spead.RawItem) ([]spead.RawItem, error) {
	pointers := h.pointers
	if !h.complete {
		pointers = h.wholePointers()
	}
	items, err := spead.DecodeItems(h.Flavour, pointers, h.Payload, dst)
	if err != nil {
		return items, fmt.Errorf("heap %d: %w", h.Cnt, err)
	}
	return items, nil
}

// Descriptors returns the descriptors the heap carries, decoded. A
// descriptor that does not decode is left out and reported in the error,
// which joins one error per bad descriptor.
func (h *Heap) Descriptors() ([]spead.Descriptor, error) {
	items, err := h.Items(nil)
	var ds []spead.Descriptor
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, it := range items {
		if it.ID != spead.DescriptorID || it.Immediate {
			continue
		}
		d, err := spead.DecodeDescriptor(it.Data)
		if err != nil {
			errs = append(errs, fmt.Errorf("heap %d: %w", h.Cnt, err))
			continue
		}
		ds = append(ds, d)
	}
	return ds, errors.Join(errs...)
}

// IsEndOfStream reports whether the heap carries the stream control item
// that ends a stream. Receivers do not hand such heaps out; this is for
// heaps built by hand.
func (h *Heap) IsEndOfStream() bool {
	return hasCtrl(h.Flavour, h.pointers, spead.CtrlStreamStop)
}

// IsStartOfStream reports whether the heap carries the stream control
// item that starts a stream, as [spead.StartOfStream]'s heap does.
// Receivers hand such a heap out like any other, and count it in
// Stats.Heaps, as spead2 does; it ends nothing. [ItemGroup.Update] skips
// the control item and takes the heap's other items, if any, as from any
// heap (spead.StartOfStream's heap has none).
func (h *Heap) IsStartOfStream() bool {
	return hasCtrl(h.Flavour, h.pointers, spead.CtrlStreamStart)
}

// wholePointers returns the item pointers of an incomplete heap that
// describe items wholly within Payload: the immediate ones, and the
// addressed ones whose item ends (at the next higher address, or at the
// heap's extent) within Payload, then a NULL pointer that ends the last
// of these where the heap says it ends.
func (h *Heap) wholePointers() []byte {
	limit := uint64(len(h.Payload))
	if uint64(max(h.extent, 0)) <= limit {
		return h.pointers
	}
	f := h.Flavour
	be := binary.BigEndian
	var addrs []uint64
	for i := 0; i+8 <= len(h.pointers); i += 8 {
		if ip := be.Uint64(h.pointers[i:]); ip>>63 == 0 {
			addrs = append(addrs, ip&f.MaxValue())
		}
	}
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	// Items at addresses below cut end within Payload.
	cut := uint64(0)
	for i := len(addrs) - 1; i >= 0; i-- {
		if addrs[i] <= limit {
			cut = addrs[i]
			break
		}
	}
	out := make([]byte, 0, len(h.pointers)+8)
	for i := 0; i+8 <= len(h.pointers); i += 8 {
		ip := be.Uint64(h.pointers[i:])
		if ip>>63 == 1 || ip&f.MaxValue() < cut {
			out = append(out, h.pointers[i:i+8]...)
		}
	}
	return be.AppendUint64(out, f.Address(spead.NullID, cut))
}
