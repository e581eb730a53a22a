package spead

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// FormatField is one field of a SPEAD format list: a type code and a width
// in bits. Type codes are 'u' (unsigned), 'i' (signed), 'f' (IEEE float),
// 'b' (boolean), 'c' (character) and '0' (pointer-sized unsigned).
type FormatField struct {
	Type byte
	Bits int
}

// String returns the field as spead2's Python writes it, such as ('u', 40).
func (ff FormatField) String() string { return fmt.Sprintf("('%c', %d)", ff.Type, ff.Bits) }

// Descriptor tells a receiver what an item is: its name, description,
// shape and type. The type is either a SPEAD format list (Format) or a
// numpy header (DType, see [NumpyHeader]); a descriptor has one or the
// other.
type Descriptor struct {
	// ID is the ID of the item described.
	ID uint64
	// Name is the item's name, by which receivers such as spead2's
	// ItemGroup know it.
	Name string
	// Description says in words what the item is.
	Description string
	// Shape lists the dimensions; -1 marks a dimension of variable size.
	// An empty shape is a scalar. With a numpy header the shape is in
	// the header, which is what receivers go by; spead2's C++ tutorial
	// leaves Shape empty then, and its Python ItemGroup repeats it.
	Shape []int64
	// Format is the SPEAD format list.
	Format []FormatField
	// DType is the numpy header text, for example
	// "{'shape': (1048576,), 'fortran_order': False, 'descr': 'i1'}".
	DType string
}

// ErrDescriptor is wrapped by the errors of descriptors that cannot be
// encoded or decoded.
var ErrDescriptor = errors.New("bad descriptor")

// Validate reports whether d describes values that spead2's Python
// item groups accept and this module can encode and decode: exactly one
// of Format and DType; at most one variable dimension (-1), and none
// with a DType; a DType whose header parses, whose descr
// [ParseNumpyType] accepts, and whose shape Shape repeats if it is not
// empty; format fields 'u', 'i' or 'b' of 1 to 64 bits, 'f' of 32 or 64
// bits, 'c' of 8 bits. The ID, name and widths on the wire are
// [Descriptor.AppendEncode]'s to check.
func (d *Descriptor) Validate() error {
	_, err := d.layout()
	return err
}

// layout is what a descriptor says of its values, worked out once.
type layout struct {
	numpy    bool
	nt       NumpyType     // the element type, when numpy
	format   []FormatField // the format list, when not numpy
	shape    []int64       // the values' shape, -1 for a variable dimension
	fortran  bool          // numpy values in Fortran order
	elemBits int64         // bits an element takes
	known    int64         // the product of the fixed dimensions
	variable bool          // a dimension is variable
}

// maxShapeElements bounds the product of a shape's fixed dimensions.
const maxShapeElements = 1 << 48

