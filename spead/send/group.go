package send

import (
	"context"
	"fmt"

	"github.com/gospead/tutorial/spead"
)

// GroupMode is the order in which the packets of a group of heaps, handed
// to a stream in one call, leave it.
type GroupMode int

const (
	// Serial sends each heap of the group whole before the next, as
	// separate sends of the same heaps would.
	Serial GroupMode = iota
	// RoundRobin sends one packet of each heap in turn, first heap
	// first, skipping the heaps that have no packets left.
	RoundRobin
)

// String returns the mode's name: "serial" or "round-robin".
func (m GroupMode) String() string {
	switch m {
	case Serial:
		return "serial"
	case RoundRobin:
		return "round-robin"
	}
	return fmt.Sprintf("GroupMode(%d)", int(m))
}

// SendHeaps sends a group of heaps to the first destination, in the given
// mode, and waits for all of them to go; see [Stream.AsyncSendHeapsTo].
func (s *Stream) SendHeaps(ctx context.Context, heaps []*spead.Heap, mode GroupMode) (int64, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.AsyncSendHeapsTo(ctx, heaps, 0, mode, &s.syncFut)
	return s.syncFut.Wait()
}

// AsyncSendHeaps hands a group of heaps to the stream for the first
// destination; see [Stream.AsyncSendHeapsTo].
func (s *Stream) AsyncSendHeaps(ctx context.Context, heaps []*spead.Heap, mode GroupMode, f *Future) *Future {
	return s.AsyncSendHeapsTo(ctx, heaps, 0, mode, f)
}

// AsyncSendHeapsTo hands a group of heaps to the stream for destination
// dest and returns f, or a new Future when f is nil, which is done when
// every heap of the group has been sent or the group has failed. The heaps
// take consecutive heap counters in the order of the slice, and their
// packets leave in the order mode gives.
//
// Each heap of the group takes a place among Config.MaxHeaps in flight,
// so a group larger than MaxHeaps fails at once; a smaller one waits, as
// [Stream.AsyncSendHeapTo] does, until there is room for all of it. An
// empty group fails at once. The Future holds the bytes of every heap of
// the group, or the first error; a group whose ctx ends while it waits to
// be sent is not sent. The slice, the heaps and the memory they refer to
// must not change until the Future is done.
func (s *Stream) AsyncSendHeapsTo(ctx context.Context, heaps []*spead.Heap, dest int, mode GroupMode, f *Future) *Future {
	if f == nil {
		f = new(Future)
	}
	f.start(s.spin)
	switch {
	case len(heaps) == 0:
		f.finish(0, fmt.Errorf("send: a group of no heaps"))
		return f
	case len(heaps) > s.cfg.MaxHeaps:
		f.finish(0, fmt.Errorf("send: a group of %d heaps is more than the %d in flight that Config.MaxHeaps allows", len(heaps), s.cfg.MaxHeaps))
		return f
	case mode != Serial && mode != RoundRobin:
		f.finish(0, fmt.Errorf("send: unknown group mode %d", int(mode)))
		return f
	}
	for i, h := range heaps {
		if h == nil {
			f.finish(0, fmt.Errorf("send: heap %d of the group is nil", i))
			return f
		}
	}
	s.enqueue(request{ctx: ctx, heaps: heaps, dest: dest, mode: mode, fut: f})
	return f
}
