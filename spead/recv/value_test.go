package recv

import (
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gospead/tutorial/spead"
)

func u(bits int) []spead.FormatField { return []spead.FormatField{{Type: 'u', Bits: bits}} }

func TestDecodeValue(t *testing.T) {
	f := spead.DefaultFlavour
	imm := func(v uint64) spead.RawItem { return spead.RawItem{ID: 0x1000, Immediate: true, Value: v} }
	data := func(b ...byte) spead.RawItem { return spead.RawItem{ID: 0x1000, Data: b} }
	for _, tc := range []struct {
		name  string
		d     spead.Descriptor
		raw   spead.RawItem
		want  any
		shape []int64
	}{
		{"u40 immediate", spead.Descriptor{Format: u(40)}, imm(1 << 39), uint64(1 << 39), []int64{}},
		{"u8 immediate is right-aligned", spead.Descriptor{Format: u(8)}, imm(0x1234), uint64(0x34), []int64{}},
		{"u16 addressed", spead.Descriptor{Format: u(16)}, data(0x12, 0x34, 0xff), uint64(0x1234), []int64{}},
		{"u64 addressed", spead.Descriptor{Format: u(64)}, data(1, 2, 3, 4, 5, 6, 7, 8), uint64(0x0102030405060708), []int64{}},
		{"u1 scalar", spead.Descriptor{Format: u(1)}, data(0x80), uint64(1), []int64{}},
		{"u12 array", spead.Descriptor{Format: u(12), Shape: []int64{2}}, data(0x12, 0x34, 0x56), []uint64{0x123, 0x456}, []int64{2}},
		{"u4 variable array", spead.Descriptor{Format: u(4), Shape: []int64{-1}}, data(0x12, 0x34), []uint64{1, 2, 3, 4}, []int64{4}},
		{"u3 immediate array: whole bytes right-aligned, bits from the top", spead.Descriptor{Format: u(3), Shape: []int64{3}}, imm(0b1011_1011_1000_0000), []uint64{5, 6, 7}, []int64{3}},
		{"i8", spead.Descriptor{Format: []spead.FormatField{{Type: 'i', Bits: 8}}}, data(0xff), int64(-1), []int64{}},
		{"i12 array", spead.Descriptor{Format: []spead.FormatField{{Type: 'i', Bits: 12}}, Shape: []int64{2}}, data(0xff, 0xf8, 0x00), []int64{-1, -2048}, []int64{2}},
		{"f64", spead.Descriptor{Format: []spead.FormatField{{Type: 'f', Bits: 64}}}, data(0x3f, 0xf0, 0, 0, 0, 0, 0, 0), float64(1), []int64{}},
		{"f32 array", spead.Descriptor{Format: []spead.FormatField{{Type: 'f', Bits: 32}}, Shape: []int64{1}}, data(0x40, 0, 0, 0), []float32{2}, []int64{1}},
		{"bool", spead.Descriptor{Format: []spead.FormatField{{Type: 'b', Bits: 8}}}, data(1), true, []int64{}},
		{"string", spead.Descriptor{Format: []spead.FormatField{{Type: 'c', Bits: 8}}, Shape: []int64{-1}}, data('h', 'i'), "hi", []int64{2}},
		{"record", spead.Descriptor{Format: []spead.FormatField{{Type: 'u', Bits: 8}, {Type: 'i', Bits: 8}}}, data(1, 0xfe), []any{uint64(1), int64(-2)}, []int64{}},
		{"numpy i1", spead.Descriptor{DType: "{'shape': (3,), 'fortran_order': False, 'descr': 'i1'}"}, data(1, 0xff, 0x80), []int8{1, -1, -128}, []int64{3}},
		{"numpy |u1", spead.Descriptor{DType: "{'descr': '|u1', 'fortran_order': False, 'shape': (2,)}"}, data(1, 2), []uint8{1, 2}, []int64{2}},
		{"numpy <u2", spead.Descriptor{DType: "{'descr': '<u2', 'fortran_order': False, 'shape': (2,)}"}, data(1, 0, 0, 1), []uint16{1, 256}, []int64{2}},
		{"numpy >i4 2-D", spead.Descriptor{DType: "{'descr': '>i4', 'fortran_order': False, 'shape': (1, 1)}"}, data(0xff, 0xff, 0xff, 0xfe), []int32{-2}, []int64{1, 1}},
		{"numpy <f8 scalar", spead.Descriptor{DType: "{'descr': '<f8', 'fortran_order': False, 'shape': ()}"}, data(0, 0, 0, 0, 0, 0, 0xf0, 0x3f), float64(1), []int64{}},
		{"numpy u1 immediate", spead.Descriptor{DType: "{'descr': 'u1', 'fortran_order': False, 'shape': (2,)}"}, imm(0x0102), []uint8{1, 2}, []int64{2}},
		{"numpy <c8", spead.Descriptor{DType: "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}"}, data(0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0), []complex64{1 - 2i}, []int64{1}},
		{"numpy >c8", spead.Descriptor{DType: "{'descr': '>c8', 'fortran_order': False, 'shape': ()}"}, data(0x3f, 0x80, 0, 0, 0, 0, 0, 0), complex64(1), []int64{}},
		{"numpy |S3 immediate", spead.Descriptor{DType: "{'descr': '|S3', 'fortran_order': False, 'shape': ()}"}, imm(0x686900), "hi", []int64{}},
		{"numpy >c16", spead.Descriptor{DType: "{'descr': '>c16', 'fortran_order': False, 'shape': ()}"}, data(0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0), complex(1, -2), []int64{}},
		{"numpy |S3 drops trailing NULs only", spead.Descriptor{DType: "{'descr': '|S3', 'fortran_order': False, 'shape': (2,)}"}, data('a', 0, 'b', 'c', 0, 0), []string{"a\x00b", "c"}, []int64{2}},
		{"numpy <U2", spead.Descriptor{DType: "{'descr': '<U2', 'fortran_order': False, 'shape': ()}"}, data(0xe9, 0, 0, 0, 0, 0, 0, 0), "é", []int64{}},
		{"numpy >U1 not a code point", spead.Descriptor{DType: "{'descr': '>U1', 'fortran_order': False, 'shape': ()}"}, data(0, 0x11, 0, 0), "\ufffd", []int64{}},
		{"numpy ? scalar", spead.Descriptor{DType: "{'descr': '?', 'fortran_order': False, 'shape': ()}"}, data(2), true, []int64{}},
		{"numpy i8 scalar", spead.Descriptor{DType: "{'descr': '<i8', 'fortran_order': False, 'shape': ()}"}, data(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), int64(-1), []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, shape, err := DecodeValue(&tc.d, tc.raw, f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, tc.want) || !reflect.DeepEqual(shape, tc.shape) {
				t.Errorf("got %#v shape %v, want %#v shape %v", v, shape, tc.want, tc.shape)
			}
		})
	}
}

