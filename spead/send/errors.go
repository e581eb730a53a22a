package send

import (
	"net/netip"
	"strconv"
)

// HeapError is the error of a heap that a stream took and did not send
// whole: which heap, where it was going and why. Every failure of a heap
// after it was queued is a *HeapError, for a heap of a group too; its
// packets before the failure may be on the wire. Errors of sends refused
// before they were queued (a closed stream, a bad destination, no place
// in flight) are not.
type HeapError struct {
	// Cnt is the heap's counter: for a group, that of the heap the
	// failure struck, or of its first heap if none of it was cut.
	Cnt uint64
	// Dest is the endpoint the heap was going to; it is the zero
	// AddrPort for a stream that has no addresses.
	Dest netip.AddrPort
	// Err is the cause.
	Err error
}

// Error says "send heap CNT to DEST: " and then the cause.
func (e *HeapError) Error() string {
	s := "send heap " + strconv.FormatUint(e.Cnt, 10)
	if e.Dest.IsValid() {
		s += " to " + e.Dest.String()
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *HeapError) Unwrap() error { return e.Err }

// heapError returns the error of heap i of r failing with err.
func (s *Stream) heapError(r *request, i int, err error) error {
	e := &HeapError{Cnt: r.counter(i), Err: err}
	if r.dest < len(s.eps) {
		e.Dest = s.eps[r.dest]
	}
	return e
}
