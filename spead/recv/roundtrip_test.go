package recv

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// typedCase is one item of TestTypedRoundTrip: a descriptor, how the
// sender sets it, and the value and shape the receiver must decode.
type typedCase struct {
	name  string
	d     spead.Descriptor
	set   func(g *spead.ItemGroup, name string) error
	want  any
	shape []int64
}

// setter returns a set function that sets the elements v.
func setter[T spead.Value](v ...T) func(*spead.ItemGroup, string) error {
	return func(g *spead.ItemGroup, name string) error { return spead.Set(g, name, v...) }
}

// numpy returns a descriptor of a numpy type.
func numpy(descr string, shape ...int64) spead.Descriptor {
	return spead.Descriptor{DType: spead.NumpyHeader{Descr: descr, Shape: shape}.String()}
}

// format returns a descriptor of a one-field format list.
func format(typ byte, bits int, shape ...int64) spead.Descriptor {
	return spead.Descriptor{Format: []spead.FormatField{{Type: typ, Bits: bits}}, Shape: shape}
}

// typedCases lists every type an item's value can take, in both byte
// orders where there are two, scalars and arrays.
func typedCases() []typedCase {
	vis := make([]complex64, 256*4)
	for i := range vis {
		vis[i] = complex(float32(i), -float32(i)/2)
	}
	vis128 := []complex128{complex(math.Pi, math.E), complex(math.Inf(1), math.Copysign(0, -1)), complex(1e-300, 1e300)}
	cases := []typedCase{
		{"bool ?", numpy("?"), setter(true), true, []int64{}},
		{"bool |b1 array", numpy("|b1", 3), setter(true, false, true), []bool{true, false, true}, []int64{3}},
		{"i1", numpy("i1", 3), setter[int8](-128, 0, 127), []int8{-128, 0, 127}, []int64{3}},
		{"|u1 scalar", numpy("|u1"), setter[uint8](200), uint8(200), []int64{}},
		{"(256,4) <c8", numpy("<c8", 256, 4), setter(vis...), vis, []int64{256, 4}},
		{"<c8 scalar", numpy("<c8"), setter(complex64(1.5 - 2i)), complex64(1.5 - 2i), []int64{}},
		{"Fortran-order (2,3) <f4", spead.Descriptor{DType: spead.NumpyHeader{Descr: "<f4", FortranOrder: true, Shape: []int64{2, 3}}.String()},
			setter[float32](1, 4, 2, 5, 3, 6), []float32{1, 4, 2, 5, 3, 6}, []int64{2, 3}},
		{"|S5 array", numpy("|S5", 2), setter("ab", "hello"), []string{"ab", "hello"}, []int64{2}},
		{"|S3 scalar", numpy("|S3"), setter("ok"), "ok", []int64{}},
		{"text ('c', 8) variable", format('c', 8, -1), setter("hello, world"), "hello, world", []int64{12}},
		{"text ('c', 8) fixed", format('c', 8, 4), setter("abcd"), "abcd", []int64{4}},
		{"chars ('c', 8) 2-D", format('c', 8, 2, 2), setter[uint8]('a', 'b', 'c', 'd'), []byte("abcd"), []int64{2, 2}},
		{"u40 scalar", format('u', 40), setter(uint64(1)<<39 + 5), uint64(1)<<39 + 5, []int64{}},
		{"u64 scalar", format('u', 64), setter(uint64(math.MaxUint64)), uint64(math.MaxUint64), []int64{}},
		{"u8 variable", format('u', 8, -1), setter[uint8](1, 2, 3), []uint64{1, 2, 3}, []int64{3}},
		{"u12 array", format('u', 12, 3), setter[uint16](0xfff, 0, 0x123), []uint64{0xfff, 0, 0x123}, []int64{3}},
		{"u1 array", format('u', 1, 10), setter[uint8](1, 0, 1, 1, 0, 0, 0, 1, 1, 1), []uint64{1, 0, 1, 1, 0, 0, 0, 1, 1, 1}, []int64{10}},
		{"i7 array", format('i', 7, 2), setter[int8](-64, 63), []int64{-64, 63}, []int64{2}},
		{"i32 scalar", format('i', 32), setter[int32](-5), int64(-5), []int64{}},
		{"f32 array", format('f', 32, 2), setter[float32](1.5, -0.25), []float32{1.5, -0.25}, []int64{2}},
		{"f64 scalar", format('f', 64), setter(math.Pi), math.Pi, []int64{}},
		{"b8 array", format('b', 8, 2), setter(false, true), []bool{false, true}, []int64{2}},
		{"b1 array", format('b', 1, 10), setter(true, false, true, true, false, false, false, true, true, false), []bool{true, false, true, true, false, false, false, true, true, false}, []int64{10}},
	}
	for _, order := range []string{"<", ">"} {
		cases = append(cases,
			typedCase{order + "i2", numpy(order+"i2", 2), setter[int16](-2, 0x1234), []int16{-2, 0x1234}, []int64{2}},
			typedCase{order + "i4", numpy(order+"i4", 2), setter[int32](math.MinInt32, 7), []int32{math.MinInt32, 7}, []int64{2}},
			typedCase{order + "i8", numpy(order + "i8"), setter[int64](math.MinInt64), int64(math.MinInt64), []int64{}},
			typedCase{order + "u2", numpy(order+"u2", 2), setter[uint16](1, 0xfffe), []uint16{1, 0xfffe}, []int64{2}},
			typedCase{order + "u4", numpy(order + "u4"), setter[uint32](0xdeadbeef), uint32(0xdeadbeef), []int64{}},
			typedCase{order + "u8", numpy(order+"u8", 1), setter[uint64](1 << 63), []uint64{1 << 63}, []int64{1}},
			typedCase{order + "f4", numpy(order+"f4", 2), setter[float32](float32(math.Inf(-1)), 3.25), []float32{float32(math.Inf(-1)), 3.25}, []int64{2}},
			typedCase{order + "f8", numpy(order + "f8"), setter(-1e-310), -1e-310, []int64{}},
			typedCase{order + "c8 array", numpy(order+"c8", 2, 2), setter[complex64](1, 1i, -1, -1i), []complex64{1, 1i, -1, -1i}, []int64{2, 2}},
			typedCase{order + "c16 array", numpy(order+"c16", 3), setter(vis128...), vis128, []int64{3}},
			typedCase{order + "U3 array", numpy(order+"U3", 2), setter("héé", "€"), []string{"héé", "€"}, []int64{2}},
		)
	}
	return cases
}

