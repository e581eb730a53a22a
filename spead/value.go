package spead

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"
)

// checkCount checks that n elements fill the layout's shape.
func (l *layout) checkCount(n int64) error {
	switch {
	case !l.variable && n != l.known:
		return fmt.Errorf("%w: %d elements, want %d for shape %v", ErrValue, n, l.known, l.shape)
	case l.variable && l.known == 0 && n != 0:
		return fmt.Errorf("%w: %d elements for shape %v, which holds none", ErrValue, n, l.shape)
	case l.variable && l.known != 0 && n%l.known != 0:
		return fmt.Errorf("%w: %d elements is not a whole number of rows of %d for shape %v", ErrValue, n, l.known, l.shape)
	}
	return nil
}

// encode checks that vals, a slice of n elements of a [Value] type, fits
// the item and returns its bytes as they go on the wire.
func (it *GroupItem) encode(vals any, n int) ([]byte, error) {
	l := &it.layout
	if !l.numpy {
		return encodeFormat(l, vals, n)
	}
	if err := checkNumpyType(l.nt, vals); err != nil {
		return nil, err
	}
	if err := l.checkCount(int64(n)); err != nil {
		return nil, err
	}
	var order binary.ByteOrder = binary.LittleEndian
	if l.nt.BigEndian {
		order = binary.BigEndian
	}
	dst := make([]byte, 0, int64(n)*int64(l.nt.Size))
	switch v := vals.(type) {
	case []bool:
		for _, b := range v {
			dst = append(dst, boolByte(b))
		}
		return dst, nil
	case []complex64:
		vals = unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(v))), 2*len(v))
	case []complex128:
		vals = unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(v))), 2*len(v))
	case []string:
		return appendStrings(dst, l.nt, v)
	}
	// The rest are slices of fixed-size numbers, which binary.Append
	// writes without reflection.
	return binary.Append(dst, order, vals)
}

// goTypes names the Go type of each numpy kind and size.
var goTypes = map[NumpyType]string{
	{Kind: 'b', Size: 1}:  "bool",
	{Kind: 'i', Size: 1}:  "int8",
	{Kind: 'i', Size: 2}:  "int16",
	{Kind: 'i', Size: 4}:  "int32",
	{Kind: 'i', Size: 8}:  "int64",
	{Kind: 'u', Size: 1}:  "uint8",
	{Kind: 'u', Size: 2}:  "uint16",
	{Kind: 'u', Size: 4}:  "uint32",
	{Kind: 'u', Size: 8}:  "uint64",
	{Kind: 'f', Size: 4}:  "float32",
	{Kind: 'f', Size: 8}:  "float64",
	{Kind: 'c', Size: 8}:  "complex64",
	{Kind: 'c', Size: 16}: "complex128",
}

// goTypeOf returns the Go type of a numpy element type.
func goTypeOf(t NumpyType) string {
	if t.Kind == 'S' || t.Kind == 'U' {
		return "string"
	}
	return goTypes[NumpyType{Kind: t.Kind, Size: t.Size}]
}

// checkNumpyType checks that vals is a slice of t's Go type.
func checkNumpyType(t NumpyType, vals any) error {
	got := fmt.Sprintf("%T", vals)[2:]
	if want := goTypeOf(t); got != want {
		return fmt.Errorf("%w: a %s item takes %s values, not %s", ErrValue, t, want, got)
	}
	return nil
}

