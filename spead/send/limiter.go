package send

import (
	"math"
	"time"
)

// limiter holds the stream to its rate, as spead2 does. Over a run the
// bytes sent never get ahead of Rate: each burst starts only once every
// byte before it is due. A stream that has fallen behind catches up no
// faster than Rate*BurstRateRatio. Up to BurstSize bytes (and the batch
// that crosses that size) go back to back between looks at the clock.
type limiter struct {
	rate, burstRate float64
	burstSize       int

	// now and sleep are the clock; tests replace them.
	now   func() time.Time
	sleep func(time.Duration)

	started    bool
	start      time.Time // when the first byte went
	sent       float64   // bytes sent since start
	burstStart time.Time // when the current burst began
	pending    int       // bytes sent in the current burst
}

// newLimiter returns a limiter for cfg on the real clock.
func newLimiter(cfg Config) *limiter {
	return &limiter{
		rate:      cfg.Rate,
		burstRate: cfg.Rate * cfg.BurstRateRatio,
		burstSize: cfg.BurstSize,
		now:       time.Now,
		sleep:     time.Sleep,
	}
}

// wait sleeps, if need be, before bytes more are sent.
func (l *limiter) wait(bytes int) {
	if l.rate == 0 {
		return
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
		if d := target.Sub(now); d > 0 {
			l.sleep(d)
			// A sleep may overrun; the next burst is timed from
			// when it really starts, so that catching up never
			// beats the burst rate.
			now = l.now()
		}
		l.burstStart, l.pending = now, 0
	}
	l.pending += bytes
	l.sent += float64(bytes)
}

// ceilSeconds converts s seconds to a Duration, rounding up so that a
// deadline computed with it is never early.
func ceilSeconds(s float64) time.Duration { return time.Duration(math.Ceil(s * float64(time.Second))) }
