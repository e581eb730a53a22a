package spead_test

import (
	"fmt"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// BenchmarkPacketGenerator cuts a 1 MiB heap, the tutorial's, into packets
// of the two sizes the tutorial uses, reusing the generator and its
// buffers as a sender does. MB/s counts the heap's payload.
func BenchmarkPacketGenerator(b *testing.B) {
	data := make([]byte, 1<<20)
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddImmediate(0x1600, 0)
	h.AddItem(0x3300, data)
	for _, size := range []int{1472, 9000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var g spead.PacketGenerator
			if err := g.Reset(h, 1, size); err != nil {
				b.Fatal(err)
			}
			scratch := make([]byte, g.MaxHeaderSize())
			bufs := make([][]byte, 0, 8)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			packets := 0
			for i := 0; b.Loop(); i++ {
				if err := g.Reset(h, uint64(i+1), size); err != nil {
					b.Fatal(err)
				}
				for g.More() {
					bufs, _ = g.Next(scratch, bufs[:0])
					packets++
				}
			}
			b.ReportMetric(float64(packets)/float64(b.N), "packets/op")
		})
	}
}