// TestTypedRoundTrip sets an item of every type with a send ItemGroup,
// cuts the heap into packets, reassembles them with a Reassembler and
// decodes them with an ItemGroup: the values and shapes that come out
// are the ones that went in. At 64 bytes a packet, values and item
// pointers spread over many packets.
func TestTypedRoundTrip(t *testing.T) {
	cases := typedCases()
	for _, size := range []int{1472, 64} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			sg := spead.NewItemGroup(spead.DefaultFlavour)
			for i, tc := range cases {
				d := tc.d
				d.ID, d.Name = 0x1000+uint64(i), tc.name
				if _, err := sg.Add(d); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if err := tc.set(sg, tc.name); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
			}
			h, err := sg.Heap()
			if err != nil {
				t.Fatal(err)
			}
			heaps, errs := feed(newReassembler(t, nil), packets(t, h, 1, size))
			if len(errs) != 0 || len(heaps) != 1 {
				t.Fatalf("%d heaps, errors %v", len(heaps), errs)
			}
			rg := NewItemGroup()
			updated, err := rg.Update(heaps[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(updated) != len(cases) {
				t.Errorf("%d items updated, want %d", len(updated), len(cases))
			}
			for _, tc := range cases {
				it, ok := rg.Get(tc.name)
				if !ok {
					t.Errorf("%s: not received", tc.name)
					continue
				}
				if !reflect.DeepEqual(it.Value, tc.want) || !reflect.DeepEqual(it.Shape, tc.shape) {
					t.Errorf("%s: got %#v shape %v, want %#v shape %v", tc.name, it.Value, it.Shape, tc.want, tc.shape)
				}
			}
		})
	}
}

// roundTripTypes are the numpy types FuzzNumpyRoundTrip decodes and sets
// again.
var roundTripTypes = []string{"|i1", "|u1", "<i2", ">u2", "<i4", ">u4", ">i8", "<u8", "<f4", ">f8", "<c8", ">c8", "<c16", ">c16", "|S3", "<U2", ">U1"}

