package send

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestInflightOrder checks that waiters are served in the order they came:
// a single heap behind a group waiting for three places waits too, even
// when one place is free; and that a waiter whose context ends lets those
// behind it through.
func TestInflightOrder(t *testing.T) {
	p := newInflight(3)
	ctx := context.Background()
	if _, err := p.take(ctx, 3); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 3)
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; {
			p.mu.Lock()
			w := len(p.waiters)
			p.mu.Unlock()
			if w == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d waiters, want %d", w, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	go func() {
		if _, err := p.take(ctx, 3); err == nil {
			got <- "group"
		}
	}()
	waitFor(1)
	go func() {
		if _, err := p.take(ctx, 1); err == nil {
			got <- "single"
		}
	}()
	waitFor(2)
	p.give(1)
	select {
	case who := <-got:
		t.Fatalf("%s went ahead with 1 place free and a group of 3 first in line", who)
	case <-time.After(20 * time.Millisecond):
	}
	p.give(2)
	if who := <-got; who != "group" {
		t.Fatalf("%s went first, want the group", who)
	}
	p.give(3)
	if who := <-got; who != "single" {
		t.Fatalf("%s went second, want the single heap", who)
	}

	// Now 2 places are free; a group of 3 waits, a single heap queues
	// behind it, and the group gives up.
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := p.take(cctx, 3)
		errc <- err
	}()
	waitFor(1)
	go func() {
		if _, err := p.take(ctx, 2); err == nil {
			got <- "pair"
		}
	}()
	waitFor(2)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled group: %v", err)
	}
	if who := <-got; who != "pair" {
		t.Fatalf("%s, want the pair behind the cancelled group", who)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free != 0 || len(p.waiters) != 0 {
		t.Errorf("%d places free and %d waiting, want 0 and 0", p.free, len(p.waiters))
	}
}

// waitForWaiters waits until p has n waiters.
func waitForWaiters(t *testing.T, p *inflight, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		p.mu.Lock()
		w := len(p.waiters)
		p.mu.Unlock()
		if w == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters, want %d", w, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestInflightEndedContext checks that a take under a context that has
// already ended takes nothing and says so, every time, even with places
// free: the outcome is not left to a select's random choice.
func TestInflightEndedContext(t *testing.T) {
	p := newInflight(4)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 1000 {
		waited, err := p.take(ctx, 1)
		if !errors.Is(err, context.Canceled) || waited {
			t.Fatalf("take %d with a free place and an ended context: waited %v, error %v; want false, context.Canceled", i, waited, err)
		}
	}
	if p.free != 4 {
		t.Errorf("%d places free after takes that failed, want 4", p.free)
	}
	// With places free and a live context, take takes them at once.
	if waited, err := p.take(context.Background(), 4); waited || err != nil {
		t.Errorf("take of 4 free places: waited %v, error %v; want false, nil", waited, err)
	}
}

// TestInflightGrantAsContextEnds grants a waiter its places at the moment
// its context ends, many times, the grant first in half the rounds and
// the end first in the others: the waiter must always fail with the
// context's error and give the places back, and they must go to the
// waiter behind it.
func TestInflightGrantAsContextEnds(t *testing.T) {
	for i := range 200 {
		p := newInflight(2)
		if _, err := p.take(context.Background(), 2); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			waited bool
			err    error
		}
		res := make(chan result, 1)
		go func() {
			waited, err := p.take(ctx, 2)
			res <- result{waited, err}
		}()
		waitForWaiters(t, p, 1)
		behind := make(chan error, 1)
		go func() {
			_, err := p.take(context.Background(), 1)
			behind <- err
		}()
		waitForWaiters(t, p, 2)
		// Both under p.mu, so that the waiter finds both done.
		p.mu.Lock()
		if i%2 == 0 {
			p.free += 2
			p.grant()
			cancel()
		} else {
			cancel()
			p.free += 2
			p.grant()
		}
		p.mu.Unlock()
		r := <-res
		if !r.waited || !errors.Is(r.err, context.Canceled) {
			t.Fatalf("round %d: a grant as the context ended gave waited %v, error %v; want true, context.Canceled", i, r.waited, r.err)
		}
		if err := <-behind; err != nil {
			t.Fatalf("round %d: the waiter behind: %v", i, err)
		}
		p.mu.Lock()
		free, waiting := p.free, len(p.waiters)
		p.mu.Unlock()
		if free != 1 || waiting != 0 {
			t.Fatalf("round %d: %d places free and %d waiting, want 1 and 0", i, free, waiting)
		}
	}
}
