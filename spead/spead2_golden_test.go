package spead

// This test holds our sender to what spead2's own C++ sender puts on the
// wire, byte for byte.
//
// How the golden files in testdata/spead2 were made: spead2 at commit
// 4b0677e23407052a96c1948ceb23675bd736405c (version 4.4.1) was built with
// meson and ninja, optional features (ibverbs, mlx5, pcap, libcap, CUDA,
// unit tests, Python bindings) turned off. Its tutorial example
// examples/tutorial/tut_6_send_pktsize.cpp, the tutorial's sender with a
// packet-size flag, was run twice against 127.0.0.1:
//
//	tut_6_send_pktsize -n 3 -p 1472 127.0.0.1 PORT   -> tut6_1472.txt
//	tut_6_send_pktsize -n 3 -p 9000 127.0.0.1 PORT   -> tut6_9000.txt
//
// A throwaway UDP listener with a large receive buffer kept every datagram
// in arrival order; every heap was checked to be complete, with contiguous
// payload offsets, so nothing was lost. (tut_5_send_pipeline -n 3, whose
// packet size is spead2's default of 1472, sent exactly the same bytes as
// the 1472-byte run.) A small program then wrote each datagram's length
// and SHA-256 to the golden file, followed by the full hex of the first
// datagram, which is the first packet of heap 1 and carries both
// descriptors, and of the last, the end-of-stream packet. Neither spead2
// nor those tools are part of this repository.
//
// The stream: heaps with counters 1 to 3, each holding the immediate item
// 0x1600 (timestamp, i*1048576 for the heap at index i) and the addressed
// item 0x3300 (adc_samples, 1048576 bytes all equal to int8(i)); the first
// heap also holds the descriptors of both items; then an end-of-stream
// heap with counter 4.
//
// Golden file format, one record per line, # starting a comment:
//
//	max-packet-size N   the packet size given to the sender
//	heaps N             the number of data heaps
//	packets N           the number of datagrams
//	packet I LEN SHA    datagram I (from 0): its length and SHA-256 in hex
//	hex NAME LEN        a datagram's bytes, in hex on the lines that follow

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// spead2Golden is the content of one golden file.
type spead2Golden struct {
	maxPacketSize int
	heaps         int
	packets       []spead2GoldenPacket
	hex           map[string][]byte
}

// spead2GoldenPacket is what a golden file records of one datagram.
type spead2GoldenPacket struct {
	length int
	sum    [sha256.Size]byte
}

