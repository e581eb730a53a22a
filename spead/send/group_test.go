package send

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
)

// wantGroup returns the packets of heaps sent as one group with heap
// counters from first on, in the order mode gives: each heap's packets as
// spead.AppendPackets cuts them, whole heap after whole heap (Serial) or
// one packet of each heap in turn (RoundRobin).
func wantGroup(t *testing.T, heaps []*spead.Heap, first uint64, size int, mode GroupMode) [][]byte {
	t.Helper()
	per := make([][][]byte, len(heaps))
	for i, h := range heaps {
		var err error
		if per[i], err = spead.AppendPackets(nil, h, first+uint64(i), size); err != nil {
			t.Fatal(err)
		}
	}
	var out [][]byte
	if mode == Serial {
		for _, p := range per {
			out = append(out, p...)
		}
		return out
	}
	for round := 0; ; round++ {
		more := false
		for _, p := range per {
			if round < len(p) {
				out = append(out, p[round])
				more = true
			}
		}
		if !more {
			return out
		}
	}
}

// groupHeaps returns heaps of one, several and many packets at 1472-byte
// packets, with an empty heap among them.
func groupHeaps() []*spead.Heap {
	return []*spead.Heap{
		testHeap(5000, 1),
		testHeap(100, 2),
		spead.NewHeap(spead.DefaultFlavour),
		testHeap(20000, 3),
		testHeap(3000, 4),
	}
}

// TestGroupWire sends a heap, a group and a heap over loopback with every
// writer and both modes, and checks that the packets arrive byte for byte
// as the modes order them, with the group's heaps numbered in between.
func TestGroupWire(t *testing.T) {
	for _, k := range kinds {
		for _, mode := range []GroupMode{Serial, RoundRobin} {
			t.Run(k.name+"/"+mode.String(), func(t *testing.T) {
				conn, ep := listen(t)
				cfg := DefaultConfig()
				cfg.MaxHeaps = 8
				s := newTestStream(t, []netip.AddrPort{ep}, cfg, k.kind)
				ctx := context.Background()
				before, after := testHeap(2000, 7), testHeap(4000, 8)
				heaps := groupHeaps()

				n, err := s.SendHeap(ctx, before)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := spead.AppendPackets(nil, before, 1, cfg.MaxPacketSize)
				checkPackets(t, conn, want, n)

				if n, err = s.SendHeaps(ctx, heaps, mode); err != nil {
					t.Fatal(err)
				}
				checkPackets(t, conn, wantGroup(t, heaps, 2, cfg.MaxPacketSize, mode), n)

				if n, err = s.SendHeap(ctx, after); err != nil {
					t.Fatal(err)
				}
				want, _ = spead.AppendPackets(nil, after, uint64(2+len(heaps)), cfg.MaxPacketSize)
				checkPackets(t, conn, want, n)
			})
		}
	}
}

// TestRoundRobinOrder checks the interleaving on a case worked by hand:
// heaps of 3, 1 and 2 packets leave as A1 B1 C1 A2 C2 A3.
func TestRoundRobinOrder(t *testing.T) {
	w := &fakeWriter{eps: 1}
	cfg := DefaultConfig()
	s := newStream(w, cfg)
	defer s.Close()
	// 1472-byte packets carry 1432 bytes of payload after the first.
	heaps := []*spead.Heap{testHeap(3000, 1), testHeap(10, 2), testHeap(2000, 3)}
	if _, err := s.SendHeaps(context.Background(), heaps, RoundRobin); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, p := range w.sent() {
		pkt, err := spead.ParsePacket(p.data)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pkt.HeapCnt)
	}
	want := []uint64{1, 2, 3, 1, 3, 1}
	if len(got) != len(want) {
		t.Fatalf("heap counters of the packets: got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("heap counters of the packets: got %v, want %v", got, want)
		}
	}
}

