package send

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
)

// TestInFlightLimit checks that with MaxHeaps 1 a second send waits for
// the first heap to be sent, and that a send whose context ends while it
// waits fails with the context's error and sends nothing.
func TestInFlightLimit(t *testing.T) {
	w := &fakeWriter{eps: 1, gate: make(chan struct{}), started: make(chan struct{}, 10)}
	cfg := DefaultConfig()
	cfg.MaxHeaps = 1
	s := newStream(w, cfg)
	defer s.Close()
	ctx := context.Background()

	var f1, f2, f3 Future
	s.AsyncSendHeap(ctx, testHeap(100, 1), &f1)
	<-w.started // heap 1 is being written, and holds the only slot

	// A send whose context has ended fails at once, with the context's
	// error; one whose context ends while it waits for the slot says
	// that it waited.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s.AsyncSendHeap(cctx, testHeap(100, 3), &f3)
	if _, err := f3.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("send with a cancelled context: got %v, want context.Canceled", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer tcancel()
	s.AsyncSendHeap(tctx, testHeap(100, 3), &f3)
	if _, err := f3.Wait(); err == nil || err.Error() != "send: waiting for a free heap slot: context deadline exceeded" {
		t.Fatalf("send whose context ends while it waits: got %v, want send: waiting for a free heap slot: context deadline exceeded", err)
	}

	returned := make(chan int)
	go func() {
		s.AsyncSendHeap(ctx, testHeap(100, 2), &f2)
		// Heap 1's write must have finished for the slot to be free.
		returned <- w.writeCount()
	}()
	w.gate <- struct{}{} // let heap 1 go
	if n := <-returned; n < 1 {
		t.Errorf("second AsyncSendHeap returned while heap 1 was still being written (%d writes done)", n)
	}
	<-w.started
	w.gate <- struct{}{} // let heap 2 go
	if _, err := f1.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := f2.Wait(); err != nil {
		t.Fatal(err)
	}
	// The cancelled heap used no counter: the heaps are 1 and 2.
	for i, p := range w.sent() {
		pkt, err := spead.ParsePacket(p.data)
		if err != nil {
			t.Fatal(err)
		}
		if pkt.HeapCnt != uint64(i+1) {
			t.Errorf("packet %d has heap counter %d, want %d", i, pkt.HeapCnt, i+1)
		}
	}
}

// TestCancelledInQueue checks that a heap whose context ends while it
// waits in the queue is not sent.
func TestCancelledInQueue(t *testing.T) {
	w := &fakeWriter{eps: 1, gate: make(chan struct{}), started: make(chan struct{}, 10)}
	cfg := DefaultConfig()
	cfg.MaxHeaps = 2
	s := newStream(w, cfg)
	defer s.Close()
	var f1, f2 Future
	s.AsyncSendHeap(context.Background(), testHeap(100, 1), &f1)
	<-w.started
	ctx, cancel := context.WithCancel(context.Background())
	s.AsyncSendHeap(ctx, testHeap(100, 2), &f2)
	cancel()
	w.gate <- struct{}{}
	if _, err := f1.Wait(); err != nil {
		t.Fatal(err)
	}
	if n, err := f2.Wait(); !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("queued heap with a cancelled context: got %d, %v; want 0, context.Canceled", n, err)
	}
}

