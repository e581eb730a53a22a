package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/recv"
)

// hostile is text a sender controls, full of what a terminal acts on:
// an OSC title, a screen clear, CR, BEL, backspace, DEL, a C1 CSI both as
// UTF-8 and as a raw byte, and invalid UTF-8.
const hostile = "a\x1b]0;pwned\x07\x1b[2J\r\b\x7f\u009b31m\x9b\xff\xfe z"

// hostileHeap returns the packets of a heap whose descriptors and values
// are full of hostile text, with arrays of 2.8 million two-field records
// (700 KB, more than tut recv decodes) and of 8000 (2 KB), then the end
// of the stream.
func hostileHeap(t *testing.T) [][]byte {
	t.Helper()
	h := spead.NewHeap(spead.DefaultFlavour)
	for _, d := range []spead.Descriptor{
		{ID: 0x1000, Name: "text" + hostile, Description: hostile, Format: []spead.FormatField{{Type: 'c', Bits: 8}}, Shape: []int64{-1}},
		{ID: 0x1001, Name: "dtype" + hostile, Description: "d", DType: "{'shape': (4,), 'fortran_order': False, 'descr': '" + hostile + "'}"},
		{ID: 0x1002, Name: "records" + hostile, Description: "r", Format: []spead.FormatField{{Type: 'u', Bits: 1}, {Type: 'u', Bits: 1}}, Shape: []int64{-1}},
		{ID: 0x1004, Name: "few records", Description: "r", Format: []spead.FormatField{{Type: 'u', Bits: 1}, {Type: 'u', Bits: 1}}, Shape: []int64{-1}},
		{ID: 0x1003, Name: "bad format" + hostile, Description: "f", Format: []spead.FormatField{{Type: 0x1b, Bits: 8}}, Shape: []int64{}},
	} {
		if err := h.AddDescriptor(&d); err != nil {
			t.Fatal(err)
		}
	}
	h.AddItem(0x1000, []byte(hostile))
	h.AddItem(0x1001, []byte(hostile))
	h.AddItem(0x1002, make([]byte, 700_000))
	h.AddItem(0x1003, []byte{0x1b})
	h.AddItem(0x1004, make([]byte, 2000))
	pkts, err := spead.AppendPackets(nil, h, 1, 1472)
	if err != nil {
		t.Fatal(err)
	}
	return append(pkts, endOfStream(t, 2)...)
}

// unsafeByte returns the first control byte, C1 control or invalid UTF-8
// in s that is not a newline, and its offset, or -1.
func unsafeByte(s string) (int, rune) {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return i, rune(s[i])
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			return i, r
		}
	}
	return -1, 0
}

// TestRecvEscapesNetworkText checks that in every output mode no control
// byte from the network reaches stdout or stderr unescaped, and that
// arrays of records print as short lines.
func TestRecvEscapesNetworkText(t *testing.T) {
	pkts := hostileHeap(t)
	for _, args := range [][]string{
		nil,
		{"--descriptors"},
		{"--values"},
		{"--descriptors", "--values"},
		{"--verify", "constant"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := startRecv(t, args...)
			sendPackets(t, r.addr, pkts)
			r.wait()
			for name, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
				if i, c := unsafeByte(out); i >= 0 {
					t.Errorf("%s has %q unescaped at byte %d: %q", name, c, i, out[max(0, i-40):min(len(out), i+40)])
				}
				for _, line := range strings.Split(out, "\n") {
					if len(line) > 400 {
						t.Errorf("%s has a line of %d bytes: %.100q…", name, len(line), line)
					}
				}
			}
			if !strings.Contains(r.stdout, "Received heap 1") {
				t.Errorf("heap 1 not printed:\n%s%s", r.stdout, r.stderr)
			}
			if strings.Contains(strings.Join(args, " "), "values") && !strings.Contains(r.stdout, "(0, 0) (0, 0) (0, 0) … (0, 0) (0, 0) (0, 0)]") {
				t.Errorf("the records are not shown abbreviated:\n%s", r.stdout)
			}
		})
	}
}

// TestRecvHelpStatesBounds checks that tut recv --help gives the memory
// bound of spead/recv's Config and the limits of --values as the package
// has them.
func TestRecvHelpStatesBounds(t *testing.T) {
	stdout, _, _ := runTut(context.Background(), "recv", "--help")
	for _, want := range []string{
		"(3*MAX_HEAPS + 2) * min(MAX_HEAP_LENGTH, 2*W)",
		fmt.Sprintf("%d MiB at worst", (3*recv.DefaultMaxHeaps+2)*recv.DefaultMaxHeapLength>>20),
		fmt.Sprintf("at most %d items", recv.DefaultMaxItems),
		fmt.Sprintf("holding %d MiB of values", recv.DefaultMaxBytes>>20),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("tut recv --help does not say %q:\n%s", want, stdout)
		}
	}
}
