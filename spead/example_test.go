package spead_test

import (
	"fmt"
	"strings"

	"github.com/gospead/tutorial/spead"
)

// A heap of one immediate item and one addressed item, cut into packets as
// spead2 would cut it.
func ExampleAppendPackets() {
	samples := make([]byte, 4000)
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddImmediate(0x1600, 0)  // the timestamp travels in its pointer
	h.AddItem(0x3300, samples) // the samples are referenced, not copied
	pkts, err := spead.AppendPackets(nil, h, 1, 1472)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pkts {
		fmt.Printf("% x ... %d bytes\n", p[:8], len(p))
	}
	// Output:
	// 53 04 03 05 00 00 00 06 ... 1472 bytes
	// 53 04 03 05 00 00 00 04 ... 1472 bytes
	// 53 04 03 05 00 00 00 04 ... 1192 bytes
}

// Decoding a packet shows the heap it belongs to and its share of the
// payload.
func ExampleParsePacket() {
	pkts, _ := spead.AppendPackets(nil, spead.EndOfStream(spead.DefaultFlavour), 5, 1472)
	p, err := spead.ParsePacket(pkts[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	items := p.Items(nil)
	fmt.Println(p.Flavour, "heap", p.HeapCnt, "length", p.HeapLength)
	fmt.Printf("item %#x = %d (stream stop)\n", items[0].ID, items[0].Value)
	// Output:
	// SPEAD-64-40 heap 5 length 1
	// item 0x6 = 2 (stream stop)
}

// The numpy header of the tutorial's samples, written as spead2's C++
// tutorial writes it.
func ExampleNumpyHeader() {
	n := spead.NumpyHeader{Descr: "i1", Shape: []int64{1048576}}
	fmt.Println(n)
	back, _ := spead.ParseNumpyHeader(n.String())
	fmt.Println(back.Descr, back.Shape)
	// Output:
	// {'shape': (1048576,), 'fortran_order': False, 'descr': 'i1'}
	// i1 [1048576]
}

// An item group sends each descriptor once, in the first heap it builds,
// just before the item's value, as spead2's Python item groups do; after
// that, only the values that changed.
func ExampleItemGroup() {
	g := spead.NewItemGroup(spead.DefaultFlavour)
	g.Add(spead.Descriptor{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample",
		Format: []spead.FormatField{{Type: 'u', Bits: 40}}})
	g.Add(spead.Descriptor{ID: 0x3300, Name: "adc_samples", Description: "ADC converter output",
		DType: spead.NumpyHeader{Descr: "i1", Shape: []int64{8}}.String()})
	for i := range 2 {
		g.SetUint("timestamp", uint64(i*8))
		g.SetInt8s("adc_samples", make([]int8, 8))
		h, err := g.Heap()
		if err != nil {
			fmt.Println(err)
			return
		}
		ids := []string{}
		for _, it := range h.Items {
			ids = append(ids, fmt.Sprintf("%#x", it.ID))
		}
		fmt.Println(strings.Join(ids, " "))
	}
	// Output:
	// 0x5 0x1600 0x5 0x3300
	// 0x1600 0x3300
}

// Set gives items their values from Go values: here a (2, 2) array of
// complex64 visibilities, a timestamp and a text label, as a correlator
// would send them. A value of the wrong type or shape is refused.
func ExampleSet() {
	g := spead.NewItemGroup(spead.DefaultFlavour)
	g.Add(spead.Descriptor{ID: 0x1600, Name: "timestamp", Format: []spead.FormatField{{Type: 'u', Bits: 48}}})
	g.Add(spead.Descriptor{ID: 0x1800, Name: "vis", Description: "Visibilities",
		DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{2, 2}}.String()})
	g.Add(spead.Descriptor{ID: 0x1801, Name: "source", Format: []spead.FormatField{{Type: 'c', Bits: 8}}, Shape: []int64{-1}})

	vis := []complex64{1 + 2i, 3 - 4i, -5, 6i}
	fmt.Println(spead.Set(g, "timestamp", uint64(1700000000)))
	fmt.Println(spead.Set(g, "vis", vis...))
	fmt.Println(spead.Set(g, "source", "Cen A"))
	fmt.Println(spead.Set(g, "vis", vis[:3]...))
	fmt.Println(spead.Set(g, "vis", 1+2i, 3-4i, -5, 6i))

	h, _ := g.Heap()
	fmt.Println(len(h.Items), "items")
	// Output:
	// <nil>
	// <nil>
	// <nil>
	// item group: vis: bad item value: 3 elements, want 4 for shape [2 2]
	// item group: vis: bad item value: a <c8 item takes complex64 values, not complex128
	// 6 items
}