// appendStrings appends the numpy S or U elements v.
func appendStrings(dst []byte, t NumpyType, v []string) ([]byte, error) {
	for i, s := range v {
		if t.Kind == 'S' {
			if len(s) > t.Size {
				return nil, fmt.Errorf("%w: element %d has %d bytes, more than %s holds", ErrValue, i, len(s), t)
			}
			dst = append(dst, s...)
			dst = append(dst, make([]byte, t.Size-len(s))...)
			continue
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > t.Size/4 {
			return nil, fmt.Errorf("%w: element %d is not UTF-8 text of at most %d characters, as %s holds", ErrValue, i, t.Size/4, t)
		}
		n := 0
		for _, r := range s {
			if t.BigEndian {
				dst = binary.BigEndian.AppendUint32(dst, uint32(r))
			} else {
				dst = binary.LittleEndian.AppendUint32(dst, uint32(r))
			}
			n++
		}
		dst = append(dst, make([]byte, t.Size-4*n)...)
	}
	return dst, nil
}

// boolByte returns 1 for true and 0 for false.
func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// encodeFormat encodes the n elements vals of an item of one format
// field, most significant bit first, as spead2 packs them.
func encodeFormat(l *layout, vals any, n int) ([]byte, error) {
	if len(l.format) != 1 {
		return nil, fmt.Errorf("%w: records of %d fields are set with SetBytes", ErrValue, len(l.format))
	}
	ff := l.format[0]
	if s, ok := vals.([]string); ok && ff == (FormatField{Type: 'c', Bits: 8}) && len(l.shape) == 1 {
		// Text, as spead2's Python sends a str for a 1-D ('c', 8) item.
		if len(s) != 1 {
			return nil, fmt.Errorf("%w: %d strings for a ('c', 8) item, which takes one", ErrValue, len(s))
		}
		if err := l.checkCount(int64(len(s[0]))); err != nil {
			return nil, err
		}
		return []byte(s[0]), nil
	}
	if err := l.checkCount(int64(n)); err != nil {
		return nil, err
	}
	bits, err := fieldBits(ff, vals)
	if err != nil {
		return nil, err
	}
	w := bitWriter{buf: make([]byte, 0, l.size(int64(n)))}
	for _, b := range bits {
		w.write(b, ff.Bits)
	}
	return w.flush(), nil
}

// fieldBits returns each element of vals as the bits of field ff,
// checking that the Go type suits the field and the value fits it.
func fieldBits(ff FormatField, vals any) ([]uint64, error) {
	var out []uint64
	var err error
	switch ff.Type {
	case 'u':
		switch v := vals.(type) {
		case []uint8:
			out, err = unsignedBits(v, ff.Bits)
		case []uint16:
			out, err = unsignedBits(v, ff.Bits)
		case []uint32:
			out, err = unsignedBits(v, ff.Bits)
		case []uint64:
			out, err = unsignedBits(v, ff.Bits)
		}
	case 'i':
		switch v := vals.(type) {
		case []int8:
			out, err = signedBits(v, ff.Bits)
		case []int16:
			out, err = signedBits(v, ff.Bits)
		case []int32:
			out, err = signedBits(v, ff.Bits)
		case []int64:
			out, err = signedBits(v, ff.Bits)
		}
	case 'f':
		switch v := vals.(type) {
		case []float32:
			if ff.Bits == 32 {
				out = make([]uint64, len(v))
				for i, x := range v {
					out[i] = uint64(math.Float32bits(x))
				}
			}
		case []float64:
			if ff.Bits == 64 {
				out = make([]uint64, len(v))
				for i, x := range v {
					out[i] = math.Float64bits(x)
				}
			}
		}
	case 'b':
		if v, ok := vals.([]bool); ok {
			out = make([]uint64, len(v))
			for i, b := range v {
				out[i] = uint64(boolByte(b))
			}
		}
	case 'c':
		if v, ok := vals.([]uint8); ok {
			out = make([]uint64, len(v))
			for i, b := range v {
				out[i] = uint64(b)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("%w: a %v item takes %s values, not %s", ErrValue, ff, fieldGoType(ff), fmt.Sprintf("%T", vals)[2:])
	}
	return out, nil
}

// fieldGoType names the Go types a format field takes.
func fieldGoType(ff FormatField) string {
	switch ff.Type {
	case 'u':
		return "unsigned integer"
	case 'i':
		return "signed integer"
	case 'f':
		return fmt.Sprintf("float%d", ff.Bits)
	case 'b':
		return "bool"
	}
	return "uint8"
}

// unsignedBits checks that each of v fits in bits and returns them.
func unsignedBits[E uint8 | uint16 | uint32 | uint64](v []E, bits int) ([]uint64, error) {
	out := make([]uint64, len(v))
	for i, x := range v {
		if bits < 64 && uint64(x) >= 1<<bits {
			return nil, fmt.Errorf("%w: element %d, %d, does not fit in %d bits", ErrValue, i, x, bits)
		}
		out[i] = uint64(x)
	}
	return out, nil
}

// signedBits checks that each of v fits in bits, two's complement, and
// returns them so.
func signedBits[E int8 | int16 | int32 | int64](v []E, bits int) ([]uint64, error) {
	out := make([]uint64, len(v))
	for i, x := range v {
		if bits < 64 && (int64(x) < -1<<(bits-1) || int64(x) >= 1<<(bits-1)) {
			return nil, fmt.Errorf("%w: element %d, %d, does not fit in %d signed bits", ErrValue, i, x, bits)
		}
		out[i] = uint64(x)
		if bits < 64 {
			out[i] &= 1<<bits - 1
		}
	}
	return out, nil
}

// bitWriter packs bit fields, most significant bit first; the last byte
// is padded with zero bits at its tail.
type bitWriter struct {
	buf   []byte
	acc   uint64 // bits not yet written, right-aligned
	nbits int    // how many
}

// write appends the low n bits of v (n from 1 to 64).
func (w *bitWriter) write(v uint64, n int) {
	if w.nbits == 0 && n%8 == 0 {
		w.buf = appendUintN(w.buf, v, n/8)
		return
	}
	for n > 0 {
		take := min(n, 8)
		n -= take
		w.acc = w.acc<<take | (v>>n)&(1<<take-1)
		w.nbits += take
		for w.nbits >= 8 {
			w.nbits -= 8
			w.buf = append(w.buf, byte(w.acc>>w.nbits))
		}
		w.acc &= 1<<w.nbits - 1
	}
}

// flush writes any partial byte and returns the bytes.
func (w *bitWriter) flush() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc<<(8-w.nbits)))
		w.nbits, w.acc = 0, 0
	}
	return w.buf
}
