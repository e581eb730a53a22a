// Package recv receives SPEAD streams: it reassembles packets into heaps,
// decodes their items and descriptors, and turns items into typed values.
//
// The work is split as in spead2. A [Reassembler] takes packets one at a
// time, with no socket in sight, and hands back heaps as they complete or
// are evicted; tests and fuzzers drive it directly. A [Stream] reads
// packets from a UDP socket in batches (recvmmsg on Linux, with UDP GRO
// where the kernel offers it) and feeds them to a Reassembler; given a
// multicast group, it joins the group ([NewUDPStream]). Heaps
// given back with [Heap.Release] lend their memory to later heaps, so a
// long stream allocates nothing per heap. A [Heap] gives its items as
// [spead.RawItem] values and its descriptors decoded; an [ItemGroup] keeps
// the descriptors seen so far and turns each heap's items into named
// values.
//
// The receiver is built for a hostile network: a packet that is malformed,
// inconsistent with its heap or a duplicate is counted in [Stats] under its
// [Reason] and dropped, and [DecodeValue] refuses, with [ErrValue], a value
// of a format list that would take more than 256 MiB decoded (a numpy value
// takes no more memory than its bytes). An ItemGroup keeps at most
// MaxItems items holding MaxBytes between them (1024 and 128 MiB by
// default), and says which values it dropped.
//
// # Memory
//
// A receiver's memory follows the bytes that arrive, not the lengths that
// packets claim: a packet that claims a 64 MiB heap costs about its own
// size, and the time to copy it. The payload memory a receiver holds (its
// heaps under construction, the heaps a Stream has finished and not yet
// returned, and the buffers of released heaps kept for reuse) stays under
//
//	(3*MaxHeaps + 2) * min(MaxHeapLength, 2*W)
//
// bytes, whatever the packets and the batch size, where W is the most
// payload that has arrived for any one heap so far. With the defaults and
// the tutorial's 1 MiB heaps that is 28 MiB; at worst, 896 MiB. Heaps that
// Next has returned belong to the caller. On top of this come bookkeeping
// (per heap held: 8 bytes per item pointer, and at most 256 KiB of index
// for payload that arrived out of order) and the Stream's read buffers.
//
// The bound holds because a heap's payload buffer grows only while at
// least half of it holds bytes that arrived; packets far out of order wait
// in a side buffer as large as they are. A buffer of the claimed length is
// taken at once only from those kept for reuse, which a steady stream of
// heaps recycles, so that in-order payload is copied once and nothing is
// allocated per heap. An incomplete heap is handed out with the payload
// from offset 0 up to the first byte missing, and a Stream hands heaps out
// as they finish rather than a batch of them at once.
package recv
