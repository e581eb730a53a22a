package check

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/gospead/tutorial/spead"
	step1 "github.com/gospead/tutorial/step1"
	step2 "github.com/gospead/tutorial/step2"
	step3 "github.com/gospead/tutorial/step3"
)

// chunk is the number of samples in one of the tutorial's heaps.
const chunk = 1 << 20

// options are what a check asks of a stage; the zero values of Heaps and
// PacketSize mean the stage's own defaults.
type options = step1.Options

// runFuncs runs each stage by number.
var runFuncs = map[int]func(context.Context, options) error{
	1: step1.Run,
	2: func(ctx context.Context, o options) error { return step2.Run(ctx, step2.Options(o)) },
	3: func(ctx context.Context, o options) error { return step3.Run(ctx, step3.Options(o)) },
}

// idle is how long a listener waits for a packet before it gives up: long
// after the end of any stage that is still sending.
const idle = 3 * time.Second

// result is what one run of a stage did.
type result struct {
	out  string     // what it printed
	caps []*capture // what each destination received
}

// runStage runs stage step against one listener on a free port of
// 127.0.0.1, which opts.Host and opts.Port are set to. If progress is not
// nil it is given the listener, to make opts.Progress.
func runStage(ctx context.Context, step int, opts options, progress func(*listener) func(int, int)) (*result, error) {
	l, err := listen(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		return nil, err
	}
	if progress != nil {
		opts.Progress = progress(l)
	}
	return runStageTo(ctx, step, opts, []*listener{l})
}

// runStageTo runs stage step, which sends to the port of ls[0] (and, if
// the student made it so, to the ports after it), and returns what each
// listener received. A stage that fails or does not finish in time is a
// wrong answer.
func runStageTo(ctx context.Context, step int, opts options, ls []*listener) (*result, error) {
	defer func() {
		for _, l := range ls {
			l.close()
		}
	}()
	for _, l := range ls {
		l.start(idle)
	}
	if pace {
		opts.Progress = paced(ctx, opts.Progress, ls)
	}
	var out bytes.Buffer
	opts.Host = ls[0].addr.Addr().String()
	opts.Port = int(ls[0].addr.Port())
	opts.Out = &out
	start := time.Now()
	err := runFuncs[step](ctx, opts)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) || errors.Is(err, context.DeadlineExceeded) {
			return nil, fail("a heap that is never sent, or a rate limit far too low, keeps the stage from finishing.",
				"the stage did not finish within %v: %v", time.Since(start).Round(time.Second), oneLine(err))
		}
		return nil, fail("run the stage with tut send to see the whole error.", "the stage failed: %v", oneLine(err))
	}
	r := &result{out: out.String()}
	for _, l := range ls {
		c, err := l.wait(idle)
		if err != nil {
			return nil, err
		}
		r.caps = append(r.caps, c)
	}
	return r, nil
}

// pace makes runStageTo hold a stage back until its listeners keep up;
// tests turn it off to show what it prevents.
var pace = true

// paceQuiet is how long pacing waits for a listener that reads nothing
// while its queue is not empty, before it lets the stage go on.
const paceQuiet = 2 * time.Second

// paced returns a progress function for a stage sending to ls: after
// progress, if not nil, has seen the report, it blocks until every
// listener has read everything queued for it, so that a listener on a busy
// machine never falls so far behind that its socket buffer overflows. The
// stage reports after each Wait, when the heaps it reports sent are
// already in the listeners' queues; a report therefore waits at most for
// the heaps still in flight. It gives up waiting when the context ends, a
// listener stops, or a listener reads nothing for paceQuiet: pacing only
// ever slows a stage, it never fails one.
func paced(ctx context.Context, progress func(int, int), ls []*listener) func(int, int) {
	return func(sent, total int) {
		if progress != nil {
			progress(sent, total)
		}
		for _, l := range ls {
			l.drain(ctx)
		}
	}
}

// drain waits until the listener has read everything in its socket's
// receive queue, it stops, ctx ends, or it reads nothing for paceQuiet.
// Where the queue cannot be seen, it returns at once.
func (l *listener) drain(ctx context.Context) {
	lastCount, lastChange := l.count.Load(), time.Now()
	for {
		n, ok := queued(l.conn)
		if !ok || n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-l.done:
			return
		case <-time.After(100 * time.Microsecond):
		}
		now := time.Now()
		if c := l.count.Load(); c != lastCount {
			lastCount, lastChange = c, now
		} else if now.Sub(lastChange) > paceQuiet {
			return
		}
	}
}

// runData runs stage step for n data heaps against one listener and
// returns them in order, whole, with the end of the stream after them
// (see wantData).
func runData(ctx context.Context, step, n int) ([]*heap, error) {
	r, err := runStage(ctx, step, options{Heaps: n}, nil)
	if err != nil {
		return nil, err
	}
	return wantData(r.caps[0], n)
}

// lossHint is the hint for heaps that arrived incomplete.
const lossHint = "if the stage is right, the check's receiver lost packets: on a busy machine run the check again; without root, raise net.core.rmem_max (sudo sysctl -w net.core.rmem_max=268435456)."

