package recv

// Stats counts what a receiver has seen. The names of the first four
// fields are spead2's and mean the same; the rest are this package's.
//
// Every packet handed to a receiver before the end of the stream is
// counted exactly once: in Packets if it was accepted into a heap, in
// BadPackets if it was dropped. Packets after the end of the stream are
// ignored and not counted. (spead2's packets also counts packets it
// decodes and then rejects; here those are bad packets.)
type Stats struct {
	// Heaps counts heaps handed out, complete or not; as in spead2 it
	// excludes the heap that carried the end-of-stream item, and
	// includes start-of-stream heaps and heaps of descriptors alone.
	Heaps uint64
	// IncompleteHeapsEvicted counts incomplete heaps handed out to make
	// room for a new heap.
	IncompleteHeapsEvicted uint64
	// IncompleteHeapsFlushed counts incomplete heaps handed out when the
	// stream stopped.
	IncompleteHeapsFlushed uint64
	// Packets counts packets accepted into a heap, the end-of-stream
	// heap's included.
	Packets uint64
	// Bytes counts the bytes of accepted packets: SPEAD header, item
	// pointers and payload.
	Bytes uint64
	// LargestPacket is the size in bytes of the largest accepted packet.
	LargestPacket uint64
	// BadPackets counts dropped packets by reason.
	BadPackets [NumReasons]uint64
}

// TotalBadPackets returns the number of dropped packets, whatever the
// reason.
func (s Stats) TotalBadPackets() uint64 {
	var n uint64
	for _, v := range s.BadPackets {
		n += v
	}
	return n
}

// Stat is one named statistic.
type Stat struct {
	Name  string
	Value uint64
}

// List returns the statistics in a fixed order, with spead2's names where
// they exist: heaps, incomplete_heaps_evicted, incomplete_heaps_flushed,
// packets, bytes, largest_packet, bad_packets (the total), then
// bad_packets.REASON for every reason with a non-zero count.
func (s Stats) List() []Stat {
	l := []Stat{
		{"heaps", s.Heaps},
		{"incomplete_heaps_evicted", s.IncompleteHeapsEvicted},
		{"incomplete_heaps_flushed", s.IncompleteHeapsFlushed},
		{"packets", s.Packets},
		{"bytes", s.Bytes},
		{"largest_packet", s.LargestPacket},
		{"bad_packets", s.TotalBadPackets()},
	}
	for r, v := range s.BadPackets {
		if v != 0 {
			l = append(l, Stat{"bad_packets." + Reason(r).String(), v})
		}
	}
	return l
}
