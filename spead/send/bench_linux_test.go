//go:build linux

package send

import (
	"context"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead/send/sendtest"
)

// BenchmarkIfbSideBySide measures the library and the yardstick in turns
// of 64 heaps' worth of bytes each, into the same sink, so that both see
// the same machine: on a shared machine, load that comes and goes between
// two separate benchmarks can move either by a factor of two. It reports
// each one's MB/s and their ratio (library over yardstick) by wall clock,
// and the same ratio by CPU time used by the whole process (cpu-ratio),
// which other processes' load affects less.
func BenchmarkIfbSideBySide(b *testing.B) {
	sb := benchSandbox(b)
	h, wire := benchHeap(b)
	var (
		s *Stream
		y *sendtest.Yardstick
	)
	err := sb.Do(func() error {
		var err error
		if s, err = newUDPStream([]netip.AddrPort{sb.Sink(8888)}, benchConfig(), writerFastest); err != nil {
			return err
		}
		y, err = sendtest.NewYardstick(sb.Sink(8888), benchPacketSize)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	defer y.Close()

	const turn = 64 // heaps per turn
	ctx := context.Background()
	var futs [2]Future
	library := func() {
		for i := range turn {
			f := &futs[i%2]
			if i >= 2 {
				if _, err := f.Wait(); err != nil {
					b.Fatal(err)
				}
			}
			s.AsyncSendHeap(ctx, h, f)
		}
		for i := range futs {
			if _, err := futs[i].Wait(); err != nil {
				b.Fatal(err)
			}
		}
	}
	yardstick := func() {
		if _, err := y.Send(turn * wire); err != nil {
			b.Fatal(err)
		}
	}
	library()
	yardstick()

	var libWall, yardWall, libCPU, yardCPU time.Duration
	b.SetBytes(2 * turn * wire)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w, c := measure(library)
		libWall += w
		libCPU += c
		w, c = measure(yardstick)
		yardWall += w
		yardCPU += c
	}
	b.StopTimer()
	mb := float64(b.N*turn) * float64(wire) / 1e6
	b.ReportMetric(mb/libWall.Seconds(), "lib-MB/s")
	b.ReportMetric(mb/yardWall.Seconds(), "yard-MB/s")
	b.ReportMetric(yardWall.Seconds()/libWall.Seconds(), "ratio")
	b.ReportMetric(yardCPU.Seconds()/libCPU.Seconds(), "cpu-ratio")
	if !y.GSO() {
		b.Log("GSO refused; the yardstick sent without it")
	}
}

// measure returns how long fn takes by the wall clock and in CPU time used
// by the process.
func measure(fn func()) (wall, cpu time.Duration) {
	c0 := processCPU()
	t0 := time.Now()
	fn()
	return time.Since(t0), processCPU() - c0
}

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
