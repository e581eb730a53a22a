package send

import (
	"context"
	"errors"
	"fmt"

	"github.com/gospead/tutorial/spead"
)

// run is the stream's transmit goroutine. It owns a sender, which owns
// the packet generators, the batch and the rate limiter, so sending
// allocates nothing per heap.
func (s *Stream) run() {
	defer close(s.done)
	// Deliberately not locked to an OS thread: see docs/internals.md.
	t := &sender{
		s:    s,
		lim:  newLimiter(s.cfg),
		maxN: s.cfg.MaxPacketSize,
		cur:  -1,
	}
	t.b.pkts = make([]packet, 0, maxBatch)
	t.b.scratch = make([]byte, maxBatch*128)
	for t.fill() {
		t.send()
		t.complete()
	}
}

// sender cuts the queued heaps into batches of packets and writes them.
// Like spead2's writer, it fills a batch with the packets of as many heaps
// as are queued and fit, so that small heaps share system calls.
type sender struct {
	s    *Stream
	lim  *limiter
	maxN int

	b      batch
	groups []group // the groups with packets in b, in queue order
	cur    int     // the group being cut, an index into groups, or -1
	// gens and links are the current group's: a generator and, for
	// round robin, the heap to try after it, for each of its heaps.
	gens  []spead.PacketGenerator
	links []int
}

// group is a request the sender has taken from the queue.
type group struct {
	req  request
	next int   // the heap whose packet is cut next
	left int   // heaps with packets still to cut
	n    int64 // bytes on the wire
	err  error
	done bool // cut to the end, or failed
}

// fill cuts packets into the batch until it holds maxBatch packets or the
// queue is empty, waiting for a request only while nothing is pending. It
// returns false once the queue is closed and drained.
func (t *sender) fill() bool {
	b := &t.b
	b.bufs, b.pkts, b.used, b.bytes = b.bufs[:0], b.pkts[:0], 0, 0
	if t.cur >= 0 && len(t.groups) > 0 {
		// The group being cut carries over to this batch.
		t.groups[0] = t.groups[t.cur]
		t.groups = t.groups[:1]
		t.cur = 0
		if g := &t.groups[0]; t.stopped(g.req.ctx) != nil {
			g.err = t.s.heapError(&g.req, g.next, fmt.Errorf("stopped part way: %w", t.stopped(g.req.ctx)))
			g.done = true
			t.cur = -1
		}
	} else {
		t.groups = t.groups[:0]
		t.cur = -1
	}
	for len(b.pkts) < maxBatch {
		if t.cur < 0 {
			var req request
			var ok bool
			if len(t.groups) == 0 {
				if req, ok = <-t.s.queue; !ok {
					return false
				}
			} else {
				select {
				case req, ok = <-t.s.queue:
				default:
				}
				if !ok {
					break
				}
			}
			t.start(req)
			continue
		}
		if !t.cut() {
			break // the headers' memory is full
		}
	}
	return true
}

// start takes req as the next group: it gives its heaps their counters and
// readies their generators, or fails it if its context has ended or a heap
// cannot be sent. A failed group takes no counters.
func (t *sender) start(req request) {
	k := req.len()
	t.groups = append(t.groups, group{req: req, left: k})
	g := &t.groups[len(t.groups)-1]
	if err := t.stopped(req.ctx); err != nil {
		g.err = t.s.heapError(&req, 0, err)
		g.done = true
		return
	}
	if len(t.gens) < k {
		t.gens = make([]spead.PacketGenerator, k)
		t.links = make([]int, k)
	}
	for i := range k {
		if err := t.gens[i].Reset(req.at(i), req.counter(i), t.maxN); err != nil {
			g.err = t.s.heapError(&req, i, err)
			g.done = true
			return
		}
		t.links[i] = (i + 1) % k
	}
	t.cur = len(t.groups) - 1
}

