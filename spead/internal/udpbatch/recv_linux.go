package udpbatch

import (
	"encoding/binary"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// GROControlSpace is the control-message room one received datagram needs
// for its UDP_GRO message.
var GROControlSpace = unix.CmsgSpace(4)

// EnableGRO asks the kernel to hand fd's packets over as merged datagrams
// (UDP_GRO) and reports whether it agreed.
func EnableGRO(fd int) bool {
	return unix.SetsockoptInt(fd, unix.SOL_UDP, unix.UDP_GRO, 1) == nil
}

// Recv reads as many datagrams as are queued on the non-blocking socket
// fd into msgs, up to len(msgs), with one recvmmsg(2) call (repeated if a
// signal interrupts it), and returns how many it read. It returns
// unix.EAGAIN when nothing is queued; it never waits.
func Recv(fd uintptr, msgs []unix.Mmsghdr) (int, syscall.Errno) {
	for {
		// A raw system call, which keeps the P, as Conn.Send does: with
		// MSG_DONTWAIT recvmmsg never sleeps for packets, it only
		// copies what is queued, and an ordinary call that copies for
		// longer than 20µs lets the runtime hand the P to another
		// thread, which costs two context switches per batch.
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&msgs[0])),
			uintptr(len(msgs)), unix.MSG_DONTWAIT, 0, 0)
		if errno != unix.EINTR {
			return int(n), errno
		}
	}
}

// GROSegment returns the segment size that a UDP_GRO control message in
// oob gives, or 0 if oob holds none (the datagram is one packet) or is
// malformed.
func GROSegment(oob []byte) int {
	// A buffer shorter than a header is refused here: the parser reads
	// the header before it checks the length.
	for len(oob) >= unix.SizeofCmsghdr {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return 0
		}
		if h.Level == unix.SOL_UDP && h.Type == unix.UDP_GRO && len(data) >= 4 {
			return int(binary.NativeEndian.Uint32(data))
		}
		oob = rest
	}
	return 0
}

// SetReceiveBuffer asks for a receive buffer of n bytes on fd: first past
// the system limit (SO_RCVBUFFORCE, which needs CAP_NET_ADMIN), then
// within it (SO_RCVBUF, which the kernel caps at net.core.rmem_max). It
// returns the error of the second request, if it came to that.
func SetReceiveBuffer(fd, n int) error {
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) == nil {
		return nil
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, n)
}

// ReceiveBuffer returns the receive buffer the kernel granted fd, which
// Linux reports doubled for its own bookkeeping and this halves, or 0 if
// it cannot be read.
func ReceiveBuffer(fd int) int {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err != nil {
		return 0
	}
	return v / 2
}
