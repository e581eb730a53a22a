package spead

import (
	"bytes"
	"testing"
)

// reassemble parses the packets of one heap and returns its pointers and
// payload, checking the invariants every sender must keep.
func reassemble(t testing.TB, pkts [][]byte, max int, cnt uint64) (Flavour, []byte, []byte) {
	t.Helper()
	var (
		f        Flavour
		pointers []byte
		payload  []byte
		length   int64 = -1
	)
	for i, b := range pkts {
		if len(b) > max&^7 {
			t.Fatalf("packet %d: %d bytes, over the %d limit", i, len(b), max)
		}
		p, err := ParsePacket(b)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if p.HeapCnt != cnt {
			t.Fatalf("packet %d: heap counter %d, want %d", i, p.HeapCnt, cnt)
		}
		if length >= 0 && p.HeapLength != length {
			t.Fatalf("packet %d: heap length %d, earlier %d", i, p.HeapLength, length)
		}
		length = p.HeapLength
		if p.PayloadOffset != int64(len(payload)) {
			t.Fatalf("packet %d: offset %d, want %d (contiguous)", i, p.PayloadOffset, len(payload))
		}
		if p.PayloadLength == 0 {
			t.Fatalf("packet %d: no payload", i)
		}
		f = p.Flavour
		for j := 0; j < len(p.Pointers); j += 8 {
			ip := uint64(0)
			for _, c := range p.Pointers[j : j+8] {
				ip = ip<<8 | uint64(c)
			}
			id := (ip >> f.HeapAddressBits()) & f.MaxID()
			if !isPacketPointer(id, ip>>63 == 1) {
				pointers = append(pointers, p.Pointers[j:j+8]...)
			}
		}
		payload = append(payload, p.Payload...)
	}
	if int64(len(payload)) != length {
		t.Fatalf("payload lengths add up to %d, heap length %d", len(payload), length)
	}
	return f, pointers, payload
}