// cut adds packets of the current group to the batch until the batch is
// full or the group has no packets left. It returns false if the
// batch's memory for headers ran out first.
func (t *sender) cut() bool {
	b := &t.b
	g := &t.groups[t.cur]
	for len(b.pkts) < maxBatch {
		gen := &t.gens[g.next]
		hs := gen.MaxHeaderSize()
		if b.used+hs > len(b.scratch) {
			if len(b.pkts) > 0 {
				return false
			}
			// Only an empty batch may move its headers' memory;
			// a heap with many item pointers makes it grow.
			b.scratch = make([]byte, maxBatch*hs)
		}
		first := len(b.bufs)
		bufs, size, err := gen.Next(b.scratch[b.used:b.used+hs], b.bufs)
		if err != nil {
			// Not while More holds and the scratch is MaxHeaderSize.
			g.err = t.s.heapError(&g.req, g.next, err)
			g.done = true
			t.cur = -1
			return true
		}
		b.bufs = bufs
		b.used += hs
		b.bytes += size
		b.pkts = append(b.pkts, packet{
			first: first, end: len(b.bufs), size: size,
			dest: g.req.dest, grp: t.cur, heap: g.next,
		})
		if g.req.mode == RoundRobin {
			if !gen.More() {
				g.left--
			}
			if g.left == 0 {
				break
			}
			// The next heap with packets left, after this one. As
			// in spead2, each heap remembers where the search
			// from it ended, so finished heaps are skipped once.
			j := t.links[g.next]
			for !t.gens[j].More() {
				j = t.links[j]
			}
			t.links[g.next] = j
			g.next = j
		} else if !gen.More() {
			g.left--
			if g.left == 0 {
				break
			}
			g.next++
		}
	}
	if g.left == 0 {
		g.done = true
		t.cur = -1
	}
	return true
}

// send writes the batch. When a write fails, the group of the packet it
// failed on fails with the error and sends nothing more; the packets of
// the other groups are written again.
func (t *sender) send() {
	b := &t.b
	if len(b.pkts) == 0 {
		return
	}
	for len(b.pkts) > 0 {
		// The limiter waits under the context of the first group in
		// the batch: if that ends, that group stops, and the rest
		// wait again; if the stream is abandoned, they all stop.
		first := &t.groups[b.pkts[0].grp]
		err := t.lim.wait(first.req.ctx, t.s.abort, b.bytes)
		if err == nil {
			break
		}
		if err == errAborted {
			err = t.s.abortErr
		}
		err = fmt.Errorf("stopped part way: %w", err)
		stop := b.pkts[0].grp
		rest := b.pkts[:0]
		b.bytes = 0
		for _, p := range b.pkts {
			g := &t.groups[p.grp]
			if p.grp == stop || t.stopped(g.req.ctx) != nil {
				if g.err == nil {
					g.err = t.s.heapError(&g.req, p.heap, err)
				}
				g.done = true
				if t.cur == p.grp {
					t.cur = -1
				}
				continue
			}
			rest = append(rest, p)
			b.bytes += p.size
		}
		b.pkts = rest
	}
	for len(b.pkts) > 0 {
		first := &t.groups[b.pkts[0].grp]
		n, err := t.s.w.write(first.req.ctx, b)
		sent := b.packetsIn(n)
		for _, p := range b.pkts[:sent] {
			t.groups[p.grp].n += int64(p.size)
		}
		if err == nil {
			return
		}
		// The write waited for room in the socket's buffer under the
		// context of the first group in the batch: if that ended, it
		// is that group that stops, wherever the write was.
		bad, heap := b.pkts[sent].grp, b.pkts[sent].heap
		if ctxErr := first.req.ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			bad, heap = b.pkts[0].grp, first.next
			err = fmt.Errorf("stopped part way: %w", err)
		}
		g := &t.groups[bad]
		// Packets that went before the error are on the wire with
		// this group's counters, which no later heap reuses.
		g.err = t.s.heapError(&g.req, heap, err)
		g.done = true
		if t.cur == bad {
			t.cur = -1
		}
		rest := b.pkts[:0]
		for _, p := range b.pkts[min(sent, len(b.pkts)):] {
			if p.grp != bad {
				rest = append(rest, p)
			}
		}
		b.pkts = rest
	}
}

// complete releases the places in flight of the groups that are done and
// finishes their Futures, in queue order. The group being cut, if any, is
// the last and stays.
func (t *sender) complete() {
	for i := range t.groups {
		g := &t.groups[i]
		if !g.done {
			continue
		}
		t.s.places.give(g.req.len())
		g.req.fut.finish(g.n, g.err)
		g.req = request{} // let the heaps go
	}
}

// stopped returns why a heap sent under ctx must stop: ctx's error, or
// the stream's abandonment, or nil.
func (t *sender) stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-t.s.abort:
		return t.s.abortErr
	default:
		return nil
	}
}

// counter returns the counter of heap i of r.
func (r *request) counter(i int) uint64 {
	f := r.at(i).Flavour
	if f == (spead.Flavour{}) {
		f = spead.DefaultFlavour
	}
	return (r.cnt + uint64(i)*r.step) & f.MaxValue()
}
