package recv

import (
	"cmp"
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

// piece is payload that arrived beyond a heap's buffer: n bytes for
// offset off, kept at side[at:at+n].
type piece struct{ off, at, n int64 }

// liveHeap is a heap under construction.
//
// Its memory follows the bytes that arrived, not the length its packets
// claim. The payload goes into buf, which holds offsets 0 to len(buf):
// buf grows (to the packet's end, or double) only while at least half of
// the grown buffer would hold bytes that arrived, so in-order packets
// land in buf with one copy each. A packet further out goes, copied,
// into side, until buf grows over it. The one exception is a buffer of
// the claimed length taken from the pool, which a steady stream of heaps
// recycles: it is memory the receiver already holds, and it goes back to
// the pool if the heap is handed out with little in it.
type liveHeap struct {
	cnt       uint64
	flavour   spead.Flavour
	length    int64 // -1 until a packet says
	minLength int64 // the payload end and item addresses seen so far
	received  int64
	buf       []byte  // payload from offset 0 to len(buf)
	inBuf     int64   // bytes received that lie in buf
	lent      bool    // buf came from the pool, at the claimed length
	side      []byte  // payload beyond buf, in arrival order
	pieces    []piece // where side's bytes belong, sorted by offset
	ranges    []span  // received payload, sorted and merged
	pointers  []byte  // distinct item pointers in arrival order
	seen      map[uint64]struct{}
	eos       bool
}

// keptPieces is how many pieces' worth of index a reset heap keeps.
const keptPieces = 64

// reset makes h an empty heap with counter cnt and flavour f, keeping the
// memory of its ranges and a small index of pieces. Its buffers must have
// been handed on or returned to the pool.
func (h *liveHeap) reset(cnt uint64, f spead.Flavour) {
	pieces := h.pieces[:0]
	if cap(pieces) > keptPieces {
		pieces = nil
	}
	*h = liveHeap{cnt: cnt, flavour: f, length: -1, ranges: h.ranges[:0], pieces: pieces}
}

// complete reports whether every byte of payload arrived.
func (h *liveHeap) complete() bool {
	return h.length >= 0 && h.received == h.length
}

// held returns the payload memory h holds, in bytes.
func (h *liveHeap) held() int64 {
	return int64(cap(h.buf)) + int64(cap(h.side))
}

// hand turns h into a Heap and gives up h's buffers: to the Heap, or
// back to pool. A complete heap's payload is whole; an incomplete heap's
// is the part from offset 0 up to the first byte that did not arrive.
// h must then be reset before reuse.
func (h *liveHeap) hand(pool *bufferPool) *Heap {
	out := &Heap{
		Cnt:      h.cnt,
		Flavour:  h.flavour,
		Length:   h.length,
		Received: h.received,
		pointers: h.pointers,
		complete: h.complete(),
		extent:   h.length,
		pool:     pool,
	}
	if out.extent < 0 {
		out.extent = h.minLength
	}
	if out.complete {
		if int64(len(h.buf)) < h.length {
			// Some of the payload is in side: the heap is whole
			// now, so a buffer of its length is justified.
			buf := pool.take(h.length)
			if buf == nil {
				buf = make([]byte, h.length)
			}
			h.install(buf, len(h.pieces))
		}
		out.Payload = h.buf[:h.length]
	} else {
		prefix := int64(0)
		if len(h.ranges) > 0 && h.ranges[0].start == 0 {
			prefix = h.ranges[0].end
		}
		if prefix > int64(len(h.buf)) || (h.lent && int64(cap(h.buf)) > 2*prefix) {
			// The prefix runs into side, or sits in a pooled buffer
			// far larger than itself: copy it out, so that what is
			// handed out holds no more than arrived.
			p := make([]byte, prefix)
			copy(p, h.buf)
			for _, pc := range h.pieces {
				if pc.off+pc.n <= prefix {
					copy(p[pc.off:], h.side[pc.at:pc.at+pc.n])
				}
			}
			pool.put(h.buf)
			out.Payload, out.pool = p, nil
		} else {
			out.Payload = h.buf[:prefix]
		}
	}
	h.buf, h.side = nil, nil
	return out
}

// discard returns h's buffers to pool, for a heap not handed out.
func (h *liveHeap) discard(pool *bufferPool) {
	pool.put(h.buf)
	h.buf, h.side = nil, nil
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

// hasCtrl reports whether pointers hold the stream control item of the
// given value, as an immediate.
func hasCtrl(f spead.Flavour, pointers []byte, value uint64) bool {
	want := f.Immediate(spead.StreamCtrlID, value)
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
	if p.PayloadLength > 0 {
		h.insertRange(i, p.PayloadOffset, end)
		h.received += p.PayloadLength
		h.store(p.PayloadOffset, p.Payload, cfg.MaxHeapLength, pool)
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

// store keeps the payload data of offset off, which overlaps nothing
// received: in buf if it fits or buf may grow over it, else in side.
// limit bounds the buffer of a heap of unknown length.
func (h *liveHeap) store(off int64, data []byte, limit int64, pool *bufferPool) {
	n := int64(len(data))
	end := off + n
	if end <= int64(len(h.buf)) {
		copy(h.buf[off:end], data)
		h.inBuf += n
		return
	}
	if h.buf == nil && h.length > 0 {
		// A buffer the receiver already holds, of the claimed length:
		// what a steady stream of heaps runs on.
		if buf := pool.take(h.length); buf != nil {
			h.lent = true
			h.install(buf, len(h.pieces))
			copy(h.buf[off:end], data)
			h.inBuf += n
			return
		}
	}
	total := h.length
	if total < 0 {
		total = limit
	}
	size := min(max(end, 2*int64(len(h.buf))), total)
	// Grow only if at least half the grown buffer would hold bytes
	// that arrived: this packet's, buf's, and the pieces it would take.
	hold := h.inBuf + n
	k := 0
	for k < len(h.pieces) && h.pieces[k].off+h.pieces[k].n <= size {
		hold += h.pieces[k].n
		k++
	}
	if size > 2*hold {
		h.addPiece(off, data)
		return
	}
	h.install(make([]byte, size), k)
	copy(h.buf[off:end], data)
	h.inBuf += n
}

// install makes buf, which is at least as long as the current buffer,
// the heap's buffer: it copies the current buffer and the first k pieces
// into it and drops them from side.
func (h *liveHeap) install(buf []byte, k int) {
	copy(buf, h.buf)
	for _, pc := range h.pieces[:k] {
		copy(buf[pc.off:], h.side[pc.at:pc.at+pc.n])
		h.inBuf += pc.n
	}
	h.buf = buf
	if k == 0 {
		return
	}
	rest := h.pieces[k:]
	if len(rest) == 0 {
		h.side, h.pieces = nil, h.pieces[:0]
		return
	}
	// Keep side no larger than what it still holds.
	n := int64(0)
	for _, pc := range rest {
		n += pc.n
	}
	side := make([]byte, 0, n)
	for i, pc := range rest {
		side = append(side, h.side[pc.at:pc.at+pc.n]...)
		rest[i].at = int64(len(side)) - pc.n
	}
	h.side = side
	h.pieces = append(h.pieces[:0], rest...)
}

// maxPieces bounds the index of side. Past it, adjacent pieces are
// merged, which leaves at most as many as there are separate ranges
// received (maxFragments).
const maxPieces = 2 * maxFragments

// addPiece keeps data, for offset off beyond buf, in side.
func (h *liveHeap) addPiece(off int64, data []byte) {
	if len(h.pieces) >= maxPieces {
		h.mergePieces()
	}
	i, _ := slices.BinarySearchFunc(h.pieces, off, func(pc piece, off int64) int { return cmp.Compare(pc.off, off) })
	h.pieces = slices.Insert(h.pieces, i, piece{off: off, at: int64(len(h.side)), n: int64(len(data))})
	h.side = append(h.side, data...)
}

// mergePieces rewrites side in offset order, as few pieces as the
// received ranges allow.
func (h *liveHeap) mergePieces() {
	n := int64(0)
	for _, pc := range h.pieces {
		n += pc.n
	}
	side := make([]byte, 0, n)
	out := h.pieces[:0]
	for _, pc := range h.pieces {
		data := h.side[pc.at : pc.at+pc.n]
		if k := len(out) - 1; k >= 0 && out[k].off+out[k].n == pc.off {
			out[k].n += pc.n
		} else {
			out = append(out, piece{off: pc.off, at: int64(len(side)), n: pc.n})
		}
		side = append(side, data...)
	}
	h.side, h.pieces = side, out
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