// checkRoundTrip sends h through packets and back and compares the items.
func checkRoundTrip(t testing.TB, h *Heap, cnt uint64, max int) {
	t.Helper()
	pkts, err := AppendPackets(nil, h, cnt, max)
	if err != nil {
		t.Fatal(err)
	}
	f, pointers, payload := reassemble(t, pkts, max, cnt)
	items, err := DecodeItems(f, pointers, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []Item
	for _, it := range h.Items {
		if it.ID != NullID {
			want = append(want, it)
		}
	}
	if len(items) != len(want) {
		t.Fatalf("decoded %d items, want %d", len(items), len(want))
	}
	imm := h.flavour().ImmediateSize()
	for i, got := range items {
		w := want[i]
		if got.ID != w.ID {
			t.Fatalf("item %d: ID %#x, want %#x", i, got.ID, w.ID)
		}
		switch {
		case w.Immediate:
			if !got.Immediate || got.Value != w.Value {
				t.Fatalf("item %#x: got %+v, want immediate %d", w.ID, got, w.Value)
			}
		case w.inPointer(imm):
			if !got.Immediate || got.Value != uintN(w.Data) {
				t.Fatalf("item %#x: got %+v, want immediate %x", w.ID, got, w.Data)
			}
		default:
			if got.Immediate || !bytes.Equal(got.Data, w.Data) {
				t.Fatalf("item %#x: addressed data differs (%d bytes, want %d)", w.ID, len(got.Data), len(w.Data))
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	f48, _ := NewFlavour(48)
	for _, max := range []int{64, 100, 1472, 9000, MaxUDPPayload} {
		for _, f := range []Flavour{DefaultFlavour, f48} {
			h := tutorialHeap(t, 0, seq(100000))
			h.Flavour = f
			checkRoundTrip(t, h, 1, max)
			h = &Heap{Flavour: f}
			h.AddItem(0x100, nil)
			h.AddItem(0x101, seq(3))
			h.AddImmediate(0x102, 77)
			h.Items = append(h.Items, Item{ID: 0x103, Data: []byte{1, 2}, AllowImmediate: true})
			h.AddItem(0x104, seq(20))
			checkRoundTrip(t, h, 99, max)
			checkRoundTrip(t, EndOfStream(f), 3, max)
			checkRoundTrip(t, &Heap{Flavour: f}, 4, max)
		}
	}
}

// FuzzPackets checks the packetization invariants for arbitrary heaps:
// every packet within the size limit, offsets contiguous, lengths adding
// up to the heap length, and the items surviving the trip.
func FuzzPackets(f *testing.F) {
	f.Add(uint16(1472), uint8(5), []byte{0, 10, 200, 3, 0}, uint8(40), false)
	f.Add(uint16(56), uint8(0), []byte{}, uint8(48), false)
	f.Add(uint16(64), uint8(30), []byte{1, 1, 1}, uint8(8), true)
	f.Fuzz(func(t *testing.T, max uint16, nItems uint8, sizes []byte, bits uint8, repeat bool) {
		fl, err := NewFlavour(int(bits))
		if err != nil {
			return
		}
		h := &Heap{Flavour: fl, RepeatPointers: repeat}
		for i := range int(nItems) {
			id := uint64(0x100+i) & fl.MaxID()
			if id == 0 || id <= StreamCtrlID {
				id = 0x7f & fl.MaxID()
			}
			size := 0
			if len(sizes) > 0 {
				size = int(sizes[i%len(sizes)]) * (i%3 + 1)
			}
			switch i % 3 {
			case 0:
				h.AddImmediate(id, uint64(size)&fl.MaxValue())
			case 1:
				h.AddItem(id, seq(size))
			default:
				h.Items = append(h.Items, Item{ID: id, Data: seq(size % 9), AllowImmediate: true})
			}
		}
		pkts, err := AppendPackets(nil, h, 1, int(max))
		if err != nil {
			return // too small a packet is a reported error, not a bug
		}
		_, _, _ = reassemble(t, pkts, int(max), 1)
	})
}

// FuzzParsePacket checks that no input makes the decoder panic or read
// outside the packet, and that what it accepts is consistent.
func FuzzParsePacket(f *testing.F) {
	pkts, _ := AppendPackets(nil, tutorialHeap(f, 0, seq(3000)), 1, 1472)
	for _, p := range pkts {
		f.Add(p)
	}
	eos, _ := AppendPackets(nil, EndOfStream(DefaultFlavour), 2, 1472)
	f.Add(eos[0])
	f.Add([]byte{0x53, 4, 3, 5, 0, 0, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b)
		if err != nil {
			return
		}
		if int(p.PayloadLength) != len(p.Payload) || p.PayloadOffset < 0 {
			t.Fatalf("inconsistent packet %+v", p)
		}
		if p.HeapLength >= 0 && p.PayloadOffset+p.PayloadLength > p.HeapLength {
			t.Fatalf("payload past heap length: %+v", p)
		}
		_, _ = DecodeItems(p.Flavour, p.Pointers, p.Payload, nil)
		_, _ = DecodeDescriptor(b)
	})
}

// FuzzNumpyHeader checks that parsing never panics and that what we write
// parses back to the same header.
func FuzzNumpyHeader(f *testing.F) {
	f.Add("{'shape': (1048576,), 'fortran_order': False, 'descr': 'i1'}")
	f.Add("{'descr': '<u2', 'fortran_order': True, 'shape': (3, 4), }   \n")
	f.Add("{'shape': (), 'fortran_order': False, 'descr': 'f8'}")
	f.Add(`{"descr": "i'1", "fortran_order": False, "shape": ()}`)
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumpyHeader(s)
		if err != nil {
			return
		}
		back, err := ParseNumpyHeader(n.String())
		if err != nil {
			t.Fatalf("%q parsed to %+v, which writes as %q and does not parse: %v", s, n, n.String(), err)
		}
		if back.Descr != n.Descr || back.FortranOrder != n.FortranOrder || len(back.Shape) != len(n.Shape) {
			t.Fatalf("round trip changed %+v to %+v", n, back)
		}
	})
}
