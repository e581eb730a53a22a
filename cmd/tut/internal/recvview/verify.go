package recvview

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/recv"
)

// The tutorial's heaps, as --verify expects them.
const (
	verifyChunk        = 1 << 20 // samples per heap
	verifyTimestampID  = 0x1600
	verifySamplesID    = 0x3300
	verifyMaxReports   = 20 // problems reported one by one before a summary
	verifyRandomLow    = -100
	verifyRandomHigh   = 100 // exclusive
	verifyFirstHeapCnt = 1   // spead2's senders number heaps from 1
)

// Verifier checks heaps against the tutorial's data.
type Verifier struct {
	constant bool   // constant fill (steps 2 and 3), else random (step 1)
	first    uint64 // the counter of data heap 0
	w        io.Writer
	good     map[uint64]bool // heap counters that passed
	seen     map[uint64]bool // heap counters received at all
	maxCnt   uint64
	problems int
}

// NewVerifier returns a Verifier for "random" or "constant" data that
// reports problems on w.
func NewVerifier(mode string, w io.Writer) *Verifier {
	return &Verifier{constant: mode == "constant", first: verifyFirstHeapCnt, w: w, good: map[uint64]bool{}, seen: map[uint64]bool{}}
}

// report records a problem and prints it, up to a limit.
func (v *Verifier) report(format string, args ...any) {
	v.problems++
	if v.problems <= verifyMaxReports {
		v.print(format, args...)
	} else if v.problems == verifyMaxReports+1 {
		v.print("more problems; only the count follows, and the summary")
	}
}

// summarize records n problems and prints their summary, whatever the
// count of problems before.
func (v *Verifier) summarize(n uint64, format string, args ...any) {
	v.problems += int(min(n, 1<<30))
	v.print(format, args...)
}

// print prints one line of the verifier's, escaped.
func (v *Verifier) print(format string, args ...any) {
	fmt.Fprintf(v.w, "tut recv: verify: %s\n", Escape(fmt.Sprintf(format, args...)))
}

// Check checks one heap. A start-of-stream heap is no data heap: one
// that comes before any other makes the data heaps count from the
// counter after its own, and one that comes later is reported.
func (v *Verifier) Check(h *recv.Heap) {
	cnt := h.Cnt
	if h.IsStartOfStream() {
		if len(v.seen) == 0 {
			v.first = cnt + 1
		} else {
			v.seen[cnt] = true // not lost: no data heap was due here
			v.report("heap %d starts the stream after data heaps", cnt)
		}
		return
	}
	if v.seen[cnt] {
		v.report("heap %d received twice", cnt)
		return
	}
	v.seen[cnt] = true
	v.maxCnt = max(v.maxCnt, cnt)
	if cnt < v.first {
		v.report("heap counter %d: the tutorial numbers data heaps from %d", cnt, v.first)
		return
	}
	if !h.Complete() {
		v.report("heap %d is incomplete: %d of %s bytes arrived", cnt, h.Received, lengthString(h.Length))
		return
	}
	k := cnt - v.first
	items, err := h.Items(nil)
	if err != nil {
		v.report("%v", err)
		return
	}
	var ts, samples *spead.RawItem
	for i := range items {
		switch items[i].ID {
		case verifyTimestampID:
			ts = &items[i]
		case verifySamplesID:
			samples = &items[i]
		}
	}
	switch {
	case ts == nil:
		v.report("heap %d has no timestamp (item %#x)", cnt, verifyTimestampID)
		return
	case samples == nil:
		v.report("heap %d has no adc_samples (item %#x)", cnt, verifySamplesID)
		return
	}
	if got, want := itemUint(ts), k*verifyChunk; got != want {
		v.report("heap %d: timestamp is %d, want %d", cnt, got, want)
		return
	}
	if len(samples.Data) != verifyChunk {
		v.report("heap %d: %d samples, want %d", cnt, len(samples.Data), verifyChunk)
		return
	}
	if v.constant {
		if i, ok := checkConstant(samples.Data, byte(int8(k))); !ok {
			v.report("heap %d: sample %d is %d, want %d (int8(%d))", cnt, i, int8(samples.Data[i]), int8(k), k)
			return
		}
	} else if i, ok := checkRandom(samples.Data); !ok {
		v.report("heap %d: sample %d is %d, outside [%d, %d)", cnt, i, int8(samples.Data[i]), verifyRandomLow, verifyRandomHigh)
		return
	} else if _, ok := checkConstant(samples.Data, samples.Data[0]); ok {
		v.report("heap %d: every sample is %d, not random: constant data, as steps 2 and 3 send", cnt, int8(samples.Data[0]))
		return
	} else if chi2, ok := checkUniform(samples.Data); !ok {
		v.report("heap %d: the samples are far from uniform in [%d, %d): chi-squared %.0f over %d values, want under %d",
			cnt, verifyRandomLow, verifyRandomHigh, chi2, verifyRandomHigh-verifyRandomLow, maxChiSquared)
		return
	}
	v.good[cnt] = true
}

