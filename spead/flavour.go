package spead

import "fmt"

// ItemPointerBits is the width of an item pointer. Only SPEAD-64 flavours
// exist in practice, and this package supports no other.
const ItemPointerBits = 64

// Flavour is a SPEAD-64-N flavour: N bits of every item pointer hold a heap
// address or an immediate value and the remaining 63-N bits hold the item
// ID. The zero Flavour is not valid; use [DefaultFlavour] or [NewFlavour].
type Flavour struct {
	heapAddressBits int
}

// DefaultFlavour is SPEAD-64-40, spead2's default.
var DefaultFlavour = Flavour{heapAddressBits: 40}

// NewFlavour returns the flavour SPEAD-64-bits. The number of heap address
// bits must be a multiple of 8 from 8 to 56.
func NewFlavour(heapAddressBits int) (Flavour, error) {
	if heapAddressBits < 8 || heapAddressBits > 56 || heapAddressBits%8 != 0 {
		return Flavour{}, fmt.Errorf("heap address bits: %d is not a multiple of 8 from 8 to 56", heapAddressBits)
	}
	return Flavour{heapAddressBits: heapAddressBits}, nil
}

// HeapAddressBits returns N in SPEAD-64-N.
func (f Flavour) HeapAddressBits() int { return f.heapAddressBits }

// ImmediateSize returns how many bytes an immediate value holds: N/8.
func (f Flavour) ImmediateSize() int { return f.heapAddressBits / 8 }

// MaxID returns the largest item ID the flavour can carry.
func (f Flavour) MaxID() uint64 { return 1<<(ItemPointerBits-1-f.heapAddressBits) - 1 }

// MaxValue returns the largest immediate value or heap address the flavour
// can carry.
func (f Flavour) MaxValue() uint64 { return 1<<f.heapAddressBits - 1 }

// Valid reports whether f is one of the flavours [NewFlavour] accepts.
func (f Flavour) Valid() bool {
	return f.heapAddressBits >= 8 && f.heapAddressBits <= 56 && f.heapAddressBits%8 == 0
}

// String returns the flavour's name, such as "SPEAD-64-40".
func (f Flavour) String() string {
	return fmt.Sprintf("SPEAD-%d-%d", ItemPointerBits, f.heapAddressBits)
}

// header returns the first 6 bytes of every packet of this flavour, as a
// big-endian uint64 with the item count still zero.
func (f Flavour) header() uint64 {
	n := uint64(f.ImmediateSize())
	return Magic<<56 | Version<<48 | (8-n)<<40 | n<<32
}

// Immediate encodes an immediate item pointer. Like Address, it keeps
// only the bits the flavour has room for: the low bits of id up to
// MaxID, and of value up to MaxValue; check them first where they may be
// too large.
func (f Flavour) Immediate(id, value uint64) uint64 {
	return 1<<63 | (id&f.MaxID())<<f.heapAddressBits | value&f.MaxValue()
}

// Address encodes an addressed item pointer: the item's bytes start at
// addr in the heap's payload. See Immediate for what it does with values
// too large for the flavour.
func (f Flavour) Address(id, addr uint64) uint64 {
	return (id&f.MaxID())<<f.heapAddressBits | addr&f.MaxValue()
}
