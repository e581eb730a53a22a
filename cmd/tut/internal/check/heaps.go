package check

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"time"

	"github.com/gospead/tutorial/spead"
	step3 "github.com/gospead/tutorial/step3"
)

// The exercises of spead2's later sender pages, on step 3: small heaps
// with a mebibyte of them in flight (tut-8's heap size, tut-10), heaps
// built once and reused (tut-10), heaps sent in groups (tut-11).
func init() {
	exercises = append(exercises,
		Exercise{N: 12, Title: "Send small heaps", Step: 3, Check: checkSmallHeaps},
		Exercise{N: 13, Title: "Build each heap once", Step: 3, Check: checkBuildOnce},
		Exercise{N: 14, Title: "Send heaps in groups", Step: 3, Check: checkGroups},
	)
}

// verifySized checks that hs are step 3's data heaps with size samples
// each: heap k has timestamp k×size and samples all int8(k), and the
// first describes adc_samples with shape (size,).
func verifySized(hs []*heap, size int) error {
	for k, h := range hs {
		it, ok, err := h.item(0x1600)
		switch {
		case err != nil:
			return fail("", "heap %d: %v", h.cnt, err)
		case !ok || !it.Immediate:
			return fail("keep AddImmediate(timestampDesc.ID, ...) in every heap.", "heap %d has no immediate timestamp (item 0x1600)", h.cnt)
		case it.Value != uint64(k)*uint64(size):
			return fail("heap i's timestamp is i*chunkSize, the index of its first sample.",
				"heap %d's timestamp is %d, want %d", h.cnt, it.Value, uint64(k)*uint64(size))
		}
		data, err := samples(h)
		if err != nil {
			return err
		}
		if len(data) != size {
			return fail("chunkSize is the number of samples in a heap, one byte each.",
				"heap %d has %d bytes of samples, want %d", h.cnt, len(data), size)
		}
		want := byte(int8(k))
		for j, b := range data {
			if b != want {
				return fail("heap i's samples are all int8(i); the exercise does not change that.",
					"heap %d: sample %d is %d, want %d", h.cnt, j, int8(b), int8(want))
			}
		}
	}
	return nil
}

