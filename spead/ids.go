package spead

// The first two bytes of every SPEAD packet.
const (
	Magic   = 0x53 // the magic number that starts every packet
	Version = 4    // the protocol version this package speaks
)

// Item IDs that the protocol itself reserves.
const (
	NullID          = 0x00 // padding; its address marks where padding starts
	HeapCntID       = 0x01 // the heap counter, which names a heap within a stream
	HeapLengthID    = 0x02 // the heap's total payload length in bytes
	PayloadOffsetID = 0x03 // where this packet's payload sits in the heap
	PayloadLengthID = 0x04 // how many payload bytes this packet carries
	DescriptorID    = 0x05 // a descriptor, whose value is a heap of its own
	StreamCtrlID    = 0x06 // stream control; see the Ctrl constants

	DescriptorNameID        = 0x10 // inside a descriptor: the item's name
	DescriptorDescriptionID = 0x11 // inside a descriptor: its description
	DescriptorShapeID       = 0x12 // inside a descriptor: its shape
	DescriptorFormatID      = 0x13 // inside a descriptor: its SPEAD format list
	DescriptorIDID          = 0x14 // inside a descriptor: the ID it describes
	DescriptorDTypeID       = 0x15 // inside a descriptor: its numpy header
)

// Values of the stream control item.
const (
	CtrlStreamStart       = 0 // the stream begins
	CtrlDescriptorReissue = 1 // descriptors are being sent again
	CtrlStreamStop        = 2 // the stream ends
	CtrlDescriptorUpdate  = 3 // descriptors have changed
)

// HeaderSize is the size of the fixed header of every packet, and of every
// item pointer.
const HeaderSize = 8

// packetPrefixPointers is how many item pointers start every packet:
// heap counter, heap length, payload offset and payload length.
const packetPrefixPointers = 4

// prefixSize is the size of the header and the four pointers that start
// every packet.
const prefixSize = HeaderSize + packetPrefixPointers*8

// MinPacketSize is the smallest max packet size a sender can use: the
// header, the four pointers every packet carries, one more pointer and
// eight bytes of payload, as in spead2.
const MinPacketSize = prefixSize + 2*8

// MaxUDPPayload is the largest payload a UDP datagram over IPv4 can carry:
// 65535 bytes less 20 of IP header and 8 of UDP header.
const MaxUDPPayload = 65507
