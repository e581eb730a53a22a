package send

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
)

// listen opens a loopback UDP socket to receive what a test sends.
func listen(t *testing.T) (*net.UDPConn, netip.AddrPort) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetReadBuffer(8 << 20)
	return conn, conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// readPackets reads n packets, failing the test after a generous deadline.
func readPackets(t *testing.T, conn *net.UDPConn, n int) [][]byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out [][]byte
	buf := make([]byte, 65536)
	for range n {
		m, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(out), err)
		}
		out = append(out, append([]byte(nil), buf[:m]...))
	}
	return out
}

func TestSendMatchesGenerator(t *testing.T) {
	conn, ep := listen(t)
	cfg := DefaultConfig()
	cfg.MaxPacketSize = 9000
	s, err := NewUDPStream([]netip.AddrPort{ep}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 100000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddImmediate(0x1600, 42)
	h.AddItem(0x3300, data)
	n, err := s.SendHeap(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	want, err := spead.AppendPackets(nil, h, 1, 9000)
	if err != nil {
		t.Fatal(err)
	}
	got := readPackets(t, conn, len(want))
	total := 0
	for i := range want {
		total += len(want[i])
		if string(got[i]) != string(want[i]) {
			t.Fatalf("packet %d differs", i)
		}
	}
	if n != int64(total) {
		t.Errorf("SendHeap returned %d bytes, want %d", n, total)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendHeap(context.Background(), h); err != ErrClosed {
		t.Errorf("send after Close: got %v, want ErrClosed", err)
	}
}
