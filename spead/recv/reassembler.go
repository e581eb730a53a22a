package recv

import (
	"fmt"
	"slices"

	"github.com/gospead/tutorial/spead"
)

// Reassembler turns packets into heaps, with no transport: a [Stream]
// feeds it from a socket, and tests and fuzzers feed it directly. It
// accepts packets of any SPEAD-64-N flavour in any order, keeps at most
// Config.MaxHeaps heaps under construction (evicting the oldest, as
// incomplete, to make room) and stops at the end-of-stream item.
//
// As in spead2, a packet whose heap counter is not among the heaps under
// construction starts a new heap, even if a heap with that counter was
// handed out before: a sender that restarts its counters, or two senders
// on one port, lose no heap. (A late duplicate of a packet of a heap
// already handed out starts a heap that is evicted, incomplete, later.)
// Unlike spead2, a heap that carries its whole payload in one packet
// takes no room among the heaps under construction and evicts nothing.
//
// Its payload memory follows the bytes that arrived, not the lengths
// packets claim; see [Config.MaxHeapLength] for the bound.
//
// A Reassembler is not safe for concurrent use.
type Reassembler struct {
	cfg   Config
	live  []*liveHeap // under construction, oldest first
	last  *liveHeap   // the heap of the previous packet, a fast path
	spare []*liveHeap // reset heaps for reuse
	pool  *bufferPool
	// most is the most payload that has arrived for one heap: W in the
	// memory bound.
	most    int64
	stats   Stats
	stopped bool
	endCnt  uint64 // the counter of the end-of-stream heap
	ended   bool   // the end-of-stream item arrived
}

// NewReassembler returns a reassembler with configuration cfg; only the
// fields that limit heaps (MaxHeaps, MaxHeapLength, MaxPointers) matter
// to it.
func NewReassembler(cfg Config) (*Reassembler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Reassembler{
		cfg:  cfg,
		live: make([]*liveHeap, 0, cfg.MaxHeaps),
		pool: &bufferPool{max: cfg.MaxHeaps},
	}, nil
}

// Stats returns the statistics so far.
func (r *Reassembler) Stats() Stats { return r.stats }

// Stopped reports whether the stream has ended, by its end-of-stream item
// or by [Reassembler.Stop].
func (r *Reassembler) Stopped() bool { return r.stopped }

// EndOfStream reports whether the stream ended with its end-of-stream
// item, and the heap counter of the heap that carried it. A sender that
// numbers heaps in order gives that heap the counter after its last data
// heap, which lets a receiver notice heaps lost at the end.
func (r *Reassembler) EndOfStream() (cnt uint64, ok bool) { return r.endCnt, r.ended }

