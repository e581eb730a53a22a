package send

import (
	"context"
	"errors"
	"math"
	"time"
)

// limiter holds the stream to its rate, as spead2 does. Over a run the
// bytes sent never get ahead of Rate by more than minSleep's worth: a
// burst starts only once the bytes before it are due, or nearly. A stream
// that has fallen behind catches up no faster than Rate*BurstRateRatio. Up to BurstSize bytes (and the batch
// that crosses that size) go back to back between looks at the clock.
type limiter struct {
	rate, burstRate float64
	burstSize       int

	// now and sleep are the clock; tests replace them. sleep returns
	// false, early, if ctx ends or abort is closed first.
	now   func() time.Time
	sleep func(ctx context.Context, abort <-chan struct{}, d time.Duration) bool

	started    bool
	start      time.Time // when the first byte went
	sent       float64   // bytes sent since start
	burstStart time.Time // when the current burst began
	pending    int       // bytes sent in the current burst
}

// A Go timer may wake a millisecond late, so the limiter never sleeps for
// less than minSleep, and forgives a burst that starts up to maxLate
// after it was due.
const (
	minSleep = time.Millisecond
	maxLate  = 2 * time.Millisecond
)

// newLimiter returns a limiter for cfg on the real clock.
func newLimiter(cfg Config) *limiter {
	return &limiter{
		rate:      cfg.Rate,
		burstRate: cfg.Rate * cfg.BurstRateRatio,
		burstSize: cfg.BurstSize,
		now:       time.Now,
		sleep:     sleepContext,
	}
}

// sleepContext sleeps for d, or until ctx ends or abort is closed, and
// reports whether it slept the whole time.
func sleepContext(ctx context.Context, abort <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-abort:
		return false
	}
}

// errAborted is what wait returns when abort is closed.
var errAborted = errors.New("the stream was abandoned")

// wait sleeps, if need be, before bytes more are sent. If ctx ends or
// abort is closed before the bytes are due, it returns ctx's error or
// errAborted, and the bytes do not count as sent.
func (l *limiter) wait(ctx context.Context, abort <-chan struct{}, bytes int) error {
	if l.rate == 0 {
		return nil
	}
	if !l.started {
		l.started = true
		l.start = l.now()
		l.burstStart = l.start
	}
	if l.pending >= l.burstSize {
		// The burst is over. It may not have gone faster than the
		// burst rate, and the run may not get ahead of the rate.
		target := l.burstStart.Add(ceilSeconds(float64(l.pending) / l.burstRate))
		if byRate := l.start.Add(ceilSeconds(l.sent / l.rate)); byRate.After(target) {
			target = byRate
		}
		now := l.now()
		if d := target.Sub(now); d >= minSleep {
			if !l.sleep(ctx, abort, d) {
				if err := ctx.Err(); err != nil {
					return err
				}
				return errAborted
			}
			now = l.now()
		}
		// The next burst is timed from when this one was due, not
		// from when the clock says it started. A wait too short to
		// sleep is carried over, so that waits add up to one worth
		// sleeping, and a sleep that wakes late is made up by the
		// bursts after it. Only a stream more than maxLate behind,
		// one that stalled, catches up at the burst rate from now.
		l.burstStart = target
		if now.Sub(target) > maxLate {
			l.burstStart = now
		}
		l.pending = 0
	}
	l.pending += bytes
	l.sent += float64(bytes)
	return nil
}

// ceilSeconds converts s seconds to a Duration, rounding up so that a
// deadline computed with it is never early.
func ceilSeconds(s float64) time.Duration { return time.Duration(math.Ceil(s * float64(time.Second))) }
