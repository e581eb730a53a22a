package send

import (
	"context"
	"slices"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// counters returns the heap counter of each packet w was given.
func counters(t *testing.T, w *fakeWriter) []uint64 {
	t.Helper()
	var cnts []uint64
	for _, p := range w.sent() {
		pkt, err := spead.ParsePacket(p.data)
		if err != nil {
			t.Fatal(err)
		}
		cnts = append(cnts, pkt.HeapCnt)
	}
	return cnts
}

// TestSetCntSequence checks spead2's set_cnt_sequence semantics: the next
// heap takes the given counter and each after it the one before plus the
// step, through single heaps and groups alike, counters wrap at the
// flavour's heap address bits, and a step of 0 is refused and changes
// nothing.
func TestSetCntSequence(t *testing.T) {
	w := &fakeWriter{eps: 1}
	s := newStream(w, DefaultConfig())
	defer s.Close()
	ctx := context.Background()
	h := testHeap(10, 1) // one packet
	if _, err := s.SendHeap(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCntSequence(5, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendHeap(ctx, h); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendHeaps(ctx, []*spead.Heap{h, h, h}, RoundRobin); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCntSequence(7, 0); err == nil {
		t.Error("a step of 0 was accepted")
	}
	if _, err := s.SendHeap(ctx, h); err != nil {
		t.Fatal(err)
	}
	// The default flavour's counters have 40 bits: they wrap.
	max := spead.DefaultFlavour.MaxValue()
	if err := s.SetCntSequence(max-1, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendHeaps(ctx, []*spead.Heap{h, h}, Serial); err != nil {
		t.Fatal(err)
	}
	f48, _ := spead.NewFlavour(48)
	h48 := testHeap(10, 2)
	h48.Flavour = f48
	if _, err := s.SendHeap(ctx, h48); err != nil {
		t.Fatal(err)
	}
	want := []uint64{1, 5, 8, 11, 14, 17, max - 1, 0, max + 3}
	if got := counters(t, w); !slices.Equal(got, want) {
		t.Errorf("counters: got %v, want %v", got, want)
	}
}

// TestSetCntSequenceConcurrent checks that counters follow the order in
// which heaps are queued when several goroutines send at once: the
// counters on the wire, in wire order, are the sequence itself.
func TestSetCntSequenceConcurrent(t *testing.T) {
	w := &fakeWriter{eps: 1}
	s := newStream(w, DefaultConfig())
	defer s.Close()
	if err := s.SetCntSequence(100, 10); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			var f Future
			for range 50 {
				s.AsyncSendHeap(context.Background(), testHeap(10, 1), &f)
				if _, err := f.Wait(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	got := counters(t, w)
	for k, c := range got {
		if want := uint64(100 + 10*k); c != want {
			t.Fatalf("packet %d has counter %d, want %d (all: %v)", k, c, want, got)
		}
	}
}
