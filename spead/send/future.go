package send

import (
	"sync"
	"sync/atomic"
	"time"
)

// Future is the result of a heap handed to [Stream.AsyncSendHeap]: the
// number of bytes it put on the wire, SPEAD headers included, or the error
// that stopped it. The zero Future is ready to use. A Future may be reused
// for another send once Wait has returned; reusing one costs no
// allocation.
type Future struct {
	wg   sync.WaitGroup
	done atomic.Bool
	spin time.Duration // the stream's Config.WaitSpin, or 0
	n    int64
	err  error
}

// Wait blocks until the heap has been sent or has failed, and returns the
// bytes sent and the error. It may be called more than once, from any
// number of goroutines. For up to the stream's Config.WaitSpin it waits
// awake, then it sleeps.
func (f *Future) Wait() (int64, error) {
	if f.spin > 0 && !f.done.Load() {
		f.spinWait()
	}
	f.wg.Wait()
	return f.n, f.err
}

// spinWait returns once f is done or f.spin has passed, yielding the CPU
// between checks so that a waiter never keeps a thread that has work to do
// from running.
func (f *Future) spinWait() {
	start := time.Now()
	for i := 1; !f.done.Load(); i++ {
		yieldCPU()
		// Reading the clock costs more than a check; a yield takes
		// about a microsecond.
		if i%16 == 0 && time.Since(start) > f.spin {
			return
		}
	}
}

// start readies f for a new send on a stream whose waiters spin for spin.
func (f *Future) start(spin time.Duration) {
	f.n, f.err = 0, nil
	f.spin = spin
	f.done.Store(false)
	f.wg.Add(1)
}

// finish records the result and wakes the waiters.
func (f *Future) finish(n int64, err error) {
	f.n, f.err = n, err
	f.done.Store(true)
	f.wg.Done()
}
