// Package recv receives SPEAD streams: it reassembles packets into heaps,
// decodes their items and descriptors, and turns items into typed values.
//
// The work is split as in spead2. A [Reassembler] takes packets one at a
// time, with no socket in sight, and hands back heaps as they complete or
// are evicted; tests and fuzzers drive it directly. A [Stream] reads
// packets from a UDP socket in batches (recvmmsg on Linux, with UDP GRO
// where the kernel offers it) and feeds them to a Reassembler. Heaps
// given back with [Heap.Release] lend their memory to later heaps, so a
// long stream allocates nothing per heap. A [Heap] gives its items as
// [spead.RawItem] values and its descriptors decoded; an [ItemGroup] keeps
// the descriptors seen so far and turns each heap's items into named
// values.
//
// The receiver is built for a hostile network: a packet that is malformed,
// inconsistent with its heap or a duplicate is counted in [Stats] under its
// [Reason] and dropped. Nothing a packet claims makes the receiver allocate
// more than its [Config] allows, and [DecodeValue] refuses, with
// [ErrValue], a value of a format list that would take more than 256 MiB
// decoded (a numpy value takes no more memory than its bytes).
package recv
