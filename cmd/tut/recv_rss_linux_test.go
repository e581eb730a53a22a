package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
)

// tutBinary builds tut into a temporary directory, or skips the test
// where the go command is not at hand.
func tutBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds tut and floods it: not in -short")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build tut with")
	}
	bin := filepath.Join(t.TempDir(), "tut")
	if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building tut: %v\n%s", err, out)
	}
	return bin
}

// rssRun is a tut recv running as a process of its own, whose stdout the
// test reads a line at a time.
type rssRun struct {
	cmd    *exec.Cmd
	addr   netip.AddrPort
	lines  chan string
	stderr strings.Builder
	// notShown counts the lines that say why a value is not shown.
	notShown int
}

// startRecvProcess starts tut recv with args on a free loopback port and
// waits until it listens.
func startRecvProcess(t *testing.T, bin string, args ...string) *rssRun {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	r := &rssRun{lines: make(chan string, 1024)}
	r.cmd = exec.Command(bin, append(append([]string{"recv", "--ready-file", ready}, args...), "127.0.0.1:0")...)
	r.cmd.Stderr = &r.stderr
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	for {
		if b, err := os.ReadFile(ready); err == nil {
			r.addr = netip.MustParseAddrPort(strings.TrimSpace(string(b)))
			return r
		}
		time.Sleep(5 * time.Millisecond) // polling for the file, not timing
	}
}

// waitHeaps reads stdout until n "Received heap" lines have come, and
// returns false if stdout ended first.
func (r *rssRun) waitHeaps(seen *int, n int) bool {
	for *seen < n {
		line, ok := <-r.lines
		if !ok {
			return false
		}
		if strings.HasPrefix(line, "Received heap") {
			*seen++
		}
		if strings.Contains(line, "not shown: ") {
			r.notShown++
		}
	}
	return true
}

// finish drains stdout, waits for tut recv to exit, and returns its
// statistics lines and its peak resident set in bytes, or skips the test
// where the kernel does not say.
func (r *rssRun) finish(t *testing.T) (stats string, peak int64) {
	t.Helper()
	var b strings.Builder
	for line := range r.lines {
		if strings.Contains(line, "not shown: ") {
			r.notShown++
		}
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "Received heap") {
			b.WriteString(line + "\n")
		}
	}
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("tut recv: %v\n%s", err, r.stderr.String())
	}
	ru, ok := r.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss == 0 {
		t.Skip("the kernel reports no peak resident set")
	}
	return b.String(), int64(ru.Maxrss) * 1024 // kilobytes on Linux
}

// TestRecvRSSClaimedLengths floods a tut recv with default limits with
// 2000 one-packet heaps, each claiming 64 MiB, and checks that its peak
// resident set stays under 128 MiB. Sending waits for tut recv to print
// heaps, so that the socket buffer never overflows.
func TestRecvRSSClaimedLengths(t *testing.T) {
	bin := tutBinary(t)
	r := startRecvProcess(t, bin)
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(r.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f := spead.DefaultFlavour
	h := spead.NewHeap(f)
	h.AddItem(0x1000, make([]byte, 16))
	const heaps, window = 2000, 200
	seen := 0
	for cnt := uint64(1); cnt <= heaps; cnt++ {
		pkts, err := spead.AppendPackets(nil, h, cnt, 1472)
		if err != nil || len(pkts) != 1 {
			t.Fatalf("%d packets, %v", len(pkts), err)
		}
		// The HEAP_LENGTH pointer, the third of the packet's, claims
		// 64 MiB of which 16 bytes come.
		binary.BigEndian.PutUint64(pkts[0][16:], f.Immediate(spead.HeapLengthID, 64<<20))
		if _, err := c.Write(pkts[0]); err != nil {
			t.Fatal(err)
		}
		// An incomplete heap is printed when a later one evicts it.
		if int(cnt)-seen > window && !r.waitHeaps(&seen, int(cnt)-window) {
			t.Fatalf("tut recv ended early:\n%s", r.stderr.String())
		}
	}
	sendPackets(t, r.addr, endOfStream(t, heaps+1))
	stats, peak := r.finish(t)
	t.Logf("peak RSS %.1f MiB\n%s", float64(peak)/(1<<20), stats)
	if !strings.Contains(stats, fmt.Sprintf("heaps: %d\n", heaps)) {
		t.Errorf("tut recv did not count %d heaps:\n%s", heaps, stats)
	}
	if peak >= 128<<20 {
		t.Errorf("peak RSS %.1f MiB, want under 128 MiB", float64(peak)/(1<<20))
	}
}

// TestRecvRSSValues sends tut recv --values six descriptors of 1-bit
// values and six 4 MiB heaps, one value each (33.5 million values, 268 MB
// decoded, apiece), and checks that its peak resident set stays under
// 512 MiB and that it says why it does not show them.
func TestRecvRSSValues(t *testing.T) {
	bin := tutBinary(t)
	r := startRecvProcess(t, bin, "--values")
	const items, size = 6, 4 << 20
	seen := 0
	for i := range items {
		h := spead.NewHeap(spead.DefaultFlavour)
		if i == 0 {
			for j := range items {
				d := spead.Descriptor{ID: 0x1000 + uint64(j), Name: fmt.Sprintf("bits%d", j), Format: []spead.FormatField{{Type: 'u', Bits: 1}}, Shape: []int64{-1}}
				if err := h.AddDescriptor(&d); err != nil {
					t.Fatal(err)
				}
			}
		}
		h.AddItem(0x1000+uint64(i), make([]byte, size))
		pkts, err := spead.AppendPackets(nil, h, uint64(i+1), 8192)
		if err != nil {
			t.Fatal(err)
		}
		sendPackets(t, r.addr, pkts)
		// One heap at a time, so that the socket buffer holds it.
		if !r.waitHeaps(&seen, i+1) {
			t.Fatalf("tut recv ended early:\n%s", r.stderr.String())
		}
	}
	sendPackets(t, r.addr, endOfStream(t, items+1))
	stats, peak := r.finish(t)
	t.Logf("peak RSS %.1f MiB\n%s", float64(peak)/(1<<20), stats)
	if !strings.Contains(stats, fmt.Sprintf("heaps: %d\n", items)) {
		t.Errorf("tut recv did not count %d heaps:\n%s", items, stats)
	}
	if r.notShown != items {
		t.Errorf("%d lines say why a value is not shown, want %d", r.notShown, items)
	}
	if peak >= 512<<20 {
		t.Errorf("peak RSS %.1f MiB, want under 512 MiB", float64(peak)/(1<<20))
	}
}
