package udpbatch

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// msgSize is the size of the datagrams the tests send.
const msgSize = 100

// fullPair returns a Conn on one end of a datagram socket pair whose other
// end has been left unread until a send of msgSize bytes would block, and
// that other end.
func fullPair(t *testing.T) (*Conn, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no socket pair: %v", err)
	}
	c := newConn(fds[0], unix.AF_UNIX)
	t.Cleanup(func() {
		c.Close()
		unix.Close(fds[1])
	})
	for {
		_, err := unix.Write(fds[0], make([]byte, msgSize))
		if errors.Is(err, unix.EAGAIN) {
			return c, fds[1]
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// message returns a batch of one message of n bytes, with no address (a
// socket pair is connected).
func message(n int) []unix.Mmsghdr {
	iov := make([]unix.Iovec, 1)
	SetIovec(&iov[0], make([]byte, n))
	msgs := make([]unix.Mmsghdr, 1)
	msgs[0].Hdr.Iov = &iov[0]
	msgs[0].Hdr.SetIovlen(1)
	return msgs
}

func TestSendWaitsForRoom(t *testing.T) {
	c, peer := fullPair(t)
	// Drain the peer a little later (a datagram socket counts as
	// writable again only once most of its buffer is free): Send must
	// wait, not fail or spin out, and then deliver. The test waits for
	// the drain to end before it closes the peer, since a later test's
	// socket may get the same descriptor number.
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		time.Sleep(20 * time.Millisecond)
		buf := make([]byte, 2048)
		for {
			if _, err := unix.Read(peer, buf); err != nil {
				return
			}
		}
	}()
	sent, err := c.Send(context.Background(), message(msgSize))
	<-drained
	if err != nil || sent != 1 {
		t.Fatalf("Send = %d, %v; want 1, nil", sent, err)
	}
}

func TestSendStopsWithContext(t *testing.T) {
	c, _ := fullPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*pollSlice)
	defer cancel()
	sent, err := c.Send(ctx, message(msgSize))
	if sent != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %d, %v; want 0 and the context's error", sent, err)
	}
}

func TestSendReportsKernelError(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no socket pair: %v", err)
	}
	c := newConn(fds[0], unix.AF_UNIX)
	defer c.Close()
	unix.Close(fds[1])
	sent, err := c.Send(context.Background(), message(10))
	if sent != 0 || !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("Send to a closed peer = %d, %v; want 0, ECONNREFUSED", sent, err)
	}
}

func TestClosed(t *testing.T) {
	c, err := Open(unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close = %v, want net.ErrClosed", err)
	}
	if _, err := c.Send(context.Background(), message(1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close = %v, want net.ErrClosed", err)
	}
	if err := c.SetSendBuffer(1 << 16); !errors.Is(err, net.ErrClosed) {
		t.Errorf("SetSendBuffer after Close = %v, want net.ErrClosed", err)
	}
}

func TestOpenIPv6ReachesIPv4(t *testing.T) {
	c, err := Open(unix.AF_INET6)
	if err != nil {
		t.Skipf("no IPv6: %v", err)
	}
	defer c.Close()
	v6only := -1
	c.Control(func(fd int) error {
		v6only, err = unix.GetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
		return err
	})
	if err != nil || v6only != 0 {
		t.Errorf("IPV6_V6ONLY = %d, %v; want 0", v6only, err)
	}
}