// describedOnce checks that the first of hs carries both descriptors, the
// samples' with shape (size,), and no other heap carries any.
func describedOnce(hs []*heap, size int) error {
	for k, h := range hs {
		ds, err := h.descriptors()
		if err != nil {
			return fail("", "%v", err)
		}
		if k > 0 {
			if len(ds) > 0 {
				return fail("only the first heap carries the descriptors.", "heap %d carries %s", h.cnt, plural(len(ds), "descriptor"))
			}
			continue
		}
		var ids []uint64
		var shape []int64
		for _, d := range ds {
			ids = append(ids, d.ID)
			if d.ID == 0x3300 {
				nh, err := spead.ParseNumpyHeader(d.DType)
				if err != nil {
					return fail("", "heap 1: the descriptor of adc_samples: %v", err)
				}
				shape = nh.Shape
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []uint64{0x1600, 0x3300}) {
			return fail("the first heap carries the descriptors of the timestamp and the samples.", "heap 1 describes items %#x, want 0x1600 and 0x3300", ids)
		}
		if !slices.Equal(shape, []int64{int64(size)}) {
			return fail("the samples' descriptor gives their shape: chunkSize of them.", "heap 1 describes adc_samples with shape %v, want (%d,)", shape, size)
		}
	}
	return nil
}

// Exercise 12: 8 KiB heaps, with a mebibyte of them in flight.
func checkSmallHeaps(ctx context.Context) (string, error) {
	const (
		size   = 8 << 10
		n      = 300
		deep   = 64 // heaps beyond those waited for: half of 1 MiB of 8 KiB heaps
		inline = (1 << 20) / size
	)
	m := &depthMeter{want: deep}
	r, err := runStage(ctx, 3, options{Heaps: n}, func(l *listener) func(int, int) {
		m.l = l
		return m.progress
	})
	if err != nil {
		return "", err
	}
	// The heap size first: 1 MiB heaps, three hundred of them, may
	// overrun the check's receiver and fail for that instead.
	if h := r.caps[0].heaps[2]; h != nil && h.length != size {
		return "", fail("chunkSize is the number of samples in a heap, one byte each: 8 KiB is 8 * 1024.",
			"heap 2 carries %d bytes, want %d", h.length, size)
	}
	hs, err := wantData(r.caps[0], n)
	if err != nil {
		return "", err
	}
	if err := verifySized(hs, size); err != nil {
		return "", err
	}
	if err := describedOnce(hs, size); err != nil {
		return "", err
	}
	if m.reports == 0 {
		return "", fail("call opts.Progress after each Wait, as the stage does now: the check watches the wire then.", "the stage never reported progress")
	}
	if m.high < deep {
		return "", fail(fmt.Sprintf("a mebibyte of 8 KiB heaps is %d of them: MaxHeaps that many, as many states, and a loop that waits for the heap that last used a state before it reuses it.", inline),
			"at most %s went out beyond those the stage had reported sent, want at least %d", plural(m.high, "heap"), deep)
	}
	return fmt.Sprintf("%d heaps of 8192 samples verify, described once, with up to %d heaps in flight beyond those reported sent", n, m.high), nil
}

// depthMeter is an inflightMeter for deep pipelines and many heaps: at
// each progress report it waits 5 ms at most, not until the wire is quiet,
// for heaps beyond those reported sent, and once it has seen want of them
// it only counts the reports. (The check's listener gives up after 3 s
// without 256 datagrams, so a slow stage of 8 KiB heaps must not sleep
// long at every report.)
type depthMeter struct {
	l       *listener
	want    int
	high    int
	reports int
}

func (m *depthMeter) progress(sent, total int) {
	m.reports++
	deadline := time.Now().Add(5 * time.Millisecond)
	for m.high < m.want {
		m.high = max(m.high, int(m.l.maxCnt.Load())-sent)
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
}

// Exercise 13: each heap is built before the loop, which only updates
// its timestamp and samples.
func checkBuildOnce(ctx context.Context) (string, error) {
	const n = 10
	hs, err := runData(ctx, 3, n)
	if err != nil {
		return "", err
	}
	if err := verifySized(hs, chunk); err != nil {
		return "", err
	}
	if err := describedOnce(hs, chunk); err != nil {
		return "", err
	}
	calls, err := loopHeapCalls(step3.Source)
	if err != nil {
		return "", err
	}
	if len(calls) > 0 {
		return "", fail("build each state's heap, and a first heap with the descriptors, before the loop; in the loop set the timestamp item's Value and refill the samples.",
			"the loop over the heaps still builds them: it calls %s", calls[0])
	}
	return fmt.Sprintf("%d heaps verify, described once, and the loop builds no heap", n), nil
}

// heapBuilders are the spead.Heap methods that build a heap.
var heapBuilders = []string{"Reset", "AddImmediate", "AddItem", "AddDescriptor", "AddEnd"}

// loopHeapCalls returns the calls of heapBuilders inside the loops of
// Run in src, a stage's source, as "name (line N)".
func loopHeapCalls(src string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "send.go", src, 0)
	if err != nil {
		return nil, fail("", "step3/send.go does not parse: %v", err)
	}
	var calls []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Run" || fn.Body == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch l := n.(type) {
			case *ast.ForStmt:
				body = l.Body
			case *ast.RangeStmt:
				body = l.Body
			default:
				return true
			}
			// Loops that run before the sending starts, over the
			// states, may build heaps: only a loop that sends counts.
			if !sends(body) {
				return true
			}
			ast.Inspect(body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && slices.Contains(heapBuilders, sel.Sel.Name) {
					calls = append(calls, fmt.Sprintf("%s (line %d)", sel.Sel.Name, fset.Position(call.Pos()).Line))
				}
				return true
			})
			return false
		})
	}
	return calls, nil
}

// sends reports whether body hands a heap to the stream.
func sends(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "AsyncSendHeap" || sel.Sel.Name == "AsyncSendHeaps") {
			found = true
		}
		return !found
	})
	return found
}

// Exercise 14: groups of four heaps, one Future each, round robin.
func checkGroups(ctx context.Context) (string, error) {
	const (
		n     = 24
		group = 4
	)
	r, err := runStage(ctx, 3, options{Heaps: n}, nil)
	if err != nil {
		return "", err
	}
	c := r.caps[0]
	hs, err := wantData(c, n)
	if err != nil {
		return "", err
	}
	if err := verifySized(hs, chunk); err != nil {
		return "", err
	}
	if err := describedOnce(hs, chunk); err != nil {
		return "", err
	}
	// The heap counters of the data packets, in the order they arrived.
	var order []uint64
	for _, a := range c.arrivals {
		if a.err == nil && a.pkt.HeapCnt <= n {
			order = append(order, a.pkt.HeapCnt)
		}
	}
	const hint = "send heaps 4g to 4g+3 with one AsyncSendHeaps call and send.RoundRobin, so that their packets take turns on the wire."
	// Heaps are numbered from 1: group g is heaps 4g+1 to 4g+4. Each
	// group's packets arrive together, and a round-robin group's first
	// four packets are one from each of its heaps, in order.
	pos := 0
	for g := range n / group {
		first := uint64(g*group + 1)
		for j := range group {
			if pos+j >= len(order) || order[pos+j] != first+uint64(j) {
				got := order[pos:min(pos+group, len(order))]
				return "", fail(hint, "heaps %d to %d do not take turns: their first packets belong to heaps %v, want %d to %d",
					first, first+group-1, got, first, first+group-1)
			}
		}
		for pos < len(order) && order[pos] >= first && order[pos] < first+group {
			pos++
		}
	}
	return fmt.Sprintf("%d heaps verify, sent in %d groups of %d whose packets take turns", n, n/group, group), nil
}
