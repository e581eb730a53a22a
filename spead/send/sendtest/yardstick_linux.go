package sendtest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"golang.org/x/sys/unix"
)

// batchPackets is how many packets go to the kernel per sendmmsg call: the
// same batch as package send's writer, and spead2's.
const batchPackets = 64

// Yardstick is the fastest one thread can send: packets of one size,
// prebuilt back to back in memory, written with the system calls package
// send's fast path makes (sendmmsg, 64 packets a call, merged into UDP GSO
// messages of up to 64 segments and 65507 bytes) and nothing else. A
// sender's throughput divided by a Yardstick's, measured side by side to
// the same destination, is the fraction of the kernel's speed the sender
// reaches.
//
// If the kernel refuses a GSO message, a Yardstick sends the same packets
// unmerged and stops merging, as package send does. A Yardstick is not
// safe for concurrent use.
type Yardstick struct {
	c    *udpbatch.Conn
	sa   udpbatch.Sockaddr
	size int
	gso  bool

	window []byte // the working set: whole batches of packets back to back
	off    int    // where in window the next batch starts
	buf    []byte // the next batch: batchPackets packets back to back
	hdr    int    // with a split layout, the header bytes of each packet
	hdrs   []byte // with a split layout, the batch's headers back to back
	iovs   [2 * batchPackets]unix.Iovec
	starts [batchPackets + 1]int // first packet of each message, then the end
	batch  udpbatch.Batch
}

// NewYardstick opens an unconnected UDP socket, in the calling thread's
// network namespace, that sends packetSize-byte UDP payloads to dest. The
// socket is made as package send makes its own: outside Go's network
// poller, with the same send buffer.
//
// To keep tests off real networks, dest must be a loopback address unless
// the calling thread is inside a [Sandbox] (in a function passed to
// [Sandbox.Do]); otherwise NewYardstick returns an error.
func NewYardstick(dest netip.AddrPort, packetSize int) (*Yardstick, error) {
	if packetSize < 1 || packetSize > udpbatch.MaxGSOBytes {
		return nil, fmt.Errorf("sendtest: packet size %d is outside 1 to %d", packetSize, udpbatch.MaxGSOBytes)
	}
	if !dest.IsValid() || dest.Port() == 0 {
		return nil, fmt.Errorf("sendtest: destination %v needs an address and a port from 1 to 65535", dest)
	}
	c, err := udpbatch.OpenFor(udpbatch.SendBuffer, dest)
	if err != nil {
		return nil, fmt.Errorf("sendtest: %w", err)
	}
	y, err := newYardstick(c, dest, packetSize)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("sendtest: %w", err)
	}
	return y, nil
}

