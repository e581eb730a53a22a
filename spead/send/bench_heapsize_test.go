package send

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// heapSizes are the heap sizes of the heap-size benchmarks, as in spead2's
// tutorial pages 10 and 11: where the cost of a heap shows, where it
// fades, and the tutorial's own 1 MiB.
var heapSizes = []int{8 << 10, 64 << 10, 1 << 20}

// BenchmarkHeapSizeIfb sends heaps of each size into the sandbox's ifb
// sink at 9000-byte packets, in two ways spead2's tutorial does: one
// Future a heap with about 1 MiB of heaps in flight, reused as tut_10
// reuses them ("heaps"), and groups of about 512 KiB with one Future each,
// two groups taking turns, as tut_11 sends them ("batches"). Each heap is
// refilled with a constant before it is sent. MB/s counts heap data; the
// difference between sizes is what a heap costs beyond its bytes.
func BenchmarkHeapSizeIfb(b *testing.B) {
	sb := benchSandbox(b)
	for _, size := range heapSizes {
		for _, style := range []string{"heaps", "batches"} {
			b.Run(fmt.Sprintf("%dKiB/%s", size>>10, style), func(b *testing.B) {
				groups, perGroup := max(2, (1<<20)/size), 1
				if style == "batches" {
					groups, perGroup = 2, max(2, (512<<10)/size)
				}
				cfg := benchConfig()
				cfg.MaxHeaps = groups * perGroup
				var s *Stream
				err := sb.Do(func() error {
					var err error
					s, err = newUDPStream([]netip.AddrPort{sb.Sink(8888)}, cfg, writerFastest)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				sendHeapsOfSize(b, s, size, groups, perGroup)
			})
		}
	}
}

// sendHeapsOfSize sends b.N heaps of size bytes in groups of perGroup
// heaps (a group of one by AsyncSendHeap), with groups of them taking
// turns.
func sendHeapsOfSize(b *testing.B, s *Stream, size, groups, perGroup int) {
	type state struct {
		fut     Future
		heaps   []*spead.Heap
		samples [][]byte
		busy    bool
	}
	states := make([]state, groups)
	for k := range states {
		for range perGroup {
			smp := make([]byte, size)
			h := spead.NewHeap(spead.DefaultFlavour)
			h.AddImmediate(0x1600, 0)
			h.AddItem(0x3300, smp)
			states[k].heaps = append(states[k].heaps, h)
			states[k].samples = append(states[k].samples, smp)
		}
	}
	ctx := context.Background()
	send := func(i int) {
		st := &states[(i/perGroup)%groups]
		if st.busy {
			if _, err := st.fut.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		st.busy = true
		for j, h := range st.heaps {
			h.Items[0].Value = uint64(i+j) * uint64(size)
			fillConstant(st.samples[j], byte(i+j))
		}
		if perGroup == 1 {
			s.AsyncSendHeap(ctx, st.heaps[0], &st.fut)
		} else {
			s.AsyncSendHeaps(ctx, st.heaps, Serial, &st.fut)
		}
	}
	// Warm up: every state once, so the stream grows its buffers.
	for i := 0; i < groups*perGroup; i += perGroup {
		send(i)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	// Whole groups only: b.N rounded up to a multiple of perGroup.
	for i := 0; i < b.N; i += perGroup {
		send(i)
	}
	for k := range states {
		if _, err := states[k].fut.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
}

// fillConstant sets every byte of p to v, doubling a filled prefix.
func fillConstant(p []byte, v byte) {
	p[0] = v
	for n := 1; n < len(p); n *= 2 {
		copy(p[n:], p[:n])
	}
}
