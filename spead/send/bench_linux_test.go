package send

import (
	"context"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead/send/sendtest"
)

// BenchmarkIfbSideBySide measures the library and two yardsticks in turns
// of 256 heaps' worth of bytes each (about 20 ms), into the same sink, so
// that all see the same machine: on a shared machine, load that comes and
// goes between separate benchmarks can move any of them by a factor of
// two. Each library turn fills and drains the stream's pipeline, which a
// long stream does once; in turns of 64 heaps that alone cost the library
// 5 to 10% of its rate, in turns of 256 it costs little. The
// yardstick sends one batch of packets over and over, each GSO message
// one piece of memory; the split yardstick sends from a heap's worth of
// memory with each packet's header and payload apart, the layout in which
// the library hands the kernel a heap (see Yardstick.SetSplit). It reports
// each one's MB/s, the library's ratio to each by wall clock (ratio and
// split-ratio), and its ratio to the yardstick by CPU time used by the
// whole process (cpu-ratio), which other processes' load affects less.
func BenchmarkIfbSideBySide(b *testing.B) {
	sb := benchSandbox(b)
	h, wire := benchHeap(b)
	var (
		s      *Stream
		y, ysp *sendtest.Yardstick
	)
	err := sb.Do(func() error {
		var err error
		if s, err = newUDPStream([]netip.AddrPort{sb.Sink(8888)}, benchConfig(), writerFastest); err != nil {
			return err
		}
		if y, err = sendtest.NewYardstick(sb.Sink(8888), benchPacketSize); err != nil {
			return err
		}
		ysp, err = sendtest.NewYardstick(sb.Sink(8888), benchPacketSize)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	defer y.Close()
	defer ysp.Close()
	ysp.SetWorkingSet(int(wire))
	if err := ysp.SetSplit(splitHeaderBytes); err != nil {
		b.Fatal(err)
	}

	const turn = 256 // heaps per turn
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
	split := func() {
		if _, err := ysp.Send(turn * wire); err != nil {
			b.Fatal(err)
		}
	}
	library()
	yardstick()
	split()

	var libWall, yardWall, splitWall, libCPU, yardCPU time.Duration
	b.SetBytes(3 * turn * wire)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w, c := measure(library)
		libWall += w
		libCPU += c
		w, c = measure(yardstick)
		yardWall += w
		yardCPU += c
		w, _ = measure(split)
		splitWall += w
	}
	b.StopTimer()
	mb := float64(b.N*turn) * float64(wire) / 1e6
	b.ReportMetric(mb/libWall.Seconds(), "lib-MB/s")
	b.ReportMetric(mb/yardWall.Seconds(), "yard-MB/s")
	b.ReportMetric(mb/splitWall.Seconds(), "split-MB/s")
	b.ReportMetric(yardWall.Seconds()/libWall.Seconds(), "ratio")
	b.ReportMetric(splitWall.Seconds()/libWall.Seconds(), "split-ratio")
	b.ReportMetric(yardCPU.Seconds()/libCPU.Seconds(), "cpu-ratio")
	if !y.GSO() || !ysp.GSO() {
		b.Log("GSO refused; a yardstick sent without it")
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
