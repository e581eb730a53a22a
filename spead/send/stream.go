package send

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gospead/tutorial/spead"
)

// ErrClosed is returned for heaps handed to a stream after Close.
var ErrClosed = errors.New("send: stream is closed")

// maxBatch is how many packets go to the writer at once: spead2's figure,
// and the most segments Linux merges into one GSO message.
const maxBatch = 64

// request is a heap waiting in the stream's queue.
type request struct {
	ctx  context.Context
	heap *spead.Heap
	dest int
	fut  *Future
}

// packet is one packet of a batch: its pieces are batch.bufs[first:end].
type packet struct {
	first, end int
	size       int
	dest       int
}

// batch is the packets a writer sends in one go, and the memory behind
// their headers. It is reused from batch to batch.
type batch struct {
	bufs    [][]byte
	pkts    []packet
	scratch []byte
}

// writer puts batches of packets on the wire.
type writer interface {
	// write sends every packet of b and returns their bytes, or returns
	// the bytes of the packets it sent before the error that stopped it;
	// ctx may end a wait for room in the socket's buffer.
	write(ctx context.Context, b *batch) (int, error)
	// destinations returns how many endpoints the writer knows.
	destinations() int
	// close releases the writer's resources.
	close() error
}

// Stream sends heaps to one or more destinations. Create one with
// [NewUDPStream]; it is safe for concurrent use, and heaps leave in the
// order their sends were called.
type Stream struct {
	cfg   Config
	spin  time.Duration // how long waiters spin: cfg.WaitSpin, or 0
	w     writer
	slots chan struct{}
	queue chan request

	mu     sync.RWMutex
	closed bool
	done   chan struct{}

	syncMu  sync.Mutex
	syncFut Future
}

// newStream starts a stream over w.
func newStream(w writer, cfg Config) *Stream {
	s := &Stream{
		cfg:   cfg,
		w:     w,
		slots: make(chan struct{}, cfg.MaxHeaps),
		queue: make(chan request, cfg.MaxHeaps),
		done:  make(chan struct{}),
	}
	if runtime.GOMAXPROCS(0) > 1 {
		// Spinning only pays where the waiter has a CPU of its own.
		s.spin = cfg.WaitSpin
	}
	go s.run()
	return s
}

// Config returns the stream's configuration.
func (s *Stream) Config() Config { return s.cfg }

// SendHeap sends h to the first destination and waits for it to go.
func (s *Stream) SendHeap(ctx context.Context, h *spead.Heap) (int64, error) {
	return s.SendHeapTo(ctx, h, 0)
}

// SendHeapTo sends h to destination dest (an index into the endpoints the
// stream was made with) and waits for it to go. It returns the bytes put on
// the wire, SPEAD headers included.
func (s *Stream) SendHeapTo(ctx context.Context, h *spead.Heap, dest int) (int64, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.AsyncSendHeapTo(ctx, h, dest, &s.syncFut)
	return s.syncFut.Wait()
}

// AsyncSendHeap hands h to the stream for the first destination and
// returns a Future for its result; see [Stream.AsyncSendHeapTo].
func (s *Stream) AsyncSendHeap(ctx context.Context, h *spead.Heap, f *Future) *Future {
	return s.AsyncSendHeapTo(ctx, h, 0, f)
}

// AsyncSendHeapTo hands h to the stream for destination dest and returns
// f, or a new Future when f is nil, on which to wait for the result.
//
// When Config.MaxHeaps heaps are already in flight it blocks until one of
// them finishes; if ctx ends first, the Future holds ctx's error and h is
// not sent. A heap whose ctx ends while it waits in the queue is skipped,
// and one whose ctx ends while it is being sent stops part way. The heap,
// and the memory its items refer to, must not change until the Future is
// done.
func (s *Stream) AsyncSendHeapTo(ctx context.Context, h *spead.Heap, dest int, f *Future) *Future {
	if f == nil {
		f = new(Future)
	}
	f.start(s.spin)
	if dest < 0 || dest >= s.w.destinations() {
		f.finish(0, fmt.Errorf("send: destination %d is outside 0 to %d", dest, s.w.destinations()-1))
		return f
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		f.finish(0, fmt.Errorf("send: waiting for a free heap slot: %w", ctx.Err()))
		return f
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		<-s.slots
		f.finish(0, ErrClosed)
		return f
	}
	s.queue <- request{ctx: ctx, heap: h, dest: dest, fut: f}
	s.mu.RUnlock()
	return f
}

// Close waits for every heap already handed to the stream to be sent,
// then releases the socket. Heaps handed to it afterwards fail with
// ErrClosed.
func (s *Stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.done
	return s.w.close()
}

// run is the stream's transmit goroutine. It owns the packet generator,
// the batch and the rate limiter, so sending allocates nothing per heap.
func (s *Stream) run() {
	defer close(s.done)
	// Deliberately not locked to an OS thread: see docs/internals.md.
	var (
		gen  spead.PacketGenerator
		b    batch
		lim  = newLimiter(s.cfg)
		cnt  = uint64(1)
		maxN = s.cfg.MaxPacketSize
	)
	b.pkts = make([]packet, 0, maxBatch)
	for req := range s.queue {
		n, err := s.sendOne(req, &gen, &b, lim, cnt, maxN)
		if n > 0 || err == nil {
			// A heap that put nothing on the wire leaves its
			// counter to the next, so receivers see no gap.
			cnt++
		}
		req.fut.finish(n, err)
		<-s.slots
	}
}

// sendOne sends the packets of one heap.
func (s *Stream) sendOne(req request, gen *spead.PacketGenerator, b *batch, lim *limiter, cnt uint64, maxN int) (int64, error) {
	if err := req.ctx.Err(); err != nil {
		return 0, fmt.Errorf("send: heap %d not sent: %w", cnt, err)
	}
	if err := gen.Reset(req.heap, cnt, maxN); err != nil {
		return 0, fmt.Errorf("send: heap %d: %w", cnt, err)
	}
	if need := maxBatch * gen.MaxHeaderSize(); cap(b.scratch) < need {
		b.scratch = make([]byte, need)
	}
	var total int64
	for gen.More() {
		b.bufs, b.pkts = b.bufs[:0], b.pkts[:0]
		hs := gen.MaxHeaderSize()
		bytes := 0
		for i := 0; i < maxBatch && gen.More(); i++ {
			first := len(b.bufs)
			var size int
			b.bufs, size = gen.Next(b.scratch[i*hs:(i+1)*hs], b.bufs)
			b.pkts = append(b.pkts, packet{first: first, end: len(b.bufs), size: size, dest: req.dest})
			bytes += size
		}
		lim.wait(bytes)
		n, err := s.w.write(req.ctx, b)
		// Packets that went before an error count: they are on the
		// wire with this heap's counter, which the next heap must
		// not reuse.
		total += int64(n)
		if err != nil {
			return total, fmt.Errorf("send: heap %d: %w", cnt, err)
		}
		if gen.More() {
			if err := req.ctx.Err(); err != nil {
				return total, fmt.Errorf("send: heap %d stopped part way: %w", cnt, err)
			}
		}
	}
	return total, nil
}
