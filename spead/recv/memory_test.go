package recv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"testing"
	"time"
)

// memBound is the documented bound on a receiver's payload memory, W
// being the most payload that has arrived for one heap.
func memBound(cfg *Config, w int64) int64 {
	return int64(3*cfg.MaxHeaps+2) * min(cfg.MaxHeapLength, 2*w)
}

// slack is what the Go heap may hold beyond the payload bound in these
// tests: the bookkeeping of a few heaps and the runtime's own.
const slack = 2 << 20

// heapInUse returns the bytes of live Go heap objects after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// floodPackets returns n one-packet heaps from counter first on, each
// carrying 21 bytes of payload (61-byte packets) and claiming a heap of
// claim bytes; every other one puts its bytes at the end of the claimed
// heap rather than at its start.
func floodPackets(first uint64, n int, claim int64) [][]byte {
	pkts := make([][]byte, n)
	payload := make([]byte, 21)
	for i := range pkts {
		off := int64(0)
		if i%2 == 1 {
			off = claim - int64(len(payload))
		}
		pkts[i] = rawPacket(f40, first+uint64(i), claim, off, nil, payload)
	}
	return pkts
}

// mixPackets returns a hostile mix of packets with heap counters from
// first on: heaps whole and in order, heaps with packets lost, heaps
// shuffled, packets repeated, heaps interleaved so that some are
// evicted, heaps of unknown length with far offsets, and one-packet heaps
// that claim the longest length allowed. heapLen is the size of the
// whole heaps.
func mixPackets(t testing.TB, rng *rand.Rand, first uint64, heapLen int, maxLen int64) [][]byte {
	var out [][]byte
	cnt := first
	heap := func(i int) [][]byte {
		cnt++
		return packets(t, tutorialHeap(t, f40, i, heapLen), cnt, 1472)
	}
	for round := range 3 {
		// Whole, in order.
		out = append(out, heap(round)...)
		// Packets lost.
		for _, p := range heap(1) {
			if rng.IntN(4) != 0 {
				out = append(out, p)
			}
		}
		// Shuffled, with repeats.
		ps := heap(2)
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		for _, p := range ps {
			out = append(out, p)
			if rng.IntN(8) == 0 {
				out = append(out, p)
			}
		}
		// Reversed.
		ps = heap(3)
		for i := len(ps) - 1; i >= 0; i-- {
			out = append(out, ps[i])
		}
		// Six heaps interleaved, each missing its last packet.
		var lists [][][]byte
		for range 6 {
			ps := heap(4)
			lists = append(lists, ps[:len(ps)-1])
		}
		for len(lists) > 0 {
			k := rng.IntN(len(lists))
			out = append(out, lists[k][0])
			if lists[k] = lists[k][1:]; len(lists[k]) == 0 {
				lists = append(lists[:k], lists[k+1:]...)
			}
		}
		// Unknown length, bytes far apart.
		cnt++
		for k := range 8 {
			off := rng.Int64N(maxLen - 1000)
			if k == 0 {
				off = 0
			}
			out = append(out, rawPacket(f40, cnt, -1, off, nil, make([]byte, 1+rng.IntN(900))))
		}
		// One-packet heaps claiming the most.
		out = append(out, floodPackets(cnt+1, 50, maxLen)...)
		cnt += 50
	}
	return out
}

// memoryCase is one packet sequence of the memory tests.
type memoryCase struct {
	name   string
	maxLen int64
	pkts   func(t testing.TB) [][]byte
}

func memoryCases() []memoryCase {
	var cases []memoryCase
	for _, maxLen := range []int64{DefaultMaxHeapLength, 1 << 20} {
		cases = append(cases,
			memoryCase{fmt.Sprintf("flood/max=%d", maxLen), maxLen, func(testing.TB) [][]byte {
				return floodPackets(1, 2000, maxLen)
			}},
			memoryCase{fmt.Sprintf("mix/max=%d", maxLen), maxLen, func(t testing.TB) [][]byte {
				return mixPackets(t, rand.New(rand.NewPCG(1, 2)), 1, 200_000, maxLen)
			}},
		)
	}
	return cases
}

// TestReassemblerMemoryBound replays floods and mixes through a
// Reassembler and checks its accounted payload memory after every packet,
// and the Go heap after collections, against the documented bound. The
// heaps handed out are released, as tut recv does, so that the pool is
// in play; and in a second pass dropped.
func TestReassemblerMemoryBound(t *testing.T) {
	for _, tc := range memoryCases() {
		for _, release := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/release=%v", tc.name, release), func(t *testing.T) {
				pkts := tc.pkts(t)
				r := newReassembler(t, func(c *Config) { c.MaxHeapLength = tc.maxLen })
				base := heapInUse()
				var heaps []*Heap
				for i, p := range pkts {
					heaps, _ = r.AddPacket(heaps[:0], p)
					bound := memBound(&r.cfg, r.most)
					held := r.held()
					for _, h := range heaps {
						held += int64(cap(h.Payload))
						if release {
							h.Release()
						}
					}
					if held > bound {
						t.Fatalf("packet %d: %d bytes held, bound %d (W = %d)", i, held, bound, r.most)
					}
					if i%500 == 0 || i == len(pkts)-1 {
						if grew := heapInUse() - base; grew > bound+slack {
							t.Fatalf("packet %d: Go heap grew %d bytes, bound %d + %d (W = %d)", i, grew, bound, slack, r.most)
						}
					}
				}
				clear(heaps)
				runtime.KeepAlive(pkts)
			})
		}
	}
}

