package spead

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The expected bytes below are built from the protocol's definition, not
// from the code under test: a header of magic, version, ID width, address
// width, two zero bytes and a 16-bit pointer count; then pointers with the
// top bit for immediates, the item ID, and the value or address.

func hdr(addrBytes, n int) []byte {
	return []byte{0x53, 4, byte(8 - addrBytes), byte(addrBytes), 0, 0, byte(n >> 8), byte(n)}
}

func imm(bits int, id, v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, 1<<63|id<<bits|v)
}

func addr(bits int, id, a uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, id<<bits|a)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + 7)
	}
	return b
}

func TestPackets(t *testing.T) {
	data3000 := seq(3000)
	data10 := seq(10)
	f48, _ := NewFlavour(48)
	tests := []struct {
		name string
		heap func() *Heap
		cnt  uint64
		max  int
		want [][]byte
	}{
		{
			name: "empty heap gets a NULL pointer and one byte of padding",
			heap: func() *Heap { return &Heap{} },
			cnt:  1, max: 1472,
			want: [][]byte{cat(hdr(5, 5), imm(40, 1, 1), imm(40, 2, 1), imm(40, 3, 0), imm(40, 4, 1), addr(40, 0, 0), []byte{0})},
		},
		{
			name: "end of stream",
			heap: func() *Heap { return EndOfStream(DefaultFlavour) },
			cnt:  7, max: 1472,
			want: [][]byte{cat(hdr(5, 6), imm(40, 1, 7), imm(40, 2, 1), imm(40, 3, 0), imm(40, 4, 1),
				imm(40, 6, 2), addr(40, 0, 0), []byte{0})},
		},
		{
			name: "immediate and addressed items in one packet",
			heap: func() *Heap {
				h := &Heap{}
				h.AddImmediate(0x1600, 1048576)
				h.AddItem(0x3300, data10)
				return h
			},
			cnt: 2, max: 1472,
			want: [][]byte{cat(hdr(5, 6), imm(40, 1, 2), imm(40, 2, 10), imm(40, 3, 0), imm(40, 4, 10),
				imm(40, 0x1600, 1048576), addr(40, 0x3300, 0), data10)},
		},
		{
			name: "an item crossing packet boundaries",
			heap: func() *Heap {
				h := &Heap{}
				h.AddItem(0x3300, data3000)
				return h
			},
			cnt: 1, max: 1472,
			want: [][]byte{
				cat(hdr(5, 5), imm(40, 1, 1), imm(40, 2, 3000), imm(40, 3, 0), imm(40, 4, 1424), addr(40, 0x3300, 0), data3000[:1424]),
				cat(hdr(5, 4), imm(40, 1, 1), imm(40, 2, 3000), imm(40, 3, 1424), imm(40, 4, 1432), data3000[1424:2856]),
				cat(hdr(5, 4), imm(40, 1, 1), imm(40, 2, 3000), imm(40, 3, 2856), imm(40, 4, 144), data3000[2856:]),
			},
		},
		{
			name: "max packet size is rounded down to a multiple of 8",
			heap: func() *Heap {
				h := &Heap{}
				h.AddItem(0x3300, data3000[:100])
				return h
			},
			cnt: 1, max: 103,
			want: [][]byte{
				cat(hdr(5, 5), imm(40, 1, 1), imm(40, 2, 100), imm(40, 3, 0), imm(40, 4, 48), addr(40, 0x3300, 0), data3000[:48]),
				cat(hdr(5, 4), imm(40, 1, 1), imm(40, 2, 100), imm(40, 3, 48), imm(40, 4, 52), data3000[48:100]),
			},
		},
		{
			name: "two addressed items are addressed in order",
			heap: func() *Heap {
				h := &Heap{}
				h.AddItem(0x10a, data10[:4])
				h.AddItem(0x10b, data10[4:])
				return h
			},
			cnt: 1, max: 1472,
			want: [][]byte{cat(hdr(5, 6), imm(40, 1, 1), imm(40, 2, 10), imm(40, 3, 0), imm(40, 4, 10),
				addr(40, 0x10a, 0), addr(40, 0x10b, 4), data10)},
		},
		{
			name: "small data allowed to be immediate goes right-aligned in its pointer",
			heap: func() *Heap {
				h := &Heap{}
				h.Items = append(h.Items, Item{ID: 0x20, Data: []byte{0xab, 0xcd}, AllowImmediate: true})
				return h
			},
			cnt: 1, max: 1472,
			want: [][]byte{cat(hdr(5, 6), imm(40, 1, 1), imm(40, 2, 1), imm(40, 3, 0), imm(40, 4, 1),
				imm(40, 0x20, 0xabcd), addr(40, 0, 0), []byte{0})},
		},
		{
			name: "flavour SPEAD-64-48",
			heap: func() *Heap {
				h := NewHeap(f48)
				h.AddImmediate(0x1600, 1<<44)
				h.AddItem(0x3300, data10)
				return h
			},
			cnt: 5, max: 1472,
			want: [][]byte{cat(hdr(6, 6), imm(48, 1, 5), imm(48, 2, 10), imm(48, 3, 0), imm(48, 4, 10),
				imm(48, 0x1600, 1<<44), addr(48, 0x3300, 0), data10)},
		},
		{
			name: "repeated pointers appear in every packet",
			heap: func() *Heap {
				h := &Heap{RepeatPointers: true}
				h.AddImmediate(0x1600, 9)
				h.AddItem(0x3300, data3000[:1500])
				return h
			},
			cnt: 1, max: 1472,
			want: [][]byte{
				cat(hdr(5, 6), imm(40, 1, 1), imm(40, 2, 1500), imm(40, 3, 0), imm(40, 4, 1416),
					imm(40, 0x1600, 9), addr(40, 0x3300, 0), data3000[:1416]),
				cat(hdr(5, 6), imm(40, 1, 1), imm(40, 2, 1500), imm(40, 3, 1416), imm(40, 4, 84),
					imm(40, 0x1600, 9), addr(40, 0x3300, 0), data3000[1416:1500]),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendPackets(nil, tt.heap(), tt.cnt, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d packets, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.want[i]) {
					t.Errorf("packet %d:\n got %s\nwant %s", i, hex.EncodeToString(got[i]), hex.EncodeToString(tt.want[i]))
				}
			}
		})
	}
}

