package main

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// withCnt returns pkts, packets of one heap, with heap counter cnt.
func withCnt(pkts [][]byte, cnt uint64) [][]byte {
	for _, p := range pkts {
		// The heap counter is the first item pointer after the header.
		binary.BigEndian.PutUint64(p[spead.HeaderSize:], spead.DefaultFlavour.Immediate(spead.HeapCntID, cnt))
	}
	return pkts
}

// TestRecvStartHeap: a start-of-stream heap is shown and counted as a
// heap, as spead2_recv does, ends nothing, and is no data heap to
// --verify, whose data heaps then count from the counter after it.
func TestRecvStartHeap(t *testing.T) {
	start, err := spead.AppendPackets(nil, spead.StartOfStream(spead.DefaultFlavour), 1, 1472)
	if err != nil {
		t.Fatal(err)
	}
	r := startRecv(t, "--verify", "constant")
	sendPackets(t, r.addr, start)
	for k := range 2 {
		sendPackets(t, r.addr, withCnt(tutorialPackets(t, k, constantFill(k), 1472), uint64(k+2)))
	}
	sendPackets(t, r.addr, endOfStream(t, 4))
	r.wait()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	want := "Received heap 1, start of stream\nReceived heap 2\nReceived heap 3\nheaps: 3\n"
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("stdout:\n%s\nwant it to start:\n%s", r.stdout, want)
	}

	// A start heap after data heaps is a problem; the data still
	// count from 1.
	r = startRecv(t, "--verify", "constant", "--quiet")
	sendPackets(t, r.addr, tutorialPackets(t, 0, constantFill(0), 1472))
	sendPackets(t, r.addr, withCnt(start, 2))
	sendPackets(t, r.addr, withCnt(tutorialPackets(t, 2, constantFill(2), 1472), 3))
	sendPackets(t, r.addr, endOfStream(t, 4))
	r.wait()
	if want := "heap 2 starts the stream after data heaps"; r.code != 1 || !strings.Contains(r.stderr, want) ||
		!strings.Contains(r.stderr, "verification failed: 1 problem\n") {
		t.Fatalf("exit %d, want 1 and %q, one problem, in stderr:\n%s", r.code, want, r.stderr)
	}
}
