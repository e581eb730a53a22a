package main

import (
	"strings"
	"testing"
	"time"
)

// TestProgress checks that the progress line stays hidden for the first
// second, redraws at most every 100ms, and is erased once all heaps have
// gone.
func TestProgress(t *testing.T) {
	var buf strings.Builder
	now := time.Unix(1000, 0)
	p := &progress{w: &buf, now: func() time.Time { return now }, start: now}

	now = now.Add(500 * time.Millisecond)
	p.update(10, 100)
	if buf.Len() != 0 {
		t.Fatalf("progress drawn after half a second: %q", buf.String())
	}

	now = now.Add(500 * time.Millisecond)
	p.update(20, 100)
	if want := "\r\x1b[Ksent 20 of 100 heaps (20%), 21 MB/s"; buf.String() != want {
		t.Fatalf("after a second, progress is %q, want %q", buf.String(), want)
	}

	buf.Reset()
	now = now.Add(50 * time.Millisecond)
	p.update(21, 100)
	if buf.Len() != 0 {
		t.Fatalf("progress redrawn after 50ms: %q", buf.String())
	}

	now = now.Add(100 * time.Millisecond)
	p.update(22, 100)
	if !strings.HasPrefix(buf.String(), "\r\x1b[Ksent 22 of 100 heaps (22%)") {
		t.Fatalf("progress after 150ms more is %q", buf.String())
	}

	buf.Reset()
	p.update(100, 100)
	if buf.String() != "\r\x1b[K" {
		t.Fatalf("at the end, progress wrote %q, want the line erased", buf.String())
	}
	buf.Reset()
	p.clear()
	if buf.Len() != 0 {
		t.Fatalf("clearing twice wrote %q", buf.String())
	}
}

// TestProgressShortSend checks that a send shorter than a second draws
// and erases nothing.
func TestProgressShortSend(t *testing.T) {
	var buf strings.Builder
	p := newProgress(&buf)
	for i := 1; i <= 100; i++ {
		p.update(i, 100)
	}
	p.clear()
	if buf.Len() != 0 {
		t.Fatalf("a short send wrote %q", buf.String())
	}
}
