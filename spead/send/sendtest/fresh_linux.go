package sendtest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"syscall"
	"time"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"golang.org/x/sys/unix"
)

// freshSpin is how long a FreshYardstick's filler waits for a heap's send
// awake before it sleeps: package send's DefaultWaitSpin.
const freshSpin = 200 * time.Microsecond

// FreshYardstick does the work of the tutorial's step 3 with no SPEAD
// library: heaps of heapBytes bytes, each filled with int8(i) by the
// goroutine that calls SendHeaps while a goroutine of the FreshYardstick's
// own sends the heap before it, from two buffers used in turn. Each packet
// goes as two pieces of memory, a header of headerBytes bytes and its
// slice of the heap, with the system calls of a [Yardstick] (sendmmsg,
// UDP GSO). The hand-offs are package send's: the sender is an unlocked
// goroutine fed by a channel, and the filler waits for a heap awake,
// yielding the CPU, for up to 200 µs before it sleeps.
//
// A FreshYardstick is not safe for concurrent use.
type FreshYardstick struct {
	c    *Yardstick // the socket, destination and GSO state
	hdr  int
	bufs [2][]byte

	ready chan int          // heaps filled, for the sender
	sent  [2]chan error     // each buffer's last send, for the filler
	busy  [2]bool           // a send of the buffer is outstanding
	hdrs  []byte            // the headers of one batch
	iovs  []unix.Iovec      // the pieces of one batch
	batch udpbatch.Batch    // the messages of one batch
	start [batchPackets]int // the first packet of each message
	done  bool              // Close has been called
	stale bool              // skip the fill (a benchmark's control)
}

// NewFreshYardstick opens a socket as [NewYardstick] does, with the same
// rules for dest, that sends heaps of heapBytes bytes in packetSize-byte
// UDP payloads, headerBytes of them a header. It returns an error unless
// 0 < headerBytes < packetSize and heapBytes > 0.
func NewFreshYardstick(dest netip.AddrPort, packetSize, headerBytes, heapBytes int) (*FreshYardstick, error) {
	if headerBytes < 1 || headerBytes >= packetSize || heapBytes < 1 {
		return nil, fmt.Errorf("sendtest: fresh yardstick: header of %d bytes, packets of %d and heaps of %d: want 0 < header < packet and a heap of at least 1 byte",
			headerBytes, packetSize, heapBytes)
	}
	y, err := NewYardstick(dest, packetSize)
	if err != nil {
		return nil, err
	}
	f := &FreshYardstick{
		c:     y,
		hdr:   headerBytes,
		bufs:  [2][]byte{make([]byte, heapBytes), make([]byte, heapBytes)},
		ready: make(chan int, 2),
		sent:  [2]chan error{make(chan error, 1), make(chan error, 1)},
		hdrs:  make([]byte, batchPackets*headerBytes),
		iovs:  make([]unix.Iovec, 0, 2*batchPackets),
	}
	go f.run()
	return f, nil
}

// SendHeaps fills and sends n heaps, numbered from 0, and returns the UDP
// payload bytes sent, headers included, once the last has gone, or the
// first error a send met.
func (f *FreshYardstick) SendHeaps(n int) (int64, error) {
	var total int64
	var first error
	wait := func(k int) {
		if f.busy[k] {
			f.busy[k] = false
			if err := f.wait(k); err != nil && first == nil {
				first = err
			}
		}
	}
	for i := range n {
		k := i % 2
		wait(k)
		if first != nil {
			break
		}
		if !f.stale {
			fill(f.bufs[k], i)
		}
		f.busy[k] = true
		f.ready <- i
		total += int64(f.heapBytesOnWire())
	}
	wait(0)
	wait(1)
	if first != nil {
		return 0, fmt.Errorf("sendtest: fresh yardstick: %w", first)
	}
	return total, nil
}

// heapBytesOnWire returns the UDP payload bytes of one heap.
func (f *FreshYardstick) heapBytesOnWire() int {
	pay := f.c.size - f.hdr
	packets := (len(f.bufs[0]) + pay - 1) / pay
	return len(f.bufs[0]) + packets*f.hdr
}

// fill writes int8(i) to every byte of b, doubling a filled prefix, as
// step 3 does.
func fill(b []byte, i int) {
	b[0] = byte(int8(i))
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}

// wait returns the result of buffer k's send, spinning first as a
// Future of package send does: the sender finds nobody asleep to wake.
func (f *FreshYardstick) wait(k int) error {
	for range 2 {
		select {
		case err := <-f.sent[k]:
			return err
		default:
		}
		runtime.Gosched()
	}
	start := time.Now()
	for time.Since(start) < freshSpin {
		select {
		case err := <-f.sent[k]:
			return err
		default:
		}
		unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	}
	return <-f.sent[k]
}

// run is the sending goroutine.
func (f *FreshYardstick) run() {
	for i := range f.ready {
		f.sent[i%2] <- f.sendHeap(f.bufs[i%2], i)
	}
}

// sendHeap sends heap i from buf in batches of batchPackets packets.
func (f *FreshYardstick) sendHeap(buf []byte, i int) error {
	size, pay := f.c.size, f.c.size-f.hdr
	for off := 0; off < len(buf); {
		f.iovs = f.iovs[:0]
		n := 0
		for ; n < batchPackets && off < len(buf); n++ {
			h := f.hdrs[n*f.hdr : (n+1)*f.hdr]
			if len(h) >= 16 {
				binary.BigEndian.PutUint64(h, uint64(i))
				binary.BigEndian.PutUint64(h[8:], uint64(off))
			}
			end := min(off+pay, len(buf))
			f.iovs = appendIovec(f.iovs, h)
			f.iovs = appendIovec(f.iovs, buf[off:end])
			off = end
		}
		if err := f.sendBatch(n, size); err != nil {
			return err
		}
	}
	return nil
}

// sendBatch sends the n packets whose pieces are f.iovs, all size bytes
// but the last, merged for GSO while the kernel allows it.
func (f *FreshYardstick) sendBatch(n, size int) error {
	first := 0
	for first < n {
		f.batch.Reset()
		m := 0
		for i := first; i < n; m++ {
			k := 1
			if f.c.gso {
				k = min(n-i, udpbatch.MaxSegments, udpbatch.MaxGSOBytes/size)
			}
			seg := 0
			if k > 1 {
				seg = size
			}
			f.batch.Add(f.iovs[2*i:2*(i+k)], &f.c.sa, seg)
			f.start[m] = i
			i += k
		}
		sent, err := f.c.c.Send(context.Background(), f.batch.Msgs)
		if err == nil {
			return nil
		}
		first = f.start[sent]
		switch {
		case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOBUFS):
			// Not sent: send it again.
		case f.c.gso && f.batch.Segmented(sent) && udpbatch.IsGSOFailure(err):
			f.c.gso = false // send the same packets unmerged
		default:
			return fmt.Errorf("sendmmsg: %w", err)
		}
	}
	return nil
}

// GSO reports whether the FreshYardstick still merges packets for UDP GSO.
func (f *FreshYardstick) GSO() bool { return f.c.gso }

// Close stops the sending goroutine and closes the socket. The
// FreshYardstick must not be sending.
func (f *FreshYardstick) Close() error {
	if !f.done {
		f.done = true
		close(f.ready)
	}
	return f.c.Close()
}
