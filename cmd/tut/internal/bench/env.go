package bench

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/gospead/tutorial/cmd/tut/internal/dummy"
	"github.com/gospead/tutorial/spead/send/sendtest"
	"github.com/vishvananda/netlink"
)

// benchEnv is where tut bench sends from. With root it is a network
// namespace of its own (a sendtest.Sandbox: loopback up, and an ifb link
// standing in for the dummy interface at 192.168.31.1/24) that the kernel
// removes when bench ends; without, it is the namespace tut runs in, and
// only loopback is used.
type benchEnv struct {
	sb  *sendtest.Sandbox // nil when there is no namespace
	why string            // why there is no namespace
}

// newBenchEnv makes bench's namespace, or, where it may not, returns an
// environment for the loopback cases only and says why.
func newBenchEnv() (*benchEnv, error) {
	sb, err := sendtest.NewSandbox()
	switch {
	case err == nil:
		return &benchEnv{sb: sb}, nil
	case errors.Is(err, sendtest.ErrNoPrivilege):
		return &benchEnv{why: "making a network namespace with a dummy interface needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"}, nil
	case errors.Is(err, sendtest.ErrUnsupported):
		return &benchEnv{why: fmt.Sprintf("this system cannot make a network namespace with an ifb link (%v)", err)}, nil
	}
	return nil, fmt.Errorf("making the benchmark's network namespace: %w", err)
}

// hasDummy reports whether the dummy interface, and so the cases that
// send to it, are available.
func (e *benchEnv) hasDummy() bool { return e.sb != nil }

// do runs fn where sockets must be made: on the namespace's thread, or
// right here when there is no namespace. A socket stays in the namespace
// it was made in, wherever it is used afterwards.
func (e *benchEnv) do(fn func() error) error {
	if e.sb == nil {
		return fn()
	}
	return e.sb.Do(fn)
}

// sink returns the address on the dummy interface's subnet that bench
// sends to, which drops what it gets.
func (e *benchEnv) sink(port uint16) netip.AddrPort { return e.sb.Sink(port) }

// setSinkMTU sets the MTU of the dummy interface inside the namespace.
func (e *benchEnv) setSinkMTU(mtu int) error {
	if e.sb == nil {
		return errors.New("no dummy interface: bench is not running in a namespace of its own")
	}
	return e.sb.Do(func() error {
		link, err := netlink.LinkByName(sendtest.SinkLink)
		if err != nil {
			return fmt.Errorf("finding %s: %w", sendtest.SinkLink, err)
		}
		if err := netlink.LinkSetMTU(link, mtu); err != nil {
			return fmt.Errorf("setting the MTU of %s to %d: %w", sendtest.SinkLink, mtu, err)
		}
		return nil
	})
}

// checkMTU checks, inside the namespace, that packetSize-byte packets to
// dest fit the MTU of the route there.
func (e *benchEnv) checkMTU(dest netip.Addr, packetSize int) error {
	return e.do(func() error { return dummy.CheckPathMTU(dest, packetSize) })
}

// closedPort returns a UDP port on 127.0.0.1 where nothing listens, in
// the environment's namespace: sending there makes the kernel answer with
// ICMP port-unreachable, as in the tutorial when no receiver runs.
func (e *benchEnv) closedPort() (uint16, error) {
	if e.sb != nil {
		// The namespace is bench's own: nothing listens on the
		// tutorial's port.
		return 8888, nil
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, fmt.Errorf("finding a free UDP port: %w", err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	conn.Close()
	return port, nil
}

// close ends the namespace's thread; the kernel removes the namespace
// once its last socket is closed.
func (e *benchEnv) close() error {
	if e.sb == nil {
		return nil
	}
	return e.sb.Close()
}

// drain is a receiver for the cases "with a receiver listening": a UDP
// socket on loopback that a goroutine empties as fast as it can, counting
// what it gets.
type drain struct {
	conn    *net.UDPConn
	done    chan struct{}
	packets atomic.Int64
	bytes   atomic.Int64
}

// drainBufferSize is the receive buffer the drain asks for, so that
// bursts are not dropped while its goroutine waits for a core.
const drainBufferSize = 8 << 20

// startDrain opens the receiver's socket in the environment's namespace
// and starts emptying it.
func startDrain(e *benchEnv) (*drain, error) {
	var conn *net.UDPConn
	err := e.do(func() error {
		var err error
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening the receiver's socket: %w", err)
	}
	// A smaller buffer than asked for only means more drops at the
	// receiver; the sender's rate is what bench measures.
	_ = sendtest.SetReceiveBuffer(conn, drainBufferSize)
	d := &drain{conn: conn, done: make(chan struct{})}
	go d.run()
	return d, nil
}

// run reads until the socket is closed.
func (d *drain) run() {
	defer close(d.done)
	buf := make([]byte, 1<<16)
	for {
		n, err := d.conn.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		d.packets.Add(1)
		d.bytes.Add(int64(n))
	}
}

// port returns the port the drain listens on.
func (d *drain) port() uint16 { return d.conn.LocalAddr().(*net.UDPAddr).AddrPort().Port() }

// settle waits until the drain has read what is left in its socket's
// buffer, taken as no new packet for 20ms (and at most 2s in all), and
// returns the bytes it has read.
func (d *drain) settle() int64 {
	const quiet, most = 20 * time.Millisecond, 2 * time.Second
	last := d.bytes.Load()
	for deadline := time.Now().Add(most); time.Now().Before(deadline); {
		time.Sleep(quiet)
		n := d.bytes.Load()
		if n == last {
			break
		}
		last = n
	}
	return last
}

// stop closes the socket and waits for the goroutine to end.
func (d *drain) stop() {
	d.conn.Close()
	<-d.done
}
