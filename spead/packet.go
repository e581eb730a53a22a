package spead

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// PacketGenerator cuts one heap into packets exactly as spead2's sender
// does: every packet starts with the header and the heap counter, heap
// length, payload offset and payload length pointers; the heap's own item
// pointers follow in the first packets (in every packet with
// RepeatPointers); the payload is the addressed items' bytes in order. A
// heap with too little payload to give every packet some gets a NULL item
// pointer and zero padding.
//
// In one corner the bytes differ from spead2 4.4.1's, which there
// contradicts its own layout: when one packet carries both the last bytes
// of real payload and padding (a heap whose pointers need several
// packets, with only a few bytes of payload), spead2 writes the zeros
// before the real bytes, so that a receiver puts zeros where the last
// item's last bytes belong; this generator writes them after, at the
// payload offsets the item pointers give. TestSpead2ItemGroupGolden
// checks both layouts against spead2's own packets.
//
// A PacketGenerator writes headers into memory the caller provides and
// hands out the payload as slices of the items' own memory, so it copies
// no payload and, once reused with [PacketGenerator.Reset], allocates
// nothing.
type PacketGenerator struct {
	h             *Heap
	f             Flavour
	cnt           uint64
	maxPacketSize int
	maxPointers   int
	payloadSize   int64
	needNull      bool

	payloadOffset  int64
	nextPointer    int
	nextAddress    int64
	nextItem       int
	nextItemOffset int
}

// ErrNoPacket is returned by [PacketGenerator.Next] when the generator has
// no packet to give.
var ErrNoPacket = errors.New("no packet left to generate")

// ErrPacketSize is wrapped by the errors that report a max packet size too
// small for a heap.
var ErrPacketSize = errors.New("packet size is too small")

// NewPacketGenerator returns a generator for the packets of h with heap
// counter cnt, each at most maxPacketSize bytes (SPEAD header, pointers
// and payload; not IP or UDP). As in spead2, the size is first rounded down
// to a multiple of 8.
func NewPacketGenerator(h *Heap, cnt uint64, maxPacketSize int) (*PacketGenerator, error) {
	g := new(PacketGenerator)
	if err := g.Reset(h, cnt, maxPacketSize); err != nil {
		return nil, err
	}
	return g, nil
}

// Reset makes g generate the packets of h, as [NewPacketGenerator] does.
func (g *PacketGenerator) Reset(h *Heap, cnt uint64, maxPacketSize int) error {
	*g = PacketGenerator{}
	if h == nil {
		return errors.New("nil heap")
	}
	if err := h.validate(); err != nil {
		return err
	}
	f := h.flavour()
	maxPacketSize &^= 7
	if maxPacketSize < MinPacketSize {
		return fmt.Errorf("%w: %d bytes cannot hold the %d-byte prefix, a pointer and payload (minimum %d)",
			ErrPacketSize, maxPacketSize, prefixSize, MinPacketSize)
	}
	if cnt > f.MaxValue() {
		return fmt.Errorf("heap counter %d does not fit in %d bits", cnt, f.heapAddressBits)
	}
	g.h, g.f, g.cnt, g.maxPacketSize = h, f, cnt, maxPacketSize
	g.maxPointers = (maxPacketSize - (prefixSize + 8)) / 8

	imm := f.ImmediateSize()
	for i := range h.Items {
		if it := &h.Items[i]; !it.inPointer(imm) {
			g.payloadSize += int64(len(it.Data))
		}
	}
	// Packets needed for the item pointers, plus one in case a NULL
	// pointer must mark where padding starts.
	itemPackets := len(h.Items)/g.maxPointers + 1
	if h.RepeatPointers && itemPackets > 1 {
		return fmt.Errorf("%w to repeat %d item pointers in every packet", ErrPacketSize, len(h.Items))
	}
	// Every packet must carry some payload so that a receiver can order
	// packets and notice lost ones; all but the last carry a multiple of 8.
	if minPayload := int64(itemPackets-1)*8 + 1; g.payloadSize < minPayload {
		g.payloadSize = minPayload
		g.needNull = true
	}
	if uint64(g.payloadSize) > f.MaxValue() {
		return fmt.Errorf("heap payload of %d bytes does not fit in %d address bits", g.payloadSize, f.heapAddressBits)
	}
	return nil
}

// HeapLength returns the heap's payload length, padding included: the
// value of its HEAP_LENGTH pointer.
func (g *PacketGenerator) HeapLength() int64 { return g.payloadSize }

// MaxPacketSize returns the packet size limit in force, rounded down to a
// multiple of 8.
func (g *PacketGenerator) MaxPacketSize() int { return g.maxPacketSize }

// MaxHeaderSize returns how large the scratch buffer given to
// [PacketGenerator.Next] must be.
func (g *PacketGenerator) MaxHeaderSize() int {
	if g.h == nil {
		// No heap yet, or Reset failed: the four packet pointers.
		return prefixSize + 8
	}
	n := min(g.maxPointers, len(g.h.Items)+1)
	return prefixSize + 8*n + 8
}