// readSpead2Golden parses a golden file, checking that it is consistent:
// packets numbered in order, as many as announced, and hex dumps of the
// announced length.
func readSpead2Golden(t *testing.T, path string) *spead2Golden {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g := &spead2Golden{hex: make(map[string][]byte)}
	nPackets := -1
	var hexName string
	var hexLen int
	var hexText strings.Builder
	endHex := func() {
		if hexName == "" {
			return
		}
		b, err := hex.DecodeString(hexText.String())
		if err != nil || len(b) != hexLen {
			t.Fatalf("%s: hex %s: %d bytes (error %v), want %d", path, hexName, len(b), err, hexLen)
		}
		g.hex[hexName] = b
		hexName = ""
		hexText.Reset()
	}
	atoi := func(line int, s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		return n
	}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		switch {
		case fields[0] == "max-packet-size" && len(fields) == 2:
			endHex()
			g.maxPacketSize = atoi(line, fields[1])
		case fields[0] == "heaps" && len(fields) == 2:
			endHex()
			g.heaps = atoi(line, fields[1])
		case fields[0] == "packets" && len(fields) == 2:
			endHex()
			nPackets = atoi(line, fields[1])
		case fields[0] == "packet" && len(fields) == 4:
			endHex()
			if i := atoi(line, fields[1]); i != len(g.packets) {
				t.Fatalf("%s:%d: packet %d out of order, want %d", path, line, i, len(g.packets))
			}
			p := spead2GoldenPacket{length: atoi(line, fields[2])}
			if n, err := hex.Decode(p.sum[:], []byte(fields[3])); err != nil || n != sha256.Size {
				t.Fatalf("%s:%d: bad SHA-256 %q", path, line, fields[3])
			}
			g.packets = append(g.packets, p)
		case fields[0] == "hex" && len(fields) == 3:
			endHex()
			hexName, hexLen = fields[1], atoi(line, fields[2])
		case hexName != "" && len(fields) == 1:
			hexText.WriteString(fields[0])
		default:
			t.Fatalf("%s:%d: cannot parse %q", path, line, text)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	endHex()
	if nPackets != len(g.packets) || g.maxPacketSize == 0 || g.heaps == 0 {
		t.Fatalf("%s: %d packets listed, header says %d (max packet size %d, %d heaps)",
			path, len(g.packets), nPackets, g.maxPacketSize, g.heaps)
	}
	return g
}

// spead2TutorialHeap builds the heap at index i of spead2's tutorial
// sender, whose heap counter is i+1: the timestamp and a MiB of samples
// equal to int8(i), with both descriptors in the first heap.
func spead2TutorialHeap(t *testing.T, i int) *Heap {
	t.Helper()
	const heapSize = 1 << 20
	h := &Heap{}
	if i == 0 {
		ts := Descriptor{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample",
			Format: []FormatField{{'u', 40}}}
		adc := Descriptor{ID: 0x3300, Name: "adc_samples", Description: "ADC converter output",
			DType: NumpyHeader{Descr: "i1", Shape: []int64{heapSize}}.String()}
		// spead2's tutorial spells the header out itself.
		const want = "{'shape': (1048576,), 'fortran_order': False, 'descr': 'i1'}"
		if adc.DType != want {
			t.Fatalf("numpy header %q, spead2's tutorial sends %q", adc.DType, want)
		}
		for _, d := range []*Descriptor{&ts, &adc} {
			if err := h.AddDescriptor(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.AddImmediate(0x1600, uint64(i*heapSize))
	h.AddItem(0x3300, bytes.Repeat([]byte{byte(int8(i))}, heapSize))
	return h
}

// describePacket names a packet of ours by its heap counter and payload
// offset, for failure messages.
func describePacket(p []byte) string {
	pkt, err := ParsePacket(p)
	if err != nil {
		return fmt.Sprintf("unparsable: %v", err)
	}
	return fmt.Sprintf("heap %d, payload offset %d", pkt.HeapCnt, pkt.PayloadOffset)
}

// firstDifference describes the first byte at which got and want differ.
func firstDifference(got, want []byte) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			lo := i &^ 7
			return fmt.Sprintf("byte %d: ours %#02x, spead2 %#02x (8-byte word at %d: ours % x, spead2 % x)",
				i, got[i], want[i], lo, got[lo:min(lo+8, len(got))], want[lo:min(lo+8, len(want))])
		}
	}
	return fmt.Sprintf("ours is %d bytes, spead2's %d", len(got), len(want))
}

// TestSpead2Golden checks that AppendPackets produces exactly the datagrams
// spead2's tutorial sender produced, for every golden file.
func TestSpead2Golden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "spead2", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no golden files in testdata/spead2")
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			g := readSpead2Golden(t, path)
			var ours [][]byte
			for i := range g.heaps {
				var err error
				if ours, err = AppendPackets(ours, spead2TutorialHeap(t, i), uint64(i+1), g.maxPacketSize); err != nil {
					t.Fatalf("heap %d: %v", i+1, err)
				}
			}
			firstOfEnd := len(ours)
			ours, err := AppendPackets(ours, EndOfStream(DefaultFlavour), uint64(g.heaps+1), g.maxPacketSize)
			if err != nil {
				t.Fatalf("end of stream: %v", err)
			}
			if len(ours) != len(g.packets) {
				t.Errorf("%d packets, spead2 sent %d", len(ours), len(g.packets))
			}
			bad := 0
			for i := range min(len(ours), len(g.packets)) {
				p, want := ours[i], g.packets[i]
				if len(p) == want.length && sha256.Sum256(p) == want.sum {
					continue
				}
				if bad++; bad <= 5 {
					t.Errorf("packet %d (%s): %d bytes with SHA-256 %x, spead2 sent %d bytes with SHA-256 %x",
						i, describePacket(p), len(p), sha256.Sum256(p), want.length, want.sum)
				}
			}
			if bad > 5 {
				t.Errorf("%d packets differ in all", bad)
			}

			// The hex dumps show where a difference lies, and they must
			// agree with the hashes of the same datagrams.
			dumps := []struct {
				name  string
				index int
			}{
				{"first-packet-of-heap-1", 0},
				{"end-of-stream", firstOfEnd},
			}
			for _, d := range dumps {
				want, ok := g.hex[d.name]
				if !ok {
					t.Errorf("no hex %s", d.name)
					continue
				}
				if d.index >= len(g.packets) || sha256.Sum256(want) != g.packets[d.index].sum {
					t.Errorf("hex %s does not match the hash of packet %d", d.name, d.index)
				}
				if d.index >= len(ours) {
					continue
				}
				if got := ours[d.index]; !bytes.Equal(got, want) {
					t.Errorf("%s (packet %d): %s", d.name, d.index, firstDifference(got, want))
				}
			}
			if firstOfEnd != len(ours)-1 {
				t.Errorf("end-of-stream heap is %d packets, want 1", len(ours)-firstOfEnd)
			}
			if eos := ours[firstOfEnd]; len(eos) < 48 || binary.BigEndian.Uint64(eos[40:]) != DefaultFlavour.Immediate(StreamCtrlID, CtrlStreamStop) {
				t.Errorf("last packet carries no stream stop: % x", eos)
			}
		})
	}
}