// FuzzNumpyRoundTrip decodes fuzzed bytes as an array of each numpy type
// and sets the value with a send ItemGroup: the bytes that would go on
// the wire are the bytes decoded, for every type but strings, whose
// padding and invalid characters are not kept.
func FuzzNumpyRoundTrip(f *testing.F) {
	f.Add(uint8(10), []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(15), []byte("ab\x00cd\x00"))
	f.Add(uint8(16), []byte{0, 0, 0xd8, 0})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		descr := roundTripTypes[int(which)%len(roundTripTypes)]
		nt, err := spead.ParseNumpyType(descr)
		if err != nil {
			t.Fatal(err)
		}
		n := len(data) / nt.Size
		d := spead.Descriptor{ID: 0x1000, Name: "x", DType: spead.NumpyHeader{Descr: descr, Shape: []int64{int64(n)}}.String()}
		v, _, err := DecodeValue(&d, spead.RawItem{ID: 0x1000, Data: data}, spead.DefaultFlavour)
		if err != nil {
			t.Fatalf("%s: %v", descr, err)
		}
		g := spead.NewItemGroup(spead.DefaultFlavour)
		if _, err := g.Add(d); err != nil {
			t.Fatal(err)
		}
		switch v := v.(type) {
		case []int8:
			err = spead.Set(g, "x", v...)
		case []uint8:
			err = spead.Set(g, "x", v...)
		case []int16:
			err = spead.Set(g, "x", v...)
		case []uint16:
			err = spead.Set(g, "x", v...)
		case []int32:
			err = spead.Set(g, "x", v...)
		case []uint32:
			err = spead.Set(g, "x", v...)
		case []int64:
			err = spead.Set(g, "x", v...)
		case []uint64:
			err = spead.Set(g, "x", v...)
		case []float32:
			err = spead.Set(g, "x", v...)
		case []float64:
			err = spead.Set(g, "x", v...)
		case []complex64:
			err = spead.Set(g, "x", v...)
		case []complex128:
			err = spead.Set(g, "x", v...)
		case []string:
			// Decoded strings set again: they must fit their type.
			if err := spead.Set(g, "x", v...); err != nil {
				t.Fatalf("%s: %q: %v", descr, v, err)
			}
			return
		default:
			t.Fatalf("%s decoded to %T", descr, v)
		}
		if err != nil {
			t.Fatalf("%s: %v", descr, err)
		}
		h, err := g.Heap()
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Items[len(h.Items)-1].Data; !bytes.Equal(got, data[:n*nt.Size]) {
			t.Errorf("%s: decoded % x, set again % x", descr, data[:n*nt.Size], got)
		}
	})
}

// FuzzItemGroupBound updates a small item group from heaps carrying a
// fuzzed descriptor and a fuzzed value of its item: the group never
// counts more than its MaxBytes, and each item carried has a value or an
// error, never both.
func FuzzItemGroupBound(f *testing.F) {
	f40 := spead.DefaultFlavour
	for _, d := range []spead.Descriptor{
		{ID: 0x1000, Name: "bits", Format: u(1), Shape: []int64{-1}},
		{ID: 0x1000, Name: "vis", DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{4}}.String()},
		{ID: 0x1000, Name: "rec", Format: []spead.FormatField{{Type: 'u', Bits: 1}, {Type: 'i', Bits: 3}}, Shape: []int64{-1}},
	} {
		enc, err := d.AppendEncode(nil, f40)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc, []byte{1, 2, 3, 4, 5, 6, 7, 8}, uint16(1000))
	}
	f.Fuzz(func(t *testing.T, desc, data []byte, repeat uint16) {
		d, err := spead.DecodeDescriptor(desc)
		if err != nil || d.ID <= spead.PayloadLengthID || d.ID > f40.MaxID() {
			return
		}
		value := bytes.Repeat(data, int(repeat)%4096+1)
		g := &ItemGroup{MaxBytes: 64 << 10}
		for cnt := range uint64(3) {
			h := spead.NewHeap(f40)
			if err := h.AddDescriptor(&d); err != nil {
				return
			}
			h.AddItem(d.ID, value[:len(value)>>cnt])
			pkts, err := spead.AppendPackets(nil, h, cnt+1, 9000)
			if err != nil {
				return
			}
			r := newReassembler(t, nil)
			heaps, _ := feed(r, pkts)
			for _, rh := range r.Stop(heaps) {
				updated, _ := g.Update(rh)
				for _, it := range updated {
					if (it.Value == nil) == (it.Err == nil) {
						t.Fatalf("item %#x: value %T and error %v", it.ID, it.Value, it.Err)
					}
				}
				rh.Release()
			}
			if g.Size() > g.MaxBytes {
				t.Fatalf("the group counts %d bytes, over its MaxBytes %d", g.Size(), g.MaxBytes)
			}
		}
	})
}
