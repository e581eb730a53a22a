package send

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// TestWireMatchesAppendPackets checks, for every writer and several packet
// sizes, that the packets a receiver gets are byte for byte those of
// spead.AppendPackets, in order, with heap counters 1, 2, 3.
func TestWireMatchesAppendPackets(t *testing.T) {
	// Small packets get a smaller large heap, so that what the receiver
	// has not yet read fits in its socket buffer.
	heaps := []func(size int) *spead.Heap{
		func(size int) *spead.Heap { return testHeap(min(200000, 100*size), 1) },
		func(int) *spead.Heap { return testHeap(5, 2) },
		func(int) *spead.Heap { return spead.NewHeap(spead.DefaultFlavour) }, // empty: NULL pointer and padding
		func(int) *spead.Heap { return testHeap(9000*3-40, 3) },
		func(int) *spead.Heap { return manyItemsHeap() },
	}
	for _, k := range kinds {
		for _, size := range []int{64, 1472, 4096, 8872, 9000} {
			t.Run(fmt.Sprintf("%s/%d", k.name, size), func(t *testing.T) {
				conn, ep := listen(t)
				cfg := DefaultConfig()
				cfg.MaxPacketSize = size
				s := newTestStream(t, []netip.AddrPort{ep}, cfg, k.kind)
				for i, mk := range heaps {
					h := mk(size)
					if size < 1000 && len(h.Items) > 100 {
						continue // too many pointers for the packet
					}
					cnt := uint64(i + 1)
					n, err := s.SendHeap(context.Background(), h)
					if err != nil {
						t.Fatalf("heap %d: %v", cnt, err)
					}
					want, err := spead.AppendPackets(nil, h, cnt, size)
					if err != nil {
						t.Fatal(err)
					}
					checkPackets(t, conn, want, n)
				}
			})
		}
	}
}

// manyItemsHeap returns a heap of one large item and 3000 one-byte ones:
// its first packets have more pieces than a message may carry.
func manyItemsHeap() *spead.Heap {
	h := testHeap(30000, 4)
	one := []byte{0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0x10}
	for i := range 3000 {
		h.AddItem(uint64(0x4000+i), one[i%9:i%9+1])
	}
	return h
}

// checkPackets reads len(want) packets from conn and compares them with
// want; n is what the send reported.
func checkPackets(t *testing.T, conn *net.UDPConn, want [][]byte, n int64) {
	t.Helper()
	got := readPackets(t, conn, len(want))
	total := 0
	for i := range want {
		total += len(want[i])
		if string(got[i]) != string(want[i]) {
			t.Fatalf("packet %d of %d differs: got %d bytes, want %d", i, len(want), len(got[i]), len(want[i]))
		}
	}
	if n != int64(total) {
		t.Errorf("send reported %d bytes, want %d", n, total)
	}
}

// TestOrderAndCounters sends heaps pipelined and checks that they leave in
// submission order with counters 1, 2, 3 and so on.
func TestOrderAndCounters(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			conn, ep := listen(t)
			cfg := DefaultConfig()
			cfg.MaxHeaps = 3
			s := newTestStream(t, []netip.AddrPort{ep}, cfg, k.kind)
			const nHeaps = 40
			var (
				futs [nHeaps]Future
				want [][]byte
			)
			for i := range nHeaps {
				h := testHeap(3000+100*i, byte(i))
				s.AsyncSendHeap(context.Background(), h, &futs[i])
				var err error
				if want, err = spead.AppendPackets(want, h, uint64(i+1), cfg.MaxPacketSize); err != nil {
					t.Fatal(err)
				}
			}
			for i := range futs {
				if _, err := futs[i].Wait(); err != nil {
					t.Fatalf("heap %d: %v", i+1, err)
				}
			}
			got := readPackets(t, conn, len(want))
			last := uint64(0)
			for i, b := range got {
				p, err := spead.ParsePacket(b)
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if p.HeapCnt < last || p.HeapCnt > last+1 {
					t.Fatalf("packet %d has heap counter %d after %d", i, p.HeapCnt, last)
				}
				last = p.HeapCnt
				if string(b) != string(want[i]) {
					t.Fatalf("packet %d differs", i)
				}
			}
			if last != nHeaps {
				t.Errorf("last heap counter %d, want %d", last, nHeaps)
			}
		})
	}
}

// TestEndpoints sends heaps to two receivers by index, and checks that a
// bad index is an error.
func TestEndpoints(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c0, ep0 := listen(t)
			c1, ep1 := listen(t)
			s := newTestStream(t, []netip.AddrPort{ep0, ep1}, DefaultConfig(), k.kind)
			ctx := context.Background()
			h0, h1 := testHeap(5000, 10), testHeap(7000, 11)
			n1, err := s.SendHeapTo(ctx, h1, 1)
			if err != nil {
				t.Fatal(err)
			}
			n0, err := s.SendHeap(ctx, h0)
			if err != nil {
				t.Fatal(err)
			}
			want1, _ := spead.AppendPackets(nil, h1, 1, DefaultMaxPacketSize)
			want0, _ := spead.AppendPackets(nil, h0, 2, DefaultMaxPacketSize)
			checkPackets(t, c1, want1, n1)
			checkPackets(t, c0, want0, n0)
			for _, bad := range []int{-1, 2, 100} {
				if _, err := s.SendHeapTo(ctx, h0, bad); err == nil {
					t.Errorf("destination %d accepted", bad)
				}
			}
		})
	}
}

// TestNothingListening sends many heaps to a loopback port with no socket
// behind it: the ICMP port-unreachable replies must not fail any send.
func TestNothingListening(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			conn, ep := listen(t)
			conn.Close() // now nothing listens on ep
			cfg := DefaultConfig()
			cfg.MaxPacketSize = 9000
			cfg.MaxHeaps = 2
			s := newTestStream(t, []netip.AddrPort{ep}, cfg, k.kind)
			h := testHeap(256<<10, 5)
			var futs [2]Future
			for i := range 200 {
				f := &futs[i%2]
				if i >= 2 {
					if _, err := f.Wait(); err != nil {
						t.Fatalf("heap %d: %v", i-1, err)
					}
				}
				s.AsyncSendHeap(context.Background(), h, f)
			}
			for i := range futs {
				if _, err := futs[i].Wait(); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestIPv6AndIPv4Endpoints sends to an IPv6 and an IPv4 loopback receiver
// from one stream, whose socket is then dual-stack and reaches the IPv4
// one through a mapped address.
func TestIPv6AndIPv4Endpoints(t *testing.T) {
	c6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer c6.Close()
	c6.SetReadBuffer(4 << 20)
	ep6 := c6.LocalAddr().(*net.UDPAddr).AddrPort()
	c4, ep4 := listen(t)
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			s := newTestStream(t, []netip.AddrPort{ep6, ep4}, DefaultConfig(), k.kind)
			ctx := context.Background()
			h := testHeap(20000, 6)
			for dest, conn := range []*net.UDPConn{c6, c4} {
				n, err := s.SendHeapTo(ctx, h, dest)
				if err != nil {
					t.Fatalf("destination %d: %v", dest, err)
				}
				want, _ := spead.AppendPackets(nil, h, uint64(dest+1), DefaultMaxPacketSize)
				checkPackets(t, conn, want, n)
			}
		})
	}
}
