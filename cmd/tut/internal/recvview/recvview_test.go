package recvview

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gospead/tutorial/spead/recv"
)

func TestFormatValue(t *testing.T) {
	long := make([]int8, 1048576)
	for i := range long {
		long[i] = 1
	}
	long[0] = -1
	for _, tc := range []struct {
		v    any
		want string
	}{
		{uint64(1048576), "1048576"},
		{int64(-3), "-3"},
		{"hi", `"hi"`},
		{nil, "None"},
		{[]uint64{1, 2, 3}, "[1 2 3]"},
		{[]int8{}, "[]"},
		{long, "[-1 1 1 … 1 1 1]"},
		{make([]uint8, 1000), "[" + strings.TrimSpace(strings.Repeat("0 ", 1000)) + "]"},
		{[]any{uint64(1), true}, "(1, true)"},
		{records(350_000), "[(0, 1) (1, 0) (2, 1) … (349997, 0) (349998, 1) (349999, 0)]"},
		{float64(0.5), "0.5"},
	} {
		if got := formatValue(tc.v); got != tc.want {
			t.Errorf("formatValue(%#v) = %q, want %q", tc.v, clipString(got), clipString(tc.want))
		}
	}
}

func clipString(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func TestShapeString(t *testing.T) {
	for _, tc := range []struct {
		shape []int64
		want  string
	}{
		{nil, "()"},
		{[]int64{5}, "(5,)"},
		{[]int64{2, 3}, "(2, 3)"},
		{[]int64{-1}, "(?,)"},
	} {
		if got := shapeString(tc.shape); got != tc.want {
			t.Errorf("shapeString(%v) = %s, want %s", tc.shape, got, tc.want)
		}
	}
}

func TestCheckSamples(t *testing.T) {
	data := bytes.Repeat([]byte{7}, 1000)
	if _, ok := checkConstant(data, 7); !ok {
		t.Error("constant data fails")
	}
	data[997] = 8
	if i, ok := checkConstant(data, 7); ok || i != 997 {
		t.Errorf("checkConstant = %d, %v; want 997, false", i, ok)
	}
	for v := -128; v < 128; v++ {
		_, ok := checkRandom([]byte{byte(int8(v))})
		if want := v >= -100 && v < 100; ok != want {
			t.Errorf("checkRandom(%d) = %v, want %v", v, ok, want)
		}
	}
}

// TestLostRanges checks how --verify counts and writes the heaps that
// never came, including a stray counter far beyond the rest, which must
// cost no more than the heaps seen.
func TestLostRanges(t *testing.T) {
	set := func(cs ...uint64) map[uint64]bool {
		m := map[uint64]bool{}
		for _, c := range cs {
			m[c] = true
		}
		return m
	}
	for _, tt := range []struct {
		name string
		seen map[uint64]bool
		last uint64
		n    uint64
		want string
	}{
		{"none lost", set(1, 2, 3), 3, 0, ""},
		{"one lost", set(1, 3), 3, 1, "2"},
		{"runs", set(1, 4, 5, 9), 12, 8, "2-3, 6-8, 10-12"},
		{"all lost", set(), 4, 4, "1-4"},
		{"a stray counter", set(1, 2, 1<<40-1), 1<<40 - 1, 1<<40 - 4, "3-1099511627774"},
		{"many runs", set(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24), 24, 12, "1, 3, 5, 7, 9, 11, 13, 15, 17, 19 and 2 more runs"},
	} {
		lost, n := lostRanges(tt.seen, 1, tt.last)
		if n != tt.n {
			t.Errorf("%s: %d lost, want %d", tt.name, n, tt.n)
		}
		if got := rangesString(lost); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestCheckUniform checks that samples uniform in [-100, 100), as step 1
// makes them, pass, and that data in range but not uniform there fails.
func TestCheckUniform(t *testing.T) {
	const n = 1 << 20
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 2))
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(int8(rng.IntN(200) - 100))
		}
		if chi2, ok := checkUniform(data); !ok {
			t.Errorf("seed %d: uniform samples fail with chi-squared %.0f", seed, chi2)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		name string
		gen  func(j int) int
	}{
		{"half the range", func(int) int { return rng.IntN(100) }},
		{"a ramp over 0..99", func(j int) int { return j % 100 }},
		{"peaked", func(int) int { return (rng.IntN(200)+rng.IntN(200))/2 - 100 }},
	} {
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(int8(tt.gen(j)))
		}
		if chi2, ok := checkUniform(data); ok {
			t.Errorf("%s: passes with chi-squared %.0f", tt.name, chi2)
		}
	}
}

// TestVerifySummaryAfterManyProblems checks that Finish prints its summary
// lines however many problems came before: a stream whose only heap is
// the end, at counter 100, has 99 lost heaps, and a stream that never
// ends after more problems than are reported one by one still says so.
func TestVerifySummaryAfterManyProblems(t *testing.T) {
	var out bytes.Buffer
	v := NewVerifier("constant", &out)
	if n := v.Finish(100, true); n != 99 {
		t.Errorf("Finish = %d problems, want 99", n)
	}
	if !strings.Contains(out.String(), "99 heaps lost: 1-99") {
		t.Errorf("no summary of the lost heaps:\n%s", out.String())
	}

	out.Reset()
	v = NewVerifier("constant", &out)
	v.maxCnt = 30
	for cnt := range uint64(30) {
		v.seen[cnt+1] = true
		v.report("heap %d: problem", cnt+1)
	}
	v.Finish(0, false)
	if !strings.Contains(out.String(), "the end of the stream never arrived") {
		t.Errorf("no line for the missing end:\n%s", out.String())
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"adc_samples", "adc_samples"},
		{"Index of the first sample", "Index of the first sample"},
		{"µs ±5 °C", "µs ±5 °C"},
		{"", ""},
		{"a\x1b[2Jb", `"a\x1b[2Jb"`},
		{"\r\a\b\x7f\t\n", `"\r\a\b\x7f\t\n"`},
		{"c1\u009b", `"c1\u009b"`},
		{"bad\xff", `"bad\xff"`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// records returns n two-field records, as DecodeValue gives an array of
// them.
func records(n int) []any {
	v := make([]any, n)
	for i := range v {
		v[i] = []any{uint64(i), uint64(1 - i%2)}
	}
	return v
}

// TestPrintStats checks that the statistics say, in a line of their own,
// how many of the heaps counted arrived whole.
func TestPrintStats(t *testing.T) {
	var out bytes.Buffer
	st := recv.Stats{Heaps: 7, IncompleteHeapsEvicted: 2, IncompleteHeapsFlushed: 1, Packets: 40, Bytes: 50000, LargestPacket: 1472}
	st.BadPackets[recv.ReasonDuplicate] = 3
	PrintStats(&out, st)
	want := `heaps: 7
heaps.complete: 4
incomplete_heaps_evicted: 2
incomplete_heaps_flushed: 1
packets: 40
bytes: 50000
largest_packet: 1472
bad_packets: 3
bad_packets.duplicate: 3
`
	if out.String() != want {
		t.Errorf("PrintStats wrote:\n%s\nwant:\n%s", out.String(), want)
	}
}
