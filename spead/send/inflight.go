package send

import (
	"context"
	"slices"
	"sync"
)

// inflight counts a stream's places for heaps in flight. A send takes one
// place for each of its heaps, all at once, and the stream's goroutine
// gives them back when the send is done. Sends that must wait are served
// in the order they came, so a large group is not starved by single heaps.
// Taking and giving back cost a lock each, however many heaps.
type inflight struct {
	mu      sync.Mutex
	free    int
	waiters []waiter // in arrival order
}

// waiter is a send waiting for places: need of them, granted through ch.
type waiter struct {
	need int
	ch   chan struct{}
}

// chans holds the channels of waiters that have gone, for reuse.
var chans = sync.Pool{New: func() any { return make(chan struct{}, 1) }}

func newInflight(n int) *inflight { return &inflight{free: n} }

// take takes k places and reports whether it had to wait for them. If
// ctx has ended when take is called it takes nothing, even with places
// free, and returns ctx's error. Otherwise it takes free places at once,
// or waits for them in turn; if ctx has ended by the time it wakes, it
// returns ctx's error having taken nothing, also when the places came at
// the same moment (they go to the waiters behind it).
func (p *inflight) take(ctx context.Context, k int) (waited bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	p.mu.Lock()
	if len(p.waiters) == 0 && p.free >= k {
		p.free -= k
		p.mu.Unlock()
		return false, nil
	}
	ch := chans.Get().(chan struct{})
	p.waiters = append(p.waiters, waiter{k, ch})
	p.mu.Unlock()
	granted := false
	select {
	case <-ch:
		granted = true
	case <-ctx.Done():
	}
	// Decide under the lock, whichever woke us: a grant and ctx's end
	// may both have come, and a select picks one of them at random.
	p.mu.Lock()
	defer p.mu.Unlock()
	defer chans.Put(ch)
	err = ctx.Err()
	if err == nil {
		return true, nil // granted, and ctx still live
	}
	for i, w := range p.waiters {
		if w.ch == ch {
			p.waiters = slices.Delete(p.waiters, i, i+1)
			p.grant() // those behind it may fit now
			return true, err
		}
	}
	// Granted as ctx ended: give the places back.
	if !granted {
		<-ch // sent by grant, under p.mu, before it dropped us
	}
	p.free += k
	p.grant()
	return true, err
}

// give gives back k places, and grants them to the waiters they satisfy.
func (p *inflight) give(k int) {
	p.mu.Lock()
	p.free += k
	p.grant()
	p.mu.Unlock()
}

// grant hands free places to waiters in order while the first one fits.
// p.mu is held.
func (p *inflight) grant() {
	n := 0
	for _, w := range p.waiters {
		if w.need > p.free {
			break
		}
		p.free -= w.need
		w.ch <- struct{}{}
		n++
	}
	if n > 0 {
		m := copy(p.waiters, p.waiters[n:])
		clear(p.waiters[m:])
		p.waiters = p.waiters[:m]
	}
}
