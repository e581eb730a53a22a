package mmsg

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Conn sends batches of messages on a non-blocking socket through Go's
// network poller: when the socket's buffer is full the goroutine parks
// until the socket is writable, instead of spinning.
type Conn struct {
	rc syscall.RawConn

	// The state of the call in progress, kept here so that the function
	// handed to RawConn.Write is made once and allocates nothing.
	msgs  []unix.Mmsghdr
	sent  int
	errno syscall.Errno
	write func(fd uintptr) bool
}

// NewConn returns a Conn that sends on rc's socket.
func NewConn(rc syscall.RawConn) *Conn {
	c := &Conn{rc: rc}
	c.write = c.writeFD
	return c
}

// Send hands msgs to the kernel with as many sendmmsg calls as it takes.
// It returns how many messages were sent; when that is fewer than
// len(msgs), err is the error the kernel gave for msgs[sent].
func (c *Conn) Send(msgs []unix.Mmsghdr) (sent int, err error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	c.msgs, c.sent, c.errno = msgs, 0, 0
	werr := c.rc.Write(c.write)
	sent, errno := c.sent, c.errno
	c.msgs = nil
	if werr != nil {
		return sent, werr
	}
	if errno != 0 {
		return sent, errno
	}
	return sent, nil
}

// writeFD is the RawConn.Write callback: it sends the messages not yet
// sent, and returns false, to wait for the socket to become writable, only
// on EAGAIN.
func (c *Conn) writeFD(fd uintptr) bool {
	for c.sent < len(c.msgs) {
		rest := c.msgs[c.sent:]
		n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd,
			uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)), 0, 0, 0)
		switch {
		case errno == unix.EINTR:
			continue
		case errno == unix.EAGAIN:
			return false
		case errno != 0:
			c.errno = errno
			return true
		}
		c.sent += int(n)
	}
	return true
}

// enotsupp is the kernel's internal ENOTSUPP (524), which some drivers let
// reach user space; it is not in package unix.
const enotsupp = syscall.Errno(524)

// IsGSOFailure reports errors that a message with a UDP_SEGMENT control
// message may get from a kernel or device that cannot segment it: the
// same packets may well go unmerged.
func IsGSOFailure(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case unix.EIO, unix.EINVAL, unix.EOPNOTSUPP, enotsupp, unix.ENOPROTOOPT, unix.EMSGSIZE:
		return true
	}
	return false
}
