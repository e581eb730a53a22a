package recv

import (
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// hostileCases are named malformed or inconsistent packet sequences: the
// last packet of each must be dropped for the reason given, and every
// packet before it accepted.
var hostileCases = []struct {
	name   string
	edit   func(*Config)
	pkts   func() [][]byte
	reason Reason
}{
	{name: "empty", reason: ReasonShort, pkts: func() [][]byte { return [][]byte{{}} }},
	{name: "short", reason: ReasonShort, pkts: func() [][]byte { return [][]byte{{0x53, 4, 3, 5}} }},
	{name: "magic", reason: ReasonMagic, pkts: func() [][]byte {
		p := good(1)
		p[0] = 0x54
		return [][]byte{p}
	}},
	{name: "version", reason: ReasonVersion, pkts: func() [][]byte {
		p := good(1)
		p[1] = 3
		return [][]byte{p}
	}},
	{name: "pointer widths 4+5", reason: ReasonFlavour, pkts: func() [][]byte {
		p := good(1)
		p[2] = 4
		return [][]byte{p}
	}},
	{name: "pointer widths 0+8", reason: ReasonFlavour, pkts: func() [][]byte {
		p := good(1)
		p[2], p[3] = 0, 8
		return [][]byte{p}
	}},
	{name: "more pointers than the packet holds", reason: ReasonPointers, pkts: func() [][]byte {
		p := good(1)
		binary.BigEndian.PutUint16(p[6:], 0xffff)
		return [][]byte{p}
	}},
	{name: "no heap counter", reason: ReasonMissingHeader, pkts: func() [][]byte {
		p := good(1)
		binary.BigEndian.PutUint64(p[8:], f40.Immediate(0x99, 1))
		return [][]byte{p}
	}},
	{name: "payload past the packet", reason: ReasonPayloadLength, pkts: func() [][]byte {
		p := good(1)
		return [][]byte{p[:len(p)-1]}
	}},
	{name: "bytes after the payload", reason: ReasonPayloadLength, pkts: func() [][]byte {
		return [][]byte{append(good(1), 1, 2, 3, 4, 5)}
	}},
	{name: "offset past the heap", reason: ReasonOffset, pkts: func() [][]byte {
		return [][]byte{rawPacket(f40, 1, 8, 4, nil, make([]byte, 8))}
	}},
	{name: "offset past a length given earlier", reason: ReasonOffset, pkts: func() [][]byte {
		return [][]byte{
			rawPacket(f40, 1, 16, 0, nil, make([]byte, 8)),
			rawPacket(f40, 1, -1, 12, nil, make([]byte, 8)),
		}
	}},
	{name: "huge heap length", reason: ReasonHeapTooLong, pkts: func() [][]byte {
		return [][]byte{rawPacket(f40, 1, 1<<39, 0, nil, make([]byte, 8))}
	}},
	{name: "huge offset in an unsized heap", reason: ReasonHeapTooLong, pkts: func() [][]byte {
		return [][]byte{rawPacket(f40, 1, -1, 1<<39, nil, make([]byte, 8))}
	}},
	{name: "huge item address in an unsized heap", reason: ReasonHeapTooLong, pkts: func() [][]byte {
		return [][]byte{rawPacket(f40, 1, -1, 0, []uint64{f40.Address(0x1000, 1<<39)}, make([]byte, 8))}
	}},
	{name: "heap length over a small limit", reason: ReasonHeapTooLong,
		edit: func(c *Config) { c.MaxHeapLength = 1000 },
		pkts: func() [][]byte { return [][]byte{rawPacket(f40, 1, 1001, 0, nil, make([]byte, 8))} }},
	{name: "conflicting heap lengths", reason: ReasonLengthConflict, pkts: func() [][]byte {
		return [][]byte{
			rawPacket(f40, 1, 16, 0, nil, make([]byte, 8)),
			rawPacket(f40, 1, 24, 8, nil, make([]byte, 8)),
		}
	}},
	{name: "heap length below what arrived", reason: ReasonLengthConflict, pkts: func() [][]byte {
		return [][]byte{
			rawPacket(f40, 1, -1, 16, nil, make([]byte, 8)),
			rawPacket(f40, 1, 8, 0, nil, make([]byte, 8)),
		}
	}},
	{name: "flavour changes within a heap", reason: ReasonFlavourConflict, pkts: func() [][]byte {
		f48, _ := spead.NewFlavour(48)
		return [][]byte{
			rawPacket(f40, 1, 16, 0, nil, make([]byte, 8)),
			rawPacket(f48, 1, 16, 8, nil, make([]byte, 8)),
		}
	}},
	{name: "item address past the heap", reason: ReasonAddress, pkts: func() [][]byte {
		return [][]byte{rawPacket(f40, 1, 16, 0, []uint64{f40.Address(0x1000, 17)}, make([]byte, 8))}
	}},
	{name: "duplicate packet", reason: ReasonDuplicate, pkts: func() [][]byte {
		p := rawPacket(f40, 1, 16, 0, nil, make([]byte, 8))
		return [][]byte{p, p}
	}},
	{name: "overlapping packet", reason: ReasonDuplicate, pkts: func() [][]byte {
		return [][]byte{
			rawPacket(f40, 1, 16, 0, nil, make([]byte, 8)),
			rawPacket(f40, 1, 16, 4, nil, make([]byte, 8)),
		}
	}},
	{name: "overlapping the next piece", reason: ReasonDuplicate, pkts: func() [][]byte {
		return [][]byte{
			rawPacket(f40, 1, 24, 8, nil, make([]byte, 8)),
			rawPacket(f40, 1, 24, 4, nil, make([]byte, 8)),
		}
	}},
	{name: "too many item pointers", reason: ReasonTooManyPointers,
		edit: func(c *Config) { c.MaxPointers = 3 },
		pkts: func() [][]byte {
			ptrs := []uint64{f40.Immediate(0x1000, 1), f40.Immediate(0x1001, 1), f40.Immediate(0x1002, 1), f40.Immediate(0x1003, 1)}
			return [][]byte{rawPacket(f40, 1, 16, 0, ptrs, make([]byte, 8))}
		}},
	{name: "payload in too many pieces", reason: ReasonFragmented, pkts: func() [][]byte {
		var pkts [][]byte
		for i := range maxFragments + 1 {
			pkts = append(pkts, rawPacket(f40, 1, 3*(maxFragments+1), int64(3*i), nil, []byte{1}))
		}
		return pkts
	}},
}

var f40 = spead.DefaultFlavour

// good returns a valid one-packet heap with counter cnt.
func good(cnt uint64) []byte {
	return rawPacket(f40, cnt, 8, 0, []uint64{f40.Immediate(0x1000, cnt)}, []byte("abcdefgh"))
}

func TestHostilePackets(t *testing.T) {
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			r := newReassembler(t, tc.edit)
			pkts := tc.pkts()
			for i, p := range pkts {
				_, err := r.AddPacket(nil, p)
				if i < len(pkts)-1 {
					if err != nil {
						t.Fatalf("packet %d: %v", i, err)
					}
					continue
				}
				var pe *PacketError
				if !errors.As(err, &pe) || pe.Reason != tc.reason {
					t.Fatalf("last packet: error %v, want reason %v", err, tc.reason)
				}
			}
			st := r.Stats()
			if st.BadPackets[tc.reason] != 1 || st.TotalBadPackets() != 1 {
				t.Errorf("bad packets %v, want one %v", st.BadPackets, tc.reason)
			}
			// The next valid heap still arrives.
			heaps, err := r.AddPacket(nil, good(1000))
			if err != nil || len(heaps) != 1 || !heaps[0].Complete() || string(heaps[0].Payload) != "abcdefgh" {
				t.Fatalf("next heap: %v, %v", heaps, err)
			}
		})
	}
}

func TestParseErrorsWrapSentinels(t *testing.T) {
	r := newReassembler(t, nil)
	p := good(1)
	p[0] = 0
	_, err := r.AddPacket(nil, p)
	if !errors.Is(err, spead.ErrMagic) {
		t.Errorf("error %v does not wrap spead.ErrMagic", err)
	}
}

// TestHugeClaimsAllocateNothing checks that packets claiming heaps over
// the limit allocate nothing of the size they claim.
func TestHugeClaimsAllocateNothing(t *testing.T) {
	r := newReassembler(t, nil)
	pkts := [][]byte{
		rawPacket(f40, 1, 1<<39, 0, nil, make([]byte, 8)),
		rawPacket(f40, 2, -1, 1<<39, nil, make([]byte, 8)),
		rawPacket(f40, 3, -1, 0, []uint64{f40.Address(0x1000, 1<<39)}, make([]byte, 8)),
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		for _, p := range pkts {
			r.AddPacket(nil, p)
		}
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("300 hostile packets allocated %d bytes", grew)
	}
	if st := r.Stats(); st.BadPackets[ReasonHeapTooLong] != 300 {
		t.Errorf("stats %+v", st)
	}
}
