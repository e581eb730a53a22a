package send

import (
	"slices"
	"testing"
)

// planTest is a batch of packets and the messages planMessages should
// make of them.
type planTest struct {
	name   string
	pkts   []planPkt
	gso    bool
	starts []int // first packet of each message, then the end
	seg    []int // each message's segment size, 0 for none
}

// planPkt is a packet of a planTest: its size, destination and number of
// pieces (0 means 1).
type planPkt struct{ size, dest, pieces int }

// batch returns a batch of tt's packets, each piece but the first one
// byte long.
func (tt planTest) batch() *batch {
	b := new(batch)
	for _, p := range tt.pkts {
		n := max(p.pieces, 1)
		first := len(b.bufs)
		b.bufs = append(b.bufs, make([]byte, p.size-(n-1)))
		for range n - 1 {
			b.bufs = append(b.bufs, make([]byte, 1))
		}
		b.pkts = append(b.pkts, packet{first: first, end: len(b.bufs), size: p.size, dest: p.dest})
	}
	return b
}

func run(n int, p planPkt) []planPkt { return slices.Repeat([]planPkt{p}, n) }

var planTests = []planTest{
	{"9000 fits 7 to a message", run(10, planPkt{9000, 0, 0}), true, []int{0, 7, 10}, []int{9000, 9000}},
	{"1472 fits 44", run(64, planPkt{1472, 0, 0}), true, []int{0, 44, 64}, []int{1472, 1472}},
	{"at most 64 segments", run(64, planPkt{100, 0, 0}), true, []int{0, 64}, []int{100}},
	{"short packet ends a run", []planPkt{{9000, 0, 0}, {9000, 0, 0}, {5000, 0, 0}, {9000, 0, 0}}, true, []int{0, 3, 4}, []int{9000, 0}},
	{"larger packet starts a run", []planPkt{{5000, 0, 0}, {9000, 0, 0}, {9000, 0, 0}}, true, []int{0, 1, 3}, []int{0, 9000}},
	{"destination ends a run", []planPkt{{9000, 0, 0}, {9000, 1, 0}, {9000, 1, 0}}, true, []int{0, 1, 3}, []int{0, 9000}},
	{"at most 1024 iovecs", run(5, planPkt{1000, 0, 300}), true, []int{0, 3, 5}, []int{1000, 1000}},
	{"without GSO", run(3, planPkt{9000, 0, 0}), false, []int{0, 1, 2, 3}, []int{0, 0, 0}},
}

// TestPlanMessages runs planMessages with a fake in place of the system's
// message batch, so that the plan is checked on every system.
func TestPlanMessages(t *testing.T) {
	for _, tt := range planTests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.batch()
			pieces := make([]iovRange, len(b.pkts))
			n := 0
			for k, p := range b.pkts {
				pieces[k] = iovRange{n, n + p.end - p.first}
				n = pieces[k].end
			}
			var starts, seg []int
			next := 0
			planMessages(b.pkts, pieces, 0, tt.gso, func(i, j, s int) {
				if i != next || j <= i {
					t.Fatalf("message of packets [%d, %d) after packet %d", i, j, next)
				}
				starts, seg, next = append(starts, i), append(seg, s), j
			})
			starts = append(starts, next)
			if !slices.Equal(starts, tt.starts) {
				t.Errorf("messages start at packets %v, want %v", starts, tt.starts)
			}
			if !slices.Equal(seg, tt.seg) {
				t.Errorf("segment sizes %v, want %v", seg, tt.seg)
			}
		})
	}
}

// TestPlanMessagesFrom checks that planning starts at the given packet.
func TestPlanMessagesFrom(t *testing.T) {
	tt := planTest{pkts: run(10, planPkt{9000, 0, 0})}
	b := tt.batch()
	pieces := make([]iovRange, len(b.pkts))
	for k := range pieces {
		pieces[k] = iovRange{k, k + 1}
	}
	var got [][3]int
	planMessages(b.pkts, pieces, 2, true, func(i, j, s int) { got = append(got, [3]int{i, j, s}) })
	if want := [][3]int{{2, 9, 9000}, {9, 10, 0}}; !slices.Equal(got, want) {
		t.Errorf("messages %v, want %v", got, want)
	}
}

// TestPlanMessagesNoAllocs checks that planning keeps the writer's
// callback on the stack: the Linux writer calls it for every batch.
func TestPlanMessagesNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	b := planTest{pkts: run(64, planPkt{9000, 0, 0})}.batch()
	pieces := make([]iovRange, len(b.pkts))
	for k := range pieces {
		pieces[k] = iovRange{k, k + 1}
	}
	starts := make([]int, 0, len(b.pkts))
	allocs := testing.AllocsPerRun(100, func() {
		starts = starts[:0]
		planMessages(b.pkts, pieces, 0, true, func(i, j, seg int) { starts = append(starts, i) })
	})
	if allocs != 0 || len(starts) != 10 {
		t.Errorf("%v allocations and %d messages, want 0 and 10", allocs, len(starts))
	}
}
