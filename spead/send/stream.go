package send

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
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

// request is a heap, or a group of heaps, waiting in the stream's queue.
type request struct {
	ctx   context.Context
	heap  *spead.Heap   // the heap of a single send
	heaps []*spead.Heap // the heaps of a group, or nil
	dest  int
	mode  GroupMode
	fut   *Future
	// cnt and step give the heaps' counters: heap i of the request
	// takes cnt + i*step, masked to its flavour's heap address bits.
	cnt, step uint64
}

// len returns how many heaps r holds.
func (r *request) len() int {
	if r.heaps != nil {
		return len(r.heaps)
	}
	return 1
}

// at returns heap i of r.
func (r *request) at(i int) *spead.Heap {
	if r.heaps != nil {
		return r.heaps[i]
	}
	return r.heap
}

// packet is one packet of a batch: its pieces are batch.bufs[first:end].
type packet struct {
	first, end int
	size       int
	dest       int
	grp        int // the group it belongs to: an index into the sender's groups
	heap       int // its heap: an index into the group's heaps
}

// batch is the packets a writer sends in one go, and the memory behind
// their headers. It is reused from batch to batch.
type batch struct {
	bufs    [][]byte
	pkts    []packet
	scratch []byte // the packets' headers, used up to used
	used    int
	bytes   int // the packets' bytes
}

// packetsIn returns how many of the batch's first packets add up to n
// bytes, the count a writer reports.
func (b *batch) packetsIn(n int) int {
	k := 0
	for k < len(b.pkts) && n >= b.pkts[k].size {
		n -= b.pkts[k].size
		k++
	}
	return k
}

// writer puts batches of packets on the wire.
type writer interface {
	// write sends every packet of b and returns their bytes, or returns
	// the bytes of the packets it sent before the error that stopped it;
	// ctx may end a wait for room in the socket's buffer.
	write(ctx context.Context, b *batch) (int, error)
	// destinations returns how many endpoints the writer knows.
	destinations() int
	// gsoState is Stream.GSO; it may be called from any goroutine.
	gsoState() (bool, error)
	// close releases the writer's resources.
	close() error
}

// Stream sends heaps to one or more destinations. Create one with
// [NewUDPStream]; it is safe for concurrent use, and heaps leave in the
// order their sends were called.
type Stream struct {
	cfg    Config
	eps    []netip.AddrPort // the destinations, if the stream has addresses
	spin   time.Duration    // how long waiters spin: cfg.WaitSpin, or 0
	w      writer
	places *inflight
	queue  chan request

	mu     sync.RWMutex
	closed bool
	done   chan struct{}

	// abort is closed when a CloseContext gives up on the drain; the
	// heaps not yet sent then fail with abortErr.
	abort     chan struct{}
	abortOnce sync.Once
	abortErr  error
	closeOnce sync.Once
	closeErr  error

	// tailMu orders the queue: a request takes its counters and its
	// place in the queue under it, as spead2's tail_mutex does.
	tailMu sync.Mutex
	next   uint64 // the counter of the next heap queued
	step   uint64 // added to next after each heap

	syncMu  sync.Mutex
	syncFut Future
}

