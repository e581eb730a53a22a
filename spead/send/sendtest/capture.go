package sendtest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/gospead/tutorial/spead"
)

// Capture records every datagram sent to a UDP port on 127.0.0.1, for
// tests that check what a sender puts on the wire. It stops at the end of
// a chosen heap, or when nothing has arrived for a while.
//
// Loopback drops what does not fit in the receiving socket's buffer, so a
// Capture asks for a large one, past net.core.rmem_max where the process
// may (see SetReceiveBuffer).
type Capture struct {
	conn    *net.UDPConn
	done    chan struct{}
	mu      sync.Mutex
	packets [][]byte
	err     error
}

// NewCapture listens on a free port of 127.0.0.1 with a receive buffer of
// bufBytes, and records datagrams until the last packet of the heap with
// counter last has arrived (the packet that ends the heap's payload), or
// until nothing has arrived for idle.
func NewCapture(bufBytes int, last uint64, idle time.Duration) (*Capture, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("sendtest: capture: %w", err)
	}
	if err := SetReceiveBuffer(conn, bufBytes); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sendtest: capture: %w", err)
	}
	c := &Capture{conn: conn, done: make(chan struct{})}
	go c.run(last, idle)
	return c, nil
}

// Addr returns the address the Capture listens on.
func (c *Capture) Addr() netip.AddrPort {
	return c.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// run reads datagrams until the end of heap last, or until idle passes
// without one.
func (c *Capture) run(last uint64, idle time.Duration) {
	defer close(c.done)
	buf := make([]byte, 65536)
	for {
		c.conn.SetReadDeadline(time.Now().Add(idle))
		n, err := c.conn.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				err = errors.New("capture closed before the heap ended")
			}
			c.fail(fmt.Errorf("sendtest: capture: %w", err))
			return
		}
		pkt := slices.Clone(buf[:n])
		c.mu.Lock()
		c.packets = append(c.packets, pkt)
		c.mu.Unlock()
		p, err := spead.ParsePacket(pkt)
		if err != nil {
			c.fail(fmt.Errorf("sendtest: capture: packet %d: %w", len(c.packets), err))
			return
		}
		if p.HeapCnt == last && p.PayloadOffset+p.PayloadLength == p.HeapLength {
			return
		}
	}
}

// fail records why the capture stopped early.
func (c *Capture) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// Wait waits for the capture to stop and returns the datagrams it
// recorded, in the order they arrived, and why it stopped early, if it
// did.
func (c *Capture) Wait() ([][]byte, error) {
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.packets, c.err
}

// Close stops the capture and closes its socket.
func (c *Capture) Close() error {
	err := c.conn.Close()
	<-c.done
	return err
}
