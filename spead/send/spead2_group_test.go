package send

// This test holds groups of heaps to what spead2's own C++ sender puts on
// the wire for async_send_heaps, byte for byte and in the same order.
//
// How the golden files in testdata/spead2-groups were made: spead2 at
// commit 4b0677e23407052a96c1948ceb23675bd736405c (version 4.4.1), built
// with meson and ninja as described in spead/spead2_golden_test.go, was
// linked into a throwaway C++ program (not part of this repository). With
// a spead2::send::udp_stream to 127.0.0.1 (max packet size 1024, max
// heaps 8, rate 0) it sent, waiting for each send to finish:
//
//   - with async_send_heap, heap 1: 1500 bytes, seed 1;
//   - with async_send_heaps, in the group mode under test, heaps 2 to 5
//     of 3000, 100, 0 and 2500 bytes, seeds 2 to 5;
//   - with async_send_heap, heap 6: 700 bytes, seed 6;
//   - with async_send_heaps, in the same mode, heaps 7 and 8 of 2000 and
//     4000 bytes, seeds 7 and 8;
//   - the end of the stream, heap 9.
//
// Each data heap holds the immediate item 0x1600 equal to its seed and,
// unless it has 0 bytes, the addressed item 0x3300 whose byte j is
// byte(j*7) XOR seed, added with allow_immediate false; the first heap of
// each group also holds, before them, the descriptor of 0x1600
// "timestamp", "Index of the first sample", format u40. The program ran
// once per mode (group_mode::SERIAL, group_mode::ROUND_ROBIN) against a
// throwaway UDP listener that wrote every datagram in hex, one a line, in
// arrival order; every heap arrived whole.
//
// Golden file format: lines starting with # are comments; then
// "max-packet-size N", "mode serial|round-robin", "packets N", and one
// datagram a line, in hex.

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// spead2GroupGolden is the content of one golden file.
type spead2GroupGolden struct {
	maxPacketSize int
	mode          GroupMode
	packets       [][]byte
}

// readSpead2GroupGolden parses a golden file and checks it announces as
// many packets as it holds.
func readSpead2GroupGolden(t *testing.T, path string) *spead2GroupGolden {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g := &spead2GroupGolden{mode: -1}
	n := -1
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		fields := strings.Fields(text)
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
		case len(fields) == 2 && fields[0] == "max-packet-size":
			g.maxPacketSize, err = strconv.Atoi(fields[1])
		case len(fields) == 2 && fields[0] == "packets":
			n, err = strconv.Atoi(fields[1])
		case len(fields) == 2 && fields[0] == "mode" && fields[1] == "serial":
			g.mode = Serial
		case len(fields) == 2 && fields[0] == "mode" && fields[1] == "round-robin":
			g.mode = RoundRobin
		case len(fields) == 1:
			var p []byte
			p, err = hex.DecodeString(text)
			g.packets = append(g.packets, p)
		default:
			err = fmt.Errorf("cannot parse %q", text)
		}
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(g.packets) || g.maxPacketSize == 0 || g.mode < 0 {
		t.Fatalf("%s: %d packets, header says %d (max packet size %d, mode %v)", path, len(g.packets), n, g.maxPacketSize, g.mode)
	}
	return g
}

// spead2GroupHeap builds a data heap of the golden stream: the immediate
// 0x1600 = seed and, if size > 0, size bytes of 0x3300; with desc, the
// timestamp's descriptor first.
func spead2GroupHeap(t *testing.T, size int, seed byte, desc bool) *spead.Heap {
	t.Helper()
	h := spead.NewHeap(spead.DefaultFlavour)
	if desc {
		d := spead.Descriptor{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample",
			Format: []spead.FormatField{{Type: 'u', Bits: 40}}}
		if err := h.AddDescriptor(&d); err != nil {
			t.Fatal(err)
		}
	}
	h.AddImmediate(0x1600, uint64(seed))
	if size > 0 {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(j*7) ^ seed
		}
		h.AddItem(0x3300, data)
	}
	return h
}

// TestSpead2GroupGolden sends the golden stream through a UDP stream of
// every writer kind and checks that a loopback receiver gets exactly the
// datagrams spead2 sent, in the same order.
func TestSpead2GroupGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "spead2-groups", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("%d golden files in testdata/spead2-groups, want one per mode", len(paths))
	}
	for _, path := range paths {
		g := readSpead2GroupGolden(t, path)
		for _, k := range kinds {
			t.Run(g.mode.String()+"/"+k.name, func(t *testing.T) {
				conn, ep := listen(t)
				cfg := DefaultConfig()
				cfg.MaxPacketSize = g.maxPacketSize
				cfg.MaxHeaps = 8
				s := newTestStream(t, []netip.AddrPort{ep}, cfg, k.kind)
				ctx := context.Background()
				group := func(sizes []int, seeds []byte) {
					heaps := make([]*spead.Heap, len(sizes))
					for i := range heaps {
						heaps[i] = spead2GroupHeap(t, sizes[i], seeds[i], i == 0)
					}
					if _, err := s.SendHeaps(ctx, heaps, g.mode); err != nil {
						t.Fatal(err)
					}
				}
				single := func(h *spead.Heap) {
					if _, err := s.SendHeap(ctx, h); err != nil {
						t.Fatal(err)
					}
				}
				single(spead2GroupHeap(t, 1500, 1, false))
				group([]int{3000, 100, 0, 2500}, []byte{2, 3, 4, 5})
				single(spead2GroupHeap(t, 700, 6, false))
				group([]int{2000, 4000}, []byte{7, 8})
				single(spead.EndOfStream(spead.DefaultFlavour))

				got := readPackets(t, conn, len(g.packets))
				for i, want := range g.packets {
					if string(got[i]) != string(want) {
						t.Fatalf("packet %d (%s): ours\n%x\nspead2's\n%x", i, describe(got[i]), got[i], want)
					}
				}
			})
		}
	}
}

// describe names a packet by its heap counter and payload offset.
func describe(p []byte) string {
	pkt, err := spead.ParsePacket(p)
	if err != nil {
		return fmt.Sprintf("unparsable: %v", err)
	}
	return fmt.Sprintf("heap %d, payload offset %d", pkt.HeapCnt, pkt.PayloadOffset)
}
