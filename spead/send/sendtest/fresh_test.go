package sendtest_test

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead/send/sendtest"
)

// TestFreshYardstickLoopback sends heaps at loopback and checks every
// packet: its header names its heap and offset, and its payload is all
// int8(heap), so a heap refilled while it was being sent would show.
func TestFreshYardstickLoopback(t *testing.T) {
	const (
		heaps     = 7
		heapBytes = 100000
		size      = 9000
		hdr       = 40
		pay       = size - hdr
		perHeap   = (heapBytes + pay - 1) / pay
	)
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadBuffer(8 << 20)
	f, err := sendtest.NewFreshYardstick(conn.LocalAddr().(*net.UDPAddr).AddrPort(), size, hdr, heapBytes)
	if errors.Is(err, sendtest.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := f.SendHeaps(heaps)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(heaps * (heapBytes + perHeap*hdr)); n != want {
		t.Errorf("SendHeaps returned %d bytes, want %d", n, want)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 65536)
	var got int64
	for p := range heaps * perHeap {
		m, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", p, err)
		}
		got += int64(m)
		heap, off := binary.BigEndian.Uint64(buf), binary.BigEndian.Uint64(buf[8:])
		if want := p / perHeap; heap != uint64(want) || off != uint64(p%perHeap*pay) {
			t.Fatalf("packet %d: header says heap %d offset %d, want heap %d offset %d", p, heap, off, want, p%perHeap*pay)
		}
		for j, b := range buf[hdr:m] {
			if b != byte(int8(heap)) {
				t.Fatalf("packet %d (heap %d): payload byte %d is %d, want %d", p, heap, j, b, byte(int8(heap)))
			}
		}
	}
	if got != n {
		t.Errorf("received %d bytes, sent %d", got, n)
	}
	if !f.GSO() {
		t.Error("GSO was disabled on loopback")
	}
}

func TestFreshYardstickBadArguments(t *testing.T) {
	lo := netip.MustParseAddrPort("127.0.0.1:8888")
	for _, a := range [][3]int{{9000, 0, 1 << 20}, {9000, 9000, 1 << 20}, {9000, 40, 0}, {0, 40, 1 << 20}} {
		if f, err := sendtest.NewFreshYardstick(lo, a[0], a[1], a[2]); err == nil {
			f.Close()
			t.Errorf("NewFreshYardstick accepted packets of %d, headers of %d, heaps of %d", a[0], a[1], a[2])
		}
	}
	// No packet is sent here: the constructor must refuse an address that
	// is neither loopback nor inside a sandbox's network namespace (netns)
	// before it opens a socket, and a yardstick it wrongly made is closed
	// unused.
	if f, err := sendtest.NewFreshYardstick(netip.MustParseAddrPort("192.168.31.2:8888"), 9000, 40, 1<<20); err == nil {
		f.Close()
		t.Error("NewFreshYardstick accepted a non-loopback address outside a sandbox")
	}
}
