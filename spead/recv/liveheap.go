package recv

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/gospead/tutorial/spead"
)

// maxFragments bounds how many separate pieces of payload a heap under
// construction may be in, so that packets arriving far out of order
// cannot make its bookkeeping grow without bound. In-order packets keep
// one piece.
const maxFragments = 4096

// inlinePointers is how many distinct item pointers a heap keeps before it
// indexes them in a map.
const inlinePointers = 16

// span is a range of payload bytes received, [start, end).
type span struct{ start, end int64 }

// liveHeap is a heap under construction.
type liveHeap struct {
	cnt       uint64
	flavour   spead.Flavour
	length    int64 // -1 until a packet says
	minLength int64 // the payload end and item addresses seen so far
	received  int64
	payload   []byte
	ranges    []span // received payload, sorted and merged
	pointers  []byte // distinct item pointers in arrival order
	seen      map[uint64]struct{}
	eos       bool
}

// reset makes h an empty heap with counter cnt and flavour f, keeping the
// memory of its ranges.
func (h *liveHeap) reset(cnt uint64, f spead.Flavour) {
	*h = liveHeap{cnt: cnt, flavour: f, length: -1, ranges: h.ranges[:0]}
}

// complete reports whether every byte of payload arrived.
func (h *liveHeap) complete() bool {
	return h.length >= 0 && h.received == h.length
}

// hand turns h into a Heap whose payload goes back to pool on release; h
// must then be reset before reuse.
func (h *liveHeap) hand(pool *bufferPool) *Heap {
	size := h.length
	if size < 0 {
		size = h.minLength
	}
	payload := h.payload
	if int64(len(payload)) < size { // only when nothing arrived
		payload = make([]byte, size)
	}
	payload = payload[:size]
	if !h.complete() {
		// A reused buffer holds old data where no packet arrived.
		prev := int64(0)
		for _, r := range h.ranges {
			clear(payload[prev:min(r.start, size)])
			prev = r.end
		}
		clear(payload[min(prev, size):])
	}
	return &Heap{
		Cnt:      h.cnt,
		Flavour:  h.flavour,
		Length:   h.length,
		Received: h.received,
		Payload:  payload,
		pointers: h.pointers,
		complete: h.complete(),
		pool:     pool,
	}
}

// keepPointer reports whether an item pointer belongs to the heap rather
// than describing the packet.
func keepPointer(f spead.Flavour, ip uint64) bool {
	if ip>>63 == 0 {
		return true
	}
	id := (ip >> f.HeapAddressBits()) & f.MaxID()
	return id < spead.HeapCntID || id > spead.PayloadLengthID
}

// hasStop reports whether pointers hold the stream control item that ends
// a stream.
func hasStop(f spead.Flavour, pointers []byte) bool {
	want := f.Immediate(spead.StreamCtrlID, spead.CtrlStreamStop)
	for i := 0; i+8 <= len(pointers); i += 8 {
		if binary.BigEndian.Uint64(pointers[i:]) == want {
			return true
		}
	}
	return false
}

// has reports whether the heap already holds item pointer ip.
func (h *liveHeap) has(ip uint64) bool {
	if h.seen != nil {
		_, ok := h.seen[ip]
		return ok
	}
	for i := 0; i < len(h.pointers); i += 8 {
		if binary.BigEndian.Uint64(h.pointers[i:]) == ip {
			return true
		}
	}
	return false
}

// addPointer records ip if it is new.
func (h *liveHeap) addPointer(ip uint64) {
	if h.has(ip) {
		return
	}
	h.pointers = binary.BigEndian.AppendUint64(h.pointers, ip)
	if h.seen != nil {
		h.seen[ip] = struct{}{}
	} else if len(h.pointers) > 8*inlinePointers {
		h.seen = make(map[uint64]struct{}, 2*inlinePointers)
		for i := 0; i < len(h.pointers); i += 8 {
			h.seen[binary.BigEndian.Uint64(h.pointers[i:])] = struct{}{}
		}
	}
}