// AddPacket adds one packet, the payload of one datagram, and appends to
// dst the heaps it finishes: an incomplete heap evicted to make room, the
// heap it completes, or, when it carries the end-of-stream item, every
// heap still under construction (flushed as incomplete). The heap that
// carries the end-of-stream item itself is not handed out.
//
// A packet that is dropped is counted in the statistics and reported by
// a [*PacketError]; after the stream stops, packets are ignored and
// AddPacket returns [ErrStopped]. The receiver keeps no reference to pkt.
// Heaps handed out may be given back with [Heap.Release] for their memory
// to be reused.
func (r *Reassembler) AddPacket(dst []*Heap, pkt []byte) ([]*Heap, error) {
	if r.stopped {
		return dst, ErrStopped
	}
	p, err := spead.ParsePacket(pkt)
	if err == nil {
		// A datagram is one packet, with nothing after its payload;
		// spead2 drops one whose size disagrees, and so do we.
		if size := spead.HeaderSize + len(p.Pointers) + len(p.Payload); size != len(pkt) {
			err = fmt.Errorf("%w: a %d-byte packet in a %d-byte datagram", spead.ErrPayloadLength, size, len(pkt))
		}
	}
	if err != nil {
		return dst, r.drop(parseReason(err), p.HeapCnt, err)
	}
	h := r.last
	isNew := false
	if h == nil || h.cnt != p.HeapCnt {
		h = r.find(p.HeapCnt)
		if h == nil {
			h = r.newHeap(p.HeapCnt, p.Flavour)
			isNew = true
		}
	}
	if reason, err := h.add(&p, &r.cfg, r.pool); err != nil {
		if isNew {
			r.release(h)
		}
		return dst, r.drop(reason, p.HeapCnt, err)
	}
	r.stats.Packets++
	r.stats.Bytes += uint64(len(pkt))
	r.stats.LargestPacket = max(r.stats.LargestPacket, uint64(len(pkt)))
	r.most = max(r.most, h.received)

	if h.eos {
		// The end of the stream: its own heap is not handed out, and
		// everything else still under construction is flushed.
		if !isNew {
			r.remove(h)
		}
		r.endCnt, r.ended = h.cnt, true
		r.release(h)
		return r.Stop(dst), nil
	}
	if h.complete() {
		if !isNew {
			r.remove(h)
		}
		r.stats.Heaps++
		return append(dst, r.hand(h)), nil
	}
	if isNew {
		if len(r.live) == r.cfg.MaxHeaps {
			old := r.live[0]
			r.remove(old)
			r.stats.Heaps++
			r.stats.IncompleteHeapsEvicted++
			dst = append(dst, r.hand(old))
		}
		r.live = append(r.live, h)
	}
	r.last = h
	return dst, nil
}

// Stop ends the stream, as its end-of-stream item would: it appends every
// heap still under construction to dst, oldest first, as incomplete
// heaps, and ignores packets from then on. Stopping a stopped reassembler
// does nothing.
func (r *Reassembler) Stop(dst []*Heap) []*Heap {
	r.stopped = true
	for _, h := range r.live {
		r.stats.Heaps++
		r.stats.IncompleteHeapsFlushed++
		dst = append(dst, r.hand(h))
	}
	clear(r.live)
	r.live = r.live[:0]
	r.last = nil
	return dst
}

// drop counts a dropped packet and returns the error that reports it.
func (r *Reassembler) drop(reason Reason, cnt uint64, err error) error {
	r.stats.BadPackets[reason]++
	return &PacketError{Reason: reason, HeapCnt: cnt, Err: err}
}

// find returns the heap under construction with counter cnt, or nil.
func (r *Reassembler) find(cnt uint64) *liveHeap {
	for _, h := range r.live {
		if h.cnt == cnt {
			return h
		}
	}
	return nil
}

// newHeap returns an empty heap, reusing a spare one if it can.
func (r *Reassembler) newHeap(cnt uint64, f spead.Flavour) *liveHeap {
	var h *liveHeap
	if n := len(r.spare); n > 0 {
		h, r.spare = r.spare[n-1], r.spare[:n-1]
	} else {
		h = new(liveHeap)
	}
	h.reset(cnt, f)
	return h
}

// release returns h's buffers to the pool and keeps h for reuse.
func (r *Reassembler) release(h *liveHeap) {
	if r.last == h {
		r.last = nil
	}
	h.discard(r.pool)
	h.reset(0, spead.Flavour{})
	if len(r.spare) < r.cfg.MaxHeaps {
		r.spare = append(r.spare, h)
	}
}

// remove takes h out of the heaps under construction.
func (r *Reassembler) remove(h *liveHeap) {
	if i := slices.Index(r.live, h); i >= 0 {
		r.live = slices.Delete(r.live, i, i+1)
	}
	if r.last == h {
		r.last = nil
	}
}

// hand turns h into a Heap for the caller and releases h.
func (r *Reassembler) hand(h *liveHeap) *Heap {
	out := h.hand(r.pool)
	r.release(h)
	return out
}

// held returns the payload memory the reassembler holds, in bytes: the
// buffers of its heaps under construction and those kept for reuse.
func (r *Reassembler) held() int64 {
	n := r.pool.held()
	for _, h := range r.live {
		n += h.held()
	}
	return n
}
