package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// benchReport is everything tut bench measured: what --json prints, and
// what the table shows.
type benchReport struct {
	Date    time.Time   `json:"date"`
	Machine machineInfo `json:"machine"`
	// Netns says whether bench ran in a network namespace of its own,
	// with the dummy interface; Note says why not, if it did not.
	Netns bool         `json:"netns"`
	Note  string       `json:"note,omitempty"`
	Runs  int          `json:"runs"`
	Cases []caseResult `json:"cases"`
	// Sweep holds the packet-size sweep of --plot, if there was one.
	Sweep []sweepPoint `json:"sweep,omitempty"`
}

// machineInfo says what bench ran on.
type machineInfo struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model,omitempty"`
	Kernel    string `json:"kernel,omitempty"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	GoVersion string `json:"go_version"`
}

// caseResult is one case's runs and their summary.
type caseResult struct {
	benchCase
	// Rates are the runs' rates in MB/s, in the order they ran.
	Rates  []float64 `json:"rates_mbps"`
	Median float64   `json:"median_mbps"`
	Min    float64   `json:"min_mbps"`
	Max    float64   `json:"max_mbps"`
	// Delivered holds, for a case with a receiver, how much of each
	// run's data it got: bytes received over heap data sent for the
	// socket emptied as fast as it can be (a little over 1 when nothing
	// was lost), heaps received whole over heaps sent for tut recv.
	Delivered []float64 `json:"delivered,omitempty"`
	// FreshRatio is the case's median over the median of
	// yardstick-fresh, which does step 3's work with the system calls
	// spead/send makes and no SPEAD library: the headline ratio; 0 if
	// yardstick-fresh did not run.
	FreshRatio float64 `json:"ratio_to_yardstick_fresh,omitempty"`
	// Ratio is the case's median over the yardstick's median; 0 if the
	// yardstick did not run.
	Ratio float64 `json:"ratio_to_yardstick,omitempty"`
	// SplitRatio is the case's median over the median of
	// yardstick-split, which makes the system calls spead/send makes with
	// each packet's header and payload in separate iovecs, as spead/send
	// hands them to the kernel; 0 if yardstick-split did not run.
	SplitRatio float64 `json:"ratio_to_yardstick_split,omitempty"`
}

// sweepPoint is one packet size of the --plot sweep, for one sender.
type sweepPoint struct {
	Name       string    `json:"name"`
	PacketSize int       `json:"packet_size"`
	Heaps      int       `json:"heaps"`
	Rates      []float64 `json:"rates_mbps"`
	Median     float64   `json:"median_mbps"`
	Min        float64   `json:"min_mbps"`
	Max        float64   `json:"max_mbps"`
}

// summarize returns the median, least and greatest of rates, which must
// not be empty. The median of an even number of runs is the mean of the
// middle two.
func summarize(rates []float64) (median, lo, hi float64) {
	s := slices.Clone(rates)
	slices.Sort(s)
	n := len(s)
	median = s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return median, s[0], s[n-1]
}

// newCaseResult summarizes a case's runs.
func newCaseResult(c benchCase, runs []runResult) caseResult {
	r := caseResult{benchCase: c}
	for _, run := range runs {
		r.Rates = append(r.Rates, run.rate)
		if c.Dest == toLoopbackRecv || c.Dest == toLoopbackTut {
			r.Delivered = append(r.Delivered, run.delivered)
		}
	}
	r.Median, r.Min, r.Max = summarize(r.Rates)
	return r
}

// setRatios fills in each case's ratio to the median of the yardstick
// (the one that sends from a single batch, as the issue defines it) and
// to those of yardstick-split and yardstick-fresh, where they ran.
func setRatios(results []caseResult) {
	var yard, split, fresh float64
	for _, r := range results {
		switch r.Name {
		case "yardstick":
			yard = r.Median
		case "yardstick-split":
			split = r.Median
		case "yardstick-fresh":
			fresh = r.Median
		}
	}
	for i := range results {
		if fresh > 0 {
			results[i].FreshRatio = results[i].Median / fresh
		}
		if yard > 0 {
			results[i].Ratio = results[i].Median / yard
		}
		if split > 0 {
			results[i].SplitRatio = results[i].Median / split
		}
	}
}

// formatRatio writes a ratio as "0.78x", or "-" when there is none.
func formatRatio(r float64) string {
	if r <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", r)
}

// writeTable prints the report as a table: one row a case, rates in MB/s,
// names left-aligned and numbers right-aligned.
func writeTable(w io.Writer, rep *benchReport) error {
	nameW, destW := len("case"), len("dest")
	for _, r := range rep.Cases {
		nameW = max(nameW, len(r.Name))
		destW = max(destW, len(r.Dest))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %-*s  %6s  %7s  %7s  %11s  %9s  %9s  %8s  %12s  %8s\n",
		nameW, "case", destW, "dest", "packet", "heap", "heaps", "median MB/s", "min MB/s", "max MB/s", "vs fresh", "vs yardstick", "vs split")
	for _, r := range rep.Cases {
		fmt.Fprintf(&b, "%-*s  %-*s  %6d  %7d  %7d  %11.2f  %9.2f  %9.2f  %8s  %12s  %8s\n",
			nameW, r.Name, destW, r.Dest, r.PacketSize, r.heapSize(), r.Heaps, r.Median, r.Min, r.Max,
			formatRatio(r.FreshRatio), formatRatio(r.Ratio), formatRatio(r.SplitRatio))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	return nil
}

// writeJSON prints the report as indented JSON.
func writeJSON(w io.Writer, rep *benchReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// thisMachine describes the machine bench runs on, as far as it can tell.
func thisMachine() machineInfo {
	m := machineInfo{
		CPUs:      runtime.NumCPU(),
		GOOS:      runtime.GOOS,
		GOARCH:    runtime.GOARCH,
		GoVersion: runtime.Version(),
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
