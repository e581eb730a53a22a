package recv

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"testing"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

// lateJoinGroup returns a send item group of a timestamp and a (2, 2)
// complex64 array, sending its descriptors again every freq heaps.
func lateJoinGroup(t *testing.T, freq int) *spead.ItemGroup {
	t.Helper()
	g := spead.NewItemGroup(spead.DefaultFlavour)
	g.DescriptorFrequency = freq
	for _, d := range []spead.Descriptor{
		{ID: 0x1600, Name: "timestamp", Format: []spead.FormatField{{Type: 'u', Bits: 40}}},
		{ID: 0x1800, Name: "vis", DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{2, 2}}.String()},
	} {
		if _, err := g.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// setLateJoin sets heap i's values: timestamp i, vis i, i+1, i+2, i+3.
func setLateJoin(t *testing.T, g *spead.ItemGroup, i int) {
	t.Helper()
	f := float32(i)
	if err := spead.Set(g, "timestamp", uint64(i)); err != nil {
		t.Fatal(err)
	}
	if err := spead.Set(g, "vis", complex(f, 0), complex(f+1, 0), complex(f+2, 0), complex(f+3, 0)); err != nil {
		t.Fatal(err)
	}
}

// checkLateJoin checks that the item group holds heap i's values.
func checkLateJoin(t *testing.T, g *ItemGroup, i int) {
	t.Helper()
	f := float32(i)
	ts, ok1 := g.Get("timestamp")
	vis, ok2 := g.Get("vis")
	if !ok1 || !ok2 {
		t.Fatalf("heap %d: descriptors not known", i)
	}
	want := []complex64{complex(f, 0), complex(f+1, 0), complex(f+2, 0), complex(f+3, 0)}
	if ts.Value != uint64(i) || !slices.Equal(vis.Value.([]complex64), want) {
		t.Errorf("heap %d: timestamp %v, vis %v; want %d, %v", i, ts.Value, vis.Value, i, want)
	}
}

// TestStartAndDescriptorHeaps feeds a start heap, a heap of descriptors
// alone, a data heap and the end to a reassembler. As in spead2 the start
// heap is handed out and counted like any other and ends nothing; the
// descriptor heap gives an item group its descriptors and no values.
func TestStartAndDescriptorHeaps(t *testing.T) {
	sg := lateJoinGroup(t, 0)
	setLateJoin(t, sg, 7)
	descs, err := sg.HeapWith(spead.IncludeAll, spead.IncludeNone)
	if err != nil {
		t.Fatal(err)
	}
	data, err := sg.HeapWith(spead.IncludeNone, spead.IncludeStale)
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for i, h := range []*spead.Heap{sg.StartHeap(), descs, data, sg.EndHeap()} {
		pkts = append(pkts, packets(t, h, uint64(i+1), 1472)...)
	}
	r := newReassembler(t, nil)
	heaps, errs := feed(r, pkts)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if len(heaps) != 3 || !r.Stopped() {
		t.Fatalf("%d heaps, stopped %v; want 3 and stopped by the end", len(heaps), r.Stopped())
	}
	if st := r.Stats(); st.Heaps != 3 {
		t.Errorf("Stats.Heaps %d, want 3: the start and descriptor heaps count, as in spead2", st.Heaps)
	}
	for i, h := range heaps {
		if got, want := h.IsStartOfStream(), i == 0; got != want {
			t.Errorf("heap %d: IsStartOfStream %v, want %v", h.Cnt, got, want)
		}
		if h.IsEndOfStream() {
			t.Errorf("heap %d: IsEndOfStream", h.Cnt)
		}
	}

	g := NewItemGroup()
	for i, want := range []int{0, 0, 2} {
		updated, err := g.Update(heaps[i])
		if err != nil || len(updated) != want {
			t.Fatalf("heap %d: %d items updated, %v; want %d", heaps[i].Cnt, len(updated), err, want)
		}
		if n := len(g.Items()); i == 0 && n != 0 || i > 0 && n != 2 {
			t.Fatalf("after heap %d the group holds %d items", heaps[i].Cnt, n)
		}
	}
	checkLateJoin(t, g, 7)
}

// TestStartHeapWithValues checks what IsStartOfStream's doc says of a
// start heap that also carries descriptors and values: an item group
// takes them, skipping the control item, as from any heap.
func TestStartHeapWithValues(t *testing.T) {
	sg := lateJoinGroup(t, 0)
	setLateJoin(t, sg, 7)
	h, err := sg.Heap()
	if err != nil {
		t.Fatal(err)
	}
	h.AddStart()
	heaps, errs := feed(newReassembler(t, nil), packets(t, h, 1, 1472))
	if len(errs) != 0 || len(heaps) != 1 || !heaps[0].IsStartOfStream() {
		t.Fatalf("%d heaps, errors %v; want one start heap", len(heaps), errs)
	}
	g := NewItemGroup()
	if updated, err := g.Update(heaps[0]); err != nil || len(updated) != 2 {
		t.Fatalf("%d items updated, %v; want 2", len(updated), err)
	}
	checkLateJoin(t, g, 7)
}

// TestLateJoiner: a receiver that missed the first heaps, the ones that
// carried the descriptors, learns them from the first heap that carries
// them again, DescriptorFrequency heaps after the last, and decodes every
// heap from then on.
func TestLateJoiner(t *testing.T) {
	for _, tt := range []struct{ freq, missed int }{{1, 1}, {4, 1}, {4, 3}, {4, 4}, {4, 6}, {10, 1}} {
		t.Run(fmt.Sprintf("frequency %d, %d missed", tt.freq, tt.missed), func(t *testing.T) {
			sg := lateJoinGroup(t, tt.freq)
			r := newReassembler(t, nil)
			g := NewItemGroup()
			learned := -1
			for i := range tt.missed + tt.freq {
				setLateJoin(t, sg, i)
				h, err := sg.Heap()
				if err != nil {
					t.Fatal(err)
				}
				if i < tt.missed {
					continue // the receiver is not there yet
				}
				heaps, errs := feed(r, packets(t, h, uint64(i+1), 1472))
				if len(errs) != 0 || len(heaps) != 1 {
					t.Fatalf("heap %d: %d heaps, %v", i, len(heaps), errs)
				}
				if _, err := g.Update(heaps[0]); err != nil {
					t.Fatal(err)
				}
				if learned < 0 && len(g.Items()) == 2 {
					learned = i
				}
				if learned >= 0 {
					checkLateJoin(t, g, i)
				}
			}
			if learned < 0 {
				t.Fatalf("no descriptors in the %d heaps after the first %d", tt.freq, tt.missed)
			}
			if want := (tt.missed + tt.freq - 1) / tt.freq * tt.freq; learned != want {
				t.Errorf("descriptors learned from heap %d, want %d", learned, want)
			}
		})
	}
}

// TestLateJoinerLoopback sends a stream over UDP on loopback: a start
// heap, then heaps from an item group that sends its descriptors every
// third heap, then the end. The first data heap, which carries the
// descriptors, goes to a port where no receiver listens, as if the
// receiver started after it; the receiver still decodes every heap from
// the fourth on, and sees the start heap as a heap of its own.
func TestLateJoinerLoopback(t *testing.T) {
	const freq, nData = 3, 6
	s := newStream(t, nil)
	discard := netip.MustParseAddrPort("127.0.0.1:9")
	tx, err := send.NewUDPStream([]netip.AddrPort{s.LocalAddr(), discard}, send.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	ctx := context.Background()
	sg := lateJoinGroup(t, freq)

	// Heap i of heaps goes to dests[i]: the first data heap to the
	// port where no one listens.
	heaps := []*spead.Heap{sg.StartHeap()}
	dests := []int{0}
	for i := range nData {
		setLateJoin(t, sg, i)
		h, err := sg.Heap()
		if err != nil {
			t.Fatal(err)
		}
		dest := 0
		if i == 0 {
			dest = 1
		}
		heaps = append(heaps, h)
		dests = append(dests, dest)
	}
	heaps = append(heaps, sg.EndHeap())
	dests = append(dests, 0)
	sendErr := make(chan error, 1)
	go func() {
		for i, h := range heaps {
			if _, err := tx.SendHeapTo(ctx, h, dests[i]); err != nil {
				sendErr <- err
				s.Stop() // the end will not come
				return
			}
		}
		sendErr <- nil
	}()

	g := NewItemGroup()
	var cnts []uint64
	for {
		h, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		cnts = append(cnts, h.Cnt)
		if h.IsStartOfStream() != (h.Cnt == 1) {
			t.Errorf("heap %d: IsStartOfStream %v", h.Cnt, h.IsStartOfStream())
		}
		if _, err := g.Update(h); err != nil {
			t.Fatal(err)
		}
		// Heap counter 2+i carries data heap i.
		if i := int(h.Cnt) - 2; i >= freq {
			checkLateJoin(t, g, i)
		} else if len(g.Items()) != 0 {
			t.Errorf("heap %d: descriptors known before data heap %d", h.Cnt, freq)
		}
		h.Release()
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	if want := []uint64{1, 3, 4, 5, 6, 7}; !slices.Equal(cnts, want) {
		t.Errorf("heaps %v, want %v", cnts, want)
	}
	if st := s.Stats(); st.Heaps != uint64(len(cnts)) {
		t.Errorf("Stats.Heaps %d, want %d", st.Heaps, len(cnts))
	}
}