// layout validates d (see Validate) and works out its layout.
func (d *Descriptor) layout() (layout, error) {
	var l layout
	switch {
	case d.DType != "" && len(d.Format) > 0:
		return l, fmt.Errorf("%w: item %#x has both a format and a dtype", ErrDescriptor, d.ID)
	case d.DType == "" && len(d.Format) == 0:
		return l, fmt.Errorf("%w: item %#x has neither a format nor a dtype", ErrDescriptor, d.ID)
	}
	l.shape = d.Shape
	if d.DType != "" {
		n, err := ParseNumpyHeader(d.DType)
		if err == nil {
			l.nt, err = ParseNumpyType(n.Descr)
		}
		if err != nil {
			return l, fmt.Errorf("%w: item %#x: %w", ErrDescriptor, d.ID, err)
		}
		if len(d.Shape) > 0 && !slices.Equal(d.Shape, n.Shape) {
			return l, fmt.Errorf("%w: item %#x: shape %v differs from its dtype's %v", ErrDescriptor, d.ID, d.Shape, n.Shape)
		}
		l.numpy, l.shape, l.fortran = true, n.Shape, n.FortranOrder
		l.elemBits = int64(l.nt.Size) * 8
	} else {
		l.format = d.Format
		for _, ff := range d.Format {
			ok := false
			switch ff.Type {
			case 'u', 'i', 'b':
				ok = ff.Bits >= 1 && ff.Bits <= 64
			case 'f':
				ok = ff.Bits == 32 || ff.Bits == 64
			case 'c':
				ok = ff.Bits == 8
			}
			if !ok {
				return l, fmt.Errorf("%w: item %#x: format field %v is not u, i or b of 1 to 64 bits, f of 32 or 64, or c of 8", ErrDescriptor, d.ID, ff)
			}
			l.elemBits += int64(ff.Bits)
		}
	}
	l.known = 1
	for _, dim := range l.shape {
		switch {
		case dim == -1 && l.numpy:
			return l, fmt.Errorf("%w: item %#x: a dtype's shape cannot have a variable dimension", ErrDescriptor, d.ID)
		case dim == -1 && l.variable:
			return l, fmt.Errorf("%w: item %#x: shape %v has more than one variable dimension", ErrDescriptor, d.ID, l.shape)
		case dim == -1:
			l.variable = true
		case dim < 0:
			return l, fmt.Errorf("%w: item %#x: shape %v has a negative dimension other than -1", ErrDescriptor, d.ID, l.shape)
		case dim > 0 && l.known > maxShapeElements/dim:
			return l, fmt.Errorf("%w: item %#x: shape %v has more than 2^48 elements", ErrDescriptor, d.ID, l.shape)
		default:
			l.known *= dim
		}
	}
	if l.known > (1<<62)/l.elemBits {
		return l, fmt.Errorf("%w: item %#x: shape %v of %d-bit elements is too large", ErrDescriptor, d.ID, l.shape, l.elemBits)
	}
	return l, nil
}

// size returns how many bytes a value of n elements takes.
func (l *layout) size(n int64) int64 { return (n*l.elemBits + 7) / 8 }

// descriptorWidths returns the sizes in bytes of one format field and one
// shape dimension in flavour f.
func descriptorWidths(f Flavour) (field, dim int) {
	return 9 - f.ImmediateSize(), 1 + f.ImmediateSize()
}

// AppendEncode appends d to dst in flavour f: a complete one-packet SPEAD
// heap, the value of a DESCRIPTOR item, laid out as spead2 lays it out.
func (d *Descriptor) AppendEncode(dst []byte, f Flavour) ([]byte, error) {
	if !f.Valid() {
		return dst, fmt.Errorf("%w: invalid flavour", ErrDescriptor)
	}
	if d.ID <= PayloadLengthID || d.ID > f.MaxID() {
		return dst, fmt.Errorf("%w: item ID %#x is outside %#x to %#x (IDs up to %#x are the packets' own)", ErrDescriptor, d.ID, PayloadLengthID+1, f.MaxID(), PayloadLengthID)
	}
	fieldSize, dimSize := descriptorWidths(f)
	for _, ff := range d.Format {
		if ff.Bits < 0 || uint64(ff.Bits) >= 1<<(8*(fieldSize-1)) {
			return dst, fmt.Errorf("%w: format field width %d does not fit in %d bytes", ErrDescriptor, ff.Bits, fieldSize-1)
		}
	}
	for _, dim := range d.Shape {
		if dim >= 0 && uint64(dim) > f.MaxValue() {
			return dst, fmt.Errorf("%w: shape dimension %d does not fit in %d bytes", ErrDescriptor, dim, dimSize-1)
		}
	}
	nItems := 9
	if d.DType != "" {
		nItems++
	}
	payload := len(d.Name) + len(d.Description) + len(d.Format)*fieldSize + len(d.Shape)*dimSize + len(d.DType)
	if uint64(payload) > f.MaxValue() {
		return dst, fmt.Errorf("%w: item %#x: name, description, format, shape and dtype take %d bytes, more than %s addresses (%d)", ErrDescriptor, d.ID, payload, f, f.MaxValue())
	}
	be := binary.BigEndian
	dst = be.AppendUint64(dst, f.header()|uint64(nItems))
	dst = be.AppendUint64(dst, f.Immediate(HeapCntID, 1))
	dst = be.AppendUint64(dst, f.Immediate(HeapLengthID, uint64(payload)))
	dst = be.AppendUint64(dst, f.Immediate(PayloadOffsetID, 0))
	dst = be.AppendUint64(dst, f.Immediate(PayloadLengthID, uint64(payload)))
	dst = be.AppendUint64(dst, f.Immediate(DescriptorIDID, d.ID))
	off := uint64(0)
	dst = be.AppendUint64(dst, f.Address(DescriptorNameID, off))
	off += uint64(len(d.Name))
	dst = be.AppendUint64(dst, f.Address(DescriptorDescriptionID, off))
	off += uint64(len(d.Description))
	dst = be.AppendUint64(dst, f.Address(DescriptorFormatID, off))
	off += uint64(len(d.Format) * fieldSize)
	dst = be.AppendUint64(dst, f.Address(DescriptorShapeID, off))
	off += uint64(len(d.Shape) * dimSize)
	if d.DType != "" {
		dst = be.AppendUint64(dst, f.Address(DescriptorDTypeID, off))
	}
	dst = append(dst, d.Name...)
	dst = append(dst, d.Description...)
	for _, ff := range d.Format {
		dst = append(dst, ff.Type)
		dst = appendUintN(dst, uint64(ff.Bits), fieldSize-1)
	}
	for _, dim := range d.Shape {
		if dim < 0 {
			dst = append(dst, 1)
			dst = appendUintN(dst, 0, dimSize-1)
		} else {
			dst = append(dst, 0)
			dst = appendUintN(dst, uint64(dim), dimSize-1)
		}
	}
	dst = append(dst, d.DType...)
	return dst, nil
}

