package recv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"

	"github.com/gospead/tutorial/spead"
)

// ErrValue is wrapped by the errors of item values that do not fit their
// descriptor. It is [spead.ErrValue], which the sending side's item
// group returns for the same faults.
var ErrValue = spead.ErrValue

// maxElements bounds the elements of one value, whatever its shape says.
const maxElements = 1 << 32

// maxDecodedBytes bounds the memory a decoded value may take. Fields
// narrower than their Go type grow when decoded (a 1-bit 'u' field
// becomes a uint64, 64 times its size on the wire, and a record of
// several fields more still), so a value's size on the wire alone does
// not bound it.
const maxDecodedBytes = 256 << 20

// DecodeValue decodes raw, an item of a heap of flavour f, as descriptor d
// says, and returns the value and its shape. The value's Go type follows
// from the descriptor:
//
//   - a format list of one field: 'u' of 1 to 64 bits is uint64, 'i' of 1
//     to 64 bits is int64, 'f' of 32 or 64 bits is float32 or float64,
//     'b' of 1 to 64 bits is bool, 'c' of 8 bits is byte, and a one-dimensional
//     array of 'c' is a string, as spead2's Python reads text;
//   - a format list of several fields is []any, one value per field;
//   - a numpy header's descr, in either byte order, gives bool (b1 or ?),
//     int8 to int64 (i1 to i8), uint8 to uint64 (u1 to u8), float32 and
//     float64 (f4, f8), complex64 and complex128 (c8, c16), or string (S
//     without its trailing NULs, U decoded from UTF-32): the Go types
//     [spead.Set] takes.
//
// A scalar (empty shape) is the type itself; an array is a flat slice of
// it, in the order the bytes arrive (C order, or Fortran order if the
// header says so), with the shape returned alongside. []int8 and []uint8
// values share memory with raw.Data. An immediate item holds the
// flavour's immediate size in bytes, right-aligned. A value that would
// take more than 256 MiB decoded (narrow fields grow into their Go types)
// is refused with ErrValue.
func DecodeValue(d *spead.Descriptor, raw spead.RawItem, f spead.Flavour) (any, []int64, error) {
	v, shape, _, err := decode(d, raw, f, maxDecodedBytes)
	var big *sizeError
	if errors.As(err, &big) {
		err = fmt.Errorf("%w: %v, over the limit of %d", ErrValue, big, maxDecodedBytes)
	}
	return v, shape, err
}

// sizeError says that a value would take more memory decoded than a
// limit allows.
type sizeError struct {
	n    int64  // elements
	what string // their type
	size int64  // bytes decoded
}

func (e *sizeError) Error() string {
	return fmt.Sprintf("%d elements of %s would take %d bytes decoded", e.n, e.what, e.size)
}

// decode is DecodeValue with a limit on the bytes the decoded value
// takes beyond raw.Data, which it returns; a value over the limit is a
// *sizeError, found before anything is allocated.
func decode(d *spead.Descriptor, raw spead.RawItem, f spead.Flavour, limit int64) (any, []int64, int64, error) {
	data := raw.Data
	if raw.Immediate {
		n := f.ImmediateSize()
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], raw.Value)
		data = buf[8-n:]
	}
	if d.DType != "" {
		return decodeNumpy(d.DType, data, raw.Immediate, limit)
	}
	if len(d.Format) == 0 {
		return nil, nil, 0, fmt.Errorf("%w: the descriptor has neither a format nor a dtype", ErrValue)
	}
	return decodeFormat(d.Format, d.Shape, data, raw.Immediate, limit)
}

// elements returns the number of elements of a shape, resolving one
// variable dimension from the number of elements available.
func elements(shape []int64, available int64) ([]int64, int64, error) {
	n := int64(1)
	variable := -1
	for i, dim := range shape {
		if dim < 0 {
			if variable >= 0 {
				return nil, 0, fmt.Errorf("%w: more than one variable dimension", ErrValue)
			}
			variable = i
			continue
		}
		if dim > 0 && n > maxElements/dim {
			return nil, 0, fmt.Errorf("%w: shape %v has too many elements", ErrValue, shape)
		}
		n *= dim
	}
	if variable >= 0 {
		out := cloneShape(shape)
		dim := int64(0)
		if n > 0 {
			dim = available / n
		}
		out[variable] = dim
		return out, n * dim, nil
	}
	if n > available {
		return nil, 0, fmt.Errorf("%w: shape %v needs %d elements, the data holds %d", ErrValue, shape, n, available)
	}
	return cloneShape(shape), n, nil
}

// cloneShape returns a copy of shape that is never nil.
func cloneShape(shape []int64) []int64 {
	return append([]int64{}, shape...)
}

