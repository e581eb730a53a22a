package recv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

// The stories of issue 15 in which heaps went missing: a sender restarted
// after a crash, and two senders to one port. Both go end to end on
// loopback, through package send's streams and this package's Stream.

// storyHeap returns a heap of 3000 bytes (three packets at the default
// size) that says which sender sent it and which of its heaps it is.
func storyHeap(sender, i int) *spead.Heap {
	data := make([]byte, 3000)
	for k := range data {
		data[k] = byte(sender*31 + i + k)
	}
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddImmediate(0x1600, uint64(sender)<<32|uint64(i))
	h.AddItem(0x1601, data)
	return h
}

// received is a heap as the story receiver saw it.
type received struct {
	cnt            uint64
	sender, i      int
	complete, good bool
}

// receiveAll runs a receiver on loopback until the end of the stream and
// returns its address and a function that waits for the heaps it got.
func receiveAll(t *testing.T) (netip.AddrPort, func() ([]received, Stats)) {
	t.Helper()
	s, err := NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var got []received
	var rerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for {
			h, err := s.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				rerr = err
				return
			}
			r := received{cnt: h.Cnt, complete: h.Complete()}
			items, err := h.Items(nil)
			if err == nil && len(items) == 2 && items[0].Immediate {
				r.sender, r.i = int(items[0].Value>>32), int(items[0].Value&0xffffffff)
				want := storyHeap(r.sender, r.i).Items[1].Data
				r.good = string(items[1].Data) == string(want)
			}
			got = append(got, r)
			h.Release()
		}
	}()
	return s.LocalAddr(), func() ([]received, Stats) {
		t.Helper()
		<-done
		if rerr != nil {
			t.Fatalf("receiver: %v", rerr)
		}
		return got, s.Stats()
	}
}

// sendStory sends heaps i = first, first+1, ... first+n-1 of sender on s,
// ending the stream afterwards if end is set.
func sendStory(s *send.Stream, sender, first, n int, end bool) error {
	ctx := context.Background()
	for i := first; i < first+n; i++ {
		if _, err := s.SendHeap(ctx, storyHeap(sender, i)); err != nil {
			return fmt.Errorf("sender %d, heap %d: %w", sender, i, err)
		}
	}
	if end {
		if _, err := s.SendHeap(ctx, spead.EndOfStream(spead.DefaultFlavour)); err != nil {
			return fmt.Errorf("sender %d, end of stream: %w", sender, err)
		}
	}
	return nil
}

// checkStory checks that the receiver got every heap of every sender
// exactly once, whole and with the right bytes, and dropped no packet.
func checkStory(t *testing.T, got []received, st Stats, perSender map[int]int) {
	t.Helper()
	seen := map[[2]int]int{}
	for _, r := range got {
		if !r.complete || !r.good {
			t.Errorf("heap %d (sender %d, heap %d): complete %v, bytes right %v", r.cnt, r.sender, r.i, r.complete, r.good)
			continue
		}
		seen[[2]int{r.sender, r.i}]++
	}
	for sender, n := range perSender {
		for i := range n {
			if c := seen[[2]int{sender, i}]; c != 1 {
				t.Errorf("sender %d, heap %d: received %d times, want once", sender, i, c)
			}
		}
	}
	if bad := st.TotalBadPackets(); bad != 0 {
		t.Errorf("%d packets dropped: %v", bad, st.List())
	}
}

// TestRestartedSenderLoopback sends five heaps from one stream, closes it, and
// sends five more from a new stream whose counters start at 1 again, as a
// sender restarted after a crash does. The receiver, like spead2's,
// remembers no counters of heaps it has handed out, so it loses none.
func TestRestartedSenderLoopback(t *testing.T) {
	addr, wait := receiveAll(t)
	eps := []netip.AddrPort{addr}
	first, err := send.NewUDPStream(eps, send.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := sendStory(first, 0, 0, 5, false); err != nil {
		t.Fatal(err)
	}
	first.Close()
	restarted, err := send.NewUDPStream(eps, send.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close()
	if err := sendStory(restarted, 0, 5, 5, true); err != nil {
		t.Fatal(err)
	}
	got, st := wait()
	checkStory(t, got, st, map[int]int{0: 10})
	for k, r := range got {
		if want := uint64(k%5 + 1); r.cnt != want {
			t.Errorf("heap %d arrived with counter %d, want %d: both runs count from 1", k, r.cnt, want)
		}
	}
}

// TestTwoSendersOddEvenLoopback sends 500 heaps from each of two streams at once
// to one receiver, one taking odd counters and the other even ones
// (Stream.SetCntSequence with a step of 2), as spead2's set_cnt_sequence
// is meant for. Every heap arrives, whole.
func TestTwoSendersOddEvenLoopback(t *testing.T) {
	const n = 500
	addr, wait := receiveAll(t)
	streams := make([]*send.Stream, 2)
	for k := range streams {
		s, err := send.NewUDPStream([]netip.AddrPort{addr}, send.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.SetCntSequence(uint64(k+1), 2); err != nil {
			t.Fatal(err)
		}
		streams[k] = s
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for k, s := range streams {
		wg.Go(func() { errs[k] = sendStory(s, k, 0, n, false) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if _, err := streams[0].SendHeap(context.Background(), spead.EndOfStream(spead.DefaultFlavour)); err != nil {
		t.Fatal(err)
	}
	got, st := wait()
	checkStory(t, got, st, map[int]int{0: n, 1: n})
	for _, r := range got {
		if r.cnt%2 != uint64(r.sender+1)%2 {
			t.Errorf("sender %d's heap %d has counter %d", r.sender, r.i, r.cnt)
		}
	}
}
