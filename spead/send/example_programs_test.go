package send_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/recv"
	"github.com/gospead/tutorial/spead/send"
)

// A correlator's sender: an item group of a timestamp, a (256, 4) array of
// complex64 visibilities and the source's name, sent heap by heap with
// its descriptors again every 100 heaps for receivers that join late, then
// the end of the stream. A receiver on a free loopback port counts the
// heaps; see recv's example of the same name for one that decodes them.
func Example_visibilities() {
	rx, err := recv.NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), recv.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer rx.Close()
	received := make(chan int)
	go func() {
		n := 0
		for _, err := rx.Next(context.Background()); err == nil; _, err = rx.Next(context.Background()) {
			n++
		}
		received <- n
	}()

	s, err := send.NewUDPStream([]netip.AddrPort{rx.LocalAddr()}, send.Config{Rate: 100e6})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	g := spead.NewItemGroup(spead.DefaultFlavour)
	g.DescriptorFrequency = 100
	for _, d := range []spead.Descriptor{
		{ID: 0x1600, Name: "timestamp", Description: "Start of the dump", Format: []spead.FormatField{{Type: 'u', Bits: 40}}},
		{ID: 0x1800, Name: "vis", Description: "Visibilities", DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{256, 4}}.String()},
		{ID: 0x1801, Name: "source", Description: "Target", Format: []spead.FormatField{{Type: 'c', Bits: 8}}, Shape: []int64{-1}},
	} {
		if _, err := g.Add(d); err != nil {
			log.Fatal(err)
		}
	}
	if err := spead.Set(g, "source", "Cen A"); err != nil {
		log.Fatal(err) // set once: only the first heap carries it
	}
	ctx := context.Background()
	vis := make([]complex64, 256*4)
	for i := range 3 {
		for j := range vis {
			vis[j] = complex(float32(i), float32(j))
		}
		if err := spead.Set(g, "timestamp", uint64(i)*1000); err != nil {
			log.Fatal(err)
		}
		if err := spead.Set(g, "vis", vis...); err != nil {
			log.Fatal(err)
		}
		h, err := g.Heap()
		if err != nil {
			log.Fatal(err)
		}
		n, err := s.SendHeap(ctx, h)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("heap", i, "took", n, "bytes")
	}
	if _, err := s.SendHeap(ctx, g.EndHeap()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-received, "heaps received")
	// Output:
	// heap 0 took 8899 bytes
	// heap 1 took 8448 bytes
	// heap 2 took 8448 bytes
	// 3 heaps received
}

// Many small heaps with counters of the caller's choosing: 1000 heaps of
// one immediate item, numbered 1001, 1003, 1005 and so on, as one of two
// senders to the same receiver might number them (the other taking the
// even counters). The heap is reused: SendHeap returns once it is sent.
func ExampleStream_SetCntSequence() {
	rx, err := recv.NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), recv.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer rx.Close()
	done := make(chan []uint64)
	go func() {
		var cnts []uint64
		for h, err := rx.Next(context.Background()); err == nil; h, err = rx.Next(context.Background()) {
			cnts = append(cnts, h.Cnt)
			h.Release()
		}
		done <- cnts
	}()

	s, err := send.NewUDPStream([]netip.AddrPort{rx.LocalAddr()}, send.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.SetCntSequence(1001, 2); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var h spead.Heap
	for i := range 1000 {
		h.Reset()
		h.AddImmediate(0x1600, uint64(i))
		if _, err := s.SendHeap(ctx, &h); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := s.SendHeap(ctx, spead.EndOfStream(spead.DefaultFlavour)); err != nil {
		log.Fatal(err)
	}
	cnts := <-done
	fmt.Println(len(cnts), "heaps, counters", cnts[0], cnts[1], "…", cnts[len(cnts)-1])
	// Output: 1000 heaps, counters 1001 1003 … 2999
}

// One stream, two endpoints, a rate and a deadline: heaps go to each
// endpoint in turn at 10 MB/s, SPEAD headers included, and every send
// gives up when the deadline passes (here it is generous, so all go).
func ExampleStream_SendHeapTo() {
	var (
		rxs   [2]*recv.Stream
		dests []netip.AddrPort
		got   = make(chan string)
	)
	for k := range rxs {
		rx, err := recv.NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), recv.DefaultConfig())
		if err != nil {
			log.Fatal(err)
		}
		defer rx.Close()
		rxs[k], dests = rx, append(dests, rx.LocalAddr())
		go func() {
			var cnts []uint64
			for h, err := rx.Next(context.Background()); err == nil; h, err = rx.Next(context.Background()) {
				cnts = append(cnts, h.Cnt)
			}
			got <- fmt.Sprintf("endpoint %d received heaps %v", k, cnts)
		}()
	}

	s, err := send.NewUDPStream(dests, send.Config{Rate: 10e6})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 6 {
		h := spead.NewHeap(spead.DefaultFlavour)
		h.AddItem(0x3300, make([]byte, 4000))
		if _, err := s.SendHeapTo(ctx, h, i%len(dests)); err != nil {
			log.Fatal(err) // a send past the deadline fails with context.DeadlineExceeded
		}
	}
	for k := range dests {
		if _, err := s.SendHeapTo(ctx, spead.EndOfStream(spead.DefaultFlavour), k); err != nil {
			log.Fatal(err)
		}
	}
	results := []string{<-got, <-got}
	if results[0] > results[1] {
		results[0], results[1] = results[1], results[0]
	}
	fmt.Println(results[0])
	fmt.Println(results[1])
	// Output:
	// endpoint 0 received heaps [1 3 5]
	// endpoint 1 received heaps [2 4 6]
}