// newYardstick checks where c's socket lives and readies the packets and
// messages.
func newYardstick(c *udpbatch.Conn, dest netip.AddrPort, packetSize int) (*Yardstick, error) {
	if !dest.Addr().IsLoopback() {
		err := c.Control(func(fd int) error {
			ok, err := inSandbox(fd)
			if err == nil && !ok {
				err = fmt.Errorf("refusing to send to %v: not a loopback address, and the socket is not inside a Sandbox", dest)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	sa, err := udpbatch.NewSockaddr(dest, c.Family())
	if err != nil {
		return nil, err
	}
	y := &Yardstick{
		c:    c,
		sa:   sa,
		size: packetSize,
		gso:  true,
	}
	y.SetWorkingSet(0)
	return y, nil
}

// SetWorkingSet makes the Yardstick send its packets from a buffer of at
// least bytes bytes, one batch after another, instead of sending one
// batch of packets over and over. By default the working set is a single
// batch (64 packets), which stays in the sending core's cache; a sender of
// heaps sends from memory as large as the heaps it has in flight, which
// costs the kernel's copy more. Give the Yardstick the same working set
// to compare like with like. A Yardstick must not be sending while its
// working set changes.
func (y *Yardstick) SetWorkingSet(bytes int) {
	batch := batchPackets * y.size
	n := max(1, (bytes+batch-1)/batch)
	y.window = make([]byte, n*batch)
	for i := range y.window {
		y.window[i] = byte(i % 251)
	}
	y.off = 0
	y.buf = y.window[:batch]
}

// SetSplit makes the Yardstick send each packet as two pieces, as a
// zero-copy SPEAD sender such as package send (or spead2) does: its first
// headerBytes bytes from a buffer of headers, and the rest from the working
// set, where the payloads of a batch lie back to back as a heap's data
// does. The system calls and the bytes on the wire stay the same; only the
// iovecs double, and what the kernel's copy costs for the extra pieces is
// what comparing a split Yardstick with a plain one shows. headerBytes 0
// (the default) sends each message as one piece of memory again. It
// returns an error unless 0 <= headerBytes < the packet size. A Yardstick
// must not be sending while its layout changes.
func (y *Yardstick) SetSplit(headerBytes int) error {
	if headerBytes < 0 || headerBytes >= y.size {
		return fmt.Errorf("sendtest: header of %d bytes is outside 0 to %d, for %d-byte packets", headerBytes, y.size-1, y.size)
	}
	y.hdr = headerBytes
	y.hdrs = make([]byte, batchPackets*headerBytes)
	for i := range y.hdrs {
		y.hdrs[i] = byte(i % 253)
	}
	return nil
}

// Split returns the header bytes of each packet's first piece, or 0 when
// packets go as one piece of memory; see SetSplit.
func (y *Yardstick) Split() int { return y.hdr }

// WorkingSet returns the size of the buffer the packets are sent from.
func (y *Yardstick) WorkingSet() int { return len(y.window) }

// PacketSize returns the UDP payload size of each packet.
func (y *Yardstick) PacketSize() int { return y.size }

// GSO reports whether the Yardstick still merges packets for UDP GSO: it
// stops when the kernel refuses a merged message and the same packets go
// unmerged.
func (y *Yardstick) GSO() bool { return y.gso }

// Send sends whole packets until at least totalBytes bytes of UDP payload
// have gone, and returns the bytes sent.
func (y *Yardstick) Send(totalBytes int64) (int64, error) {
	var sent int64
	for sent < totalBytes {
		n := int(min((totalBytes-sent+int64(y.size)-1)/int64(y.size), batchPackets))
		if err := y.sendBatch(n); err != nil {
			return sent, fmt.Errorf("sendtest: yardstick: %w", err)
		}
		sent += int64(n * y.size)
		// Move on to the next batch of the working set.
		batch := len(y.buf)
		y.off += batch
		if y.off == len(y.window) {
			y.off = 0
		}
		y.buf = y.window[y.off : y.off+batch]
	}
	return sent, nil
}

// sendBatch sends the first n prebuilt packets in one sendmmsg call (more
// only if the kernel takes part of the batch).
func (y *Yardstick) sendBatch(n int) error {
	first := 0 // first packet not yet sent
	for first < n {
		msgStart := y.prepare(first, n, y.gso)
		sent, err := y.c.Send(context.Background(), y.batch.Msgs)
		if err == nil || sent >= len(y.batch.Msgs) {
			return nil
		}
		first = msgStart[sent]
		switch {
		case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOBUFS):
			// The message was not sent (an old ICMP error, or a
			// full device queue): send it again.
		case y.gso && y.batch.Segmented(sent) && udpbatch.IsGSOFailure(err):
			msgStart = y.prepare(first, n, false)
			if err := y.probe(); err != nil {
				return err
			}
			y.gso = false
			first = msgStart[1]
		default:
			return fmt.Errorf("sendmmsg: %w", err)
		}
	}
	return nil
}

// probe sends the first message of the batch, a single packet, after a
// merged message starting with it was refused; if that fails too, the
// error is real.
func (y *Yardstick) probe() error {
	for {
		_, err := y.c.Send(context.Background(), y.batch.Msgs[:1])
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOBUFS):
			continue
		default:
			return fmt.Errorf("sendmmsg without GSO: %w", err)
		}
	}
}

// prepare fills the batch with messages for packets [first, n) and returns
// the index of each message's first packet, with n appended.
func (y *Yardstick) prepare(first, n int, gso bool) []int {
	y.batch.Reset()
	starts := y.starts[:0]
	iovs := y.iovs[:0]
	for i := first; i < n; {
		k := 1
		if gso {
			k = min(n-i, udpbatch.MaxSegments, udpbatch.MaxGSOBytes/y.size)
		}
		start := len(iovs)
		if y.hdr == 0 {
			iovs = appendIovec(iovs, y.buf[i*y.size:(i+k)*y.size])
		} else {
			pay := y.size - y.hdr
			for j := i; j < i+k; j++ {
				iovs = appendIovec(iovs, y.hdrs[j*y.hdr:(j+1)*y.hdr])
				iovs = appendIovec(iovs, y.buf[j*pay:(j+1)*pay])
			}
		}
		seg := 0
		if k > 1 {
			seg = y.size
		}
		y.batch.Add(iovs[start:], &y.sa, seg)
		starts = append(starts, i)
		i += k
	}
	return append(starts, n)
}

// appendIovec appends an iovec for p to iovs, whose capacity must suffice:
// the batch's messages point into its array.
func appendIovec(iovs []unix.Iovec, p []byte) []unix.Iovec {
	var v unix.Iovec
	udpbatch.SetIovec(&v, p)
	return append(iovs, v)
}

// Close closes the socket.
func (y *Yardstick) Close() error { return y.c.Close() }
