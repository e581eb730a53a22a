package bench

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

// heapSizes are the heap sizes of the heap-size cases: spead2's
// tutorial's smallest (tut-10, tut-11), a middle one, and its 1 MiB.
var heapSizes = []int{8 << 10, 64 << 10, 1 << 20}

// sizeName writes a heap size in KiB or MiB.
func sizeName(size int) string {
	if size >= 1<<20 {
		return fmt.Sprintf("%d MiB", size>>20)
	}
	return fmt.Sprintf("%d KiB", size>>10)
}

// heapSizeName names a heap-size case by its heap size.
func heapSizeName(size int) string {
	if size >= 1<<20 {
		return fmt.Sprintf("heaps-%dmib", size>>20)
	}
	return fmt.Sprintf("heaps-%dkib", size>>10)
}

// runHeapSize sends heaps of heapSize bytes of samples to dest as
// spead2's tut_11 does, and returns the rate of heap data in MB/s: step
// 3's heaps and packets, but with heaps of any size, built once and
// reused, sent in groups of about 512 KiB (at least 2 heaps) with one
// Future each, two groups taking turns, each heap refilled with a
// constant and given its timestamp before its group goes. The stream is
// made inside the environment.
func runHeapSize(ctx context.Context, env *benchEnv, dest netip.AddrPort, packetSize, heapSize, heaps int) (float64, error) {
	const groups = 2
	perGroup := max(2, (512<<10)/heapSize)
	cfg := send.DefaultConfig()
	cfg.Rate = 0
	cfg.MaxPacketSize = packetSize
	cfg.MaxHeaps = groups * perGroup
	var s *send.Stream
	err := env.do(func() error {
		var err error
		s, err = send.NewUDPStream([]netip.AddrPort{dest}, cfg)
		return err
	})
	if err != nil {
		return 0, err
	}
	defer s.Close()

	timestamp := spead.Descriptor{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample",
		Format: []spead.FormatField{{Type: 'u', Bits: spead.DefaultFlavour.HeapAddressBits()}}}
	samples := spead.Descriptor{ID: 0x3300, Name: "adc_samples", Description: "ADC converter output",
		DType: spead.NumpyHeader{Descr: "i1", Shape: []int64{int64(heapSize)}}.String()}
	type group struct {
		future  send.Future
		heaps   []*spead.Heap
		samples [][]byte
		busy    bool
	}
	var gs [groups]group
	// The heaps are built once, as tut_10 builds them; the first group
	// sent has a heap of its own that also carries the descriptors.
	build := func(g *group, k int, first bool) (*spead.Heap, error) {
		h := spead.NewHeap(spead.DefaultFlavour)
		if first {
			for _, d := range []*spead.Descriptor{&timestamp, &samples} {
				if err := h.AddDescriptor(d); err != nil {
					return nil, err
				}
			}
		}
		h.AddImmediate(timestamp.ID, 0)
		h.AddItem(samples.ID, g.samples[k])
		return h, nil
	}
	var firstHeaps []*spead.Heap
	for i := range gs {
		g := &gs[i]
		for k := range perGroup {
			g.samples = append(g.samples, make([]byte, heapSize))
			h, err := build(g, k, false)
			if err != nil {
				return 0, err
			}
			g.heaps = append(g.heaps, h)
		}
	}
	for k := range perGroup {
		h, err := build(&gs[0], k, k == 0)
		if err != nil {
			return 0, err
		}
		firstHeaps = append(firstHeaps, h)
	}

	start := time.Now()
	for i := 0; i < heaps; i += perGroup {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		g := &gs[(i/perGroup)%groups]
		if g.busy {
			if _, err := g.future.Wait(); err != nil {
				return 0, err
			}
		}
		g.busy = true
		hs := g.heaps
		if i == 0 {
			hs = firstHeaps
		}
		hs = hs[:min(perGroup, heaps-i)]
		for k, h := range hs {
			// The timestamp is the heap's only immediate item; it
			// follows the descriptors, if any.
			h.Items[len(h.Items)-2].Value = uint64(i+k) * uint64(heapSize)
			fill(g.samples[k], byte(int8(i+k)))
		}
		s.AsyncSendHeaps(ctx, hs, send.Serial, &g.future)
	}
	for i := range gs {
		if gs[i].busy {
			if _, err := gs[i].future.Wait(); err != nil {
				return 0, err
			}
		}
	}
	elapsed := time.Since(start)
	var end spead.Heap
	end.AddEnd()
	if _, err := s.SendHeap(ctx, &end); err != nil {
		return 0, err
	}
	return float64(heapSize) * float64(heaps) / elapsed.Seconds() / 1e6, s.Close()
}

// fill sets every sample to v, as step 2's fill does.
func fill(samples []byte, v byte) {
	samples[0] = v
	for n := 1; n < len(samples); n *= 2 {
		copy(samples[n:], samples[:n])
	}
}