func TestDescriptorEncoding(t *testing.T) {
	// A format descriptor: 4-byte fields (type + 3 bytes of width) and
	// 6-byte shape dimensions in SPEAD-64-40.
	d := Descriptor{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample",
		Format: []FormatField{{'u', 40}}, Shape: []int64{3, -1}}
	got, err := d.AppendEncode(nil, DefaultFlavour)
	if err != nil {
		t.Fatal(err)
	}
	name, desc := len(d.Name), len(d.Description)
	payload := name + desc + 4 + 12
	want := cat(hdr(5, 9), imm(40, 1, 1), imm(40, 2, uint64(payload)), imm(40, 3, 0), imm(40, 4, uint64(payload)),
		imm(40, 0x14, 0x1600), addr(40, 0x10, 0), addr(40, 0x11, uint64(name)), addr(40, 0x13, uint64(name+desc)),
		addr(40, 0x12, uint64(name+desc+4)),
		[]byte(d.Name), []byte(d.Description), []byte{'u', 0, 0, 40},
		[]byte{0, 0, 0, 0, 0, 3}, []byte{1, 0, 0, 0, 0, 0})
	if !bytes.Equal(got, want) {
		t.Errorf("format descriptor:\n got %x\nwant %x", got, want)
	}

	// A numpy descriptor in SPEAD-64-48: the dtype pointer comes last.
	f48, _ := NewFlavour(48)
	hdrText := NumpyHeader{Descr: "i1", Shape: []int64{1048576}}.String()
	d = Descriptor{ID: 0x3300, Name: "adc_samples", Description: "ADC converter output", DType: hdrText}
	got, err = d.AppendEncode(nil, f48)
	if err != nil {
		t.Fatal(err)
	}
	name, desc = len(d.Name), len(d.Description)
	payload = name + desc + len(hdrText)
	want = cat(hdr(6, 10), imm(48, 1, 1), imm(48, 2, uint64(payload)), imm(48, 3, 0), imm(48, 4, uint64(payload)),
		imm(48, 0x14, 0x3300), addr(48, 0x10, 0), addr(48, 0x11, uint64(name)), addr(48, 0x13, uint64(name+desc)),
		addr(48, 0x12, uint64(name+desc)), addr(48, 0x15, uint64(name+desc)),
		[]byte(d.Name), []byte(d.Description), []byte(hdrText))
	if !bytes.Equal(got, want) {
		t.Errorf("numpy descriptor:\n got %x\nwant %x", got, want)
	}
	back, err := DecodeDescriptor(got)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != d.ID || back.Name != d.Name || back.Description != d.Description || back.DType != d.DType {
		t.Errorf("decoded %+v, want %+v", back, d)
	}
}

