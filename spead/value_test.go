package spead

import (
	"errors"
	"strings"
	"testing"
)

// TestItemGroupAddRefuses checks that descriptors spead2's Python
// Descriptor refuses, or that this module cannot encode, are refused at
// Add, not by the receiver.
func TestItemGroupAddRefuses(t *testing.T) {
	hdr := func(descr string, shape ...int64) string { return NumpyHeader{Descr: descr, Shape: shape}.String() }
	u8 := []FormatField{{'u', 8}}
	for _, tc := range []struct {
		name string
		d    Descriptor
		want string
	}{
		{"garbage dtype", Descriptor{DType: "garbage"}, "does not start with {"},
		{"garbage descr", Descriptor{DType: hdr("garbage")}, "unsupported dtype \"garbage\""},
		{"unsupported descr", Descriptor{DType: hdr("<f2")}, "unsupported dtype"},
		{"zero-size string", Descriptor{DType: hdr("|S0")}, "no size"},
		{"both", Descriptor{DType: hdr("<c8"), Format: u8}, "both a format and a dtype"},
		{"neither", Descriptor{}, "neither a format nor a dtype"},
		{"dtype with a variable dimension", Descriptor{DType: hdr("<c8", 2), Shape: []int64{-1}}, "differs from its dtype's"},
		{"shape differs from the header's", Descriptor{DType: hdr("<c8", 2, 2), Shape: []int64{4}}, "differs from its dtype's"},
		{"two variable dimensions", Descriptor{Format: u8, Shape: []int64{-1, -1}}, "more than one variable"},
		{"negative dimension", Descriptor{Format: u8, Shape: []int64{-2}}, "negative dimension"},
		{"huge shape", Descriptor{Format: u8, Shape: []int64{1 << 30, 1 << 30}}, "more than 2^48"},
		{"zero-width field", Descriptor{Format: []FormatField{{'u', 0}}}, "is not u, i or b"},
		{"65-bit field", Descriptor{Format: []FormatField{{'i', 65}}}, "is not u, i or b"},
		{"16-bit float", Descriptor{Format: []FormatField{{'f', 16}}}, "is not u, i or b"},
		{"16-bit char", Descriptor{Format: []FormatField{{'c', 16}}}, "is not u, i or b"},
		{"pointer field", Descriptor{Format: []FormatField{{'0', 48}}}, "is not u, i or b"},
		{"empty format", Descriptor{Format: []FormatField{}}, "neither a format nor a dtype"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.ID, tc.d.Name = 0x1000, "x"
			g := NewItemGroup(DefaultFlavour)
			_, err := g.Add(tc.d)
			if !errors.Is(err, ErrDescriptor) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrDescriptor and %q", err, tc.want)
			}
			if tc.d.Validate() == nil {
				t.Error("Validate accepts it")
			}
		})
	}
}

