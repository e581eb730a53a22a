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
	if err := p.take(ctx, 3); err != nil {
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
		if err := p.take(ctx, 3); err == nil {
			got <- "group"
		}
	}()
	waitFor(1)
	go func() {
		if err := p.take(ctx, 1); err == nil {
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
	go func() { errc <- p.take(cctx, 3) }()
	waitFor(1)
	go func() {
		if err := p.take(ctx, 2); err == nil {
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