// TestGroupSharesWrites checks that the packets of several small heaps go
// to the writer together: a group of ten one-packet heaps takes one write,
// and so do ten heaps queued one by one while the writer is busy.
func TestGroupSharesWrites(t *testing.T) {
	w := &fakeWriter{eps: 1}
	cfg := DefaultConfig()
	cfg.MaxHeaps = 16
	s := newStream(w, cfg)
	heaps := make([]*spead.Heap, 10)
	for i := range heaps {
		heaps[i] = testHeap(500, byte(i))
	}
	if _, err := s.SendHeaps(context.Background(), heaps, Serial); err != nil {
		t.Fatal(err)
	}
	if n, p := w.writeCount(), len(w.sent()); n != 1 || p != 10 {
		t.Errorf("a group of 10 one-packet heaps took %d writes for %d packets, want 1 for 10", n, p)
	}
	s.Close()

	w = &fakeWriter{eps: 1, gate: make(chan struct{}), started: make(chan struct{}, 20)}
	s = newStream(w, cfg)
	defer s.Close()
	var futs [11]Future
	s.AsyncSendHeap(context.Background(), testHeap(500, 0), &futs[0])
	<-w.started // the first heap holds the writer
	for i := 1; i < len(futs); i++ {
		s.AsyncSendHeap(context.Background(), heaps[i-1], &futs[i])
	}
	close(w.gate)
	for i := range futs {
		if _, err := futs[i].Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.writeCount(); n != 2 {
		t.Errorf("one heap, then ten queued behind it: %d writes, want 2", n)
	}
}

// TestGroupRefused checks the groups a stream refuses at once, and that
// they take no heap counters, while a group queued and then failed uses
// its counters up, as in spead2.
func TestGroupRefused(t *testing.T) {
	w := &fakeWriter{eps: 1}
	cfg := DefaultConfig()
	cfg.MaxHeaps = 3
	s := newStream(w, cfg)
	defer s.Close()
	ctx := context.Background()
	h := testHeap(10, 1)
	for _, tt := range []struct {
		heaps []*spead.Heap
		dest  int
		mode  GroupMode
		want  string
	}{
		{nil, 0, Serial, "no heaps"},
		{[]*spead.Heap{h, h, h, h}, 0, Serial, "4 heaps is more than the 3"},
		{[]*spead.Heap{h, nil}, 0, RoundRobin, "heap 1 of the group is nil"},
		{[]*spead.Heap{h}, 0, GroupMode(7), "unknown group mode 7"},
		{[]*spead.Heap{h, h}, 1, Serial, "destination 1"},
	} {
		_, err := s.AsyncSendHeapsTo(ctx, tt.heaps, tt.dest, tt.mode, nil).Wait()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%d heaps, destination %d, mode %v: got %v, want an error saying %q", len(tt.heaps), tt.dest, tt.mode, err, tt.want)
		}
	}
	bad := spead.NewHeap(spead.DefaultFlavour)
	bad.AddItem(1<<30, make([]byte, 10)) // an ID too wide for the flavour
	if _, err := s.SendHeaps(ctx, []*spead.Heap{h, bad}, Serial); err == nil || !strings.Contains(err.Error(), "heap 2") {
		t.Errorf("a group with a heap that cannot be sent: got %v, want an error naming heap 2", err)
	}
	if _, err := s.SendHeap(ctx, h); err != nil {
		t.Fatal(err)
	}
	if sent := w.sent(); len(sent) != 1 {
		t.Fatalf("%d packets sent, want 1", len(sent))
	} else if pkt, _ := spead.ParsePacket(sent[0].data); pkt.HeapCnt != 3 {
		t.Errorf("the heap after the refused groups and the failed group of two has counter %d, want 3", pkt.HeapCnt)
	}
}

