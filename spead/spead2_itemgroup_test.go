package spead

// This test holds the ItemGroup, and packets whose item pointers spread
// over several packets, to what spead2's own C++ sender puts on the wire.
//
// How the golden files testdata/spead2-itemgroup/*.txt were made: with
// the spead2 build described in spead2_golden_test.go, a throwaway C++
// program (not part of this repository) sent three heaps with
// spead2::send::udp_stream to a UDP listener on 127.0.0.1, once with a
// max packet size of 1472 and once of 64, and the listener wrote every
// datagram in hex, one a line, in arrival order:
//
//   - heap 1, built in the order spead2's Python ItemGroup
//     (HeapGenerator.add_to_heap) builds it, each descriptor then its
//     value: the descriptor of 0x1600 "timestamp" (format u40), the
//     immediate 2^39; the descriptor of 0x1601 "big" (u64), its 8 bytes
//     80 00 .. 00, not allowed as an immediate; the descriptor of 0x3300
//     "adc" (i8, shape (4,)), its 4 bytes ff 02 fd 04, allowed as an
//     immediate, as spead2's Python allow_immediate allows a fixed-size
//     item of whole bytes;
//   - heap 2, thirty addressed 3-byte items 0x2000+i holding i, i+1, i+2,
//     then the immediate 0x1600 = 12345: at 64 bytes a packet, the item
//     pointers spread over many packets;
//   - heap 3, the end of the stream.
//
// Every packet must match but one, at 64 bytes: the packet that carries
// the last two bytes of heap 2's payload and six bytes of padding. There
// spead2 4.4.1 writes the padding first, so that a receiver of its
// packets gets zeros in place of the last item's last two bytes; we
// write the padding after the payload, where the heap's layout puts it
// (see PacketGenerator). The test checks that this is the only
// difference, and that it is that one.

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestSpead2ItemGroupGolden(t *testing.T) {
	for _, size := range []int{1472, 64} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			want := readHexPackets(t, fmt.Sprintf("testdata/spead2-itemgroup/%d.txt", size))

			g := NewItemGroup(DefaultFlavour)
			for _, d := range []Descriptor{
				{ID: 0x1600, Name: "timestamp", Format: []FormatField{{'u', 40}}},
				{ID: 0x1601, Name: "big", Format: []FormatField{{'u', 64}}},
				{ID: 0x3300, Name: "adc", Format: []FormatField{{'i', 8}}, Shape: []int64{4}},
			} {
				if _, err := g.Add(d); err != nil {
					t.Fatal(err)
				}
			}
			for _, err := range []error{
				g.SetUint("timestamp", 1<<39),
				g.SetUint("big", 1<<63),
				g.SetInt8s("adc", []int8{-1, 2, -3, 4}),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			h1, err := g.Heap()
			if err != nil {
				t.Fatal(err)
			}
			var h2 Heap
			for i := range 30 {
				h2.AddItem(0x2000+uint64(i), []byte{byte(i), byte(i + 1), byte(i + 2)})
			}
			h2.AddImmediate(0x1600, 12345)

			var got [][]byte
			for cnt, h := range []*Heap{h1, &h2, EndOfStream(DefaultFlavour)} {
				if got, err = AppendPackets(got, h, uint64(cnt+1), size); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d packets, spead2 sent %d", len(got), len(want))
			}
			swapped := 0
			for i := range want {
				switch {
				case bytes.Equal(got[i], want[i]):
				case paddingFirst(got[i], want[i]):
					swapped++
				default:
					t.Errorf("packet %d differs:\n got %x\nwant %x", i, got[i], want[i])
				}
			}
			if wantSwapped := map[int]int{1472: 0, 64: 1}[size]; swapped != wantSwapped {
				t.Errorf("%d packets with spead2's padding first, want %d", swapped, wantSwapped)
			}
		})
	}
}

// readHexPackets reads a file of packets in hex, one a line, skipping
// comments (#) and the lines that name the packet size and count.
func readHexPackets(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pkts [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "max-packet-size ") || strings.HasPrefix(line, "packets ") {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pkts = append(pkts, b)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pkts
}

// paddingFirst reports whether spead2's packet differs from ours only in
// putting the padding before the last real bytes of payload rather than
// after them.
func paddingFirst(ours, spead2 []byte) bool {
	p, err := ParsePacket(ours)
	if err != nil || len(ours) != len(spead2) {
		return false
	}
	head := len(ours) - len(p.Payload)
	if !bytes.Equal(ours[:head], spead2[:head]) {
		return false
	}
	real := bytes.TrimRight(p.Payload, "\x00")
	pad := len(p.Payload) - len(real)
	return pad > 0 && len(real) > 0 &&
		bytes.Equal(spead2[head:head+pad], make([]byte, pad)) &&
		bytes.Equal(spead2[head+pad:], real)
}