func TestTutorialFirstPacket(t *testing.T) {
	// The first packet of a tutorial heap starts 53 04 03 05 00 00 00 08:
	// four packet pointers, two descriptors, the timestamp and the samples.
	h := tutorialHeap(t, 0, make([]byte, 1<<20))
	pkts, err := AppendPackets(nil, h, 1, 1472)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(pkts[0][:8]), "5304030500000008"; got != want {
		t.Errorf("first header %s, want %s", got, want)
	}
	for i, p := range pkts[:len(pkts)-1] {
		if len(p) != 1472 {
			t.Fatalf("packet %d is %d bytes, want 1472", i, len(p))
		}
	}
}

// tutorialHeap builds heap i of the tutorial, with descriptors when i is 0.
func tutorialHeap(t testing.TB, i int, samples []byte) *Heap {
	h := &Heap{}
	if i == 0 {
		ts := Descriptor{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample", Format: []FormatField{{'u', 40}}}
		adc := Descriptor{ID: 0x3300, Name: "adc_samples", Description: "ADC converter output",
			DType: NumpyHeader{Descr: "i1", Shape: []int64{int64(len(samples))}}.String()}
		if err := h.AddDescriptor(&ts); err != nil {
			t.Fatal(err)
		}
		if err := h.AddDescriptor(&adc); err != nil {
			t.Fatal(err)
		}
	}
	h.AddImmediate(0x1600, uint64(i*len(samples)))
	h.AddItem(0x3300, samples)
	return h
}

func TestPacketErrors(t *testing.T) {
	tests := []struct {
		name string
		heap *Heap
		cnt  uint64
		max  int
		want string
	}{
		{"packet too small", &Heap{}, 1, 55, "packet size is too small"},
		{"ID too large", &Heap{Items: []Item{{ID: 1 << 23, Immediate: true}}}, 1, 1472, "exceeds the SPEAD-64-40 maximum"},
		{"immediate too large", &Heap{Items: []Item{{ID: 9, Immediate: true, Value: 1 << 40}}}, 1, 1472, "does not fit in 40 bits"},
		{"counter too large", &Heap{}, 1 << 40, 1472, "heap counter"},
		{"too many pointers to repeat", &Heap{RepeatPointers: true, Items: numberedItems(200)}, 1, 1472, "repeat"},
		{"reserved ID", &Heap{Items: []Item{{ID: PayloadOffsetID, Immediate: true, Value: 7}}}, 1, 1472, "reserved"},
		{"NULL ID", &Heap{Items: []Item{{ID: 0, Data: []byte{1}}}}, 1, 1472, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AppendPackets(nil, tt.heap, tt.cnt, tt.max)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := AppendPackets(nil, &Heap{}, 1, 55); !errors.Is(err, ErrPacketSize) {
		t.Errorf("got %v, want ErrPacketSize", err)
	}
}

func TestFlavours(t *testing.T) {
	for bits := 0; bits <= 64; bits++ {
		f, err := NewFlavour(bits)
		valid := bits >= 8 && bits <= 56 && bits%8 == 0
		if (err == nil) != valid {
			t.Errorf("NewFlavour(%d): err %v, valid %v", bits, err, valid)
		}
		if valid && f.String() != "SPEAD-64-"+itoa(bits) {
			t.Errorf("NewFlavour(%d) = %s", bits, f)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// numberedItems returns n empty addressed items with IDs 0x1000 and up.
func numberedItems(n int) []Item {
	items := make([]Item, n)
	for i := range items {
		items[i].ID = 0x1000 + uint64(i)
	}
	return items
}

// TestDescriptorTooLarge checks that a descriptor whose payload needs more
// addresses than the flavour has is refused, naming the item, instead of
// wrapping its lengths around.
func TestDescriptorTooLarge(t *testing.T) {
	f, err := NewFlavour(8)
	if err != nil {
		t.Fatal(err)
	}
	d := Descriptor{ID: 0x20, Name: "x", Description: strings.Repeat("d", 300)}
	if _, err := d.AppendEncode(nil, f); !errors.Is(err, ErrDescriptor) || !strings.Contains(err.Error(), "item 0x20") {
		t.Errorf("got %v, want ErrDescriptor naming item 0x20", err)
	}
	d.Description = strings.Repeat("d", 200)
	buf, err := d.AppendEncode(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeDescriptor(buf)
	if err != nil || got.Description != d.Description {
		t.Errorf("round trip: %v, %d-byte description", err, len(got.Description))
	}
}

// TestPointerEncodingKeepsFlags checks that an ID too large for the
// flavour cannot spill into the immediate flag.
func TestPointerEncodingKeepsFlags(t *testing.T) {
	f := DefaultFlavour
	if p := f.Address(f.MaxID()+1, 0); p>>63 != 0 {
		t.Errorf("Address(%#x, 0) = %#x: marked immediate", f.MaxID()+1, p)
	}
	if p := f.Immediate(f.MaxID()+1, 0); p>>63 != 1 {
		t.Errorf("Immediate(%#x, 0) = %#x: not marked immediate", f.MaxID()+1, p)
	}
}

// TestZeroGeneratorHeaderSize checks that a PacketGenerator with no heap
// answers MaxHeaderSize instead of panicking.
func TestZeroGeneratorHeaderSize(t *testing.T) {
	var g PacketGenerator
	if n := g.MaxHeaderSize(); n <= 0 {
		t.Errorf("MaxHeaderSize = %d", n)
	}
	if err := g.Reset(&Heap{Items: []Item{{ID: 0}}}, 1, 1472); err == nil {
		t.Fatal("Reset accepted a NULL item")
	}
	_ = g.MaxHeaderSize()
}

// TestPaddingAfterPayload pins the one layout in which we differ from
// spead2 on purpose (see PacketGenerator): a packet that ends the real
// payload and carries padding has the padding after the payload.
func TestPaddingAfterPayload(t *testing.T) {
	var h Heap
	h.AddItem(0x1000, []byte{1, 2, 3, 4, 5})
	pkts, err := AppendPackets(nil, &h, 1, 56)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, pkt := range pkts {
		p, err := ParsePacket(pkt)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(p.Payload, []byte{1, 2, 3, 4, 5}) {
			found = true
			if !bytes.HasSuffix(p.Payload, []byte{1, 2, 3, 4, 5, 0, 0, 0}) {
				t.Errorf("packet payload % x: want the real bytes, then the padding", p.Payload)
			}
		}
	}
	if !found {
		t.Error("no packet carries the item's bytes")
	}
}

// TestGeneratorWithoutHeap checks that Next on a generator with no packet
// to give (never Reset, Reset with a nil heap or a failed Reset, every
// packet out) and Next with a scratch too small return errors instead of
// panicking, and leave bufs alone.
func TestGeneratorWithoutHeap(t *testing.T) {
	scratch := make([]byte, 1024)
	check := func(name string, g *PacketGenerator, scratch []byte, want error) {
		t.Helper()
		bufs, n, err := g.Next(scratch, nil)
		if err == nil || (want != nil && !errors.Is(err, want)) {
			t.Errorf("%s: Next returned %v, want an error (%v)", name, err, want)
		}
		if len(bufs) != 0 || n != 0 {
			t.Errorf("%s: Next returned %d pieces, %d bytes", name, len(bufs), n)
		}
	}
	var g PacketGenerator
	check("zero generator", &g, scratch, ErrNoPacket)
	if err := g.Reset(nil, 1, 1472); err == nil {
		t.Error("Reset accepted a nil heap")
	}
	check("nil heap", &g, scratch, ErrNoPacket)
	if err := g.Reset(&Heap{Items: []Item{{ID: 0}}}, 1, 1472); err == nil {
		t.Fatal("Reset accepted a NULL item")
	}
	check("failed Reset", &g, scratch, ErrNoPacket)
	h := &Heap{}
	h.AddImmediate(0x1000, 1)
	if err := g.Reset(h, 1, 1472); err != nil {
		t.Fatal(err)
	}
	check("short scratch", &g, scratch[:8], nil)
	for g.More() {
		if _, _, err := g.Next(scratch, nil); err != nil {
			t.Fatal(err)
		}
	}
	check("after the last packet", &g, scratch, ErrNoPacket)
}
