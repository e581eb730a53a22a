package recv_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/netip"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/recv"
	"github.com/gospead/tutorial/spead/send"
)

// A correlator's receiver: it listens on a free loopback port, decodes
// each heap with an item group into named, typed values (here a
// timestamp, a (256, 4) complex64 array and a string), and stops at the
// end of the stream. The sender, send's example of the same name cut
// short, runs in a goroutine.
func Example_visibilities() {
	rx, err := recv.NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), recv.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer rx.Close()
	go sendVisibilities(rx.LocalAddr())

	g := recv.NewItemGroup()
	for {
		h, err := rx.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if _, err := g.Update(h); err != nil {
			log.Fatal(err)
		}
		h.Release() // the group holds copies of the values
		ts, _ := g.Get("timestamp")
		vis, _ := g.Get("vis")
		src, _ := g.Get("source")
		v := vis.Value.([]complex64)
		fmt.Printf("heap %d: timestamp %v, source %q, vis %v: %v … %v\n", h.Cnt, ts.Value, src.Value, vis.Shape, v[0], v[len(v)-1])
	}
	fmt.Println(rx.Stats().Heaps, "heaps")
	// Output:
	// heap 1: timestamp 0, source "Cen A", vis [256 4]: (0+0i) … (0+1023i)
	// heap 2: timestamp 1000, source "Cen A", vis [256 4]: (1+0i) … (1+1023i)
	// 2 heaps
}

// sendVisibilities sends two heaps of visibilities and the end of the
// stream to dest.
func sendVisibilities(dest netip.AddrPort) {
	s, err := send.NewUDPStream([]netip.AddrPort{dest}, send.Config{Rate: 100e6})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	g := spead.NewItemGroup(spead.DefaultFlavour)
	g.Add(spead.Descriptor{ID: 0x1600, Name: "timestamp", Format: []spead.FormatField{{Type: 'u', Bits: 40}}})
	g.Add(spead.Descriptor{ID: 0x1800, Name: "vis", DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{256, 4}}.String()})
	g.Add(spead.Descriptor{ID: 0x1801, Name: "source", Format: []spead.FormatField{{Type: 'c', Bits: 8}}, Shape: []int64{-1}})
	spead.Set(g, "source", "Cen A")
	vis := make([]complex64, 256*4)
	for i := range 2 {
		for j := range vis {
			vis[j] = complex(float32(i), float32(j))
		}
		spead.Set(g, "timestamp", uint64(i)*1000)
		spead.Set(g, "vis", vis...)
		h, _ := g.Heap()
		if _, err := s.SendHeap(context.Background(), h); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := s.SendHeap(context.Background(), g.EndHeap()); err != nil {
		log.Fatal(err)
	}
}