// TestStreamMemoryBound sends the floods and mixes to a Stream on
// loopback, all at once so that every read fills a batch, and checks
// the Stream's payload memory (its reassembler's and the heaps it has
// not returned) at every heap, and the Go heap after collections, against
// the documented bound.
func TestStreamMemoryBound(t *testing.T) {
	for _, tc := range memoryCases() {
		for _, batch := range []int{1, 64} {
			t.Run(fmt.Sprintf("%s/batch=%d", tc.name, batch), func(t *testing.T) {
				pkts := tc.pkts(t)
				s := newStream(t, func(c *Config) {
					c.MaxHeapLength = tc.maxLen
					c.BatchSize = batch
					c.IdleTimeout = 200 * time.Millisecond
				})
				c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				base := heapInUse()
				sent := 0
				for _, p := range pkts {
					if _, err := c.Write(p); err == nil {
						sent++
					}
				}
				ctx := context.Background()
				n := 0
				for {
					h, err := s.Next(ctx)
					if errors.Is(err, ErrIdle) {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					s.mu.Lock()
					bound := memBound(&s.cfg, s.r.most)
					held := s.r.held() + int64(cap(h.Payload))
					for _, o := range s.ready[s.head:] {
						held += int64(cap(o.Payload))
					}
					s.mu.Unlock()
					if held > bound {
						t.Fatalf("heap %d: %d bytes held, bound %d", n, held, bound)
					}
					if n%250 == 0 {
						if grew := heapInUse() - base; grew > bound+slack {
							t.Fatalf("heap %d: Go heap grew %d bytes, bound %d + %d", n, grew, bound, slack)
						}
					}
					h.Release()
					n++
				}
				st := s.Stats()
				if grew := heapInUse() - base; grew > memBound(&s.cfg, s.r.most)+slack {
					t.Fatalf("at the end: Go heap grew %d bytes, bound %d + %d", grew, memBound(&s.cfg, s.r.most), slack)
				}
				t.Logf("%d packets sent, %d received, %d dropped; %d heaps; W = %d", sent, st.Packets, st.TotalBadPackets(), n, s.r.most)
				if st.Packets < uint64(len(pkts))/2 {
					t.Fatalf("only %d of %d packets arrived", st.Packets, len(pkts))
				}
				runtime.KeepAlive(pkts)
			})
		}
	}
}

// TestFloodWorkPerPacket checks that one-packet heaps claiming 64 MiB
// cost work per packet, not per byte claimed: the bytes allocated per
// packet are about those of a valid one-packet heap, whether or not the
// heaps handed out are released.
func TestFloodWorkPerPacket(t *testing.T) {
	valid := make([][]byte, 1000)
	for i := range valid {
		valid[i] = rawPacket(f40, uint64(i+1), 21, 0, nil, make([]byte, 21))
	}
	flood := floodPackets(1, 1000, DefaultMaxHeapLength)
	perPacket := func(pkts [][]byte, release bool) (bytes, allocs float64) {
		r := newReassembler(t, nil)
		var heaps []*Heap
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, p := range pkts {
			heaps, _ = r.AddPacket(heaps[:0], p)
			if release {
				for _, h := range heaps {
					h.Release()
				}
			}
		}
		runtime.ReadMemStats(&after)
		n := float64(len(pkts))
		return float64(after.TotalAlloc-before.TotalAlloc) / n, float64(after.Mallocs-before.Mallocs) / n
	}
	for _, release := range []bool{true, false} {
		vb, va := perPacket(valid, release)
		fb, fa := perPacket(flood, release)
		t.Logf("release=%v: valid %.0f bytes, %.1f allocations per packet; flood %.0f bytes, %.1f allocations", release, vb, va, fb, fa)
		if fb > 2*vb+256 || fa > 2*va+2 {
			t.Errorf("release=%v: a flood packet costs %.0f bytes in %.1f allocations, a valid one %.0f in %.1f", release, fb, fa, vb, va)
		}
	}
}

// TestStreamHandsOutHeapByHeap checks that a Stream hands the packets of
// a batch to its reassembler only as heaps are taken: with the whole
// flood in one batch, no more than one heap waits in ready.
func TestStreamHandsOutHeapByHeap(t *testing.T) {
	s := newStream(t, func(c *Config) { c.IdleTimeout = 200 * time.Millisecond })
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range floodPackets(1, 200, 1<<20) {
		c.Write(p)
	}
	for {
		h, err := s.Next(context.Background())
		if errors.Is(err, ErrIdle) || err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if waiting := len(s.ready) - s.head; waiting > 0 {
			t.Fatalf("heap %d: %d more heaps wait in ready", h.Cnt, waiting)
		}
	}
	if s.Stats().Packets == 0 {
		t.Fatal("nothing arrived")
	}
}

// TestSidePiecesMerge checks that a heap sent backwards in tiny packets
// keeps its index of out-of-order pieces bounded, and still completes.
func TestSidePiecesMerge(t *testing.T) {
	const n = 3 * maxPieces
	r := newReassembler(t, nil)
	var pkts [][]byte
	for off := n - 1; off >= 0; off-- {
		pkts = append(pkts, rawPacket(f40, 1, n, int64(off), nil, []byte{byte(off)}))
	}
	for i, p := range pkts[:len(pkts)-1] {
		if _, err := r.AddPacket(nil, p); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if h := r.live[0]; len(h.pieces) > maxPieces {
			t.Fatalf("packet %d: %d pieces", i, len(h.pieces))
		}
	}
	heaps, err := r.AddPacket(nil, pkts[len(pkts)-1])
	if err != nil || len(heaps) != 1 || !heaps[0].Complete() {
		t.Fatalf("%v, %v", heaps, err)
	}
	for i, b := range heaps[0].Payload {
		if b != byte(i) {
			t.Fatalf("payload byte %d is %d", i, b)
		}
	}
}