// More reports whether packets remain.
func (g *PacketGenerator) More() bool { return g.payloadOffset < g.payloadSize }

// Next generates the next packet. It writes the header and item pointers
// (and any padding) into scratch, which must hold at least MaxHeaderSize
// bytes, and appends the packet's pieces to bufs: first that prefix of
// scratch, then slices of the items' memory. It returns the extended bufs
// and the packet's size in bytes. It returns ErrNoPacket, and bufs as it
// was, when More reports false: before a successful Reset, after a failed
// one, or once the heap's packets are all out.
func (g *PacketGenerator) Next(scratch []byte, bufs [][]byte) ([][]byte, int, error) {
	if !g.More() {
		return bufs, 0, ErrNoPacket
	}
	if len(scratch) < g.MaxHeaderSize() {
		return bufs, 0, fmt.Errorf("packet header scratch of %d bytes, %d needed", len(scratch), g.MaxHeaderSize())
	}
	h, f := g.h, g.f
	imm := f.ImmediateSize()
	if h.RepeatPointers {
		g.nextPointer = 0
		g.nextAddress = 0
	}
	nNull := 0
	if g.needNull {
		nNull = 1
	}
	nPointers := min(g.maxPointers, len(h.Items)+nNull-g.nextPointer)
	length := min(g.payloadSize-g.payloadOffset, int64(g.maxPacketSize-nPointers*8-prefixSize))

	be := binary.BigEndian
	be.PutUint64(scratch[0:], f.header()|uint64(nPointers+packetPrefixPointers))
	be.PutUint64(scratch[8:], f.Immediate(HeapCntID, g.cnt))
	be.PutUint64(scratch[16:], f.Immediate(HeapLengthID, uint64(g.payloadSize)))
	be.PutUint64(scratch[24:], f.Immediate(PayloadOffsetID, uint64(g.payloadOffset)))
	be.PutUint64(scratch[32:], f.Immediate(PayloadLengthID, uint64(length)))
	g.payloadOffset += length
	p := prefixSize
	for range nPointers {
		var ip uint64
		if g.nextPointer == len(h.Items) {
			ip = f.Address(NullID, uint64(g.nextAddress))
		} else {
			it := &h.Items[g.nextPointer]
			switch {
			case it.Immediate:
				ip = f.Immediate(it.ID, it.Value)
			case it.AllowImmediate && len(it.Data) <= imm:
				// Small data travels right-aligned in the pointer.
				var v uint64
				for _, b := range it.Data {
					v = v<<8 | uint64(b)
				}
				ip = f.Immediate(it.ID, v)
			default:
				ip = f.Address(it.ID, uint64(g.nextAddress))
				g.nextAddress += int64(len(it.Data))
			}
		}
		be.PutUint64(scratch[p:], ip)
		p += 8
		g.nextPointer++
	}
	first := len(bufs)
	bufs = append(bufs, scratch[:p])
	size := p + int(length)
	for length > 0 {
		if g.nextItem == len(h.Items) {
			// Padding comes after all real payload, at most 8 bytes
			// of it in a packet. Alone, it extends the header's
			// buffer; after real payload it is a slice of zeros.
			if len(bufs) == first+1 {
				clear(scratch[p : p+int(length)])
				bufs[first] = scratch[:p+int(length)]
			} else {
				for length > 0 {
					n := min(length, int64(len(zeros)))
					bufs = append(bufs, zeros[:n])
					length -= n
				}
			}
			break
		}
		it := &h.Items[g.nextItem]
		if it.inPointer(imm) {
			g.nextItem++
			g.nextItemOffset = 0
			continue
		}
		n := min(len(it.Data)-g.nextItemOffset, int(length))
		bufs = append(bufs, it.Data[g.nextItemOffset:g.nextItemOffset+n])
		g.nextItemOffset += n
		if g.nextItemOffset == len(it.Data) {
			g.nextItem++
			g.nextItemOffset = 0
		}
		length -= int64(n)
	}
	return bufs, size, nil
}

// zeros is the padding that follows real payload in a packet.
var zeros [8]byte

// AppendPackets appends every packet of h, each copied into one
// contiguous slice, to dst. It is the simple way to see a heap's packets;
// senders use a [PacketGenerator] to avoid the copies.
func AppendPackets(dst [][]byte, h *Heap, cnt uint64, maxPacketSize int) ([][]byte, error) {
	var g PacketGenerator
	if err := g.Reset(h, cnt, maxPacketSize); err != nil {
		return dst, err
	}
	scratch := make([]byte, g.MaxHeaderSize())
	var bufs [][]byte
	for g.More() {
		var size int
		var err error
		if bufs, size, err = g.Next(scratch, bufs[:0]); err != nil {
			return dst, err
		}
		pkt := make([]byte, 0, size)
		for _, b := range bufs {
			pkt = append(pkt, b...)
		}
		dst = append(dst, pkt)
	}
	return dst, nil
}
