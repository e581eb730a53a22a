package send

import (
	"context"
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

// take takes k places, waiting for them until ctx ends; it returns ctx's
// error if it ended first, having taken nothing.
func (p *inflight) take(ctx context.Context, k int) error {
	p.mu.Lock()
	if len(p.waiters) == 0 && p.free >= k {
		p.free -= k
		p.mu.Unlock()
		return nil
	}
	ch := chans.Get().(chan struct{})
	p.waiters = append(p.waiters, waiter{k, ch})
	p.mu.Unlock()
	select {
	case <-ch:
		chans.Put(ch)
		return nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	for i, w := range p.waiters {
		if w.ch == ch {
			copy(p.waiters[i:], p.waiters[i+1:])
			p.waiters[len(p.waiters)-1] = waiter{}
			p.waiters = p.waiters[:len(p.waiters)-1]
			p.grant() // those behind it may fit now
			p.mu.Unlock()
			chans.Put(ch)
			return ctx.Err()
		}
	}
	// Granted as ctx ended: give the places back.
	p.mu.Unlock()
	<-ch
	chans.Put(ch)
	p.give(k)
	return ctx.Err()
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
