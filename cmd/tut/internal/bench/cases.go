package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/gospead/tutorial/spead/send/sendtest"
	step1 "github.com/gospead/tutorial/step1"
	step2 "github.com/gospead/tutorial/step2"
	step3 "github.com/gospead/tutorial/step3"
)

// heapBytes is the data in one of the tutorial's heaps: 1 MiB of int8
// samples.
const heapBytes = 1024 * 1024

// Where a case sends.
const (
	toLoopback     = "loopback"         // 127.0.0.1, nothing listening
	toLoopbackRecv = "loopback+recv"    // 127.0.0.1, a socket emptied as fast as it can be
	toLoopbackTut  = "loopback+tutrecv" // 127.0.0.1, tut recv listening
	toDummy        = "dummy"            // 192.168.31.2 on the dummy interface
)

// benchCase is one thing tut bench measures: a stage of the tutorial, or
// the yardstick, sending somewhere.
type benchCase struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Step is the stage that sends, 1 to 3, or 0 for the yardstick and
	// the heap-size cases.
	Step       int    `json:"step"`
	Dest       string `json:"dest"`
	PacketSize int    `json:"packet_size"`
	Heaps      int    `json:"heaps"`
	// WorkingSet is, for a yardstick, the bytes it sends its packets
	// from; 0 means one batch of 64 packets, sent over and over.
	WorkingSet int `json:"working_set,omitempty"`
	// Split is, for a yardstick, the header bytes it sends as a piece of
	// memory of their own in front of each packet's payload, as
	// spead/send does; 0 means each message goes as one piece.
	Split int `json:"split,omitempty"`
	// HeapSize is, for a heap-size case, the bytes of samples in each
	// heap, sent as spead2's tut_11 sends them (see runHeapSize); 0 for
	// the other cases.
	HeapSize int `json:"heap_size,omitempty"`
	// Fresh is, for a yardstick, whether it does step 3's work: each
	// heap filled on one goroutine while another sends the heap before
	// it (sendtest.FreshYardstick).
	Fresh bool `json:"fresh,omitempty"`
	// Tutorial is what the tutorial page says of this case.
	Tutorial string `json:"tutorial,omitempty"`
}

// heapSize returns the bytes of samples in each heap the case sends, or,
// for a yardstick, the bytes it counts as one heap.
func (c *benchCase) heapSize() int {
	if c.HeapSize > 0 {
		return c.HeapSize
	}
	return heapBytes
}

// benchCases returns the cases tut bench runs, in the order the tutorial
// makes its claims; heaps, if not 0, replaces each case's number of
// heaps (for a heap-size case, the heaps that carry as many bytes). Without the dummy interface, the cases that need it are left
// out and the yardstick sends to loopback instead.
func benchCases(heaps int, dummy bool) []benchCase {
	or := func(def int) int {
		if heaps > 0 {
			return heaps
		}
		return def
	}
	cases := []benchCase{
		{Name: "step1", Step: 1, Dest: toLoopback, PacketSize: step1.DefaultPacketSize, Heaps: or(step1.DefaultHeaps),
			Description: "step 1: random samples, 1472-byte packets, to 127.0.0.1",
			Tutorial:    "no figure given; held back by making random numbers"},
		{Name: "step2", Step: 2, Dest: toLoopback, PacketSize: step2.DefaultPacketSize, Heaps: or(step2.DefaultHeaps),
			Description: "step 2: constant fill, 1472-byte packets, to 127.0.0.1",
			Tutorial:    "about 280 MB/s (Python), 310 MB/s (C++)"},
		{Name: "step3-loopback", Step: 3, Dest: toLoopback, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
			Description: "step 3: 9000-byte packets to 127.0.0.1, nothing listening",
			Tutorial:    "over 1 GB/s, less than with a receiver (ICMP port unreachable)"},
		{Name: "step3-loopback-recv", Step: 3, Dest: toLoopbackRecv, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
			Description: "step 3: 9000-byte packets to 127.0.0.1, a socket listening and emptied as fast as it can be",
			Tutorial:    "over 1 GB/s, substantially more than with nothing listening"},
		{Name: "step3-loopback-tutrecv", Step: 3, Dest: toLoopbackTut, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
			Description: "step 3: 9000-byte packets to 127.0.0.1, tut recv listening",
			Tutorial:    "over 1 GB/s, substantially more than with nothing listening"},
	}
	if dummy {
		cases = append(cases,
			benchCase{Name: "step3-dummy", Step: 3, Dest: toDummy, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
				Description: "step 3: 9000-byte packets to 192.168.31.2 on the dummy interface",
				Tutorial:    "about 3500 MB/s, close to the limit of one thread"},
		)
	}
	yardDest, where := toLoopback, "127.0.0.1"
	if dummy {
		yardDest, where = toDummy, "the dummy interface"
	}
	cases = append(cases,
		benchCase{Name: "yardstick", Step: 0, Dest: yardDest, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
			Description: "the same 9000-byte packets and system calls, no SPEAD library, to " + where + ", from one batch of packets that stays in cache"},
		benchCase{Name: "yardstick-2mib", Step: 0, Dest: yardDest, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
			WorkingSet:  2 * heapBytes,
			Description: "the yardstick sending from 2 MiB, the memory of step 3's two heaps in flight, to " + where},
		benchCase{Name: "yardstick-split", Step: 0, Dest: yardDest, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
			WorkingSet: 2 * heapBytes, Split: splitHeaderBytes,
			Description: "yardstick-2mib sending each packet as a 40-byte header and its payload, two pieces of memory as spead/send sends them, to " + where},
		benchCase{Name: "yardstick-fresh", Step: 0, Dest: yardDest, PacketSize: step3.DefaultPacketSize, Heaps: or(step3.DefaultHeaps),
			Split: splitHeaderBytes, Fresh: true,
			Description: "step 3's work with no SPEAD library: 1 MiB heaps filled with int8(i) on one goroutine while another sends the heap before, two buffers in turn, each packet a 40-byte header and its payload, to " + where},
	)
	// The heap-size cases send as many bytes of samples as step 3 does:
	// more heaps when they are smaller.
	tutorial := map[int]string{
		8 << 10:  "tut-11: 6049 MB/s (C++), 5895 MB/s (Python); tut-10 before batches, 3299 MB/s (C++)",
		64 << 10: "tut-11: 5566 MB/s (C++), 5594 MB/s (Python)",
		1 << 20:  "tut-11: 7153 MB/s (C++), 6850 MB/s (Python)",
	}
	for _, size := range heapSizes {
		cases = append(cases, benchCase{Name: heapSizeName(size), Dest: yardDest, PacketSize: step3.DefaultPacketSize,
			Heaps: or(step3.DefaultHeaps) * (heapBytes / size), HeapSize: size,
			Description: fmt.Sprintf("heaps of %s of samples to %s, 9000-byte packets, in groups of 512 KiB with one Future each, as spead2's tut_11 sends them",
				sizeName(size), where),
			Tutorial: tutorial[size]})
	}
	return cases
}

