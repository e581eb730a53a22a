package spead

// This test holds the start heap, DescriptorFrequency and HeapWith to
// what spead2 puts on the wire for the same stream.
//
// How the golden file testdata/spead2-latejoin/1472.txt was made: with
// the spead2 build described in spead2_golden_test.go (4.4.1, commit
// 4b0677e2), a throwaway C++ program (not part of this repository) sent
// seven heaps with spead2::send::udp_stream, max packet size 1472, to a
// UDP listener on 127.0.0.1 that wrote every datagram in hex, one a line,
// in arrival order. The heaps are those spead2's Python HeapGenerator
// builds with descriptor_frequency=2 for the items of
// testdata/spead2-complex (timestamp u40, vis (2, 2) <c8 with Python's
// numpy header and shape, source ('c', 8) of shape (-1,)), each
// descriptor then its value, written out by hand with the C++ heap API:
//
//   - counter 1, get_start(): the stream control item 0 (add_start);
//   - 2, get_heap(), the generator's call 0: every descriptor, and the
//     values timestamp 1, vis 1+2j 3-4j -5 6j, source "Cen A";
//   - 3, get_heap(), call 1: timestamp 2 alone;
//   - 4, get_heap(), call 2: every descriptor again (2 calls since the
//     last), and timestamp 3;
//   - 5, get_heap(descriptors='all', data='none'), call 3: every
//     descriptor, no value;
//   - 6, get_heap(descriptors='stale', data='all'), call 4: no
//     descriptor (1 call since the last), every value;
//   - 7, get_end().

import (
	"bytes"
	"testing"
)

func TestSpead2LateJoinGolden(t *testing.T) {
	want := readHexPackets(t, "testdata/spead2-latejoin/1472.txt")
	g := NewItemGroup(DefaultFlavour)
	g.DescriptorFrequency = 2
	for _, d := range []Descriptor{
		{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample", Format: []FormatField{{'u', 40}}},
		{ID: 0x1800, Name: "vis", Description: "Visibilities", Shape: []int64{2, 2},
			DType: "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2)}"},
		{ID: 0x1801, Name: "source", Description: "Target name", Format: []FormatField{{'c', 8}}, Shape: []int64{-1}},
	} {
		if _, err := g.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	heap := func(descriptors, data Include) *Heap {
		t.Helper()
		h, err := g.HeapWith(descriptors, data)
		must(err)
		return h
	}
	heaps := []*Heap{g.StartHeap()}
	must(Set(g, "timestamp", uint64(1)))
	must(Set(g, "vis", []complex64{1 + 2i, 3 - 4i, -5, 6i}...))
	must(Set(g, "source", "Cen A"))
	heaps = append(heaps, heap(IncludeStale, IncludeStale))
	must(Set(g, "timestamp", uint64(2)))
	heaps = append(heaps, heap(IncludeStale, IncludeStale))
	must(Set(g, "timestamp", uint64(3)))
	heaps = append(heaps,
		heap(IncludeStale, IncludeStale),
		heap(IncludeAll, IncludeNone),
		heap(IncludeStale, IncludeAll),
		g.EndHeap())

	var got [][]byte
	for i, h := range heaps {
		var err error
		if got, err = AppendPackets(got, h, uint64(i+1), 1472); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d packets, spead2 sent %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("packet %d (heap %d) differs:\n got %x\nwant %x", i, i+1, got[i], want[i])
		}
	}
}
