package recv

import (
	"errors"
	"fmt"

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
	// Payload is the heap's payload. In an incomplete heap, the parts
	// that never arrived are zero.
	Payload []byte

	pointers []byte // distinct item pointers, big-endian, in arrival order
	complete bool
	pool     *bufferPool // where Release returns Payload
}

// Release hands the heap's payload memory back to the receiver that made
// it, for later heaps to reuse, so that a long stream allocates nothing
// per heap. Afterwards the heap is empty, and the Payload, items and
// values taken from it must not be used. Calling Release is optional;
// memory not released is garbage collected as usual.
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
// are left out. Addressed items' Data points into Payload. An error
// means an item pointer addresses a byte past the payload; dst is then
// returned as it was.
func (h *Heap) Items(dst []spead.RawItem) ([]spead.RawItem, error) {
	items, err := spead.DecodeItems(h.Flavour, h.pointers, h.Payload, dst)
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
	return hasStop(h.Flavour, h.pointers)
}