// runResult is what one run of a case measured.
type runResult struct {
	// rate is in MB/s: 10^6 bytes a second of heap data, as the
	// tutorial counts.
	rate float64
	// delivered is, for a case with a receiver, how much of what was
	// sent it got: for the socket emptied as fast as it can be, the
	// bytes received over the heap data sent (a little over 1 when every
	// packet arrived, as headers count too); for tut recv, the data
	// heaps it received whole over those sent.
	delivered float64
}

// run measures the case once.
func (c *benchCase) run(ctx context.Context, env *benchEnv) (runResult, error) {
	var (
		dest netip.AddrPort
		recv *drain
		tut  *tutRecv
	)
	switch c.Dest {
	case toLoopback:
		port, err := env.closedPort()
		if err != nil {
			return runResult{}, err
		}
		dest = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)
	case toLoopbackRecv:
		var err error
		recv, err = startDrain(env)
		if err != nil {
			return runResult{}, err
		}
		defer recv.stop()
		dest = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), recv.port())
	case toLoopbackTut:
		var err error
		tut, err = startTutRecv(ctx, env)
		if err != nil {
			return runResult{}, fmt.Errorf("%s: %w", c.Name, err)
		}
		defer tut.stop()
		dest = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), tut.port)
	case toDummy:
		if !env.hasDummy() {
			return runResult{}, fmt.Errorf("%s: no dummy interface: %s", c.Name, env.why)
		}
		dest = env.sink(8888)
		if err := env.checkMTU(dest.Addr(), c.PacketSize); err != nil {
			return runResult{}, fmt.Errorf("%s: %w", c.Name, err)
		}
	default:
		return runResult{}, fmt.Errorf("%s: unknown destination %q", c.Name, c.Dest)
	}
	var (
		res runResult
		err error
	)
	switch {
	case c.HeapSize > 0:
		res.rate, err = runHeapSize(ctx, env, dest, c.PacketSize, c.HeapSize, c.Heaps)
	case c.Step == 0 && c.Fresh:
		res.rate, err = runFreshYardstick(ctx, env, dest, c.PacketSize, c.Split, c.Heaps)
	case c.Step == 0:
		res.rate, err = runYardstick(ctx, env, dest, c.PacketSize, c.WorkingSet, c.Split, int64(c.Heaps)*heapBytes)
	default:
		res.rate, err = runStep(ctx, env, c.Step, dest, c.PacketSize, c.Heaps)
	}
	if err != nil {
		return runResult{}, fmt.Errorf("%s: %w", c.Name, err)
	}
	switch {
	case recv != nil:
		res.delivered = float64(recv.settle()) / float64(int64(c.Heaps)*heapBytes)
	case tut != nil:
		heaps, err := tut.finish()
		if err != nil {
			return runResult{}, fmt.Errorf("%s: %w", c.Name, err)
		}
		res.delivered = float64(heaps) / float64(c.Heaps)
	}
	return res, nil
}

