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
					bufs, _, _ = g.Next(scratch, bufs[:0])
					packets++
				}
			}
			b.ReportMetric(float64(packets)/float64(b.N), "packets/op")
		})
	}
}

// BenchmarkSetComplex64 sets a (256, 4) <c8 array of visibilities, 8 KiB,
// as a correlator's sender would for each heap. MB/s counts the bytes
// encoded.
func BenchmarkSetComplex64(b *testing.B) {
	g := spead.NewItemGroup(spead.DefaultFlavour)
	if _, err := g.Add(spead.Descriptor{ID: 0x1800, Name: "vis",
		DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{256, 4}}.String()}); err != nil {
		b.Fatal(err)
	}
	vis := make([]complex64, 256*4)
	b.SetBytes(int64(len(vis)) * 8)
	b.ReportAllocs()
	for b.Loop() {
		if err := spead.Set(g, "vis", vis...); err != nil {
			b.Fatal(err)
		}
	}
}