func TestDecodeValueErrors(t *testing.T) {
	f := spead.DefaultFlavour
	data := spead.RawItem{ID: 0x1000, Data: []byte{1, 2, 3}}
	for _, tc := range []struct {
		name string
		d    spead.Descriptor
	}{
		{"no type", spead.Descriptor{}},
		{"too few bytes", spead.Descriptor{Format: u(32)}},
		{"array too long", spead.Descriptor{Format: u(8), Shape: []int64{4}}},
		{"zero-width field", spead.Descriptor{Format: u(0)}},
		{"65-bit field", spead.Descriptor{Format: u(65)}},
		{"odd float", spead.Descriptor{Format: []spead.FormatField{{Type: 'f', Bits: 16}}}},
		{"unknown type", spead.Descriptor{Format: []spead.FormatField{{Type: 'x', Bits: 8}}}},
		{"two variable dimensions", spead.Descriptor{Format: u(8), Shape: []int64{-1, -1}}},
		{"huge shape", spead.Descriptor{Format: u(8), Shape: []int64{1 << 40, 1 << 40}}},
		{"bad numpy header", spead.Descriptor{DType: "{'descr': "}},
		{"unsupported numpy type", spead.Descriptor{DType: "{'descr': '<f2', 'fortran_order': False, 'shape': ()}"}},
		{"too few bytes for <c16", spead.Descriptor{DType: "{'descr': '<c16', 'fortran_order': False, 'shape': ()}"}},
		{"numpy array too long", spead.Descriptor{DType: "{'descr': 'i1', 'fortran_order': False, 'shape': (4,)}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v, _, err := DecodeValue(&tc.d, data, f); err == nil {
				t.Errorf("decoded %#v, want an error", v)
			} else if tc.name != "bad numpy header" && !errors.Is(err, ErrValue) {
				t.Errorf("error %v does not wrap ErrValue", err)
			}
		})
	}
}

