package main

import (
	"bytes"
	"context"
	"fmt"
	step2 "github.com/gospead/tutorial/step2"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
)

func TestParseListenAddr(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"8888", "127.0.0.1:8888"},
		{"0", "127.0.0.1:0"},
		{"127.0.0.2:9000", "127.0.0.2:9000"},
		{"localhost:1", "127.0.0.1:1"},
		{":8888", "0.0.0.0:8888"},
		{"[::1]:8888", "[::1]:8888"},
	} {
		got, err := parseListenAddr(tc.in)
		if err != nil || got.String() != tc.want {
			t.Errorf("parseListenAddr(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "x", "65536", "-1", "host:1", "1.2.3:4", "::1:8888", "[::1:8888", "1.2.3.4:"} {
		if got, err := parseListenAddr(in); err == nil || !isUsage(err) {
			t.Errorf("parseListenAddr(%q) = %v, %v; want a usage error", in, got, err)
		}
	}
}

// heapSamples is the samples in a tutorial heap.
const heapSamples = 1 << 20

// tutorialPackets returns the packets of tutorial heap k (counter k+1),
// with samples from fill.
func tutorialPackets(t *testing.T, k int, fill func(int) int8, packetSize int) [][]byte {
	t.Helper()
	h := spead.NewHeap(spead.DefaultFlavour)
	if k == 0 {
		for _, d := range []spead.Descriptor{
			{ID: 0x1600, Name: "timestamp", Description: "Index of the first sample", Format: []spead.FormatField{{Type: 'u', Bits: 40}}},
			{ID: 0x3300, Name: "adc_samples", Description: "ADC converter output",
				DType: spead.NumpyHeader{Descr: "i1", Shape: []int64{heapSamples}}.String()},
		} {
			if err := h.AddDescriptor(&d); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.AddImmediate(0x1600, uint64(k*heapSamples))
	samples := make([]byte, heapSamples)
	for i := range samples {
		samples[i] = byte(fill(i))
	}
	h.AddItem(0x3300, samples)
	pkts, err := spead.AppendPackets(nil, h, uint64(k+1), packetSize)
	if err != nil {
		t.Fatal(err)
	}
	return pkts
}

// runTut runs tut with args as run does, but with its output captured,
// and returns the output and the exit code.
func runTut(ctx context.Context, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
	case isUsage(err):
		code = 2
	default:
		code = 1
	}
	if err != nil {
		errOut.WriteString("tut: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), code
}

// recvRun is a tut recv running in the background.
type recvRun struct {
	addr   netip.AddrPort
	done   chan struct{}
	stdout string
	stderr string
	code   int
}

// startRecv starts tut recv on a free loopback port and waits until it
// listens.
func startRecv(t *testing.T, args ...string) *recvRun {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	r := &recvRun{done: make(chan struct{})}
	args = append([]string{"recv", "--ready-file", ready}, args...)
	args = append(args, "127.0.0.1:0")
	go func() {
		defer close(r.done)
		r.stdout, r.stderr, r.code = runTut(context.Background(), args...)
	}()
	for {
		b, err := os.ReadFile(ready)
		if err == nil {
			r.addr = netip.MustParseAddrPort(strings.TrimSpace(string(b)))
			return r
		}
		select {
		case <-r.done:
			t.Fatalf("tut recv ended early: %d\n%s%s", r.code, r.stdout, r.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// wait waits for tut recv to end, and takes from its stderr the line
// that says where it listened, which every run prints first.
func (r *recvRun) wait() {
	<-r.done
	r.stderr = strings.TrimPrefix(r.stderr, fmt.Sprintf("tut recv: listening on %v\n", r.addr))
}

// sendPackets sends packets to addr from a socket of its own.
func sendPackets(t *testing.T, addr netip.AddrPort, pkts [][]byte) {
	t.Helper()
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range pkts {
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
}

// endOfStream returns the packets of an end-of-stream heap with counter
// cnt.
func endOfStream(t *testing.T, cnt uint64) [][]byte {
	pkts, err := spead.AppendPackets(nil, spead.EndOfStream(spead.DefaultFlavour), cnt, 1472)
	if err != nil {
		t.Fatal(err)
	}
	return pkts
}

func constantFill(k int) func(int) int8 { return func(int) int8 { return int8(k) } }

// The end-to-end tests send at most three heaps per stream, which fit in
// the socket buffer, so that no packet is lost however slow the receiver.

func TestRecvVerifyConstant(t *testing.T) {
	r := startRecv(t, "--verify", "constant", "--quiet")
	for k := range 3 {
		sendPackets(t, r.addr, tutorialPackets(t, k, constantFill(k), 1472))
	}
	sendPackets(t, r.addr, endOfStream(t, 4))
	r.wait()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"heaps: 3\n", "heaps.complete: 3\n", "incomplete_heaps_evicted: 0\n", "incomplete_heaps_flushed: 0\n", "largest_packet: 1472\n", "bad_packets: 0\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Received") {
		t.Errorf("--quiet printed heaps:\n%s", r.stdout)
	}
}

func TestRecvVerifyFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode string
		pkts func(t *testing.T) [][]byte
		want string
	}{
		{"wrong sample", "constant", func(t *testing.T) [][]byte {
			return append(tutorialPackets(t, 0, constantFill(0), 1472),
				tutorialPackets(t, 1, func(i int) int8 { return int8(1 + i/1000000) }, 1472)...)
		}, "heap 2: sample 1000000 is 2, want 1"},
		{"sample out of range", "random", func(t *testing.T) [][]byte {
			return tutorialPackets(t, 0, func(i int) int8 { return int8(-100 - i/500000) }, 1472)
		}, "heap 1: sample 500000 is -101, outside [-100, 100)"},
		{"lost heap", "constant", func(t *testing.T) [][]byte {
			return append(tutorialPackets(t, 0, constantFill(0), 1472), tutorialPackets(t, 2, constantFill(2), 1472)...)
		}, "1 heaps lost: 2"},
		{"incomplete heap", "constant", func(t *testing.T) [][]byte {
			pkts := tutorialPackets(t, 0, constantFill(0), 9000)
			return pkts[:len(pkts)-1]
		}, "heap 1 is incomplete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRecv(t, "--verify", tc.mode)
			pkts := tc.pkts(t)
			sendPackets(t, r.addr, append(pkts, endOfStream(t, 4)...))
			r.wait()
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want 1 and %q in stderr:\n%s", r.code, tc.want, r.stderr)
			}
			if !strings.Contains(r.stderr, "tut: verification failed") {
				t.Errorf("stderr lacks the summary:\n%s", r.stderr)
			}
		})
	}
}

func TestRecvLostAtTheEnd(t *testing.T) {
	// Heap 2 never comes, and the end-of-stream heap's counter shows it.
	r := startRecv(t, "--verify", "constant", "--quiet")
	sendPackets(t, r.addr, tutorialPackets(t, 0, constantFill(0), 1472))
	sendPackets(t, r.addr, endOfStream(t, 3))
	r.wait()
	if r.code != 1 || !strings.Contains(r.stderr, "1 heaps lost: 2") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

func TestRecvNoEndOfStream(t *testing.T) {
	// The heaps that came are right, but the stream never ended, so
	// heaps after them may have been lost: verification must fail.
	r := startRecv(t, "--verify", "constant", "--quiet", "--timeout", "200ms")
	sendPackets(t, r.addr, tutorialPackets(t, 0, constantFill(0), 1472))
	r.wait()
	if r.code != 1 || !strings.Contains(r.stderr, "the end of the stream never arrived: heaps after 1 may be lost") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "heaps: 1\n") {
		t.Errorf("stdout lacks the heap count:\n%s", r.stdout)
	}
}

func TestRecvHostilePackets(t *testing.T) {
	r := startRecv(t)
	good := tutorialPackets(t, 0, constantFill(0), 1472)
	bad := [][]byte{
		{},
		[]byte("not SPEAD at all"),
		append([]byte{0x53, 4, 3, 5, 0, 0, 0xff, 0xff}, make([]byte, 64)...),
		good[1], // a duplicate, while the heap is under construction
	}
	sendPackets(t, r.addr, good[:2])
	sendPackets(t, r.addr, bad)
	sendPackets(t, r.addr, good[2:])
	sendPackets(t, r.addr, endOfStream(t, 2))
	r.wait()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Received heap 1\n", "heaps: 1\n", "bad_packets: 4\n", "bad_packets.short: 1\n", "bad_packets.magic: 1\n", "bad_packets.pointers: 1\n", "bad_packets.duplicate: 1\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestRecvValues(t *testing.T) {
	r := startRecv(t, "--descriptors", "--values")
	sendPackets(t, r.addr, tutorialPackets(t, 0, constantFill(0), 1472))
	sendPackets(t, r.addr, tutorialPackets(t, 1, constantFill(1), 1472))
	sendPackets(t, r.addr, endOfStream(t, 3))
	r.wait()
	want := `Received heap 1
  flavour: SPEAD-64-40
  Descriptor for timestamp (0x1600)
    description: Index of the first sample
    format:      [('u', 40)]
    shape:       ()
    dtype:       
  Descriptor for adc_samples (0x3300)
    description: ADC converter output
    format:      []
    shape:       (1048576,)
    dtype:       {'shape': (1048576,), 'fortran_order': False, 'descr': 'i1'}
  timestamp (0x1600) = 0
  adc_samples (0x3300) = [0 0 0 … 0 0 0]
Received heap 2
  flavour: SPEAD-64-40
  timestamp (0x1600) = 1048576
  adc_samples (0x3300) = [1 1 1 … 1 1 1]
heaps: 2
`
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("exit %d, stdout:\n%s\nwant it to start:\n%s", r.code, r.stdout, want)
	}
}

// lockedBuffer is a buffer that one goroutine writes while another
// waits for text to appear in it.
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{changed: make(chan struct{}, 1)} }

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until s appears in the buffer.
func (b *lockedBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	for !strings.Contains(b.String(), s) {
		select {
		case <-b.changed:
		case <-time.After(30 * time.Second):
			t.Fatalf("%q never appeared in:\n%s", s, b.String())
		}
	}
}

func TestRecvInterrupt(t *testing.T) {
	// A cancelled context stands in for Ctrl-C: the heap under
	// construction is flushed and the statistics printed; exit 0.
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := newLockedBuffer(), newLockedBuffer()
	root := newRootCmd()
	readyFile := filepath.Join(t.TempDir(), "ready")
	root.SetArgs([]string{"recv", "127.0.0.1:0", "--ready-file", readyFile})
	root.SetOut(out)
	root.SetErr(errOut)
	done := make(chan error)
	go func() { done <- root.ExecuteContext(ctx) }()
	var addr netip.AddrPort
	for {
		if b, err := os.ReadFile(readyFile); err == nil {
			addr = netip.MustParseAddrPort(strings.TrimSpace(string(b)))
			break
		}
		select {
		case err := <-done:
			t.Fatalf("tut recv ended early: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	// Heap 2 is left incomplete; heap 3 arriving whole shows that the
	// receiver has read heap 2's packets.
	sendPackets(t, addr, tutorialPackets(t, 0, constantFill(0), 9000))
	out.waitFor(t, "Received heap 1\n")
	sendPackets(t, addr, tutorialPackets(t, 1, constantFill(1), 9000)[:2])
	sendPackets(t, addr, tutorialPackets(t, 2, constantFill(2), 9000))
	out.waitFor(t, "Received heap 3\n")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Received heap 2, incomplete: ", " of 1048576 bytes\n", "heaps: 3\n", "heaps.complete: 2\n", "incomplete_heaps_flushed: 1\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRecvVerifyRandomRefusesStep2 feeds --verify random step 2's heaps,
// whose samples all lie in [-100, 100) but are constant: on a shared
// machine a receiver must not take another student's stream for step 1's.
func TestRecvVerifyRandomRefusesStep2(t *testing.T) {
	r := startRecv(t, "--verify", "random", "--quiet")
	err := step2.Run(context.Background(), step2.Options{Heaps: 3, Host: "127.0.0.1", Port: int(r.addr.Port()), Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	r.wait()
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	for k := range 3 {
		want := fmt.Sprintf("verify: heap %d: every sample is %d, not random: constant data, as steps 2 and 3 send\n", k+1, k)
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestRecvDescriptorsShowFlavour checks that --descriptors shows each
// heap's flavour from its packets' headers: a descriptor that says u48 on
// heaps sent in SPEAD-64-40 shows 40, heaps in SPEAD-64-48 show 48.
func TestRecvDescriptorsShowFlavour(t *testing.T) {
	f48, err := spead.NewFlavour(48)
	if err != nil {
		t.Fatal(err)
	}
	r := startRecv(t, "--descriptors")
	ts := spead.Descriptor{ID: 0x1600, Name: "timestamp", Format: []spead.FormatField{{Type: 'u', Bits: 48}}}
	for cnt, f := range map[uint64]spead.Flavour{1: spead.DefaultFlavour, 2: f48} {
		h := spead.NewHeap(f)
		if err := h.AddDescriptor(&ts); err != nil {
			t.Fatal(err)
		}
		h.AddImmediate(0x1600, 0)
		pkts, err := spead.AppendPackets(nil, h, cnt, 1472)
		if err != nil {
			t.Fatal(err)
		}
		sendPackets(t, r.addr, pkts)
	}
	sendPackets(t, r.addr, endOfStream(t, 3))
	r.wait()
	for _, want := range []string{
		"Received heap 1\n  flavour: SPEAD-64-40\n  Descriptor for timestamp (0x1600)\n",
		"Received heap 2\n  flavour: SPEAD-64-48\n  Descriptor for timestamp (0x1600)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}