// decodeFormat decodes a SPEAD format list.
func decodeFormat(format []spead.FormatField, shape []int64, data []byte, immediate bool, limit int64) (any, []int64, int64, error) {
	bits := 0
	for _, ff := range format {
		if ff.Bits <= 0 || ff.Bits > 64 {
			return nil, nil, 0, fmt.Errorf("%w: field %v is not 1 to 64 bits wide", ErrValue, ff)
		}
		switch ff.Type {
		case 'u', 'i', 'b':
		case 'f':
			if ff.Bits != 32 && ff.Bits != 64 {
				return nil, nil, 0, fmt.Errorf("%w: float field %v is not 32 or 64 bits", ErrValue, ff)
			}
		case 'c':
			if ff.Bits != 8 {
				return nil, nil, 0, fmt.Errorf("%w: field %v is not 8 bits", ErrValue, ff)
			}
		default:
			return nil, nil, 0, fmt.Errorf("%w: field %v has an unsupported type", ErrValue, ff)
		}
		bits += ff.Bits
	}
	shape, n, err := elements(shape, int64(len(data))*8/int64(bits))
	if err != nil {
		return nil, nil, 0, err
	}
	size := decodedSize(format, n)
	if size > limit {
		return nil, nil, 0, &sizeError{n: n, what: fmt.Sprint(format), size: size}
	}
	if immediate {
		// Immediates are padded at the head, not the tail.
		data = data[len(data)-int((n*int64(bits)+7)/8):]
	}
	r := bitReader{data: data}
	if len(format) > 1 {
		vals := make([]any, 0, n)
		for range n {
			rec := make([]any, len(format))
			for j, ff := range format {
				rec[j] = readField(&r, ff)
			}
			vals = append(vals, rec)
		}
		if len(shape) == 0 {
			return vals[0], shape, size, nil
		}
		return vals, shape, size, nil
	}
	ff := format[0]
	if ff.Type == 'c' && len(shape) == 1 {
		return string(data[:n]), shape, size, nil
	}
	if len(shape) == 0 {
		return readField(&r, ff), shape, size, nil
	}
	var v any
	switch ff.Type {
	case 'u':
		v = readSlice(&r, n, func(r *bitReader) uint64 { return r.read(ff.Bits) })
	case 'i':
		v = readSlice(&r, n, func(r *bitReader) int64 { return signExtend(r.read(ff.Bits), ff.Bits) })
	case 'f':
		if ff.Bits == 32 {
			v = readSlice(&r, n, func(r *bitReader) float32 { return math.Float32frombits(uint32(r.read(32))) })
		} else {
			v = readSlice(&r, n, func(r *bitReader) float64 { return math.Float64frombits(r.read(64)) })
		}
	case 'b':
		v = readSlice(&r, n, func(r *bitReader) bool { return r.read(ff.Bits) != 0 })
	default: // 'c' with more than one dimension
		v = readSlice(&r, n, func(r *bitReader) byte { return byte(r.read(8)) })
	}
	return v, shape, size, nil
}

// decodedSize returns about how many bytes n elements of format take once
// decoded: the Go values, and for records the slices and interfaces that
// hold them.
func decodedSize(format []spead.FormatField, n int64) int64 {
	per := int64(8) // uint64, int64, float64
	if len(format) > 1 {
		// An interface holding a []any, whose fields are interfaces
		// holding a value each.
		per = 16 + 24 + int64(len(format))*(16+8)
	} else {
		switch ff := format[0]; {
		case ff.Type == 'f' && ff.Bits == 32:
			per = 4
		case ff.Type == 'b', ff.Type == 'c':
			per = 1
		}
	}
	if n > math.MaxInt64/per {
		return math.MaxInt64
	}
	return n * per
}

// readSlice reads n elements.
func readSlice[T any](r *bitReader, n int64, read func(*bitReader) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = read(r)
	}
	return out
}

// readField reads one value of a format field.
func readField(r *bitReader, ff spead.FormatField) any {
	v := r.read(ff.Bits)
	switch ff.Type {
	case 'i':
		return signExtend(v, ff.Bits)
	case 'f':
		if ff.Bits == 32 {
			return math.Float32frombits(uint32(v))
		}
		return math.Float64frombits(v)
	case 'b':
		return v != 0
	case 'c':
		return byte(v)
	}
	return v
}

// signExtend reads the low bits of v as a two's complement number.
func signExtend(v uint64, bits int) int64 {
	shift := 64 - bits
	return int64(v<<shift) >> shift
}

// bitReader reads big-endian bit fields, most significant bit first.
type bitReader struct {
	data []byte
	bit  int // bits consumed
}

// read returns the next n bits (1 to 64). The caller has checked that
// they are there.
func (r *bitReader) read(n int) uint64 {
	if r.bit%8 == 0 && n%8 == 0 {
		i := r.bit / 8
		var v uint64
		for _, b := range r.data[i : i+n/8] {
			v = v<<8 | uint64(b)
		}
		r.bit += n
		return v
	}
	var v uint64
	for range n {
		b := r.data[r.bit/8] >> (7 - r.bit%8) & 1
		v = v<<1 | uint64(b)
		r.bit++
	}
	return v
}

