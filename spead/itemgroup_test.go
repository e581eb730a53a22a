package spead

import (
	"strings"
	"testing"
)

func TestItemGroup(t *testing.T) {
	g := NewItemGroup(DefaultFlavour)
	if _, err := g.Add(Descriptor{ID: 0x1600, Name: "timestamp", Format: []FormatField{{'u', 40}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Add(Descriptor{ID: 0x1601, Name: "big", Format: []FormatField{{'u', 64}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Add(Descriptor{ID: 0x3300, Name: "adc", Format: []FormatField{{'i', 8}}, Shape: []int64{4}}); err != nil {
		t.Fatal(err)
	}
	errs := []struct {
		name string
		err  error
		want string
	}{
		{"duplicate ID", second(g.Add(Descriptor{ID: 0x1600, Name: "x"})), "declared twice"},
		{"duplicate name", second(g.Add(Descriptor{ID: 0x1700, Name: "adc"})), "already taken"},
		{"ID out of range", second(g.Add(Descriptor{ID: 1 << 23, Name: "y", Format: []FormatField{{'u', 8}}})), "outside"},
		{"reserved ID", second(g.Add(Descriptor{ID: PayloadOffsetID, Name: "z", Format: []FormatField{{'u', 8}}})), "packets' own"},
		{"unknown name", g.SetUint("nope", 1), "no item named"},
		{"too large", g.SetUint("timestamp", 1<<40), "does not fit in 40 bits"},
		{"not unsigned", g.SetUint("adc", 1), "not a scalar"},
		{"not int8", g.SetInt8s("timestamp", nil), "not an int8 array"},
	}
	for _, e := range errs {
		if e.err == nil || !strings.Contains(e.err.Error(), e.want) {
			t.Errorf("%s: got %v, want %q", e.name, e.err, e.want)
		}
	}
	if err := g.SetUint("timestamp", 1<<39); err != nil {
		t.Fatal(err)
	}
	if err := g.SetUint("big", 1<<63); err != nil {
		t.Fatal(err)
	}
	if err := g.SetInt8s("adc", []int8{-1, 2, -3, 4}); err != nil {
		t.Fatal(err)
	}
	h, err := g.Heap()
	if err != nil {
		t.Fatal(err)
	}
	// Item by item, as spead2 orders them, each descriptor then its
	// value: the 40-bit value is an immediate, the 64-bit one is 8
	// addressed bytes, and the 4 bytes of adc, of fixed size, may travel
	// in their pointer.
	if len(h.Items) != 6 {
		t.Fatalf("first heap has %d items, want 6", len(h.Items))
	}
	for i, id := range []uint64{DescriptorID, 0x1600, DescriptorID, 0x1601, DescriptorID, 0x3300} {
		if h.Items[i].ID != id {
			t.Errorf("item %d has ID %#x, want %#x", i, h.Items[i].ID, id)
		}
	}
	if it := h.Items[1]; !it.inPointer(DefaultFlavour.ImmediateSize()) || string(it.Data) != "\x80\x00\x00\x00\x00" {
		t.Errorf("timestamp item %+v", it)
	}
	if it := h.Items[3]; it.Immediate || len(it.Data) != 8 || it.Data[0] != 0x80 {
		t.Errorf("big item %+v", it)
	}
	if it := h.Items[5]; string(it.Data) != "\xff\x02\xfd\x04" || !it.AllowImmediate {
		t.Errorf("adc item %+v", it)
	}
	checkRoundTrip(t, h, 1, 1472)
	// Nothing changed: an empty heap.
	if h, _ = g.Heap(); len(h.Items) != 0 {
		t.Errorf("second heap has %d items, want 0", len(h.Items))
	}
	if eos := g.EndHeap(); len(eos.Items) != 1 || eos.Items[0].ID != StreamCtrlID {
		t.Errorf("end heap %+v", eos.Items)
	}
}

func second[T any](_ T, err error) error { return err }

// TestItemGroupZeroFlavour checks that the zero Flavour means the
// default, as it does for a Heap.
func TestItemGroupZeroFlavour(t *testing.T) {
	g := NewItemGroup(Flavour{})
	if _, err := g.Add(Descriptor{ID: 0x1600, Name: "timestamp", Format: []FormatField{{'u', 40}}}); err != nil {
		t.Fatal(err)
	}
	if err := g.SetUint("timestamp", 1<<39); err != nil {
		t.Fatal(err)
	}
	h, err := g.Heap()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AppendPackets(nil, h, 1, 1472); err != nil {
		t.Fatal(err)
	}
}
