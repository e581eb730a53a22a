package main

import (
	"fmt"
	"io"
	"time"
)

// progress shows how far a send has got, on one line of a terminal that
// it rewrites in place. It shows nothing for the first second, so that
// short sends print only their result, and redraws at most ten times a
// second.
type progress struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	drawn time.Time // when the line was last drawn; zero if it is not shown
}

// newProgress returns a progress indicator that writes to w, starting now.
func newProgress(w io.Writer) *progress {
	p := &progress{w: w, now: time.Now}
	p.start = p.now()
	return p
}

// update records that sent heaps of total have gone. Once all have gone
// it clears the line, before the result is printed.
func (p *progress) update(sent, total int) {
	if sent >= total {
		p.clear()
		return
	}
	now := p.now()
	elapsed := now.Sub(p.start)
	if elapsed < time.Second || now.Sub(p.drawn) < 100*time.Millisecond {
		return
	}
	p.drawn = now
	rate := float64(sent) * (1 << 20) / elapsed.Seconds() / 1e6
	fmt.Fprintf(p.w, "\r\x1b[Ksent %d of %d heaps (%d%%), %.0f MB/s", sent, total, sent*100/total, rate)
}

// clear erases the line, if it is shown.
func (p *progress) clear() {
	if !p.drawn.IsZero() {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = time.Time{}
	}
}
