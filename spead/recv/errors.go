package recv

import (
	"errors"
	"fmt"

	"github.com/gospead/tutorial/spead"
)

// Reason says why a packet was dropped. [Stats] counts dropped packets by
// reason.
type Reason uint8

// The reasons a packet is dropped. The first group are packets that are
// malformed on their own (see [spead.ParsePacket]); the second are packets
// that disagree with the heap they belong to; the last are limits of the
// receiver.
const (
	ReasonShort         Reason = iota // shorter than a SPEAD header
	ReasonMagic                       // first byte is not 0x53
	ReasonVersion                     // not SPEAD version 4
	ReasonFlavour                     // item pointer widths that are not SPEAD-64-N
	ReasonPointers                    // more item pointers than the packet holds
	ReasonMissingHeader               // no heap counter, payload offset or length
	ReasonPayloadLength               // payload runs past the end of the packet
	ReasonOffset                      // payload runs past the heap's length

	ReasonLengthConflict  // heap length differs from earlier packets, or is too small for them
	ReasonFlavourConflict // flavour differs from earlier packets of the heap
	ReasonAddress         // an item address lies past the heap's length
	ReasonDuplicate       // payload already received, in part or in full

	ReasonHeapTooLong     // heap longer than Config.MaxHeapLength
	ReasonTooManyPointers // heap would carry more than Config.MaxPointers item pointers
	ReasonFragmented      // heap's payload in too many separate pieces
	ReasonTruncated       // datagram longer than Config.MaxPacketSize

	// NumReasons is the number of reasons: the length of
	// [Stats.BadPackets].
	NumReasons
)

var reasonNames = [NumReasons]string{
	ReasonShort:           "short",
	ReasonMagic:           "magic",
	ReasonVersion:         "version",
	ReasonFlavour:         "flavour",
	ReasonPointers:        "pointers",
	ReasonMissingHeader:   "missing_header",
	ReasonPayloadLength:   "payload_length",
	ReasonOffset:          "offset",
	ReasonLengthConflict:  "length_conflict",
	ReasonFlavourConflict: "flavour_conflict",
	ReasonAddress:         "address",
	ReasonDuplicate:       "duplicate",
	ReasonHeapTooLong:     "heap_too_long",
	ReasonTooManyPointers: "too_many_pointers",
	ReasonFragmented:      "fragmented",
	ReasonTruncated:       "truncated",
}

// String returns the reason's name in statistics, such as "duplicate".
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// PacketError reports a dropped packet: why, and the details.
type PacketError struct {
	Reason Reason
	// HeapCnt is the heap counter the packet claimed, if it got far
	// enough to claim one.
	HeapCnt uint64
	Err     error
}

// Error returns the reason and details, such as
// "recv: packet dropped (duplicate): heap 3: payload 0 to 1432 already received".
func (e *PacketError) Error() string {
	return fmt.Sprintf("recv: packet dropped (%s): %v", e.Reason, e.Err)
}

// Unwrap returns the underlying error, which for malformed packets wraps
// one of the spead package's sentinel errors such as [spead.ErrMagic].
func (e *PacketError) Unwrap() error { return e.Err }

// Errors of the receiver other than dropped packets.
var (
	// ErrStopped is returned for packets that arrive after the stream
	// ended, by end of stream or by Stop.
	ErrStopped = errors.New("recv: stream stopped")
	// ErrIdle is returned by [Stream.Next] when no packet arrived within
	// Config.IdleTimeout.
	ErrIdle = errors.New("recv: no packets within the idle timeout")
)

// parseReasons maps the spead package's sentinel errors to reasons.
var parseReasons = [...]struct {
	err    error
	reason Reason
}{
	{spead.ErrShort, ReasonShort},
	{spead.ErrMagic, ReasonMagic},
	{spead.ErrVersion, ReasonVersion},
	{spead.ErrFlavour, ReasonFlavour},
	{spead.ErrPointers, ReasonPointers},
	{spead.ErrMissingHeader, ReasonMissingHeader},
	{spead.ErrPayloadLength, ReasonPayloadLength},
	{spead.ErrOffset, ReasonOffset},
}

// parseReason returns the reason for an error of [spead.ParsePacket].
func parseReason(err error) Reason {
	for _, pr := range parseReasons {
		if errors.Is(err, pr.err) {
			return pr.reason
		}
	}
	return ReasonShort
}
