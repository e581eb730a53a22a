package recv

import (
	"errors"
	"syscall"
)

// wsaeMsgSize is Windows' WSAEMSGSIZE: a datagram longer than the buffer
// it was read into.
const wsaeMsgSize = syscall.Errno(10040)

// isTruncation reports whether a read failed only because the datagram
// was longer than the buffer. Windows says so with WSAEMSGSIZE, where other
// systems fill the buffer and drop the rest silently; the datagram is
// still consumed, so it counts as truncated, not as a broken socket.
func isTruncation(err error) bool { return errors.Is(err, wsaeMsgSize) }
