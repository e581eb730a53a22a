// Package spead encodes and decodes SPEAD, the Streaming Protocol for
// Exchanging Astronomical Data, as spead2 puts it on the wire.
//
// A SPEAD stream carries heaps. A heap is a set of items, each named by a
// numeric ID; small items travel inside their item pointer (immediate
// items), larger ones are bytes in the heap's payload that the pointer
// addresses. Descriptors, themselves small heaps, tell a receiver the name,
// type and shape of an item. A heap is cut into packets no larger than a
// configured size; every packet repeats the heap counter, the heap length
// and its own offset and length within the payload.
//
// This package holds the wire format only, with no sockets in sight: the
// [Flavour], [Heap] and [Descriptor] types, the [PacketGenerator] that
// splits a heap into packets byte for byte as spead2's sender does (in
// all but one corner, where spead2 corrupts a heap; see PacketGenerator), a
// [ParsePacket] decoder, and an [ItemGroup] in the manner of spead2's
// Python item groups. Package send moves packets over UDP; package recv
// receives and reassembles them.
package spead
