package send

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send/sendtest"
)

// benchPacketSize is the tutorial's third stage: 9000-byte packets.
const benchPacketSize = 9000

// splitHeaderBytes is the SPEAD header of all but the first packet of the
// benchmarks' heap: 8 bytes and four item pointers (heap counter, heap
// size, payload offset, payload length). The split yardsticks put as many
// bytes in each packet's first piece.
const splitHeaderBytes = 40

// benchHeap returns the tutorial's heap, a timestamp and 1 MiB of samples,
// and the bytes it puts on the wire.
func benchHeap(b *testing.B) (*spead.Heap, int64) {
	// Filled, as the tutorial fills it: memory never written reads as
	// the kernel's shared zero page, which would flatter the copy.
	samples := make([]byte, 1<<20)
	for i := range samples {
		samples[i] = byte(i)
	}
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddImmediate(0x1600, 0)
	h.AddItem(0x3300, samples)
	pkts, err := spead.AppendPackets(nil, h, 1, benchPacketSize)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, p := range pkts {
		n += int64(len(p))
	}
	return h, n
}

// pipeline sends the heap b.N times with two heaps in flight, as the
// tutorial does. MB/s counts the bytes on the wire, SPEAD headers
// included, as a Yardstick's do.
func pipeline(b *testing.B, s *Stream) {
	h, wire := benchHeap(b)
	ctx := context.Background()
	var futs [2]Future
	// Warm up: let the stream grow its buffers before timing.
	if _, err := s.SendHeap(ctx, h); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(wire)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		f := &futs[i%2]
		if i >= 2 {
			if _, err := f.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		s.AsyncSendHeap(ctx, h, f)
	}
	for i := range min(b.N, 2) {
		if _, err := futs[i].Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
}

// benchConfig is the tutorial's: 9000-byte packets, two heaps in flight.
func benchConfig() Config {
	cfg := DefaultConfig()
	cfg.MaxPacketSize = benchPacketSize
	cfg.MaxHeaps = 2
	return cfg
}

// BenchmarkSendLoopback sends to loopback, with nothing listening (each
// packet draws an ICMP port-unreachable) and with a receiver draining the
// socket on another goroutine.
func BenchmarkSendLoopback(b *testing.B) {
	for _, k := range kinds {
		b.Run("nolistener/"+k.name, func(b *testing.B) {
			conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			ep := conn.LocalAddr().(*net.UDPAddr).AddrPort()
			conn.Close()
			s, err := newUDPStream([]netip.AddrPort{ep}, benchConfig(), k.kind)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			pipeline(b, s)
		})
		b.Run("drain/"+k.name, func(b *testing.B) {
			conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			conn.SetReadBuffer(4 << 20)
			var wg sync.WaitGroup
			wg.Go(func() {
				buf := make([]byte, 65536)
				for {
					if _, err := conn.Read(buf); err != nil {
						return
					}
				}
			})
			defer wg.Wait()
			defer conn.Close()
			s, err := newUDPStream([]netip.AddrPort{conn.LocalAddr().(*net.UDPAddr).AddrPort()}, benchConfig(), k.kind)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			pipeline(b, s)
		})
	}
}

var (
	sandboxOnce sync.Once
	sandbox     *sendtest.Sandbox
	sandboxErr  error
)

// benchSandbox returns the sandbox the benchmarks share, made on first
// use, or skips b where none can be made. The test binary never closes
// it; the kernel removes it when the process exits.
func benchSandbox(b *testing.B) *sendtest.Sandbox {
	sandboxOnce.Do(func() { sandbox, sandboxErr = sendtest.NewSandbox() })
	if errors.Is(sandboxErr, sendtest.ErrNoPrivilege) || errors.Is(sandboxErr, sendtest.ErrUnsupported) {
		b.Skip(sandboxErr)
	}
	if sandboxErr != nil {
		b.Fatal(sandboxErr)
	}
	return sandbox
}

// BenchmarkSendIfb sends into the sandbox's ifb sink, where packets are
// dropped as soon as the kernel has routed them: the cost of sending
// alone. Compare it with BenchmarkYardstickIfb from the same run.
func BenchmarkSendIfb(b *testing.B) {
	sb := benchSandbox(b)
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			var s *Stream
			// The socket is made inside the sandbox, a network
			// namespace of its own (unshare(CLONE_NEWNET)); only there
			// does 192.168.31.2 lead to the sink.
			err := sb.Do(func() error {
				var err error
				s, err = newUDPStream([]netip.AddrPort{sb.Sink(8888)}, benchConfig(), k.kind)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			pipeline(b, s)
		})
	}
}

// BenchmarkYardstickIfb writes the same bytes per operation as
// BenchmarkSendIfb, in 9000-byte packets, with the same system calls and
// no SPEAD library: the fastest a sender thread can go. "batch" sends one
// batch of packets over and over, which stays in the core's cache;
// "heap" sends from a working set the size of the heap BenchmarkSendIfb
// sends, so that the kernel's copy reads as much memory as it does there;
// "heap-split" sends each packet of that as a 40-byte header and its
// payload, two iovecs, as this package does.
func BenchmarkYardstickIfb(b *testing.B) {
	sb := benchSandbox(b)
	_, wire := benchHeap(b)
	for _, ws := range []struct {
		name  string
		bytes int
		split int
	}{{"batch", 0, 0}, {"heap", int(wire), 0}, {"heap-split", int(wire), splitHeaderBytes}} {
		b.Run(ws.name, func(b *testing.B) {
			var y *sendtest.Yardstick
			err := sb.Do(func() error {
				var err error
				y, err = sendtest.NewYardstick(sb.Sink(8888), benchPacketSize)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			defer y.Close()
			y.SetWorkingSet(ws.bytes)
			if err := y.SetSplit(ws.split); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(wire)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := y.Send(wire); err != nil {
					b.Fatal(err)
				}
			}
			if !y.GSO() {
				b.Log("GSO refused; the yardstick sent without it")
			}
		})
	}
}
