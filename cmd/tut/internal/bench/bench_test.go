package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		rates          []float64
		median, lo, hi float64
	}{
		{[]float64{5}, 5, 5, 5},
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{10, 10, 1, 10, 100}, 10, 1, 100},
	} {
		in := append([]float64(nil), tc.rates...)
		m, lo, hi := summarize(tc.rates)
		if m != tc.median || lo != tc.lo || hi != tc.hi {
			t.Errorf("summarize(%v) = %v, %v, %v; want %v, %v, %v", in, m, lo, hi, tc.median, tc.lo, tc.hi)
		}
		for i := range in {
			if in[i] != tc.rates[i] {
				t.Errorf("summarize reordered its argument: %v, was %v", tc.rates, in)
				break
			}
		}
	}
}

func TestParseRate(t *testing.T) {
	if got, err := parseRate("6847.84 MB/s\n"); err != nil || got != 6847.84 {
		t.Errorf(`parseRate("6847.84 MB/s\n") = %v, %v; want 6847.84`, got, err)
	}
	for _, bad := range []string{"", "MB/s", "fast MB/s", "12.5 GB/s", "1.0 MB/s extra"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) succeeded, want an error", bad)
		}
	}
}

// testReport is a report of two cases, one of them the yardstick.
func testReport() *benchReport {
	rep := &benchReport{Runs: 3, Machine: machineInfo{CPUs: 2}}
	rep.Cases = []caseResult{
		newCaseResult(benchCase{Name: "step3-dummy", Step: 3, Dest: toDummy, PacketSize: 9000, Heaps: 10},
			[]runResult{{rate: 600}, {rate: 500}, {rate: 700}}),
		newCaseResult(benchCase{Name: "yardstick", Step: 0, Dest: toDummy, PacketSize: 9000, Heaps: 10},
			[]runResult{{rate: 1000}, {rate: 1200}, {rate: 800}}),
	}
	setRatios(rep.Cases)
	return rep
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := writeTable(&b, testReport()); err != nil {
		t.Fatal(err)
	}
	want := `case         dest   packet     heap    heaps  median MB/s   min MB/s   max MB/s  vs fresh  vs yardstick  vs split
step3-dummy  dummy    9000  1048576       10       600.00     500.00     700.00         -         0.60x         -
yardstick    dummy    9000  1048576       10      1000.00     800.00    1200.00         -         1.00x         -
`
	if b.String() != want {
		t.Errorf("writeTable wrote\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteTableWithoutYardstick(t *testing.T) {
	rep := testReport()
	rep.Cases = rep.Cases[:1]
	for i := range rep.Cases {
		rep.Cases[i].Ratio = 0
	}
	setRatios(rep.Cases)
	var b bytes.Buffer
	if err := writeTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimSpace(b.String()), " -             -         -") {
		t.Errorf("without a yardstick every ratio should be -:\n%s", b.String())
	}
}

// TestSplitRatio checks the second ratio column: each case over
// yardstick-split, beside its ratio to the yardstick.
func TestSplitRatio(t *testing.T) {
	rep := testReport()
	rep.Cases = append(rep.Cases, newCaseResult(
		benchCase{Name: "yardstick-split", Step: 0, Dest: toDummy, PacketSize: 9000, Heaps: 10},
		[]runResult{{rate: 750}, {rate: 800}, {rate: 850}}))
	setRatios(rep.Cases)
	for _, tt := range []struct {
		name         string
		ratio, split float64
	}{
		{"step3-dummy", 0.6, 0.75},
		{"yardstick", 1, 1.25},
		{"yardstick-split", 0.8, 1},
	} {
		var got *caseResult
		for i := range rep.Cases {
			if rep.Cases[i].Name == tt.name {
				got = &rep.Cases[i]
			}
		}
		if math.Abs(got.Ratio-tt.ratio) > 1e-9 || math.Abs(got.SplitRatio-tt.split) > 1e-9 {
			t.Errorf("%s: ratios %v and %v, want %v and %v", tt.name, got.Ratio, got.SplitRatio, tt.ratio, tt.split)
		}
	}
	var b bytes.Buffer
	if err := writeTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "0.60x     0.75x\n") {
		t.Errorf("the table lacks step 3's two ratios:\n%s", b.String())
	}
}

