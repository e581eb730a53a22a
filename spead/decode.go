package spead

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Errors that [ParsePacket] wraps, one per reason a packet is rejected, so
// that a receiver can count them apart.
var (
	ErrShort         = errors.New("packet too short")
	ErrMagic         = errors.New("bad magic number")
	ErrVersion       = errors.New("unsupported version")
	ErrFlavour       = errors.New("unsupported item pointer width")
	ErrPointers      = errors.New("more item pointers than the packet holds")
	ErrMissingHeader = errors.New("heap counter or payload offset or length missing")
	ErrPayloadLength = errors.New("payload length disagrees with the packet size")
	ErrOffset        = errors.New("payload offset past the heap length")
)

// Packet is a decoded SPEAD packet. Its slices point into the bytes it was
// parsed from.
type Packet struct {
	// Flavour is the packet's SPEAD flavour, from its header.
	Flavour Flavour
	// HeapCnt is the counter of the heap the packet belongs to.
	HeapCnt uint64
	// HeapLength is the heap's total payload length, or -1 when the
	// packet does not say.
	HeapLength int64
	// PayloadOffset is where the packet's payload lies in the heap's.
	PayloadOffset int64
	// PayloadLength is the number of payload bytes the packet carries.
	PayloadLength int64
	// Pointers holds all the packet's item pointers, the four that
	// describe the packet itself included, still encoded (big-endian).
	Pointers []byte
	// Payload is the packet's share of the heap's payload.
	Payload []byte
}

// ParsePacket decodes one packet. It checks everything that can be checked
// from the packet alone and never reads outside b. Bytes after the payload
// are ignored, as they are in a descriptor's value; a receiver of
// datagrams should drop a packet that does not fill its datagram.
func ParsePacket(b []byte) (Packet, error) {
	p := Packet{HeapLength: -1}
	if len(b) < HeaderSize {
		return p, fmt.Errorf("%w: %d bytes", ErrShort, len(b))
	}
	be := binary.BigEndian
	hdr := be.Uint64(b)
	if b[0] != Magic {
		return p, fmt.Errorf("%w %#02x", ErrMagic, b[0])
	}
	if b[1] != Version {
		return p, fmt.Errorf("%w %d", ErrVersion, b[1])
	}
	idBytes, addrBytes := int(b[2]), int(b[3])
	if idBytes+addrBytes != 8 || addrBytes < 1 || addrBytes > 7 {
		return p, fmt.Errorf("%w: %d+%d bytes", ErrFlavour, idBytes, addrBytes)
	}
	f := Flavour{heapAddressBits: 8 * addrBytes}
	p.Flavour = f
	n := int(hdr & 0xffff)
	if (len(b)-HeaderSize)/8 < n {
		return p, fmt.Errorf("%w: %d pointers in %d bytes", ErrPointers, n, len(b))
	}
	end := HeaderSize + 8*n
	var haveCnt, haveOff, haveLen bool
	for i := HeaderSize; i < end; i += 8 {
		ip := be.Uint64(b[i:])
		if ip>>63 == 0 {
			continue
		}
		v := ip & f.MaxValue()
		switch (ip >> f.heapAddressBits) & f.MaxID() {
		case HeapCntID:
			p.HeapCnt, haveCnt = v, true
		case HeapLengthID:
			p.HeapLength = int64(v)
		case PayloadOffsetID:
			p.PayloadOffset, haveOff = int64(v), true
		case PayloadLengthID:
			p.PayloadLength, haveLen = int64(v), true
		}
	}
	if !haveCnt || !haveOff || !haveLen {
		return p, ErrMissingHeader
	}
	p.Pointers = b[HeaderSize:end]
	if int64(len(b)-end) < p.PayloadLength {
		return p, fmt.Errorf("%w: %d bytes claimed, %d present", ErrPayloadLength, p.PayloadLength, len(b)-end)
	}
	if p.HeapLength >= 0 && p.PayloadOffset+p.PayloadLength > p.HeapLength {
		return p, fmt.Errorf("%w: %d+%d > %d", ErrOffset, p.PayloadOffset, p.PayloadLength, p.HeapLength)
	}
	p.Payload = b[end : end+int(p.PayloadLength)]
	return p, nil
}

// isPacketPointer reports whether the pointer with this ID and immediate
// flag describes the packet rather than an item of the heap.
func isPacketPointer(id uint64, immediate bool) bool {
	return immediate && id >= HeapCntID && id <= PayloadLengthID
}

// RawItem is an item of a received heap, before any descriptor gives it a
// type.
type RawItem struct {
	ID uint64
	// Immediate items carry their value in Value; addressed items carry
	// their bytes in Data, which points into the heap's payload.
	Immediate bool
	Value     uint64
	Data      []byte
}

// Items returns the items of a heap that fits in this one packet (a
// descriptor, or any one-packet heap), appended to dst.
func (p *Packet) Items(dst []RawItem) []RawItem {
	items, err := DecodeItems(p.Flavour, p.Pointers, p.Payload, dst)
	if err != nil {
		return dst
	}
	return items
}

// DecodeItems turns the item pointers of a whole heap (8 bytes each,
// big-endian, in the order they arrived; the pointers that describe
// packets are skipped) and its complete payload into items, appended to
// dst. As in spead2, an addressed item runs from its address to the next
// address in the heap, or to the end of the payload; NULL items are
// padding and are skipped. An address past the payload is an error, and
// dst is then returned as it was.
func DecodeItems(f Flavour, pointers, payload []byte, dst []RawItem) ([]RawItem, error) {
	be := binary.BigEndian
	n := len(pointers) / 8
	// Sort the addressed pointers (NULL included, as it ends the item
	// before it) by address, keeping pointer order among equal addresses:
	// an earlier pointer at the same address is a zero-length item.
	type span struct {
		addr  uint64
		index int
	}
	var spanBuf [16]span
	spans := spanBuf[:0]
	for i := 0; i < n; i++ {
		ip := be.Uint64(pointers[8*i:])
		if ip>>63 == 0 {
			spans = append(spans, span{ip & f.MaxValue(), i})
		}
	}
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(a.addr, b.addr) })
	for k, s := range spans {
		if s.addr > uint64(len(payload)) {
			return dst, fmt.Errorf("item pointer %d: address %d past the %d-byte payload", s.index, s.addr, len(payload))
		}
		end := uint64(len(payload))
		if k+1 < len(spans) {
			end = spans[k+1].addr
		}
		// From here on the address field holds the item's end.
		spans[k].addr = end
	}
	// Back to pointer order, to walk alongside the pointers.
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.index, b.index) })
	next := 0
	for i := 0; i < n; i++ {
		ip := be.Uint64(pointers[8*i:])
		isImm := ip>>63 == 1
		id := (ip >> f.heapAddressBits) & f.MaxID()
		if id == NullID || isPacketPointer(id, isImm) {
			continue
		}
		v := ip & f.MaxValue()
		if isImm {
			dst = append(dst, RawItem{ID: id, Immediate: true, Value: v})
			continue
		}
		for spans[next].index != i {
			next++
		}
		dst = append(dst, RawItem{ID: id, Data: payload[v:spans[next].addr]})
	}
	return dst, nil
}
