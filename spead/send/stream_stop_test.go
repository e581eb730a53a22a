package send

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// slowConfig is a configuration whose limiter lets the first burst go at
// once and holds every later one for days.
func slowConfig() Config {
	cfg := DefaultConfig()
	cfg.Rate = 1e-3 // a byte a thousand seconds
	cfg.BurstSize = 1
	return cfg
}

// watchedContext tells watch each time its Done is called after its Err
// was: once the stream has taken the heap (and asked whether its context
// ended), only a wait that ends with the context asks for Done.
type watchedContext struct {
	context.Context
	armed atomic.Bool
	watch chan struct{}
}

func (c *watchedContext) Err() error {
	c.armed.Store(true)
	return c.Context.Err()
}

func (c *watchedContext) Done() <-chan struct{} {
	if c.armed.Load() {
		select {
		case c.watch <- struct{}{}:
		default:
		}
	}
	return c.Context.Done()
}

// TestRateWaitEndsWithContext checks that a heap held back by the rate
// limiter fails with its context's error as soon as the context ends,
// and that the stream sends the heaps after it.
func TestRateWaitEndsWithContext(t *testing.T) {
	w := &fakeWriter{eps: 1}
	s := newStream(w, slowConfig())
	defer s.Close()
	if _, err := s.SendHeap(context.Background(), testHeap(100, 1)); err != nil {
		t.Fatal(err)
	}
	base, cancel := context.WithCancel(context.Background())
	ctx := &watchedContext{Context: base, watch: make(chan struct{}, 1)}
	var f Future
	s.AsyncSendHeap(ctx, testHeap(100, 2), &f)
	<-ctx.watch // the stream waits on the context: the limiter holds heap 2
	cancel()
	if _, err := f.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("heap held by the limiter: got %v, want context.Canceled", err)
	}
	if n := len(w.sent()); n != 1 {
		t.Errorf("%d packets written, want heap 1's only", n)
	}
}

// TestCloseContextAbandonsDrain checks that CloseContext with an ended
// context returns its error without waiting for heaps the limiter holds
// back, and that those heaps fail with it.
func TestCloseContextAbandonsDrain(t *testing.T) {
	w := &fakeWriter{eps: 1}
	s := newStream(w, slowConfig())
	if _, err := s.SendHeap(context.Background(), testHeap(100, 1)); err != nil {
		t.Fatal(err)
	}
	var f2, f3 Future
	ctx2 := &watchedContext{Context: context.Background(), watch: make(chan struct{}, 1)}
	s.AsyncSendHeap(ctx2, testHeap(100, 2), &f2)
	s.AsyncSendHeap(context.Background(), testHeap(100, 3), &f3)
	<-ctx2.watch // the limiter holds heap 2
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.CloseContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("CloseContext: got %v, want context.Canceled", err)
	}
	for i, f := range []*Future{&f2, &f3} {
		if _, err := f.Wait(); !errors.Is(err, context.Canceled) {
			t.Errorf("heap %d: got %v, want context.Canceled", i+2, err)
		}
	}
	if n := len(w.sent()); n != 1 {
		t.Errorf("%d packets written, want heap 1's only", n)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after CloseContext: %v", err)
	}
	if _, err := s.SendHeap(context.Background(), testHeap(100, 4)); !errors.Is(err, ErrClosed) {
		t.Errorf("send after CloseContext: got %v, want ErrClosed", err)
	}
}

// TestCloseContextDrains checks that CloseContext with a live context
// waits for the queued heaps, as Close does.
func TestCloseContextDrains(t *testing.T) {
	w := &fakeWriter{eps: 1}
	s := newStream(w, DefaultConfig())
	var fs [3]Future
	for i := range fs {
		s.AsyncSendHeap(context.Background(), testHeap(100, byte(i)), &fs[i])
	}
	if err := s.CloseContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range fs {
		if !fs[i].done.Load() {
			t.Fatalf("heap %d not done when CloseContext returned", i)
		}
		if _, err := fs[i].Wait(); err != nil {
			t.Errorf("heap %d: %v", i, err)
		}
	}
}

// TestNilHeap checks that a nil heap, alone or in a group, fails its send
// with an error and leaves the stream working.
func TestNilHeap(t *testing.T) {
	w := &fakeWriter{eps: 1}
	s := newStream(w, DefaultConfig())
	defer s.Close()
	ctx := context.Background()
	if _, err := s.SendHeap(ctx, nil); err == nil {
		t.Error("SendHeap(nil) succeeded")
	}
	if _, err := s.AsyncSendHeapTo(ctx, nil, 0, nil).Wait(); err == nil {
		t.Error("AsyncSendHeapTo(nil) succeeded")
	}
	if _, err := s.SendHeaps(ctx, []*spead.Heap{testHeap(10, 1), nil}, Serial); err == nil {
		t.Error("SendHeaps with a nil heap succeeded")
	}
	if _, err := s.SendHeap(ctx, testHeap(100, 1)); err != nil {
		t.Fatalf("the stream after nil heaps: %v", err)
	}
}