// TestGroupWaitsForRoom checks that a group waits until every one of its
// heaps has a place in flight, that one whose context ends meanwhile gives
// back the places it took, and that groups sent from several goroutines at
// once neither deadlock nor lose heaps.
func TestGroupWaitsForRoom(t *testing.T) {
	w := &fakeWriter{eps: 1, gate: make(chan struct{}), started: make(chan struct{}, 1000)}
	cfg := DefaultConfig()
	cfg.MaxHeaps = 3
	s := newStream(w, cfg)
	defer s.Close()
	ctx := context.Background()
	var f0, f1 Future
	s.AsyncSendHeap(ctx, testHeap(100, 0), &f0)
	<-w.started // heap 1 holds one of three places

	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	three := []*spead.Heap{testHeap(100, 1), testHeap(100, 2), testHeap(100, 3)}
	if _, err := s.AsyncSendHeaps(cctx, three, Serial, &f1).Wait(); !errors.Is(err, context.DeadlineExceeded) ||
		err.Error() != "send: waiting for 3 free heap slots: context deadline exceeded" {
		t.Fatalf("a group of 3 with 2 places free: got %v, want to wait until its context ends", err)
	}
	close(w.gate)
	if _, err := f0.Wait(); err != nil {
		t.Fatal(err)
	}
	// All three places are free again: the group that gave up took none.
	if _, err := s.SendHeaps(ctx, three, RoundRobin); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			two := []*spead.Heap{testHeap(100, byte(g)), testHeap(3000, byte(g))}
			var f Future
			for range 50 {
				if _, err := s.AsyncSendHeaps(ctx, two, RoundRobin, &f).Wait(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for _, p := range w.sent() {
		pkt, _ := spead.ParsePacket(p.data)
		seen[pkt.HeapCnt] = true
	}
	if want := 1 + 3 + 4*50*2; len(seen) != want {
		t.Errorf("%d heaps sent, want %d", len(seen), want)
	}
}

// TestGroupFailureSparesOthers fails a write on a packet of the first of
// two groups sharing a batch: that group fails with the bytes it sent,
// and the other is still sent whole.
func TestGroupFailureSparesOthers(t *testing.T) {
	ep := netip.MustParseAddrPort("127.0.0.1:9")
	w := &fakeWriter{
		eps: 1, gate: make(chan struct{}), started: make(chan struct{}, 10),
		fail: wrapSendError(syscall.EPERM, 1472, ep), failOn: 2, failAfter: 1,
	}
	cfg := DefaultConfig()
	cfg.MaxHeaps = 5
	s := newStream(w, cfg)
	defer s.Close()
	ctx := context.Background()
	var f0, fa, fb Future
	s.AsyncSendHeap(ctx, testHeap(100, 0), &f0)
	<-w.started // heap 1 holds the writer while both groups queue
	a := []*spead.Heap{testHeap(2000, 1), testHeap(100, 2)}
	b := []*spead.Heap{testHeap(100, 3), testHeap(100, 4)}
	s.AsyncSendHeaps(ctx, a, Serial, &fa)
	s.AsyncSendHeaps(ctx, b, Serial, &fb)
	close(w.gate)
	if _, err := f0.Wait(); err != nil {
		t.Fatal(err)
	}
	n, err := fa.Wait()
	if !errors.Is(err, syscall.EPERM) || !strings.Contains(err.Error(), "heap 2") {
		t.Errorf("group a: got %v, want EPERM naming heap 2", err)
	}
	sent := w.sent()
	if len(sent) < 2 || n != int64(len(sent[1].data)) {
		t.Errorf("group a reported %d bytes, want those of its one packet sent", n)
	}
	if _, err := fb.Wait(); err != nil {
		t.Errorf("group b: %v", err)
	}
	var cnts []uint64
	for _, p := range sent {
		pkt, _ := spead.ParsePacket(p.data)
		cnts = append(cnts, pkt.HeapCnt)
	}
	// Heap 1; then heap 2's first packet before the failure; heap 3
	// (group a's second) is dropped with it; group b is heaps 4 and 5.
	if got, want := fmt.Sprint(cnts), "[1 2 4 5]"; got != want {
		t.Errorf("heap counters on the wire: got %s, want %s", got, want)
	}
}
