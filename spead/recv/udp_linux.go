//go:build linux

package recv

import (
	"encoding/binary"
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// groBufferSize is the buffer each datagram gets when the socket uses UDP
// GRO: room for the largest datagram, which GRO may build from many
// packets.
const groBufferSize = 1 << 16

// batchReader reads up to a batch of datagrams per recvmmsg call. Where
// the kernel allows it the socket uses UDP GRO: packets that a sender
// handed over as one GSO message (as this project's sender does) arrive
// as one datagram with their segment size in a control message, and are
// split here, which saves the kernel most of its per-packet work.
type batchReader struct {
	rc    syscall.RawConn
	buf   []byte // every datagram's buffer, back to back
	size  int    // the size of one datagram's buffer
	iovs  []unix.Iovec
	msgs  []unix.Mmsghdr
	oob   []byte // every datagram's control message buffer, back to back
	gro   bool   // the socket uses UDP GRO
	batch int    // datagrams in the last read
}

// oobSize is the control buffer of one datagram: one UDP_GRO message.
var oobSize = unix.CmsgSpace(4)

// newBatchReader returns a reader of up to n datagrams of up to size
// bytes per call.
func newBatchReader(conn *net.UDPConn, n, size int) (*batchReader, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("reading the socket: %w", err)
	}
	b := &batchReader{rc: rc}
	rc.Control(func(fd uintptr) {
		b.gro = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_GRO, 1) == nil
	})
	if b.gro {
		size = max(size, groBufferSize)
	}
	b.size = size
	b.buf = make([]byte, n*size)
	b.iovs = make([]unix.Iovec, n)
	b.msgs = make([]unix.Mmsghdr, n)
	b.oob = make([]byte, n*oobSize)
	for i := range b.msgs {
		b.iovs[i].Base = &b.buf[i*size]
		b.iovs[i].SetLen(size)
		b.msgs[i].Hdr.Iov = &b.iovs[i]
		b.msgs[i].Hdr.SetIovlen(1)
		if b.gro {
			b.msgs[i].Hdr.Control = &b.oob[i*oobSize]
		}
	}
	return b, nil
}

// read waits until datagrams arrive (or the socket's read deadline
// passes) and reads as many as are queued, up to a batch. It returns how
// many it read.
func (b *batchReader) read() (int, error) {
	if b.gro {
		// The kernel shortens these to what it wrote.
		for i := range b.msgs {
			b.msgs[i].Hdr.SetControllen(oobSize)
		}
	}
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
	b.batch = n
	return n, nil
}

// datagram returns the i-th datagram of the last read, the size of the
// packets it holds (0 if it is one packet), and whether the kernel cut it
// short.
func (b *batchReader) datagram(i int) (data []byte, segment int, truncated bool) {
	m := &b.msgs[i]
	start := i * b.size
	data = b.buf[start : start+min(int(m.Len), b.size)]
	truncated = m.Hdr.Flags&unix.MSG_TRUNC != 0
	if b.gro && m.Hdr.Controllen > 0 {
		segment = groSegment(b.oob[i*oobSize : i*oobSize+int(m.Hdr.Controllen)])
	}
	return data, segment, truncated
}

// groSegment returns the segment size from a UDP_GRO control message, or
// 0 if there is none.
func groSegment(oob []byte) int {
	for len(oob) >= unix.CmsgLen(0) {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.CmsgLen(0) || l > len(oob) {
			return 0
		}
		if h.Level == unix.SOL_UDP && h.Type == unix.UDP_GRO && l >= unix.CmsgLen(4) {
			return int(binary.NativeEndian.Uint32(oob[unix.CmsgLen(0):]))
		}
		oob = oob[min(unix.CmsgSpace(l-unix.CmsgLen(0)), len(oob)):]
	}
	return 0
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
