package udpbatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Conn is a non-blocking UDP socket that sends batches of messages. It is
// kept out of Go's network poller, which Linux would wake once a packet
// sent, and waits for room with poll(2) only when the kernel has said
// EAGAIN (docs/internals.md says why).
//
// A Conn is not safe for concurrent use, except that Close may be called
// at any time; it waits for a Send in progress to return.
type Conn struct {
	mu     sync.RWMutex // held for reading while fd is in use
	fd     int
	family int
	closed bool
}

// pollSlice is the longest one poll(2) waits before Send looks at its
// context again.
const pollSlice = 50 * time.Millisecond

// Open opens an unbound UDP socket of family (unix.AF_INET or
// unix.AF_INET6) in the calling thread's network namespace. An AF_INET6
// socket also reaches IPv4 addresses (written as IPv4-mapped ones).
func Open(family int) (*Conn, error) {
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("opening a UDP socket: %w", err)
	}
	if family == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("letting the IPv6 socket reach IPv4: %w", err)
		}
	}
	return newConn(fd, family), nil
}

// OpenFor opens a Conn that can reach every endpoint (an AF_INET6 one if
// any endpoint is IPv6, AF_INET otherwise) with a send buffer of
// sendBuffer bytes: the socket package send and the yardstick send on.
func OpenFor(sendBuffer int, endpoints ...netip.AddrPort) (*Conn, error) {
	family := unix.AF_INET
	for _, ep := range endpoints {
		if ep.Addr().Unmap().Is6() {
			family = unix.AF_INET6
		}
	}
	c, err := Open(family)
	if err != nil {
		return nil, err
	}
	if err := c.SetSendBuffer(sendBuffer); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// newConn returns a Conn that owns the non-blocking socket fd.
func newConn(fd, family int) *Conn { return &Conn{fd: fd, family: family} }

// Family returns the socket's address family.
func (c *Conn) Family() int { return c.family }

// Control calls fn with the socket's file descriptor, which fn must not
// close or keep.
func (c *Conn) Control(fn func(fd int) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return net.ErrClosed
	}
	return fn(c.fd)
}

// SetSendBuffer asks for a send buffer of bytes bytes (SO_SNDBUF; the
// kernel doubles it and caps it at net.core.wmem_max).
func (c *Conn) SetSendBuffer(bytes int) error {
	return c.Control(func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, bytes); err != nil {
			return fmt.Errorf("setting the send buffer: %w", err)
		}
		return nil
	})
}

// Send hands msgs to the kernel with as many sendmmsg calls as it takes,
// waiting in poll(2) while the send buffer is full. It returns how many
// messages were sent; when that is fewer than len(msgs), err is the error
// the kernel gave for msgs[sent], or ctx's error if ctx ended while Send
// waited for room.
func (c *Conn) Send(ctx context.Context, msgs []unix.Mmsghdr) (sent int, err error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	for sent < len(msgs) {
		rest := msgs[sent:]
		// A raw system call, which keeps the P: on a non-blocking
		// socket sendmmsg only copies, unless the packets' memory must
		// be paged in. Waiting for room is an ordinary call (poll).
		// See docs/internals.md.
		n, _, errno := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(c.fd),
			uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)), 0, 0, 0)
		switch errno {
		case 0:
			sent += int(n)
		case unix.EINTR:
		case unix.EAGAIN:
			if err := c.waitWritable(ctx); err != nil {
				return sent, err
			}
		default:
			return sent, errno
		}
	}
	return sent, nil
}

// waitWritable waits until the socket has room to send, or ctx ends.
func (c *Conn) waitWritable(ctx context.Context) error {
	fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLOUT}}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("waiting for room in the send buffer: %w", err)
		}
		n, err := unix.Poll(fds, int(pollSlice/time.Millisecond))
		switch {
		case errors.Is(err, unix.EINTR):
		case err != nil:
			return fmt.Errorf("waiting for room in the send buffer: %w", err)
		case n > 0:
			// POLLOUT, or an error the next sendmmsg will report.
			return nil
		}
	}
}

// Close closes the socket, after any Send in progress has returned.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	c.closed = true
	if err := unix.Close(c.fd); err != nil {
		return fmt.Errorf("closing the socket: %w", err)
	}
	return nil
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