// TestDecodeValueTooLarge checks that values whose narrow fields would
// grow past maxDecodedBytes once decoded are refused, not allocated, and
// that the same fields in a value of reasonable size still decode.
func TestDecodeValueTooLarge(t *testing.T) {
	f := spead.DefaultFlavour
	big := spead.RawItem{ID: 0x1000, Data: make([]byte, 5<<20)}
	two := []spead.FormatField{{Type: 'u', Bits: 1}, {Type: 'u', Bits: 1}}
	for _, tc := range []struct {
		name string
		d    spead.Descriptor
	}{
		{"1-bit fields", spead.Descriptor{Format: u(1), Shape: []int64{-1}}},
		{"records of 1-bit fields", spead.Descriptor{Format: two, Shape: []int64{-1}}},
	} {
		if _, _, err := DecodeValue(&tc.d, big, f); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "over the limit") {
			t.Errorf("%s of %d bytes: got %v, want the size limit", tc.name, len(big.Data), err)
		}
		small := spead.RawItem{ID: 0x1000, Data: make([]byte, 4096)}
		if _, shape, err := DecodeValue(&tc.d, small, f); err != nil || shape[0] == 0 {
			t.Errorf("%s of %d bytes: shape %v, error %v; want it decoded", tc.name, len(small.Data), shape, err)
		}
	}
}

func TestItemGroup(t *testing.T) {
	const n = 3000
	r := newReassembler(t, nil)
	var pkts [][]byte
	for i := range 2 {
		pkts = append(pkts, packets(t, tutorialHeap(t, spead.DefaultFlavour, i, n), uint64(i+1), 1472)...)
	}
	heaps, errs := feed(r, pkts)
	if len(errs) != 0 || len(heaps) != 2 {
		t.Fatal(errs)
	}
	g := NewItemGroup()
	for i, h := range heaps {
		updated, err := g.Update(h)
		if err != nil {
			t.Fatal(err)
		}
		if len(updated) != 2 || updated[0].Name != "timestamp" || updated[1].Name != "adc_samples" {
			t.Fatalf("heap %d updated %v", i, updated)
		}
		ts, _ := g.Get("timestamp")
		if ts.Value != uint64(i*n) || ts.Version != i+1 {
			t.Errorf("timestamp %v (version %d)", ts.Value, ts.Version)
		}
		samples, _ := g.Get("adc_samples")
		s, ok := samples.Value.([]int8)
		if !ok || len(s) != n || s[0] != int8(i) || s[n-1] != int8(i) || !reflect.DeepEqual(samples.Shape, []int64{n}) {
			t.Errorf("adc_samples %T shape %v", samples.Value, samples.Shape)
		}
	}
	if items := g.Items(); len(items) != 2 || items[0].ID != timestampID {
		t.Errorf("Items() = %v", items)
	}
	if it, ok := g.ByID(adcSamplesID); !ok || it.Description != "ADC converter output" {
		t.Errorf("ByID: %v", it)
	}
	// A new descriptor for an ID replaces the old name.
	g.AddDescriptor(spead.Descriptor{ID: timestampID, Name: "ts", Format: u(40)})
	if _, ok := g.Get("timestamp"); ok {
		t.Error("old name still present")
	}
	if _, ok := g.Get("ts"); !ok {
		t.Error("new name missing")
	}
}

// TestItemGroupBadAddress updates an item group from a hand-made heap
// whose item pointer addresses a byte past its payload: the error says so
// once, and nothing is updated.
func TestItemGroupBadAddress(t *testing.T) {
	f := spead.DefaultFlavour
	h := &Heap{Cnt: 7, Flavour: f, Length: 4, Received: 4, Payload: []byte{1, 2, 3, 4}, complete: true,
		pointers: binary.BigEndian.AppendUint64(nil, f.Address(0x1000, 100))}
	g := NewItemGroup()
	g.AddDescriptor(spead.Descriptor{ID: 0x1000, Name: "x", Format: u(8), Shape: []int64{-1}})
	updated, err := g.Update(h)
	if len(updated) != 0 {
		t.Errorf("%d items updated from a heap whose items do not decode", len(updated))
	}
	if err == nil || strings.Count(err.Error(), "address 100 past the 4-byte payload") != 1 {
		t.Errorf("got %v, want the bad address reported once", err)
	}
}
