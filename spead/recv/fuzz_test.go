package recv

import (
	"encoding/binary"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// joinPackets frames packets for a fuzz input: each is preceded by its
// length as two big-endian bytes.
func joinPackets(pkts [][]byte) []byte {
	var b []byte
	for _, p := range pkts {
		b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	return b
}

// splitPackets undoes joinPackets; a short last frame is taken as is.
func splitPackets(b []byte) [][]byte {
	var pkts [][]byte
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		n = min(n, len(b))
		pkts = append(pkts, b[:n])
		b = b[n:]
	}
	return pkts
}

// fuzzConfig keeps the fuzzers' heaps small, so that a claimed length
// cannot make a run slow.
func fuzzConfig() Config {
	cfg := DefaultConfig()
	cfg.MaxHeaps = 2
	cfg.MaxHeapLength = 1 << 16
	cfg.MaxPointers = 64
	return cfg
}

// FuzzReassemble feeds packets to a reassembler, then decodes everything
// it hands out, checking that nothing panics, that the statistics add up
// and that the payload memory held, the reassembler's and that of the
// heaps handed out by the last packet, stays under the documented bound
// after every packet.
func FuzzReassemble(f *testing.F) {
	f40 := spead.DefaultFlavour
	var tut [][]byte
	for i := range 2 {
		tut = append(tut, packets(f, tutorialHeap(f, f40, i, 600), uint64(i+1), 256)...)
	}
	tut = append(tut, endPackets(f, f40, 3)...)
	f.Add(joinPackets(tut))
	rev := append([][]byte{}, tut...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	f.Add(joinPackets(rev))
	for _, tc := range hostileCases {
		if tc.reason != ReasonFragmented {
			f.Add(joinPackets(tc.pkts()))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg := fuzzConfig()
		r, err := NewReassembler(cfg)
		if err != nil {
			t.Fatal(err)
		}
		pkts := splitPackets(in)
		var heaps []*Heap
		fed := 0
		for i, p := range pkts {
			if r.Stopped() {
				break
			}
			n := len(heaps)
			heaps, _ = r.AddPacket(heaps, p)
			fed++
			held := r.held()
			for _, h := range heaps[n:] {
				held += int64(cap(h.Payload))
			}
			if bound := memBound(&cfg, r.most); held > bound {
				t.Fatalf("packet %d: %d bytes held, bound %d (W = %d)", i, held, bound, r.most)
			}
			// Release some heaps, so that the pool is in play.
			for _, h := range heaps[n:] {
				if h.Cnt%2 == 0 {
					h.Release()
				}
			}
		}
		heaps = r.Stop(heaps)
		st := r.Stats()
		if st.Packets+st.TotalBadPackets() != uint64(fed) {
			t.Fatalf("%d packets fed, stats count %d good and %d bad", fed, st.Packets, st.TotalBadPackets())
		}
		if st.Heaps != uint64(len(heaps)) {
			t.Fatalf("%d heaps handed out, stats say %d", len(heaps), st.Heaps)
		}
		g := NewItemGroup()
		for _, h := range heaps {
			if int64(len(h.Payload)) > fuzzConfig().MaxHeapLength {
				t.Fatalf("heap %d has %d bytes, over the limit", h.Cnt, len(h.Payload))
			}
			if h.Complete() && (h.Received != h.Length || int64(len(h.Payload)) != h.Length) {
				t.Fatalf("complete heap %d: received %d, length %d, payload %d", h.Cnt, h.Received, h.Length, len(h.Payload))
			}
			h.Items(nil)
			h.Descriptors()
			g.Update(h)
		}
	})
}

// FuzzDecodeValue decodes a fuzzed descriptor and uses it to decode a
// fuzzed item, immediate or addressed.
func FuzzDecodeValue(f *testing.F) {
	f40 := spead.DefaultFlavour
	for _, d := range tutorialDescriptors(f40, 4) {
		enc, err := d.AppendEncode(nil, f40)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc, []byte{1, 2, 3, 4}, false, uint64(0))
		f.Add(enc, []byte{}, true, uint64(1<<39))
	}
	for _, d := range []spead.Descriptor{
		{ID: 0x1000, Name: "a", Format: []spead.FormatField{{Type: 'u', Bits: 12}}, Shape: []int64{-1}},
		{ID: 0x1000, Name: "b", Format: []spead.FormatField{{Type: 'i', Bits: 7}, {Type: 'f', Bits: 32}}, Shape: []int64{2}},
		{ID: 0x1000, Name: "c", Format: []spead.FormatField{{Type: 'c', Bits: 8}}, Shape: []int64{-1}},
		{ID: 0x1000, Name: "d", DType: "{'descr': '>f8', 'fortran_order': False, 'shape': (1,)}"},
		{ID: 0x1000, Name: "e", DType: "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}"},
		{ID: 0x1000, Name: "f", DType: "{'descr': '>c16', 'fortran_order': True, 'shape': ()}"},
		{ID: 0x1000, Name: "g", DType: "{'descr': '|S3', 'fortran_order': False, 'shape': (2,)}"},
		{ID: 0x1000, Name: "h", DType: "{'descr': '<U1', 'fortran_order': False, 'shape': (2,)}"},
		{ID: 0x1000, Name: "i", DType: "{'descr': '?', 'fortran_order': False, 'shape': (3, 1)}"},
	} {
		enc, err := d.AppendEncode(nil, f40)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc, []byte{0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6}, false, uint64(0))
	}
	f.Fuzz(func(t *testing.T, desc, data []byte, immediate bool, value uint64) {
		d, err := spead.DecodeDescriptor(desc)
		if err != nil {
			return
		}
		raw := spead.RawItem{ID: d.ID, Immediate: immediate, Value: value & f40.MaxValue(), Data: data}
		if immediate {
			raw.Data = nil
		}
		DecodeValue(&d, raw, f40)
	})
}