// TestSetRefuses checks that values that do not fit their item are
// refused when set, with ErrValue, and leave the item as it was.
func TestSetRefuses(t *testing.T) {
	g := NewItemGroup(DefaultFlavour)
	for _, d := range []Descriptor{
		{ID: 0x1000, Name: "vis", DType: NumpyHeader{Descr: "<c8", Shape: []int64{2, 2}}.String()},
		{ID: 0x1001, Name: "u12", Format: []FormatField{{'u', 12}}, Shape: []int64{2}},
		{ID: 0x1002, Name: "i4", Format: []FormatField{{'i', 4}}},
		{ID: 0x1003, Name: "name", Format: []FormatField{{'c', 8}}, Shape: []int64{-1}},
		{ID: 0x1004, Name: "fixed name", Format: []FormatField{{'c', 8}}, Shape: []int64{4}},
		{ID: 0x1005, Name: "label", DType: NumpyHeader{Descr: "|S3"}.String()},
		{ID: 0x1006, Name: "text", DType: NumpyHeader{Descr: "<U2"}.String()},
		{ID: 0x1007, Name: "record", Format: []FormatField{{'u', 8}, {'u', 8}}},
		{ID: 0x1008, Name: "rows", Format: []FormatField{{'u', 16}}, Shape: []int64{-1, 3}},
		{ID: 0x1009, Name: "f32", Format: []FormatField{{'f', 32}}},
		{ID: 0x100a, Name: "adc", DType: NumpyHeader{Descr: "i1", Shape: []int64{4}}.String()},
	} {
		if _, err := g.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"3 bytes for a (2,2) <c8", g.SetBytes("vis", make([]byte, 3)), "3 bytes, want 32"},
		{"3 elements for a (2,2) <c8", Set(g, "vis", complex64(1), 2, 3i), "3 elements, want 4"},
		{"complex128 for <c8", Set(g, "vis", make([]complex128, 4)...), "takes complex64 values, not complex128"},
		{"float32 for <c8", Set(g, "vis", make([]float32, 8)...), "takes complex64 values, not float32"},
		{"u12 too large", Set(g, "u12", uint16(1), 4096), "does not fit in 12 bits"},
		{"signed for u12", Set(g, "u12", int32(1), 2), "takes unsigned integer values, not int32"},
		{"i4 too small", Set(g, "i4", int8(-9)), "does not fit in 4 signed bits"},
		{"two strings", Set(g, "name", "a", "b"), "takes one"},
		{"string too long", Set(g, "fixed name", "hello"), "5 elements, want 4"},
		{"S3 too long", Set(g, "label", "abcd"), "4 bytes, more than |S3 holds"},
		{"U2 too long", Set(g, "text", "abc"), "at most 2 characters"},
		{"U2 not UTF-8", Set(g, "text", "\xff"), "not UTF-8"},
		{"record", Set(g, "record", uint8(1)), "set with SetBytes"},
		{"not whole rows", Set(g, "rows", uint16(1), 2), "whole number of rows of 3"},
		{"not whole row bytes", g.SetBytes("rows", make([]byte, 8)), "whole number of 6-byte rows"},
		{"float64 for f32", Set(g, "f32", 1.5), "takes float32 values, not float64"},
		{"too few int8s", g.SetInt8s("adc", []int8{1}), "1 elements, want 4"},
		{"uint of an array", g.SetUint("vis", 1), "not a scalar"},
	} {
		if !errors.Is(tc.err, ErrValue) || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrValue and %q", tc.name, tc.err, tc.want)
		}
	}
	if h, err := g.Heap(); err != nil || len(h.Items) != 11 {
		t.Fatalf("heap of %d items (%v), want only the 11 descriptors", len(h.Items), err)
	}
}