// runStep runs a stage and returns the rate it printed. In bench's
// namespace it runs the stage as "tut send", a child process started from
// the namespace's thread, so that the child and every socket it makes are
// in the namespace, and the stage runs exactly as a reader runs it, on
// threads of its own. Without a namespace it calls the stage's Run here.
func runStep(ctx context.Context, env *benchEnv, step int, dest netip.AddrPort, packetSize, heaps int) (float64, error) {
	if env.sb != nil {
		return runStepProcess(ctx, env, step, dest, packetSize, heaps)
	}
	var out bytes.Buffer
	host, port := dest.Addr().String(), int(dest.Port())
	var err error
	switch step {
	case 1:
		err = step1.Run(ctx, step1.Options{Heaps: heaps, PacketSize: packetSize, Host: host, Port: port, Out: &out})
	case 2:
		err = step2.Run(ctx, step2.Options{Heaps: heaps, PacketSize: packetSize, Host: host, Port: port, Out: &out})
	case 3:
		err = step3.Run(ctx, step3.Options{Heaps: heaps, PacketSize: packetSize, Host: host, Port: port, Out: &out})
	default:
		err = fmt.Errorf("no step %d", step)
	}
	if err != nil {
		return 0, err
	}
	return parseRate(out.String())
}

// tutorialDest is where steps 1 and 2 send: they take no destination.
var tutorialDest = netip.MustParseAddrPort("127.0.0.1:8888")

// runStepProcess runs "tut send --step N" in the environment's namespace
// and returns the rate it printed.
func runStepProcess(ctx context.Context, env *benchEnv, step int, dest netip.AddrPort, packetSize, heaps int) (float64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("finding tut's own executable: %w", err)
	}
	args := []string{"send", "--step", strconv.Itoa(step), "--heaps", strconv.Itoa(heaps), "--packet-size", strconv.Itoa(packetSize)}
	switch {
	case step == 3:
		args = append(args, dest.Addr().String(), strconv.Itoa(int(dest.Port())))
	case dest != tutorialDest:
		return 0, fmt.Errorf("step %d sends only to %v, not %v", step, tutorialDest, dest)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child process starts in the network namespace of the thread
	// that starts it.
	if err := env.do(cmd.Start); err != nil {
		return 0, fmt.Errorf("starting tut %s: %w", strings.Join(args, " "), err)
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("tut %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return parseRate(stdout.String())
}

// parseRate reads the line a stage prints, "N.NN MB/s".
func parseRate(line string) (float64, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(line), " MB/s")
	if !ok {
		return 0, fmt.Errorf("the stage printed %q, not a rate in MB/s", line)
	}
	rate, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("the stage printed %q, not a rate in MB/s: %w", line, err)
	}
	return rate, nil
}

// splitHeaderBytes is the SPEAD header of all but the first packet of a
// step 3 heap: the 8-byte header and four item pointers (heap counter,
// heap size, payload offset, payload length).
const splitHeaderBytes = 40

// yardstickChunk is how many bytes the yardstick sends between looks at
// its context.
const yardstickChunk = 64 * heapBytes

// runYardstick sends total bytes of packetSize-byte packets to dest with
// a sendtest.Yardstick made inside the environment, from a working set of
// workingSet bytes if not 0, with split header bytes sent as a piece of
// their own (see Yardstick.SetSplit), and returns the rate in MB/s.
func runYardstick(ctx context.Context, env *benchEnv, dest netip.AddrPort, packetSize, workingSet, split int, total int64) (float64, error) {
	var y *sendtest.Yardstick
	err := env.do(func() error {
		var err error
		y, err = sendtest.NewYardstick(dest, packetSize)
		return err
	})
	if err != nil {
		return 0, err
	}
	defer y.Close()
	if workingSet > 0 {
		y.SetWorkingSet(workingSet)
	}
	if err := y.SetSplit(split); err != nil {
		return 0, err
	}
	var sent int64
	start := time.Now()
	for sent < total {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := y.Send(min(total-sent, yardstickChunk))
		sent += n
		if err != nil {
			return 0, err
		}
	}
	elapsed := time.Since(start)
	return float64(sent) / elapsed.Seconds() / 1e6, nil
}

// freshChunk is how many heaps the fresh yardstick sends between looks at
// its context.
const freshChunk = 64

// runFreshYardstick sends heaps 1 MiB heaps of packetSize-byte packets to
// dest with a sendtest.FreshYardstick made inside the environment, and
// returns the rate in MB/s of heap data, as step 3 counts it.
func runFreshYardstick(ctx context.Context, env *benchEnv, dest netip.AddrPort, packetSize, split, heaps int) (float64, error) {
	var y *sendtest.FreshYardstick
	err := env.do(func() error {
		var err error
		y, err = sendtest.NewFreshYardstick(dest, packetSize, split, heapBytes)
		return err
	})
	if err != nil {
		return 0, err
	}
	defer y.Close()
	start := time.Now()
	for sent := 0; sent < heaps; sent += freshChunk {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if _, err := y.SendHeaps(min(heaps-sent, freshChunk)); err != nil {
			return 0, err
		}
	}
	elapsed := time.Since(start)
	return float64(heaps) * heapBytes / elapsed.Seconds() / 1e6, nil
}
