package sendtest_test

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead/send/sendtest"
	"github.com/vishvananda/netlink"
)

// sandbox makes a Sandbox for the test, or skips it where none can be made.
func sandbox(t testing.TB) *sendtest.Sandbox {
	t.Helper()
	sb, err := sendtest.NewSandbox()
	if errors.Is(err, sendtest.ErrNoPrivilege) || errors.Is(err, sendtest.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

func TestYardstickLoopback(t *testing.T) {
	for _, size := range []int{1472, 9000, 8} {
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetReadBuffer(8 << 20)
		y, err := sendtest.NewYardstick(conn.LocalAddr().(*net.UDPAddr).AddrPort(), size)
		if err != nil {
			t.Fatal(err)
		}
		defer y.Close()
		const packets = 100
		n, err := y.Send(int64(packets*size - size/2))
		if err != nil {
			t.Fatal(err)
		}
		if n != packets*int64(size) {
			t.Errorf("size %d: Send returned %d, want %d", size, n, packets*size)
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 65536)
		for i := range packets {
			m, err := conn.Read(buf)
			if err != nil {
				t.Fatalf("size %d: packet %d: %v", size, i, err)
			}
			if m != size {
				t.Fatalf("size %d: packet %d has %d bytes", size, i, m)
			}
		}
		if !y.GSO() {
			t.Errorf("size %d: GSO was disabled on loopback", size)
		}
	}
}

func TestYardstickRefusesNonLoopback(t *testing.T) {
	// This only opens a socket; nothing is sent. Outside a sandbox's
	// own network namespace (made with unshare(CLONE_NEWNET)) the
	// yardstick refuses every address but loopback.
	_, err := sendtest.NewYardstick(netip.MustParseAddrPort("192.168.31.2:8888"), 9000)
	if err == nil {
		t.Fatal("NewYardstick accepted a non-loopback address outside a sandbox")
	}
}

func TestYardstickBadArguments(t *testing.T) {
	lo := netip.MustParseAddrPort("127.0.0.1:9")
	for _, size := range []int{0, -1, 65508} {
		if _, err := sendtest.NewYardstick(lo, size); err == nil {
			t.Errorf("packet size %d accepted", size)
		}
	}
	if _, err := sendtest.NewYardstick(netip.MustParseAddrPort("127.0.0.1:0"), 9000); err == nil {
		t.Error("port 0 accepted")
	}
}

func TestSandboxSink(t *testing.T) {
	sb := sandbox(t)
	var y *sendtest.Yardstick
	err := sb.Do(func() error {
		link, err := netlink.LinkByName(sendtest.SinkLink)
		if err != nil {
			return err
		}
		if mtu := link.Attrs().MTU; mtu != sendtest.SinkMTU {
			t.Errorf("%s has MTU %d, want %d", sendtest.SinkLink, mtu, sendtest.SinkMTU)
		}
		y, err = sendtest.NewYardstick(sb.Sink(8888), 9000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	// Sent from this goroutine, outside the namespace: the socket keeps it.
	if _, err := y.Send(10 << 20); err != nil {
		t.Fatal(err)
	}
	if !y.GSO() {
		t.Log("the ifb link refused GSO messages; the yardstick fell back")
	}
	// Outside the sandbox there is no such link.
	if _, err := netlink.LinkByName(sendtest.SinkLink); err == nil {
		t.Errorf("%s exists outside the sandbox", sendtest.SinkLink)
	}
}

func TestSandboxClosed(t *testing.T) {
	sb := sandbox(t)
	sb.Close()
	if err := sb.Do(func() error { return nil }); err == nil {
		t.Error("Do after Close succeeded")
	}
}

// TestYardstickGSOFallback sends packets larger than the sink link's MTU
// leaves for UDP: the kernel refuses to segment them, and the Yardstick
// falls back to unmerged packets, which the kernel fragments.
func TestYardstickGSOFallback(t *testing.T) {
	sb := sandbox(t)
	var y *sendtest.Yardstick
	err := sb.Do(func() error {
		var err error
		y, err = sendtest.NewYardstick(sb.Sink(8888), sendtest.SinkMTU)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if _, err := y.Send(1 << 20); err != nil {
		t.Fatal(err)
	}
	if y.GSO() {
		t.Error("GSO still on after the kernel refused it")
	}
}

// loopbackYardstick returns a Yardstick of size-byte packets and the
// loopback socket, with room for many packets, that it sends to; both are
// closed when the test ends.
func loopbackYardstick(t *testing.T, size int) (*net.UDPConn, *sendtest.Yardstick) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := sendtest.SetReceiveBuffer(conn, 8<<20); err != nil {
		t.Fatal(err)
	}
	y, err := sendtest.NewYardstick(conn.LocalAddr().(*net.UDPAddr).AddrPort(), size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { y.Close() })
	return conn, y
}

// TestYardstickWorkingSet checks that a larger working set is rounded up
// to whole batches and that Send walks through it: the packets of the
// second batch are not those of the first, and the third batch starts the
// working set again.
func TestYardstickWorkingSet(t *testing.T) {
	const size = 1000
	conn, y := loopbackYardstick(t, size)
	if got, want := y.WorkingSet(), 64*size; got != want {
		t.Errorf("default working set %d bytes, want one batch, %d", got, want)
	}
	y.SetWorkingSet(100 * size)
	if got, want := y.WorkingSet(), 128*size; got != want {
		t.Errorf("working set %d bytes, want two batches, %d", got, want)
	}
	const packets = 3 * 64
	if _, err := y.Send(packets * size); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var pkts [][]byte
	for range packets {
		buf := make([]byte, 65536)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(pkts), err)
		}
		pkts = append(pkts, buf[:n])
	}
	if bytes.Equal(pkts[0], pkts[64]) {
		t.Error("the second batch repeats the first: the working set is not used")
	}
	if !bytes.Equal(pkts[0], pkts[128]) {
		t.Error("the third batch does not start the working set again")
	}
}

// TestYardstickSplit checks the split layout: every packet arrives whole,
// its first bytes from the header buffer and the rest the working set's
// payloads back to back, and a bad header size is refused.
func TestYardstickSplit(t *testing.T) {
	const size, hdr = 1000, 40
	conn, y := loopbackYardstick(t, size)
	for _, bad := range []int{-1, size, size + 1} {
		if err := y.SetSplit(bad); err == nil {
			t.Errorf("SetSplit(%d) accepted", bad)
		}
	}
	if err := y.SetSplit(hdr); err != nil {
		t.Fatal(err)
	}
	if y.Split() != hdr {
		t.Errorf("Split() = %d, want %d", y.Split(), hdr)
	}
	const packets = 64
	if _, err := y.Send(packets * size); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var payloads []byte
	buf := make([]byte, 65536)
	for i := range packets {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if n != size {
			t.Fatalf("packet %d has %d bytes, want %d", i, n, size)
		}
		for j := range hdr {
			if want := byte((i*hdr + j) % 253); buf[j] != want {
				t.Fatalf("packet %d: header byte %d is %d, want %d", i, j, buf[j], want)
			}
		}
		payloads = append(payloads, buf[hdr:n]...)
	}
	for k, b := range payloads {
		if want := byte(k % 251); b != want {
			t.Fatalf("payload byte %d is %d, want %d: payloads are not the working set back to back", k, b, want)
		}
	}
}