// TestFreshRatio checks the first ratio column: each case over
// yardstick-fresh, the headline ratio.
func TestFreshRatio(t *testing.T) {
	rep := testReport()
	rep.Cases = append(rep.Cases, newCaseResult(
		benchCase{Name: "yardstick-fresh", Step: 0, Dest: toDummy, PacketSize: 9000, Heaps: 10, Split: 40, Fresh: true},
		[]runResult{{rate: 700}, {rate: 800}, {rate: 900}}))
	setRatios(rep.Cases)
	for i, want := range []float64{0.75, 1.25, 1} {
		if got := rep.Cases[i].FreshRatio; math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: ratio to yardstick-fresh %v, want %v", rep.Cases[i].Name, got, want)
		}
	}
	var b bytes.Buffer
	if err := writeTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "700.00     0.75x         0.60x         -\n") {
		t.Errorf("the table lacks step 3's ratio to yardstick-fresh:\n%s", b.String())
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := writeJSON(&b, testReport()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Runs  int `json:"runs"`
		Cases []struct {
			Name   string    `json:"name"`
			Rates  []float64 `json:"rates_mbps"`
			Median float64   `json:"median_mbps"`
			Ratio  float64   `json:"ratio_to_yardstick"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("the JSON does not parse: %v\n%s", err, b.String())
	}
	if got.Runs != 3 || len(got.Cases) != 2 || got.Cases[0].Name != "step3-dummy" ||
		got.Cases[0].Median != 600 || got.Cases[0].Ratio != 0.6 || len(got.Cases[1].Rates) != 3 {
		t.Errorf("JSON round trip = %+v", got)
	}
}

func TestBenchCases(t *testing.T) {
	all := benchCases(0, true)
	loop := benchCases(0, false)
	for _, c := range loop {
		if c.Dest == toDummy {
			t.Errorf("without the dummy interface, case %s sends to it", c.Name)
		}
	}
	if len(loop) >= len(all) {
		t.Errorf("loopback-only has %d cases, all has %d", len(loop), len(all))
	}
	wantHeaps := map[string]int{"step1": 100, "step2": 100, "step3-loopback": 10000, "step3-dummy": 10000, "yardstick": 10000}
	for _, c := range all {
		if w, ok := wantHeaps[c.Name]; ok && c.Heaps != w {
			t.Errorf("case %s sends %d heaps by default, want %d", c.Name, c.Heaps, w)
		}
	}
	for _, c := range benchCases(7, true) {
		if c.Heaps*c.heapSize() != 7*heapBytes {
			t.Errorf("with --heaps 7, case %s sends %d heaps of %d bytes", c.Name, c.Heaps, c.heapSize())
		}
	}
}

func TestParseHeaps(t *testing.T) {
	// Of 42 heaps, 40 arrived whole: the fraction tut bench shows is of
	// whole heaps.
	stats := "heaps: 42\nheaps.complete: 40\nincomplete_heaps_evicted: 2\npackets: 4900\n"
	if got, err := parseHeaps(stats); err != nil || got != 40 {
		t.Errorf("parseHeaps(%q) = %d, %v; want 40", stats, got, err)
	}
	for _, bad := range []string{"", "packets: 3\n", "heaps: 3\n", "heaps.complete: many\n"} {
		if _, err := parseHeaps(bad); err == nil {
			t.Errorf("parseHeaps(%q) succeeded, want an error", bad)
		}
	}
}

// TestHeapSizeCases checks that bench has a case for each heap size, each
// sending as many bytes of samples as step 3.
func TestHeapSizeCases(t *testing.T) {
	found := map[int]bool{}
	for _, c := range benchCases(0, true) {
		if c.HeapSize == 0 {
			continue
		}
		found[c.HeapSize] = true
		if int64(c.Heaps)*int64(c.HeapSize) != 10000*heapBytes || c.Dest != toDummy || c.PacketSize != 9000 {
			t.Errorf("case %s: %d heaps of %d bytes to %s at %d-byte packets, want step 3's bytes to the dummy interface at 9000",
				c.Name, c.Heaps, c.HeapSize, c.Dest, c.PacketSize)
		}
	}
	for _, size := range []int{8 << 10, 64 << 10, 1 << 20} {
		if !found[size] {
			t.Errorf("no case for %d-byte heaps", size)
		}
	}
}

// TestRunHeapSize sends heaps of 8 KiB as a heap-size case does to a
// loopback socket, and checks what arrives: consecutive heap counters, the
// descriptors in the first heap only, each heap's timestamp and samples.
func TestRunHeapSize(t *testing.T) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadBuffer(8 << 20)
	const size, n = 8 << 10, 150 // 64 heaps a group: two whole groups and a part
	rate, err := runHeapSize(context.Background(), &benchEnv{}, conn.LocalAddr().(*net.UDPAddr).AddrPort(), 9000, size, n)
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Errorf("rate %v", rate)
	}
	buf := make([]byte, 65536)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := range n + 1 {
		m, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		p, err := spead.ParsePacket(buf[:m])
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if p.HeapCnt != uint64(i+1) {
			t.Fatalf("packet %d: heap counter %d, want %d", i, p.HeapCnt, i+1)
		}
		if i == n {
			break // the end of the stream
		}
		var desc int
		var ts uint64
		var data []byte
		for _, it := range p.Items(nil) {
			switch it.ID {
			case spead.DescriptorID:
				desc++
			case 0x1600:
				ts = it.Value
			case 0x3300:
				data = it.Data
			}
		}
		if want := map[bool]int{true: 2, false: 0}[i == 0]; desc != want {
			t.Errorf("heap %d carries %d descriptors, want %d", i+1, desc, want)
		}
		if ts != uint64(i*size) || len(data) != size || string(data) != strings.Repeat(string([]byte{byte(i)}), size) {
			t.Fatalf("heap %d: timestamp %d, %d samples; want %d, %d all equal to %d", i+1, ts, len(data), i*size, size, byte(i))
		}
	}
}