// itemUint returns an item's value as an unsigned integer: an immediate
// as it is, an addressed item's bytes read big-endian (at most 8).
func itemUint(it *spead.RawItem) uint64 {
	if it.Immediate {
		return it.Value
	}
	var x uint64
	for _, b := range it.Data[max(0, len(it.Data)-8):] {
		x = x<<8 | uint64(b)
	}
	return x
}

// checkConstant reports whether every byte of data is c, and if not, the
// index of the first that is not. bytes.Count, in vector instructions,
// answers the common case four to six times faster than a loop; the loop,
// eight bytes at a time, finds the index.
func checkConstant(data []byte, c byte) (int, bool) {
	if bytes.Count(data, []byte{c}) == len(data) {
		return 0, true
	}
	pattern := uint64(c) * 0x0101010101010101
	i := 0
	for ; i+8 <= len(data); i += 8 {
		if binary.LittleEndian.Uint64(data[i:]) != pattern {
			break
		}
	}
	for ; i < len(data); i++ {
		if data[i] != c {
			return i, false
		}
	}
	return 0, true
}

// checkRandom reports whether every byte of data, as an int8, is in
// [-100, 100), and if not, the index of the first that is not.
func checkRandom(data []byte) (int, bool) {
	for i, b := range data {
		// int8(b)+100 is in [0, 200) exactly when int8(b) is in
		// [-100, 100); as a byte the sum wraps, so one comparison does.
		if b+(-verifyRandomLow) >= verifyRandomHigh-verifyRandomLow {
			return i, false
		}
	}
	return 0, true
}

// maxChiSquared is the largest chi-squared statistic checkUniform takes
// for uniform samples. Over 200 values (199 degrees of freedom) uniform
// samples give 199 on average with a standard deviation of 20, so a heap
// of them passes all but never; data that is uniform over a narrower range
// (heap after heap in [0, 100), say) or peaked gives thousands or more.
const maxChiSquared = 400

// checkUniform reports whether samples in [-100, 100) are plausibly
// uniform there, by Pearson's chi-squared test, and the statistic.
func checkUniform(data []byte) (float64, bool) {
	const n = verifyRandomHigh - verifyRandomLow
	var counts [256]int
	for _, b := range data {
		counts[b]++
	}
	want := float64(len(data)) / n
	chi2 := 0.0
	for v := verifyRandomLow; v < verifyRandomHigh; v++ {
		d := float64(counts[byte(int8(v))]) - want
		chi2 += d * d / want
	}
	return chi2, chi2 <= maxChiSquared
}

// Finish reports the heaps that never arrived whole, given the counter of
// the end-of-stream heap if there was one, and returns the number of
// problems.
func (v *Verifier) Finish(endCnt uint64, ended bool) int {
	last := v.maxCnt
	if ended && endCnt > v.first {
		last = max(last, endCnt-1)
	}
	if last < v.first {
		v.summarize(1, "no data heaps received")
		return v.problems
	}
	if lost, n := lostRanges(v.seen, v.first, last); n > 0 {
		v.summarize(n, "%d heaps lost: %s", n, rangesString(lost))
	}
	if !ended {
		// Without the end-of-stream heap there is no telling how
		// many heaps were sent, so heaps lost after the last one
		// seen would go unnoticed.
		v.summarize(1, "the end of the stream never arrived: heaps after %d may be lost", last)
	}
	return v.problems
}

// countRange is the run of heap counters from first to last.
type countRange struct{ first, last uint64 }

// lostRanges returns the runs of counters from first to last that are not
// in seen, and how many counters they hold. It works from the counters
// seen, not by counting from first to last: one stray counter near 2^40,
// from a corrupt packet or a sender that does not number from 1, must not
// cost 2^40 steps.
func lostRanges(seen map[uint64]bool, first, last uint64) ([]countRange, uint64) {
	var got []uint64
	for c := range seen {
		if c >= first && c <= last {
			got = append(got, c)
		}
	}
	slices.Sort(got)
	var (
		lost []countRange
		n    uint64
	)
	next := first
	for _, c := range got {
		if c > next {
			lost = append(lost, countRange{next, c - 1})
			n += c - next
		}
		next = c + 1
	}
	if next <= last {
		lost = append(lost, countRange{next, last})
		n += last - next + 1
	}
	return lost, n
}

// maxRanges is how many runs of lost heaps rangesString writes out.
const maxRanges = 10

// rangesString writes runs of counters as "3, 5-9, 12", the first
// maxRanges of them, then how many more there are.
func rangesString(rs []countRange) string {
	var out []byte
	for i, r := range rs {
		if i == maxRanges {
			out = fmt.Appendf(out, " and %d more runs", len(rs)-maxRanges)
			break
		}
		if i > 0 {
			out = append(out, ", "...)
		}
		out = fmt.Appendf(out, "%d", r.first)
		if r.last > r.first {
			out = fmt.Appendf(out, "-%d", r.last)
		}
	}
	return string(out)
}
