//go:build linux

package recv

import (
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is the kernel's struct mmsghdr: a message header and the
// length received into it. Go pads it to the alignment of the header, as
// C does.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// batchReader reads up to a batch of datagrams per recvmmsg call.
type batchReader struct {
	rc   syscall.RawConn
	buf  []byte // every datagram's buffer, back to back
	size int    // the size of one datagram's buffer
	iovs []unix.Iovec
	msgs []mmsghdr
}

// newBatchReader returns a reader of up to n datagrams of up to size
// bytes per call.
func newBatchReader(conn *net.UDPConn, n, size int) (*batchReader, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("reading the socket: %w", err)
	}
	b := &batchReader{
		rc:   rc,
		buf:  make([]byte, n*size),
		size: size,
		iovs: make([]unix.Iovec, n),
		msgs: make([]mmsghdr, n),
	}
	for i := range b.msgs {
		b.iovs[i].Base = &b.buf[i*size]
		b.iovs[i].SetLen(size)
		b.msgs[i].hdr.Iov = &b.iovs[i]
		b.msgs[i].hdr.SetIovlen(1)
	}
	return b, nil
}

// read waits until datagrams arrive (or the socket's read deadline
// passes) and reads as many as are queued, up to a batch. It returns how
// many it read.
func (b *batchReader) read() (int, error) {
	var n int
	var errno syscall.Errno
	err := b.rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[0])),
				uintptr(len(b.msgs)), unix.MSG_DONTWAIT, 0, 0)
			switch e {
			case 0:
				n, errno = int(r), 0
				return true
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false // wait until the socket is readable
			}
			errno = e
			return true
		}
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, fmt.Errorf("recvmmsg: %w", errno)
	}
	return n, nil
}

// packet returns the i-th datagram of the last read.
func (b *batchReader) packet(i int) []byte {
	start := i * b.size
	return b.buf[start : start+int(b.msgs[i].len)]
}

// setReceiveBuffer asks for a receive buffer of size bytes: first past the
// system limit (SO_RCVBUFFORCE, which needs CAP_NET_ADMIN), then within
// it. It returns the size the kernel granted, which Linux reports doubled
// for its own bookkeeping and which this halves.
func setReceiveBuffer(conn *net.UDPConn, size int) int {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0
	}
	got := 0
	rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size) != nil {
			// Not allowed: the kernel caps this one at
			// net.core.rmem_max instead of failing.
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, size)
		}
		if v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil {
			got = v / 2
		}
	})
	return got
}