// TestSetEncodes checks the bytes Set puts on the wire for a few types
// whose layout is easy to get wrong: byte order, complex parts, bit
// packing, padding of strings.
func TestSetEncodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Descriptor
		set  func(g *ItemGroup) error
		want string
	}{
		{"<c8", Descriptor{DType: NumpyHeader{Descr: "<c8", Shape: []int64{1}}.String()},
			func(g *ItemGroup) error { return Set(g, "x", complex64(1+2i)) }, "\x00\x00\x80\x3f\x00\x00\x00\x40"},
		{">c16", Descriptor{DType: NumpyHeader{Descr: ">c16"}.String()},
			func(g *ItemGroup) error { return Set(g, "x", complex(1, -2)) }, "\x3f\xf0\x00\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x00"},
		{">u2", Descriptor{DType: NumpyHeader{Descr: ">u2", Shape: []int64{2}}.String()},
			func(g *ItemGroup) error { return Set(g, "x", uint16(0x0102), 0x0304) }, "\x01\x02\x03\x04"},
		{"?", Descriptor{DType: NumpyHeader{Descr: "?", Shape: []int64{2}}.String()},
			func(g *ItemGroup) error { return Set(g, "x", true, false) }, "\x01\x00"},
		{"|S4", Descriptor{DType: NumpyHeader{Descr: "|S4", Shape: []int64{2}}.String()},
			func(g *ItemGroup) error { return Set(g, "x", "ab", "wxyz") }, "ab\x00\x00wxyz"},
		{">U2", Descriptor{DType: NumpyHeader{Descr: ">U2"}.String()},
			func(g *ItemGroup) error { return Set(g, "x", "é") }, "\x00\x00\x00\xe9\x00\x00\x00\x00"},
		{"u12 packed from the top", Descriptor{Format: []FormatField{{'u', 12}}, Shape: []int64{3}},
			func(g *ItemGroup) error { return Set(g, "x", uint16(0x123), 0x456, 0x789) }, "\x12\x34\x56\x78\x90"},
		{"i4 two's complement", Descriptor{Format: []FormatField{{'i', 4}}, Shape: []int64{2}},
			func(g *ItemGroup) error { return Set(g, "x", int8(-1), 7) }, "\xf7"},
		{"u40 from a uint64", Descriptor{Format: []FormatField{{'u', 40}}},
			func(g *ItemGroup) error { return Set(g, "x", uint64(1)<<39) }, "\x80\x00\x00\x00\x00"},
		{"f32", Descriptor{Format: []FormatField{{'f', 32}}},
			func(g *ItemGroup) error { return Set(g, "x", float32(2)) }, "\x40\x00\x00\x00"},
		{"text", Descriptor{Format: []FormatField{{'c', 8}}, Shape: []int64{-1}},
			func(g *ItemGroup) error { return Set(g, "x", "hello") }, "hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.ID, tc.d.Name = 0x1000, "x"
			g := NewItemGroup(DefaultFlavour)
			it, err := g.Add(tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.set(g); err != nil {
				t.Fatal(err)
			}
			if got := string(it.item.Data); got != tc.want {
				t.Errorf("got % x, want % x", got, tc.want)
			}
		})
	}
}

// TestSetCopies checks that Set copies its elements, so that changing the
// slice afterwards changes nothing sent.
func TestSetCopies(t *testing.T) {
	g := NewItemGroup(DefaultFlavour)
	if _, err := g.Add(Descriptor{ID: 0x1000, Name: "x", DType: NumpyHeader{Descr: "|u1", Shape: []int64{2}}.String()}); err != nil {
		t.Fatal(err)
	}
	v := []uint8{1, 2}
	if err := Set(g, "x", v...); err != nil {
		t.Fatal(err)
	}
	v[0] = 9
	h, _ := g.Heap()
	if got := h.Items[1].Data; got[0] != 1 {
		t.Errorf("sent %v after the slice changed, want [1 2]", got)
	}
}

func TestParseNumpyType(t *testing.T) {
	for _, tc := range []struct {
		descr string
		want  NumpyType
		str   string
	}{
		{"<c8", NumpyType{Kind: 'c', Size: 8}, "<c8"},
		{">c16", NumpyType{Kind: 'c', Size: 16, BigEndian: true}, ">c16"},
		{"i1", NumpyType{Kind: 'i', Size: 1}, "|i1"},
		{"?", NumpyType{Kind: 'b', Size: 1}, "|b1"},
		{"=f8", NumpyType{Kind: 'f', Size: 8}, "<f8"},
		{"|S10", NumpyType{Kind: 'S', Size: 10}, "|S10"},
		{">U3", NumpyType{Kind: 'U', Size: 12, BigEndian: true}, ">U3"},
	} {
		got, err := ParseNumpyType(tc.descr)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseNumpyType(%q) = %+v (%q), %v; want %+v (%q)", tc.descr, got, got.String(), err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"", "<", "c", "<c4", "<i3", "<f2", "|b2", "<S0", "<S+1", "<S01", "x8", "<c8 ", "O", "<M8"} {
		if got, err := ParseNumpyType(bad); err == nil {
			t.Errorf("ParseNumpyType(%q) = %+v, want an error", bad, got)
		}
	}
}
