//go:build !linux

package recv

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// batchReader reads one datagram per call: the portable path, for
// systems without recvmmsg.
type batchReader struct {
	conn *net.UDPConn
	buf  []byte
	n    int
}

// newBatchReader returns a reader of datagrams of up to size bytes; the
// batch size is ignored.
func newBatchReader(conn *net.UDPConn, _, size int) (*batchReader, error) {
	return &batchReader{conn: conn, buf: make([]byte, size)}, nil
}

// read waits for one datagram (or the socket's read deadline) and
// returns 1.
func (b *batchReader) read() (int, error) {
	n, err := b.conn.Read(b.buf)
	if err != nil && isTruncation(err) {
		// Too long for the buffer: hand it on as a truncated
		// datagram, which datagram reports and the stream drops.
		n, err = len(b.buf), nil
	}
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	b.n = n
	return 1, nil
}

// datagram returns the datagram of the last read: one packet, which is
// truncated if it filled the buffer (one byte longer than the longest
// packet accepted).
func (b *batchReader) datagram(int) (data []byte, segment int, truncated bool) {
	return b.buf[:b.n], 0, b.n == len(b.buf)
}

// wsaeMsgSize is Windows' WSAEMSGSIZE: a datagram longer than the buffer
// it was read into.
const wsaeMsgSize = syscall.Errno(10040)

// isTruncation reports whether a read failed only because the datagram
// was longer than the buffer. Windows says so with WSAEMSGSIZE, where other
// systems fill the buffer and drop the rest silently; the datagram is
// still consumed, so it counts as truncated, not as a broken socket.
func isTruncation(err error) bool { return errors.Is(err, wsaeMsgSize) }
