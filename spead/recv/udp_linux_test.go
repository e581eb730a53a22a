//go:build linux

package recv

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
	if got := groSegment(groMessage(1472)); got != 1472 {
		t.Errorf("groSegment = %d, want 1472", got)
	}
	for _, oob := range [][]byte{nil, {1, 2, 3}, groMessage(1472)[:unix.CmsgSpace(4)], make([]byte, 64)} {
		if got := groSegment(oob); got != 0 {
			t.Errorf("groSegment(%v) = %d, want 0", oob, got)
		}
	}
}