// wantData checks that c holds data heaps 0 to n-1 (counters 1 to n),
// whole and in the stage's flavour, and the end of the stream, and returns
// the data heaps in order.
func wantData(c *capture, n int) ([]*heap, error) {
	if c.bad > 0 {
		return nil, fail("", "%d of the datagrams that arrived are not SPEAD packets", c.bad)
	}
	hs := c.dataHeaps()
	for k := range n {
		cnt := uint64(k + 1)
		h := c.heaps[cnt]
		switch {
		case h == nil:
			return nil, fail(lossHint, "heap %d (data heap %d) never arrived; %s did", cnt, k, plural(len(hs), "data heap"))
		case h.end:
			return nil, fail("the end of the stream goes after the last data heap.", "heap %d ended the stream, where data heap %d should be", cnt, k)
		case !h.complete():
			return nil, fail(lossHint, "heap %d arrived incomplete: %d of %d payload bytes", cnt, h.received, h.length)
		}
	}
	if len(hs) > n {
		return nil, fail("send exactly opts.Heaps data heaps.", "%d data heaps arrived, want %d", len(hs), n)
	}
	if !c.ended {
		return nil, fail("keep the end-of-stream heap: without it a receiver waits for ever.", "the end of the stream never arrived at %v", c.addr)
	}
	return hs, nil
}

// timestamp checks data heap k's timestamp: immediate item 0x1600 with the
// value k×1048576.
func timestamp(h *heap, k int) error {
	it, ok, err := h.item(0x1600)
	switch {
	case err != nil:
		return fail("", "heap %d: %v", h.cnt, err)
	case !ok:
		return fail("keep AddImmediate(timestampDesc.ID, ...) in every heap.", "heap %d has no timestamp (item 0x1600)", h.cnt)
	case !it.Immediate:
		return fail("the timestamp goes in its item pointer, with AddImmediate.", "heap %d's timestamp is addressed, not immediate", h.cnt)
	case it.Value != uint64(k)*chunk:
		return fail("heap i's timestamp is i*chunkSize, the index of its first sample.", "heap %d's timestamp is %d, want %d", h.cnt, it.Value, uint64(k)*chunk)
	}
	return nil
}

// samples returns data heap h's adc_samples (item 0x3300).
func samples(h *heap) ([]byte, error) {
	it, ok, err := h.item(0x3300)
	switch {
	case err != nil:
		return nil, fail("", "heap %d: %v", h.cnt, err)
	case !ok:
		return nil, fail("keep AddItem(adcSamplesDesc.ID, ...) in every heap.", "heap %d has no adc_samples (item 0x3300)", h.cnt)
	case it.Immediate:
		return nil, fail("", "heap %d's adc_samples is immediate, not 1 MiB of samples", h.cnt)
	}
	return it.Data, nil
}

// verifyConstant checks step 2's data in heaps hs: heap k has timestamp
// k×1048576 and 1048576 samples equal to int8(k).
func verifyConstant(hs []*heap) error {
	for k, h := range hs {
		if err := verifyHeap(h, k); err != nil {
			return err
		}
	}
	return nil
}

// verifyHeap checks that h is data heap k of step 2.
func verifyHeap(h *heap, k int) error {
	if err := timestamp(h, k); err != nil {
		return err
	}
	data, err := samples(h)
	if err != nil {
		return err
	}
	if len(data) != chunk {
		return fail("the samples are chunkSize int8 values, one byte each.", "heap %d has %d bytes of samples, want %d", h.cnt, len(data), chunk)
	}
	want := byte(int8(k))
	for j, b := range data {
		if b != want {
			return fail("step 2 fills heap i with int8(i); the exercise does not change that.",
				"heap %d: sample %d is %d, want %d", h.cnt, j, int8(b), int8(want))
		}
	}
	return nil
}

// inflightMeter measures how many heaps a stage has handed to its stream
// beyond those it has waited for. Its progress function, given to the
// stage as opts.Progress, runs while the stage's loop is stopped, just
// after a Wait: it watches the listener for packets of heaps with counters
// above the number reported sent, which can only have been handed over
// before the report. It stops watching once want heaps beyond are seen or
// the wire has been quiet for a while.
type inflightMeter struct {
	l       *listener
	want    int
	high    int // the most heaps seen beyond those reported sent
	reports int
}

// quiet is how long the meter watches a silent wire before it decides no
// more heaps are in flight.
const quiet = 200 * time.Millisecond

func (m *inflightMeter) progress(sent, total int) {
	m.reports++
	lastCount, lastChange := m.l.count.Load(), time.Now()
	for {
		if int(m.l.maxCnt.Load())-sent >= m.want {
			break
		}
		now := time.Now()
		if c := m.l.count.Load(); c != lastCount {
			lastCount, lastChange = c, now
		}
		if now.Sub(lastChange) > quiet {
			break
		}
		time.Sleep(time.Millisecond)
	}
	m.high = max(m.high, int(m.l.maxCnt.Load())-sent)
}

// descriptor returns the descriptor for id among the heap's descriptors,
// or nil.
func descriptor(h *heap, id uint64) (*spead.Descriptor, error) {
	ds, err := h.descriptors()
	if err != nil {
		return nil, fail("", "%v", err)
	}
	for i := range ds {
		if ds[i].ID == id {
			return &ds[i], nil
		}
	}
	return nil, nil
}
