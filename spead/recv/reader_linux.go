package recv

import (
	"fmt"
	"net"
	"syscall"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"golang.org/x/sys/unix"
)

// groBufferSize is the buffer each datagram gets when the socket uses UDP
// GRO: room for the largest datagram, which GRO may build from many
// packets.
const groBufferSize = 1 << 16

// groBatchSize is the most GRO datagrams one read takes. The kernel
// copies them into the buffers and the reassembler copies them out
// again at once; at 4 datagrams (256 KiB) the second copy still finds
// them in the CPU's cache. With 64 (4 MiB) it did not, and a receiver
// of step 3 at loopback lost heaps that spead2_recv kept; see
// docs/internals.md.
const groBatchSize = 4

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

// newBatchReader returns a reader of up to n datagrams of up to size
// bytes per call.
func newBatchReader(conn *net.UDPConn, n, size int) (*batchReader, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("reading the socket: %w", err)
	}
	b := &batchReader{rc: rc}
	rc.Control(func(fd uintptr) { b.gro = udpbatch.EnableGRO(int(fd)) })
	if b.gro {
		size = max(size, groBufferSize)
		n = min(n, groBatchSize)
	}
	oobSize := udpbatch.GROControlSpace
	b.size = size
	b.buf = make([]byte, n*size)
	b.iovs = make([]unix.Iovec, n)
	b.msgs = make([]unix.Mmsghdr, n)
	b.oob = make([]byte, n*oobSize)
	for i := range b.msgs {
		udpbatch.SetIovec(&b.iovs[i], b.buf[i*size:(i+1)*size])
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
			b.msgs[i].Hdr.SetControllen(udpbatch.GROControlSpace)
		}
	}
	var n int
	var errno syscall.Errno
	err := b.rc.Read(func(fd uintptr) bool {
		n, errno = udpbatch.Recv(fd, b.msgs)
		return errno != unix.EAGAIN // else wait until the socket is readable
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
		off := i * udpbatch.GROControlSpace
		segment = udpbatch.GROSegment(b.oob[off : off+int(m.Hdr.Controllen)])
	}
	return data, segment, truncated
}
