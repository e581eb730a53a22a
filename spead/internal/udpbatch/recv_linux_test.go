package udpbatch

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// groMessage builds a control buffer holding a UDP_GRO message with the
// given segment size, after another message.
func groMessage(segment uint32) []byte {
	b := make([]byte, 2*unix.CmsgSpace(4))
	other := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	other.Level, other.Type = unix.SOL_SOCKET, unix.SO_TIMESTAMP
	other.SetLen(unix.CmsgLen(4))
	off := unix.CmsgSpace(4)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[off]))
	h.Level, h.Type = unix.SOL_UDP, unix.UDP_GRO
	h.SetLen(unix.CmsgLen(4))
	binary.NativeEndian.PutUint32(b[off+unix.CmsgLen(0):], segment)
	return b
}

func TestGROSegment(t *testing.T) {
	if got := GROSegment(groMessage(1472)); got != 1472 {
		t.Errorf("GROSegment = %d, want 1472", got)
	}
	long := groMessage(1472)
	binary.NativeEndian.PutUint64(long[unix.CmsgSpace(4):], 1<<20) // a length past the end
	for _, oob := range [][]byte{nil, {1, 2, 3}, groMessage(1472)[:unix.CmsgSpace(4)], make([]byte, 64), long} {
		if got := GROSegment(oob); got != 0 {
			t.Errorf("GROSegment(%v) = %d, want 0", oob, got)
		}
	}
}

// TestRecv reads two datagrams from a socket pair with one call, and
// reports EAGAIN once nothing is queued.
func TestRecv(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no socket pair: %v", err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	for _, s := range []string{"one", "three"} {
		if _, err := unix.Write(fds[0], []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	bufs := make([]byte, 3*16)
	iovs := make([]unix.Iovec, 3)
	msgs := make([]unix.Mmsghdr, 3)
	for i := range msgs {
		SetIovec(&iovs[i], bufs[i*16:(i+1)*16])
		msgs[i].Hdr.Iov = &iovs[i]
		msgs[i].Hdr.SetIovlen(1)
	}
	n, errno := Recv(uintptr(fds[1]), msgs)
	if errno != 0 || n != 2 || msgs[0].Len != 3 || msgs[1].Len != 5 || string(bufs[16:21]) != "three" {
		t.Fatalf("Recv = %d, %v with lengths %d, %d; want 2 datagrams of 3 and 5 bytes", n, errno, msgs[0].Len, msgs[1].Len)
	}
	if _, errno := Recv(uintptr(fds[1]), msgs); errno != unix.EAGAIN {
		t.Errorf("Recv on an empty socket: errno %v, want EAGAIN", errno)
	}
}
