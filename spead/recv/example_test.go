package recv_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/recv"
)

// exampleHeap returns a small heap like the tutorial's: a timestamp and
// four int8 samples, with their descriptors.
func exampleHeap() *spead.Heap {
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddDescriptor(&spead.Descriptor{
		ID: 0x1600, Name: "timestamp", Description: "Index of the first sample",
		Format: []spead.FormatField{{Type: 'u', Bits: 40}},
	})
	h.AddDescriptor(&spead.Descriptor{
		ID: 0x3300, Name: "adc_samples", Description: "ADC converter output",
		DType: "{'shape': (4,), 'fortran_order': False, 'descr': 'i1'}",
	})
	h.AddImmediate(0x1600, 4096)
	h.AddItem(0x3300, []byte{1, 2, 0xfe, 0xff})
	return h
}

// A Reassembler needs no socket: packets go in, heaps come out.
func ExampleReassembler() {
	pkts, _ := spead.AppendPackets(nil, exampleHeap(), 1, 100)
	pkts, _ = spead.AppendPackets(pkts, spead.EndOfStream(spead.DefaultFlavour), 2, 100)

	r, _ := recv.NewReassembler(recv.DefaultConfig())
	var heaps []*recv.Heap
	for _, p := range pkts {
		heaps, _ = r.AddPacket(heaps, p)
	}
	for _, h := range heaps {
		items, _ := h.Items(nil)
		fmt.Printf("heap %d, complete %v, %d items\n", h.Cnt, h.Complete(), len(items))
	}
	st := r.Stats()
	fmt.Println("stopped:", r.Stopped(), "heaps:", st.Heaps, "packets:", st.Packets)
	// Output:
	// heap 1, complete true, 4 items
	// stopped: true heaps: 1 packets: 7
}

// An ItemGroup turns a heap's items into named values.
func ExampleItemGroup() {
	pkts, _ := spead.AppendPackets(nil, exampleHeap(), 1, 1472)
	r, _ := recv.NewReassembler(recv.DefaultConfig())
	heaps, _ := r.AddPacket(nil, pkts[0])

	g := recv.NewItemGroup()
	updated, err := g.Update(heaps[0])
	if err != nil {
		fmt.Println(err)
	}
	for _, it := range updated {
		fmt.Printf("%s = %v (%T)\n", it.Name, it.Value, it.Value)
	}
	// Output:
	// timestamp = 4096 (uint64)
	// adc_samples = [1 2 -2 -1] ([]int8)
}

// A Stream receives heaps over UDP until the end of the stream.
func ExampleStream() {
	s, err := recv.NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), recv.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// Send a heap and the end of the stream, as a sender would.
	c, _ := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
	pkts, _ := spead.AppendPackets(nil, exampleHeap(), 1, 1472)
	pkts, _ = spead.AppendPackets(pkts, spead.EndOfStream(spead.DefaultFlavour), 2, 1472)
	for _, p := range pkts {
		c.Write(p)
	}
	c.Close()

	for {
		h, err := s.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("received heap", h.Cnt)
	}
	for _, st := range s.Stats().List() {
		fmt.Printf("%s: %d\n", st.Name, st.Value)
	}
	// Output:
	// received heap 1
	// heaps: 1
	// incomplete_heaps_evicted: 0
	// incomplete_heaps_flushed: 0
	// packets: 2
	// bytes: 424
	// largest_packet: 367
	// bad_packets: 0
}

// An ItemGroup decodes complex values into complex64 or complex128, with
// their shape; the value is the group's own copy, valid after the heap is
// released.
func ExampleItemGroup_complex() {
	sg := spead.NewItemGroup(spead.DefaultFlavour)
	sg.Add(spead.Descriptor{ID: 0x1800, Name: "vis",
		DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{2, 2}}.String()})
	spead.Set(sg, "vis", []complex64{1 + 2i, 3 - 4i, -5, 6i}...)
	h, _ := sg.Heap()
	pkts, _ := spead.AppendPackets(nil, h, 1, 1472)
	r, _ := recv.NewReassembler(recv.DefaultConfig())
	heaps, _ := r.AddPacket(nil, pkts[0])

	g := recv.NewItemGroup()
	if _, err := g.Update(heaps[0]); err != nil {
		fmt.Println(err)
	}
	heaps[0].Release()
	it, _ := g.Get("vis")
	vis := it.Value.([]complex64)
	fmt.Println(it.Shape, vis)
	fmt.Println("row 1:", vis[1*it.Shape[1]:2*it.Shape[1]])
	// Output:
	// [2 2] [(1+2i) (3-4i) (-5+0i) (0+6i)]
	// row 1: [(-5+0i) (0+6i)]
}