// newStream starts a stream over w.
func newStream(w writer, cfg Config) *Stream {
	s := &Stream{
		cfg:    cfg,
		w:      w,
		places: newInflight(cfg.MaxHeaps),
		queue:  make(chan request, cfg.MaxHeaps),
		done:   make(chan struct{}),
		abort:  make(chan struct{}),
		next:   1,
		step:   1,
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
// them finishes. If ctx has ended when it is called, or ends while it
// blocks, h is not queued: the Future holds ctx's error and h takes no
// heap counter. A heap whose ctx ends while it waits in the queue is
// skipped, and one whose ctx ends while it is being sent stops part way.
// The heap, and the memory its items refer to, must not change until the
// Future is done.
func (s *Stream) AsyncSendHeapTo(ctx context.Context, h *spead.Heap, dest int, f *Future) *Future {
	if f == nil {
		f = new(Future)
	}
	f.start(s.spin)
	if h == nil {
		f.finish(0, errors.New("send: nil heap"))
		return f
	}
	s.enqueue(request{ctx: ctx, heap: h, dest: dest, fut: f})
	return f
}

// enqueue takes a place in flight for each heap of r, waiting for them if
// need be, and queues r; if ctx ends first or the stream is closed, it
// finishes r's Future with the error instead. r.fut has been started.
func (s *Stream) enqueue(r request) {
	f, ctx, k := r.fut, r.ctx, r.len()
	if r.dest < 0 || r.dest >= s.w.destinations() {
		f.finish(0, fmt.Errorf("send: destination %d is outside 0 to %d", r.dest, s.w.destinations()-1))
		return
	}
	if waited, err := s.places.take(ctx, k); err != nil {
		f.finish(0, notQueued(k, waited, err))
		return
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		s.places.give(k)
		f.finish(0, ErrClosed)
		return
	}
	// The queue has room: each request in it holds at least one of the
	// MaxHeaps places, and the queue holds MaxHeaps requests.
	s.tailMu.Lock()
	r.cnt, r.step = s.next, s.step
	s.next += uint64(k) * s.step
	s.queue <- r
	s.tailMu.Unlock()
	s.mu.RUnlock()
}

// notQueued returns the error of a send of k heaps that take refused
// with ctx's error err, saying whether it waited for places first.
func notQueued(k int, waited bool, err error) error {
	switch {
	case waited && k == 1:
		return fmt.Errorf("send: waiting for a free heap slot: %w", err)
	case waited:
		return fmt.Errorf("send: waiting for %d free heap slots: %w", k, err)
	case k == 1:
		return fmt.Errorf("send: heap not queued: %w", err)
	}
	return fmt.Errorf("send: group of %d heaps not queued: %w", k, err)
}

// SetCntSequence makes the next heap handed to the stream take heap
// counter next, and each heap after it the counter before plus step, as
// spead2's set_cnt_sequence does; a new stream counts 1, 2, 3 and so on.
// Counters are masked to the heap's flavour's heap address bits (40 by
// default), so they wrap. Keeping them distinct from those of other
// senders to the same receiver is the caller's affair: two senders may,
// for example, take odd and even counters with steps of 2. A heap takes
// its counter when it is queued, so one that then fails still uses it up;
// a send refused before it is queued (closed stream, bad destination, a
// context that ended before the send was queued) takes none. SetCntSequence
// returns an error, and changes nothing, if step is 0.
func (s *Stream) SetCntSequence(next, step uint64) error {
	if step == 0 {
		return errors.New("send: a heap counter step of 0")
	}
	s.tailMu.Lock()
	s.next, s.step = next, step
	s.tailMu.Unlock()
	return nil
}

// Close waits for every heap already handed to the stream to be sent,
// then releases the socket. Heaps handed to it afterwards fail with
// ErrClosed.
func (s *Stream) Close() error {
	return s.CloseContext(context.Background())
}

// CloseContext is Close with a way out of a slow drain: if ctx ends
// before every heap already handed to the stream has been sent, the heaps
// not yet sent fail (a heap being sent stops part way, unless a write of
// its packets is under way), the socket is released, and CloseContext
// returns an error wrapping ctx's.
func (s *Stream) CloseContext(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.mu.Unlock()
	var err error
	select {
	case <-s.done:
	case <-ctx.Done():
		err = fmt.Errorf("send: closing the stream: heaps left unsent: %w", ctx.Err())
		s.abortOnce.Do(func() {
			s.abortErr = fmt.Errorf("the stream was closed before it was sent: %w", ctx.Err())
			close(s.abort)
		})
		<-s.done
	}
	s.closeOnce.Do(func() { s.closeErr = s.w.close() })
	if err != nil {
		return err
	}
	return s.closeErr
}
