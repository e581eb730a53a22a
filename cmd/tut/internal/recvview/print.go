// Package recvview owns what tut recv shows of the heaps it receives and
// what it checks in them: Printer writes a line a heap and, if asked, its
// descriptors and item values in the manner of spead2_recv; PrintStats
// writes the stream's statistics; Verifier checks heaps against the
// tutorial's data (random or constant samples, counters from 1, none lost)
// and reports each problem. Receiving the stream is the command's work.
package recvview

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/recv"
)

// Printer prints a line per heap and, if asked, its descriptors and item
// values.
type Printer struct {
	w           io.Writer
	descriptors bool
	values      bool
	group       *recv.ItemGroup
}

// NewPrinter returns a Printer that writes to w, with each heap's
// descriptors if descriptors is set and its item values, decoded with the
// descriptors seen so far, if values is set.
func NewPrinter(w io.Writer, descriptors, values bool) *Printer {
	return &Printer{w: w, descriptors: descriptors, values: values, group: recv.NewItemGroup()}
}

// Print prints heap h.
func (p *Printer) Print(h *recv.Heap) {
	switch {
	case h.IsStartOfStream():
		fmt.Fprintf(p.w, "Received heap %d, start of stream\n", h.Cnt)
	case h.Complete():
		fmt.Fprintf(p.w, "Received heap %d\n", h.Cnt)
	default:
		fmt.Fprintf(p.w, "Received heap %d, incomplete: %d of %s bytes\n", h.Cnt, h.Received, lengthString(h.Length))
	}
	if p.descriptors {
		// The flavour is the heap's own, from its packets' headers
		// (packets of another flavour are dropped as a conflict), not
		// what any descriptor says.
		fmt.Fprintf(p.w, "  flavour: %v\n", h.Flavour)
		ds, err := h.Descriptors()
		for _, d := range ds {
			printDescriptor(p.w, &d)
		}
		if err != nil {
			printError(p.w, "bad descriptor", err)
		}
	}
	if !p.values {
		return
	}
	updated, err := p.group.Update(h)
	named := make(map[uint64]bool, len(updated))
	for _, it := range updated {
		named[it.ID] = true
	}
	raws, _ := h.Items(nil)
	for _, raw := range raws {
		if raw.ID <= spead.StreamCtrlID {
			continue
		}
		if it, ok := p.group.ByID(raw.ID); ok && named[raw.ID] {
			if it.Err != nil {
				// Dropped or not decoded: say why, in one line.
				fmt.Fprintf(p.w, "  %s (%#x) = [%d bytes, not shown: %s]\n", Escape(it.Name), it.ID, len(raw.Data), Escape(it.Err.Error()))
			} else {
				fmt.Fprintf(p.w, "  %s (%#x) = %s\n", Escape(it.Name), it.ID, formatValue(it.Value))
			}
		} else if raw.Immediate {
			fmt.Fprintf(p.w, "  %#x = %d\n", raw.ID, raw.Value)
		} else {
			fmt.Fprintf(p.w, "  %#x = [%d bytes]\n", raw.ID, len(raw.Data))
		}
	}
	if err != nil {
		printError(p.w, "undecoded", err)
	}
}

// Escape returns s as it may be shown on a terminal: s itself if every
// rune of it is printable (strconv.IsPrint) and valid UTF-8, otherwise s
// quoted with Go's escapes (strconv.Quote), so that no control byte from
// the network (ESC, CR, BEL, backspace, DEL, C1 controls) or invalid
// UTF-8 reaches the terminal.
func Escape(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// printError prints err, a line for each line of it (errors.Join puts
// one error a line), each escaped.
func printError(w io.Writer, what string, err error) {
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintf(w, "  %s: %s\n", what, Escape(line))
	}
}

// lengthString formats a heap length, which is -1 when unknown.
func lengthString(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return strconv.FormatInt(n, 10)
}

// printDescriptor prints a descriptor in the manner of spead2_recv.
func printDescriptor(w io.Writer, d *spead.Descriptor) {
	fmt.Fprintf(w, "  Descriptor for %s (%#x)\n", Escape(d.Name), d.ID)
	fmt.Fprintf(w, "    description: %s\n", Escape(d.Description))
	fields := make([]string, len(d.Format))
	for i, ff := range d.Format {
		fields[i] = ff.String()
	}
	fmt.Fprintf(w, "    format:      [%s]\n", Escape(strings.Join(fields, ", ")))
	shape := d.Shape
	if len(shape) == 0 && d.DType != "" {
		if h, err := spead.ParseNumpyHeader(d.DType); err == nil {
			shape = h.Shape
		}
	}
	fmt.Fprintf(w, "    shape:       %s\n", shapeString(shape))
	fmt.Fprintf(w, "    dtype:       %s\n", Escape(d.DType))
}

// shapeString writes a shape as a Python tuple, with ? for a variable
// dimension: (), (5,), (2, 3), (?,).
func shapeString(shape []int64) string {
	dims := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			dims[i] = "?"
		} else {
			dims[i] = strconv.FormatInt(d, 10)
		}
	}
	s := strings.Join(dims, ", ")
	if len(shape) == 1 {
		s += ","
	}
	return "(" + s + ")"
}

// numpy abbreviates arrays of more than this many elements.
const (
	summaryThreshold = 1000
	summaryEdge      = 3
)

// formatValue formats an item value: numbers in decimal, strings quoted,
// arrays space-separated in brackets and abbreviated as numpy does, as in
// [1 1 1 … 1 1 1], records included.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return strconv.Quote(v)
	case []any:
		if len(v) > 0 {
			if _, ok := v[0].([]any); ok {
				break // an array of records: abbreviated below
			}
		}
		// A record.
		parts := make([]string, len(v))
		for i, f := range v {
			parts[i] = formatValue(f)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return fmt.Sprint(v)
	}
	n := rv.Len()
	var parts []string
	add := func(i int) { parts = append(parts, formatValue(rv.Index(i).Interface())) }
	if n > summaryThreshold {
		for i := range summaryEdge {
			add(i)
		}
		parts = append(parts, "…")
		for i := n - summaryEdge; i < n; i++ {
			add(i)
		}
	} else {
		for i := range n {
			add(i)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// PrintStats prints the statistics, one "name: value" a line, in the
// order of recv.Stats.List. After "heaps", which counts incomplete heaps
// too, as spead2's statistic does, comes "heaps.complete": the part of
// them that arrived whole, the number spead2_recv reports as received.
// The rest are the incomplete heaps, evicted or flushed.
func PrintStats(w io.Writer, st recv.Stats) {
	for _, s := range st.List() {
		fmt.Fprintf(w, "%s: %d\n", s.Name, s.Value)
		if s.Name == "heaps" {
			fmt.Fprintf(w, "heaps.complete: %d\n", completeHeaps(st))
		}
	}
}

// completeHeaps returns how many of the heaps st counts arrived whole.
// Only heaps still under construction are incomplete, and they leave
// the stream evicted or flushed, each counted once.
func completeHeaps(st recv.Stats) uint64 {
	return st.Heaps - st.IncompleteHeapsEvicted - st.IncompleteHeapsFlushed
}
