package send

import "sync"

// Future is the result of a heap handed to [Stream.AsyncSendHeap]: the
// number of bytes it put on the wire, SPEAD headers included, or the error
// that stopped it. The zero Future is ready to use. A Future may be reused
// for another send once Wait has returned; reusing one costs no
// allocation.
type Future struct {
	wg  sync.WaitGroup
	n   int64
	err error
}

// Wait blocks until the heap has been sent or has failed, and returns the
// bytes sent and the error. It may be called more than once, from any
// number of goroutines.
func (f *Future) Wait() (int64, error) {
	f.wg.Wait()
	return f.n, f.err
}

// start readies f for a new send.
func (f *Future) start() {
	f.n, f.err = 0, nil
	f.wg.Add(1)
}

// finish records the result and wakes the waiters.
func (f *Future) finish(n int64, err error) {
	f.n, f.err = n, err
	f.wg.Done()
}
