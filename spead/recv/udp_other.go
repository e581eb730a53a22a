//go:build !linux && !windows

package recv

// isTruncation reports whether a read failed only because the datagram
// was longer than the buffer; only Windows reports that as an error.
func isTruncation(error) bool { return false }
