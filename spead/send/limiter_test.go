package send

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when the limiter sleeps or the
// test says the sender worked.
type fakeClock struct {
	t      time.Time
	sleeps int
	oversl time.Duration // added to every sleep, as a busy machine would
	least  time.Duration // the shortest a sleep takes, as with Go's timers
	rng    *rand.Rand
	jitter bool
	slept  bool // set by sleep, cleared by the test
}

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(_ context.Context, _ <-chan struct{}, d time.Duration) bool {
	defer func() { c.sleeps++ }()
	c.slept = true
	c.t = c.t.Add(max(d, c.least) + c.oversl)
	if c.jitter {
		c.t = c.t.Add(time.Duration(c.rng.IntN(200)) * time.Microsecond)
	}
	return true
}

// TestLimiter runs the limiter on a fake clock, through batches of varied
// sizes, a sender that sometimes stalls and sleeps that overrun, and
// checks spead2's two promises: the bytes sent never get ahead of the
// rate (each burst starts only once the bytes before it are due), and a
// stream that has fallen behind catches up no faster than the burst rate.
// Between looks at the clock a burst may go back to back, so the bounds
// over an arbitrary interval allow one burst.
func TestLimiter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rate   float64
		oversl time.Duration
		least  time.Duration
		jitter bool
		stalls bool
	}{
		{"exact", 100e6, 0, 0, false, false},
		{"oversleep", 100e6, 50 * time.Microsecond, 0, false, false},
		{"jitter+stalls", 100e6, 0, 0, true, true},
		// Go's timers on Linux: every sleep takes a millisecond
		// or more, and wakes late. At 2 GB/s a burst lasts well
		// under a millisecond.
		{"coarse", 2e9, 90 * time.Microsecond, time.Millisecond, false, false},
		{"coarse+jitter+stalls", 2e9, 90 * time.Microsecond, time.Millisecond, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Rate = tc.rate
			cfg.BurstSize = 65536
			cfg.BurstRateRatio = 1.05
			clk := &fakeClock{t: time.Unix(1e6, 0), oversl: tc.oversl, least: tc.least, rng: rand.New(rand.NewPCG(1, 2)), jitter: tc.jitter}
			l := newLimiter(cfg)
			l.now, l.sleep = clk.now, clk.sleep

			const maxBatchBytes = 64 * 9000
			// One burst may go back to back, and the limiter may
			// run up to minSleep ahead of its schedule and forgive
			// a burst up to maxLate behind it.
			slack := float64(cfg.BurstSize+maxBatchBytes) + cfg.Rate*cfg.BurstRateRatio*(minSleep+maxLate).Seconds()
			type release struct {
				t      time.Time
				before float64 // bytes released before this batch
			}
			var rel []release
			sent := 0.0
			for i := range 5000 {
				n := 1 + clk.rng.IntN(maxBatchBytes)
				clk.slept = false
				if err := l.wait(context.Background(), nil, n); err != nil {
					t.Fatal(err)
				}
				rel = append(rel, release{clk.t, sent})
				if clk.slept {
					// A burst starts now: every byte before it
					// must be due.
					if due := cfg.Rate * (clk.t.Sub(rel[0].t) + minSleep).Seconds(); sent > due+1 {
						t.Fatalf("batch %d: %.0f bytes sent when %.0f were due", i, sent, due)
					}
				}
				sent += float64(n)
				if tc.stalls && i%500 == 250 {
					clk.t = clk.t.Add(100 * time.Millisecond) // the sender stalls
				} else {
					clk.t = clk.t.Add(time.Microsecond) // the sender works
				}
			}
			// Over any interval, never faster than the rate from the
			// start, nor than the burst rate between any two batches,
			// beyond one burst.
			for j := range rel {
				if d := cfg.Rate * rel[j].t.Sub(rel[0].t).Seconds(); rel[j].before > d+slack {
					t.Fatalf("batch %d: %.0f bytes before it, %.0f due", j, rel[j].before, d)
				}
				for i := j - 1; i >= 0 && j-i < 200; i-- {
					bytes := rel[j].before - rel[i].before
					allowed := cfg.Rate * cfg.BurstRateRatio * rel[j].t.Sub(rel[i].t).Seconds()
					if bytes > allowed+slack {
						t.Fatalf("batches %d to %d: %.0f bytes in %v, faster than the burst rate", i, j, bytes, rel[j].t.Sub(rel[i].t))
					}
				}
			}
			// And the run keeps up: no slower than the rate, bar a
			// few milliseconds. Late wake-ups are made up by the
			// bursts that follow them.
			elapsed := rel[len(rel)-1].t.Sub(rel[0].t).Seconds()
			ideal := rel[len(rel)-1].before / cfg.Rate
			if elapsed > ideal*1.01+0.01 && !tc.stalls {
				t.Errorf("run took %.3fs for %.3fs of data", elapsed, ideal)
			}
			if clk.sleeps == 0 {
				t.Error("the limiter never slept")
			}
		})
	}
}

// TestLimiterUnlimited checks that a rate of 0 never looks at the clock.
func TestLimiterUnlimited(t *testing.T) {
	l := newLimiter(DefaultConfig())
	l.now = func() time.Time { t.Fatal("clock read"); return time.Time{} }
	l.sleep = func(context.Context, <-chan struct{}, time.Duration) bool { t.Fatal("slept"); return false }
	for range 100 {
		if err := l.wait(context.Background(), nil, 9000); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLimiterEndsWithContext checks that a wait for bytes not due for a
// million seconds, on the real clock, returns at once with the context's
// error when the context has ended, or with errAborted when the stream
// is abandoned, and that the bytes it refused do not count as sent.
func TestLimiterEndsWithContext(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Rate = 1e-3 // a byte a thousand seconds
	cfg.BurstSize = 1
	l := newLimiter(cfg)
	if err := l.wait(context.Background(), nil, 1000); err != nil {
		t.Fatal(err) // the first burst goes at once
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx, nil, 1000); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with a cancelled context: got %v, want context.Canceled", err)
	}
	abort := make(chan struct{})
	close(abort)
	if err := l.wait(context.Background(), abort, 1000); err != errAborted {
		t.Fatalf("wait on an abandoned stream: got %v, want errAborted", err)
	}
	if l.sent != 1000 {
		t.Errorf("%.0f bytes counted as sent, want the first 1000 only", l.sent)
	}
}
