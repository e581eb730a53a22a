package udpbatch

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsgSpace is the room one UDP_SEGMENT control message takes.
var cmsgSpace = unix.CmsgSpace(2)

// Batch is a reusable list of messages for one sendmmsg call. Each message
// points at a run of iovecs and at a destination, and may carry a
// UDP_SEGMENT control message. Once it has grown to its working size, a
// Batch allocates nothing.
//
// The segment size travels in a control message on each merged message,
// rather than in the UDP_SEGMENT socket option as spead2 does, so that
// messages of different sizes can share one call without a setsockopt
// between them, and a message of a single packet is never segmented.
type Batch struct {
	Msgs  []unix.Mmsghdr
	cmsgs []byte
}

// Reset empties b, keeping its memory.
func (b *Batch) Reset() { b.Msgs = b.Msgs[:0] }

// Add appends a message of the bytes iov points to, for sa. When segSize
// is positive the kernel cuts the message into packets of segSize bytes
// (the last may be shorter). iov must stay unchanged until the message has
// been sent.
func (b *Batch) Add(iov []unix.Iovec, sa *Sockaddr, segSize int) {
	i := len(b.Msgs)
	if i == cap(b.Msgs) {
		b.grow()
	}
	b.Msgs = b.Msgs[:i+1]
	h := &b.Msgs[i].Hdr
	*h = unix.Msghdr{
		Name:    (*byte)(unsafe.Pointer(&sa.raw)),
		Namelen: sa.len,
		Iov:     &iov[0],
	}
	h.SetIovlen(len(iov))
	if segSize > 0 {
		c := b.cmsgs[i*cmsgSpace : (i+1)*cmsgSpace]
		ch := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
		ch.Level = unix.SOL_UDP
		ch.Type = unix.UDP_SEGMENT
		ch.SetLen(unix.CmsgLen(2))
		*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = uint16(segSize)
		h.Control = &c[0]
		h.SetControllen(cmsgSpace)
	}
}

// grow doubles the room for messages and their control messages.
func (b *Batch) grow() {
	n := max(2*cap(b.Msgs), MaxSegments)
	msgs := make([]unix.Mmsghdr, len(b.Msgs), n)
	cmsgs := make([]byte, n*cmsgSpace)
	copy(msgs, b.Msgs)
	copy(cmsgs, b.cmsgs)
	for i := range msgs {
		if msgs[i].Hdr.Control != nil {
			msgs[i].Hdr.Control = &cmsgs[i*cmsgSpace]
		}
	}
	b.Msgs, b.cmsgs = msgs, cmsgs
}

// Segmented reports whether message i carries a segment size.
func (b *Batch) Segmented(i int) bool { return b.Msgs[i].Hdr.Control != nil }

// Clear drops the references b holds to iovecs and destinations, so that
// memory they point to is not kept alive.
func (b *Batch) Clear() {
	clear(b.Msgs[:cap(b.Msgs)])
	b.Msgs = b.Msgs[:0]
}

// SetIovec points v at p.
func SetIovec(v *unix.Iovec, p []byte) {
	if len(p) == 0 {
		*v = unix.Iovec{}
		return
	}
	v.Base = &p[0]
	v.SetLen(len(p))
}

// SegmentSize returns the segment size in m's UDP_SEGMENT control message,
// or 0 if it has none.
func SegmentSize(m *unix.Mmsghdr) int {
	if m.Hdr.Control == nil {
		return 0
	}
	c := unsafe.Slice(m.Hdr.Control, m.Hdr.Controllen)
	return int(*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])))
}
