package sendtest_test

import (
	"testing"
	"time"

	"github.com/gospead/tutorial/spead/send/sendtest"
)

// BenchmarkYardsticksSideBySide takes turns of 32 heaps of 1 MiB, in
// 9000-byte packets into a Sandbox's sink, between the yardstick sending
// one batch over and over (hot), the yardstick sending from 2 MiB with
// each packet as a 40-byte header and its payload (split), the
// FreshYardstick, which sends that layout from two heaps another goroutine
// has just filled (fresh), and a FreshYardstick that makes the same
// hand-offs but fills nothing (stale). It reports each one's MB/s and the
// ratios to fresh, so that a busy machine slows them all alike.
func BenchmarkYardsticksSideBySide(b *testing.B) {
	const (
		heapBytes = 1 << 20
		size      = 9000
		hdr       = 40
		turn      = 32
	)
	sb := sandbox(b)
	var (
		hot, split   *sendtest.Yardstick
		fresh, stale *sendtest.FreshYardstick
	)
	err := sb.Do(func() error {
		var err error
		if hot, err = sendtest.NewYardstick(sb.Sink(8888), size); err != nil {
			return err
		}
		if split, err = sendtest.NewYardstick(sb.Sink(8888), size); err != nil {
			return err
		}
		if fresh, err = sendtest.NewFreshYardstick(sb.Sink(8888), size, hdr, heapBytes); err != nil {
			return err
		}
		stale, err = sendtest.NewFreshYardstick(sb.Sink(8888), size, hdr, heapBytes)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	defer hot.Close()
	defer split.Close()
	defer fresh.Close()
	defer stale.Close()
	sendtest.SkipFill(stale)
	split.SetWorkingSet(2 * heapBytes)
	if err := split.SetSplit(hdr); err != nil {
		b.Fatal(err)
	}
	wire := int64(turn * heapBytes)
	runs := []func() (int64, error){
		func() (int64, error) { return hot.Send(wire) },
		func() (int64, error) { return split.Send(wire) },
		func() (int64, error) { return fresh.SendHeaps(turn) },
		func() (int64, error) { return stale.SendHeaps(turn) },
	}
	var wall [4]time.Duration
	for _, run := range runs { // warm up
		if _, err := run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		for i, run := range runs {
			t0 := time.Now()
			if _, err := run(); err != nil {
				b.Fatal(err)
			}
			wall[i] += time.Since(t0)
		}
	}
	b.StopTimer()
	mb := float64(b.N) * float64(wire) / 1e6
	b.ReportMetric(mb/wall[0].Seconds(), "hot-MB/s")
	b.ReportMetric(mb/wall[1].Seconds(), "split-MB/s")
	b.ReportMetric(mb/wall[2].Seconds(), "fresh-MB/s")
	b.ReportMetric(wall[2].Seconds()/wall[0].Seconds(), "hot/fresh")
	b.ReportMetric(mb/wall[3].Seconds(), "stale-MB/s")
	b.ReportMetric(wall[2].Seconds()/wall[1].Seconds(), "split/fresh")
	b.ReportMetric(wall[2].Seconds()/wall[3].Seconds(), "stale/fresh")
}