// TestCloseWaitsForQueued checks that Close returns only after every heap
// handed to the stream has been written, and that sends after it fail
// with ErrClosed.
func TestCloseWaitsForQueued(t *testing.T) {
	w := &fakeWriter{eps: 1, gate: make(chan struct{})}
	cfg := DefaultConfig()
	cfg.MaxHeaps = 4
	s := newStream(w, cfg)
	var futs [4]Future
	for i := range futs {
		s.AsyncSendHeap(context.Background(), testHeap(100, byte(i)), &futs[i])
	}
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	close(w.gate) // let every write through
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	// The heaps are small, a packet each, and may share writes.
	if n := len(w.sent()); n != len(futs) {
		t.Errorf("Close returned after %d of %d heaps were written", n, len(futs))
	}
	for i := range futs {
		if _, err := futs[i].Wait(); err != nil {
			t.Errorf("heap %d: %v", i+1, err)
		}
	}
	if _, err := s.SendHeap(context.Background(), testHeap(100, 9)); !errors.Is(err, ErrClosed) {
		t.Errorf("send after Close: got %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestWriteErrorReported checks that a writer's error reaches the heap's
// Future as a *HeapError with the heap counter and the destination, each
// said once.
func TestWriteErrorReported(t *testing.T) {
	ep := netip.MustParseAddrPort("127.0.0.1:9")
	w := &fakeWriter{eps: 1, fail: wrapSendError(syscall.EMSGSIZE, 9000, ep)}
	s := newStream(w, DefaultConfig())
	s.eps = []netip.AddrPort{ep}
	defer s.Close()
	_, err := s.SendHeap(context.Background(), testHeap(100, 1))
	if !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("got %v, want EMSGSIZE", err)
	}
	var he *HeapError
	if !errors.As(err, &he) || he.Cnt != 1 || he.Dest != ep {
		t.Fatalf("got %#v, want a *HeapError for heap 1 to %v", err, ep)
	}
	want := "send heap 1 to 127.0.0.1:9: a 9000-byte packet exceeds the path MTU (IP and UDP headers add 28 bytes, so the MTU must be at least 9028); lower the max packet size: message too long"
	if err.Error() != want {
		t.Errorf("error:\n got %q\nwant %q", err, want)
	}
}

// TestEndpointsFake checks, without sockets, that each heap goes to the
// destination its send names.
func TestEndpointsFake(t *testing.T) {
	w := &fakeWriter{eps: 3}
	s := newStream(w, DefaultConfig())
	defer s.Close()
	ctx := context.Background()
	for _, d := range []int{2, 0, 1} {
		if _, err := s.SendHeapTo(ctx, testHeap(3000, byte(d)), d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SendHeapTo(ctx, testHeap(10, 0), 3); err == nil || !strings.Contains(err.Error(), "destination 3") {
		t.Errorf("destination 3 of 3: got %v, want an error naming it", err)
	}
	wantDest := []int{2, 0, 1}
	for _, p := range w.sent() {
		pkt, _ := spead.ParsePacket(p.data)
		if d := wantDest[pkt.HeapCnt-1]; p.dest != d {
			t.Errorf("heap %d went to %d, want %d", pkt.HeapCnt, p.dest, d)
		}
	}
}

// TestPartFailedHeapKeepsItsCounter fails a heap after some of its packets
// have gone: its Future reports their bytes with the error, and the next
// heap takes the next counter, since packets with this one are already on
// the wire.
func TestPartFailedHeapKeepsItsCounter(t *testing.T) {
	ep := netip.MustParseAddrPort("127.0.0.1:9")
	w := &fakeWriter{eps: 1, fail: wrapSendError(syscall.EPERM, 1472, ep), failAfter: 2}
	cfg := DefaultConfig()
	cfg.MaxPacketSize = 1472
	s := newStream(w, cfg)
	defer s.Close()
	ctx := context.Background()
	n, err := s.SendHeap(ctx, testHeap(10000, 1))
	if !errors.Is(err, syscall.EPERM) {
		t.Fatalf("heap 1: got %v, want EPERM", err)
	}
	sent := w.sent()
	if len(sent) != 2 {
		t.Fatalf("heap 1 put %d packets on the wire, want 2", len(sent))
	}
	if want := len(sent[0].data) + len(sent[1].data); n != int64(want) {
		t.Errorf("heap 1 reported %d bytes, want the %d of its 2 packets sent", n, want)
	}
	w.mu.Lock()
	w.fail = nil
	w.mu.Unlock()
	if _, err := s.SendHeap(ctx, testHeap(100, 2)); err != nil {
		t.Fatal(err)
	}
	for i, p := range w.sent() {
		pkt, err := spead.ParsePacket(p.data)
		if err != nil {
			t.Fatal(err)
		}
		if want := uint64(1 + i/2); pkt.HeapCnt != want {
			t.Errorf("packet %d has heap counter %d, want %d", i, pkt.HeapCnt, want)
		}
	}
}

// TestRetrier checks the pacing of retries: they go while the context
// lives, and stop with its error, naming the transient one, once it ends.
func TestRetrier(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var r retrier
	for i := range quickRetries + 3 {
		if err := r.wait(ctx, syscall.ENOBUFS); err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
	}
	cancel()
	err := r.wait(ctx, syscall.ENOBUFS)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), syscall.ENOBUFS.Error()) {
		t.Errorf("after cancel: got %v, want context.Canceled naming ENOBUFS", err)
	}
}

// TestWrapSendError checks the advice EMSGSIZE gets: the header bytes IP
// and UDP add depend on the IP version of the destination.
func TestWrapSendError(t *testing.T) {
	for _, tt := range []struct {
		dest string
		want []string
	}{
		{"127.0.0.1:8888", []string{"9000-byte packet", "IP and UDP headers add 28 bytes", "at least 9028", "lower the max packet size"}},
		{"[::ffff:127.0.0.1]:8888", []string{"IP and UDP headers add 28 bytes", "at least 9028"}},
		{"[::1]:8888", []string{"IPv6 and UDP headers add 48 bytes", "at least 9048"}},
	} {
		err := wrapSendError(syscall.EMSGSIZE, 9000, netip.MustParseAddrPort(tt.dest))
		if !errors.Is(err, syscall.EMSGSIZE) {
			t.Errorf("%s: %v does not wrap EMSGSIZE", tt.dest, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tt.dest, err, w)
			}
		}
	}
	err := wrapSendError(syscall.EPERM, 9000, netip.MustParseAddrPort("127.0.0.1:9"))
	if err != syscall.EPERM {
		t.Errorf("EPERM: got %q, want it unchanged", err)
	}
	// The portable writer's errors name the destination: only the cause
	// is kept, since the stream names it (HeapError).
	op := &net.OpError{Op: "write", Net: "udp", Err: os.NewSyscallError("sendto", syscall.EPERM)}
	if err := wrapSendError(op, 100, netip.MustParseAddrPort("127.0.0.1:9")); err != op.Err {
		t.Errorf("a *net.OpError: got %q, want its cause %q", err, op.Err)
	}
}

// TestEndedContextNotQueued hands heaps to a stream with places free and a
// context that has already ended, many times: each send must fail the
// same way, saying the heap was not queued (not that it waited), and
// none may take a heap counter or reach the writer.
func TestEndedContextNotQueued(t *testing.T) {
	w := &fakeWriter{eps: 1}
	s := newStream(w, DefaultConfig())
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := testHeap(100, 1)
	for i := range 100 {
		var f Future
		_, err := s.AsyncSendHeap(ctx, h, &f).Wait()
		var he *HeapError
		if !errors.Is(err, context.Canceled) || errors.As(err, &he) || err.Error() != "send: heap not queued: context canceled" {
			t.Fatalf("send %d: got %v, want send: heap not queued: context canceled", i, err)
		}
		_, err = s.AsyncSendHeaps(ctx, []*spead.Heap{h, h}, Serial, &f).Wait()
		if !errors.Is(err, context.Canceled) || err.Error() != "send: group of 2 heaps not queued: context canceled" {
			t.Fatalf("group %d: got %v, want send: group of 2 heaps not queued: context canceled", i, err)
		}
	}
	if _, err := s.SendHeap(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if got := counters(t, w); !slices.Equal(got, []uint64{1}) {
		t.Errorf("heap counters on the wire %v, want [1]: the refused sends take none", got)
	}
}
