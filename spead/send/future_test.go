package send

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestFutureWait checks that Wait returns the result however it arrives:
// before Wait, while Wait spins, and after Wait has stopped spinning and
// slept; and to several waiters at once.
func TestFutureWait(t *testing.T) {
	errSent := errors.New("sent")
	for _, tt := range []struct {
		name  string
		spin  time.Duration
		delay time.Duration // before finish; negative: finish before Wait
	}{
		{"done before wait", time.Millisecond, -1},
		{"done while spinning", 50 * time.Millisecond, time.Millisecond},
		{"done after spinning", 10 * time.Microsecond, 20 * time.Millisecond},
		{"no spin", 0, time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var f Future
			for round := range 3 { // a Future is reused
				f.start(tt.spin)
				n := int64(100 + round)
				if tt.delay < 0 {
					f.finish(n, errSent)
				} else {
					go func() {
						time.Sleep(tt.delay)
						f.finish(n, errSent)
					}()
				}
				var wg sync.WaitGroup
				for range 3 {
					wg.Go(func() {
						if got, err := f.Wait(); got != n || err != errSent {
							t.Errorf("round %d: Wait = %d, %v; want %d, %v", round, got, err, n, errSent)
						}
					})
				}
				wg.Wait()
			}
		})
	}
}

// TestFutureSpinGivesUp checks that a waiter stops spinning on a Future
// that is never finished, and that the Future, finished later, still
// wakes its waiter.
func TestFutureSpinGivesUp(t *testing.T) {
	var f Future
	f.start(time.Millisecond)
	done := make(chan struct{})
	go func() {
		f.spinWait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("spinWait still spinning after 10s, asked to spin for 1ms")
	}
	if f.done.Load() {
		t.Fatal("Future done without finish")
	}
	f.finish(1, nil)
	if n, err := f.Wait(); n != 1 || err != nil {
		t.Errorf("Wait = %d, %v; want 1, nil", n, err)
	}
}

// TestSpinLetsReadiedGoroutineRun checks that a spinning waiter lets a
// goroutine it has just readied on its own P run, as a stream's goroutine
// is when a heap is handed to it: with a single P no other P can take it,
// so unless the waiter yields its P the Future cannot be done before the
// spin runs out.
func TestSpinLetsReadiedGoroutineRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 200 {
		var f Future
		f.start(5 * time.Millisecond)
		ch := make(chan struct{})
		go func() {
			<-ch
			f.finish(1, nil)
		}()
		runtime.Gosched() // let it start and park on ch
		ch <- struct{}{}  // which readies it on this P
		f.spinWait()
		if !f.done.Load() {
			t.Fatalf("round %d: the spin ended before the readied goroutine ran", i)
		}
	}
}
