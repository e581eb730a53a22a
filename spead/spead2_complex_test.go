package spead

// This test holds the ItemGroup's typed values to what spead2's C++
// sender puts on the wire for a heap of complex visibilities, built the
// way spead2's Python ItemGroup builds it.
//
// How the golden files testdata/spead2-complex/*.txt were made: with the
// spead2 build described in spead2_golden_test.go (4.4.1, commit
// 4b0677e2), a throwaway C++ program (not part of this repository) sent
// two heaps with spead2::send::udp_stream to a UDP listener on 127.0.0.1,
// once with a max packet size of 1472 and once of 9000, and the listener
// kept every datagram in arrival order; they are written in hex, one a
// line:
//
//   - heap 1, item by item as spead2's Python ItemGroup
//     (HeapGenerator.add_to_heap) orders them, each descriptor then its
//     value, each descriptor carrying its shape as Python's does: 0x1600
//     "timestamp", format u40, the 5 bytes 01 23 45 67 89 allowed as an
//     immediate; 0x1800 "vis", numpy header
//     {'descr': '<c8', 'fortran_order': False, 'shape': (256, 4)} (the
//     text Python writes) and shape (256, 4), 8192 bytes of complex64
//     values i - i/2 j, little-endian, allowed as an immediate but too
//     large for one; 0x1801 "source", format c8, shape (-1,), the text
//     "Cen A", not allowed as an immediate, being of variable size;
//   - heap 2, the end of the stream.
//
// The Go side sets the same values with Set and must send the same
// bytes.

import (
	"bytes"
	"fmt"
	"testing"
)

func TestSpead2ComplexGolden(t *testing.T) {
	for _, size := range []int{1472, 9000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			want := readHexPackets(t, fmt.Sprintf("testdata/spead2-complex/%d.txt", size))

			g := NewItemGroup(DefaultFlavour)
			for _, d := range []Descriptor{
				{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample", Format: []FormatField{{'u', 40}}},
				{ID: 0x1800, Name: "vis", Description: "Visibilities", Shape: []int64{256, 4},
					DType: "{'descr': '<c8', 'fortran_order': False, 'shape': (256, 4)}"},
				{ID: 0x1801, Name: "source", Description: "Target name", Shape: []int64{-1}, Format: []FormatField{{'c', 8}}},
			} {
				if _, err := g.Add(d); err != nil {
					t.Fatal(err)
				}
			}
			vis := make([]complex64, 256*4)
			for i := range vis {
				vis[i] = complex(float32(i), -float32(i)/2)
			}
			for _, err := range []error{
				Set(g, "timestamp", uint64(0x0123456789)),
				Set(g, "vis", vis...),
				Set(g, "source", "Cen A"),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			h, err := g.Heap()
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendPackets(nil, h, 1, size)
			if err != nil {
				t.Fatal(err)
			}
			if got, err = AppendPackets(got, g.EndHeap(), 2, size); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d packets, spead2 sent %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("packet %d differs:\n got %x\nwant %x", i, got[i], want[i])
				}
			}
		})
	}
}