// add adds a packet to the heap, or reports why it cannot. The heap is
// changed only when the packet is accepted. The packet's counter must be
// the heap's.
func (h *liveHeap) add(p *spead.Packet, cfg *Config, pool *bufferPool) (Reason, error) {
	if p.Flavour != h.flavour {
		return ReasonFlavourConflict, fmt.Errorf("heap %d: packet of flavour %v in a heap of flavour %v", h.cnt, p.Flavour, h.flavour)
	}
	length := h.length
	if p.HeapLength >= 0 {
		if p.HeapLength > cfg.MaxHeapLength {
			return ReasonHeapTooLong, fmt.Errorf("heap %d: length %d exceeds the limit of %d", h.cnt, p.HeapLength, cfg.MaxHeapLength)
		}
		if length >= 0 && p.HeapLength != length {
			return ReasonLengthConflict, fmt.Errorf("heap %d: length %d, but earlier packets said %d", h.cnt, p.HeapLength, length)
		}
		if length < 0 && p.HeapLength < h.minLength {
			return ReasonLengthConflict, fmt.Errorf("heap %d: length %d is less than the %d bytes earlier packets need", h.cnt, p.HeapLength, h.minLength)
		}
		length = p.HeapLength
	}
	end := p.PayloadOffset + p.PayloadLength
	if length >= 0 && end > length {
		return ReasonOffset, fmt.Errorf("heap %d: payload %d to %d is past the heap length %d", h.cnt, p.PayloadOffset, end, length)
	}
	if end > cfg.MaxHeapLength {
		return ReasonHeapTooLong, fmt.Errorf("heap %d: payload %d to %d is past the length limit of %d", h.cnt, p.PayloadOffset, end, cfg.MaxHeapLength)
	}

	// The item pointers: addresses within the heap, and room for the
	// new ones.
	f := h.flavour
	maxAddr := int64(0)
	newPointers := 0
	be := binary.BigEndian
	for i := 0; i < len(p.Pointers); i += 8 {
		ip := be.Uint64(p.Pointers[i:])
		if !keepPointer(f, ip) {
			continue
		}
		if ip>>63 == 0 {
			maxAddr = max(maxAddr, int64(ip&f.MaxValue()))
		}
		if !h.has(ip) {
			newPointers++
		}
	}
	if length >= 0 && maxAddr > length {
		return ReasonAddress, fmt.Errorf("heap %d: item address %d is past the heap length %d", h.cnt, maxAddr, length)
	}
	if maxAddr > cfg.MaxHeapLength {
		return ReasonHeapTooLong, fmt.Errorf("heap %d: item address %d is past the length limit of %d", h.cnt, maxAddr, cfg.MaxHeapLength)
	}
	if len(h.pointers)/8+newPointers > cfg.MaxPointers {
		return ReasonTooManyPointers, fmt.Errorf("heap %d: more than %d item pointers", h.cnt, cfg.MaxPointers)
	}

	// Where the payload goes among the pieces already received.
	i := len(h.ranges)
	if p.PayloadLength > 0 {
		if i == 0 || h.ranges[i-1].end > p.PayloadOffset {
			i, _ = slices.BinarySearchFunc(h.ranges, p.PayloadOffset, func(s span, off int64) int {
				if s.start <= off {
					return -1
				}
				return 1
			})
		}
		if (i > 0 && h.ranges[i-1].end > p.PayloadOffset) || (i < len(h.ranges) && h.ranges[i].start < end) {
			return ReasonDuplicate, fmt.Errorf("heap %d: payload %d to %d was already received, in part or in full", h.cnt, p.PayloadOffset, end)
		}
		joinsPrev := i > 0 && h.ranges[i-1].end == p.PayloadOffset
		joinsNext := i < len(h.ranges) && h.ranges[i].start == end
		if !joinsPrev && !joinsNext && len(h.ranges) >= maxFragments {
			return ReasonFragmented, fmt.Errorf("heap %d: payload in more than %d pieces", h.cnt, maxFragments)
		}
	}

	// The packet is accepted: change the heap.
	h.length = length
	h.minLength = max(h.minLength, maxAddr)
	if p.PayloadLength > 0 {
		h.minLength = max(h.minLength, end)
	}
	h.reserve(cfg.MaxHeapLength, pool)
	if p.PayloadLength > 0 {
		h.insertRange(i, p.PayloadOffset, end)
		copy(h.payload[p.PayloadOffset:end], p.Payload)
		h.received += p.PayloadLength
	}
	stop := f.Immediate(spead.StreamCtrlID, spead.CtrlStreamStop)
	for i := 0; i < len(p.Pointers); i += 8 {
		ip := be.Uint64(p.Pointers[i:])
		if keepPointer(f, ip) {
			h.addPointer(ip)
			if ip == stop {
				h.eos = true
			}
		}
	}
	return 0, nil
}

// reserve makes the payload buffer hold the heap: its length once known,
// otherwise what has arrived so far, growing by doubling up to limit.
// Buffers of known length come from pool, with old contents; hand clears
// what no packet overwrote.
func (h *liveHeap) reserve(limit int64, pool *bufferPool) {
	need := h.length
	if need < 0 {
		need = h.minLength
	}
	if int64(len(h.payload)) >= need {
		return
	}
	var buf []byte
	if h.length >= 0 && h.payload == nil {
		buf = pool.get(need)
	} else {
		size := need
		if h.length < 0 {
			size = min(max(need, 2*int64(len(h.payload))), limit)
		}
		buf = make([]byte, size)
		copy(buf, h.payload)
	}
	h.payload = buf
}

// insertRange records payload [start, end) as received; i is where it
// goes among the ranges, and it overlaps none of them.
func (h *liveHeap) insertRange(i int, start, end int64) {
	joinsPrev := i > 0 && h.ranges[i-1].end == start
	joinsNext := i < len(h.ranges) && h.ranges[i].start == end
	switch {
	case joinsPrev && joinsNext:
		h.ranges[i-1].end = h.ranges[i].end
		h.ranges = slices.Delete(h.ranges, i, i+1)
	case joinsPrev:
		h.ranges[i-1].end = end
	case joinsNext:
		h.ranges[i].start = start
	default:
		h.ranges = slices.Insert(h.ranges, i, span{start, end})
	}
}