// appendUintN appends the n low bytes of v, big-endian.
func appendUintN(dst []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// uintN reads a big-endian unsigned integer of len(b) bytes.
func uintN(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// DecodeDescriptor decodes the value of a DESCRIPTOR item: a one-packet
// SPEAD heap in any flavour. It accepts what spead2 and this package send
// and rejects, with an error, anything that does not parse.
func DecodeDescriptor(value []byte) (Descriptor, error) {
	var d Descriptor
	p, err := ParsePacket(value)
	if err != nil {
		return d, fmt.Errorf("%w: %w", ErrDescriptor, err)
	}
	if p.PayloadOffset != 0 || p.PayloadLength != p.HeapLength {
		return d, fmt.Errorf("%w: it spans more than one packet", ErrDescriptor)
	}
	f := p.Flavour
	fieldSize, dimSize := descriptorWidths(f)
	haveID := false
	for _, it := range p.Items(nil) {
		switch it.ID {
		case DescriptorIDID:
			if !it.Immediate {
				return d, fmt.Errorf("%w: its ID is not an immediate", ErrDescriptor)
			}
			d.ID, haveID = it.Value, true
		case DescriptorNameID:
			d.Name = string(it.Data)
		case DescriptorDescriptionID:
			d.Description = string(it.Data)
		case DescriptorDTypeID:
			d.DType = string(it.Data)
		case DescriptorFormatID:
			if len(it.Data)%fieldSize != 0 {
				return d, fmt.Errorf("%w: format of %d bytes is not a whole number of %d-byte fields", ErrDescriptor, len(it.Data), fieldSize)
			}
			d.Format = make([]FormatField, 0, len(it.Data)/fieldSize)
			for b := it.Data; len(b) > 0; b = b[fieldSize:] {
				d.Format = append(d.Format, FormatField{Type: b[0], Bits: int(uintN(b[1:fieldSize]))})
			}
		case DescriptorShapeID:
			if len(it.Data)%dimSize != 0 {
				return d, fmt.Errorf("%w: shape of %d bytes is not a whole number of %d-byte dimensions", ErrDescriptor, len(it.Data), dimSize)
			}
			d.Shape = make([]int64, 0, len(it.Data)/dimSize)
			for b := it.Data; len(b) > 0; b = b[dimSize:] {
				// Bit 0 marks a variable dimension; spead2's bug-compatible
				// mode uses bit 1, so accept either.
				if b[0]&3 != 0 {
					d.Shape = append(d.Shape, -1)
				} else {
					d.Shape = append(d.Shape, int64(uintN(b[1:dimSize])))
				}
			}
		}
	}
	if !haveID {
		return d, fmt.Errorf("%w: no item ID", ErrDescriptor)
	}
	return d, nil
}