// decodeNumpy decodes a value described by a numpy header.
func decodeNumpy(dtype string, data []byte, immediate bool, limit int64) (any, []int64, int64, error) {
	hdr, err := spead.ParseNumpyHeader(dtype)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%w: %w", ErrValue, err)
	}
	t, err := spead.ParseNumpyType(hdr.Descr)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%w: %w", ErrValue, err)
	}
	for _, dim := range hdr.Shape {
		if dim < 0 {
			return nil, nil, 0, fmt.Errorf("%w: negative dimension in %v", ErrValue, hdr.Shape)
		}
	}
	esize := int64(t.Size)
	shape, n, err := elements(hdr.Shape, int64(len(data))/esize)
	if err != nil {
		return nil, nil, 0, err
	}
	// What the value takes beyond data: nothing for bytes, which it
	// shares; a string header and its text for strings.
	var size int64
	switch {
	case t.Size == 1 && (t.Kind == 'i' || t.Kind == 'u'):
	case t.Kind == 'S' || t.Kind == 'U':
		size = n * (16 + esize)
	default:
		size = n * esize
	}
	if size > limit {
		return nil, nil, 0, &sizeError{n: n, what: t.String(), size: size}
	}
	if immediate {
		data = data[int64(len(data))-n*esize:]
	} else {
		data = data[:n*esize]
	}
	var order binary.ByteOrder = binary.LittleEndian
	if t.BigEndian {
		order = binary.BigEndian
	}
	var v any
	switch int(t.Kind)<<8 | min(t.Size, 255) {
	case 'i'<<8 | 1:
		v = unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(data))), len(data))
	case 'u'<<8 | 1:
		v = data
	case 'b'<<8 | 1:
		v = convert(data, 1, func(b []byte) bool { return b[0] != 0 })
	case 'i'<<8 | 2:
		v = convert(data, 2, func(b []byte) int16 { return int16(order.Uint16(b)) })
	case 'u'<<8 | 2:
		v = convert(data, 2, order.Uint16)
	case 'i'<<8 | 4:
		v = convert(data, 4, func(b []byte) int32 { return int32(order.Uint32(b)) })
	case 'u'<<8 | 4:
		v = convert(data, 4, order.Uint32)
	case 'i'<<8 | 8:
		v = convert(data, 8, func(b []byte) int64 { return int64(order.Uint64(b)) })
	case 'u'<<8 | 8:
		v = convert(data, 8, order.Uint64)
	case 'f'<<8 | 4:
		v = convert(data, 4, func(b []byte) float32 { return math.Float32frombits(order.Uint32(b)) })
	case 'f'<<8 | 8:
		v = convert(data, 8, func(b []byte) float64 { return math.Float64frombits(order.Uint64(b)) })
	case 'c'<<8 | 8:
		v = convert(data, 8, func(b []byte) complex64 {
			return complex(math.Float32frombits(order.Uint32(b)), math.Float32frombits(order.Uint32(b[4:])))
		})
	case 'c'<<8 | 16:
		v = convert(data, 16, func(b []byte) complex128 {
			return complex(math.Float64frombits(order.Uint64(b)), math.Float64frombits(order.Uint64(b[8:])))
		})
	default: // 'S' and 'U'
		v = convert(data, t.Size, func(b []byte) string { return numpyString(t, b[:t.Size]) })
	}
	if len(shape) == 0 {
		v = first(v)
	}
	return v, shape, size, nil
}

// numpyString decodes one numpy S or U element: bytes, or UTF-32 text,
// without the NULs that pad it.
func numpyString(t spead.NumpyType, b []byte) string {
	if t.Kind == 'S' {
		return string(bytes.TrimRight(b, "\x00"))
	}
	var order binary.ByteOrder = binary.LittleEndian
	if t.BigEndian {
		order = binary.BigEndian
	}
	var s []byte
	end := 0 // the length of s up to the last character that is not NUL
	for ; len(b) >= 4; b = b[4:] {
		r := rune(order.Uint32(b))
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		s = utf8.AppendRune(s, r)
		if r != 0 {
			end = len(s)
		}
	}
	return string(s[:end])
}

// convert decodes every size bytes of data as one element.
func convert[T any](data []byte, size int, dec func([]byte) T) []T {
	out := make([]T, len(data)/size)
	for i := range out {
		out[i] = dec(data[i*size:])
	}
	return out
}

// first returns the only element of a scalar's one-element slice.
func first(v any) any {
	switch s := v.(type) {
	case []int8:
		return s[0]
	case []uint8:
		return s[0]
	case []bool:
		return s[0]
	case []int16:
		return s[0]
	case []uint16:
		return s[0]
	case []int32:
		return s[0]
	case []uint32:
		return s[0]
	case []int64:
		return s[0]
	case []uint64:
		return s[0]
	case []float32:
		return s[0]
	case []float64:
		return s[0]
	case []complex64:
		return s[0]
	case []complex128:
		return s[0]
	case []string:
		return s[0]
	}
	return v
}
