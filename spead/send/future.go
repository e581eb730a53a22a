package send

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Future is the result of a heap handed to [Stream.AsyncSendHeap]: the
// number of bytes it put on the wire, SPEAD headers included, or the error
// that stopped it; a heap that failed part way reports the bytes of the
// packets that went before the error. The zero Future is ready to use. A
// Future may be reused for another send once every Wait on it has
// returned; reusing one costs no allocation.
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

// spinWait returns once f is done, once f.spin has passed, or as soon as
// another thread wants the CPU: it yields the CPU between checks, and a
// yield that took longer than yieldedFor, when the thread has been
// switched off its CPU since the spin began, means another thread ran.
// A slow yield with no switch (the hypervisor, an interrupt) does not end
// the spin. See docs/internals.md.
func (f *Future) spinWait() {
	// The stream's goroutine may wait on this P's run queue: let it run
	// first, twice, as the scheduler sometimes picks this one again.
	runtime.Gosched()
	if !f.done.Load() {
		runtime.Gosched()
	}
	start := time.Now()
	last := start
	switches := threadSwitches()
	for !f.done.Load() {
		yieldCPU()
		now := time.Now()
		if now.Sub(start) > f.spin {
			return
		}
		if now.Sub(last) > yieldedFor {
			// A slow yield: give up the CPU if another thread ran
			// (or this goroutine moved thread, the safe side).
			if switches < 0 || threadSwitches() != switches {
				return
			}
		}
		last = now
	}
}

// yieldedFor is how long a yield of the CPU must take for spinWait to ask
// whether another thread ran (see spinWait); with nothing else to run one
// returns within a microsecond or two.
const yieldedFor = 10 * time.Microsecond

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
