package recv

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gospead/tutorial/spead"
)

func TestReassembleInOrder(t *testing.T) {
	const n = 100000
	r := newReassembler(t, nil)
	var pkts [][]byte
	for i := range 3 {
		pkts = append(pkts, packets(t, tutorialHeap(t, spead.DefaultFlavour, i, n), uint64(i+1), 1472)...)
	}
	pkts = append(pkts, endPackets(t, spead.DefaultFlavour, 4)...)
	heaps, errs := feed(r, pkts)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if len(heaps) != 3 {
		t.Fatalf("%d heaps, want 3", len(heaps))
	}
	for i, h := range heaps {
		checkTutorialHeap(t, h, uint64(i+1), i, n)
	}
	ds, err := heaps[0].Descriptors()
	if err != nil || len(ds) != 2 || ds[0].Name != "timestamp" || ds[1].Name != "adc_samples" {
		t.Fatalf("descriptors %+v, %v", ds, err)
	}
	if !r.Stopped() {
		t.Error("not stopped after the end-of-stream heap")
	}
	if cnt, ok := r.EndOfStream(); !ok || cnt != 4 {
		t.Errorf("EndOfStream() = %d, %v; want 4, true", cnt, ok)
	}
	st := r.Stats()
	if st.Heaps != 3 || st.Packets != uint64(len(pkts)) || st.TotalBadPackets() != 0 || st.LargestPacket != 1472 ||
		st.IncompleteHeapsEvicted != 0 || st.IncompleteHeapsFlushed != 0 {
		t.Errorf("stats %+v", st)
	}
	var bytes uint64
	for _, p := range pkts {
		bytes += uint64(len(p))
	}
	if st.Bytes != bytes {
		t.Errorf("bytes %d, want %d", st.Bytes, bytes)
	}
	if _, err := r.AddPacket(nil, pkts[0]); !errors.Is(err, ErrStopped) {
		t.Errorf("packet after the end: %v, want ErrStopped", err)
	}
}

func TestReassembleAnyOrder(t *testing.T) {
	const n = 50000
	rng := rand.New(rand.NewPCG(1, 2))
	for _, order := range []string{"reversed", "shuffled", "interleaved"} {
		t.Run(order, func(t *testing.T) {
			r := newReassembler(t, nil)
			a := packets(t, tutorialHeap(t, spead.DefaultFlavour, 0, n), 1, 1472)
			b := packets(t, tutorialHeap(t, spead.DefaultFlavour, 1, n), 2, 1472)
			var pkts [][]byte
			switch order {
			case "reversed":
				pkts = append(slices.Clone(a), b...)
				slices.Reverse(pkts)
			case "shuffled":
				pkts = append(slices.Clone(a), b...)
				rng.Shuffle(len(pkts), func(i, j int) { pkts[i], pkts[j] = pkts[j], pkts[i] })
			case "interleaved":
				for i := range max(len(a), len(b)) {
					if i < len(a) {
						pkts = append(pkts, a[i])
					}
					if i < len(b) {
						pkts = append(pkts, b[i])
					}
				}
			}
			heaps, errs := feed(r, pkts)
			if len(errs) != 0 || len(heaps) != 2 {
				t.Fatalf("%d heaps, errors %v", len(heaps), errs)
			}
			slices.SortFunc(heaps, func(x, y *Heap) int { return int(x.Cnt) - int(y.Cnt) })
			checkTutorialHeap(t, heaps[0], 1, 0, n)
			checkTutorialHeap(t, heaps[1], 2, 1, n)
		})
	}
}

func TestReassembleFlavours(t *testing.T) {
	// The tutorial's item IDs need 14 bits, so SPEAD-64-56 and -8 are
	// tested with small IDs below.
	for bits := 16; bits <= 48; bits += 8 {
		f, err := spead.NewFlavour(bits)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f.String(), func(t *testing.T) {
			r := newReassembler(t, nil)
			n := 5000
			pkts := packets(t, tutorialHeap(t, f, 0, n), 1, 1000)
			pkts = append(pkts, packets(t, tutorialHeap(t, f, 1, n), 2, 1000)...)
			pkts = append(pkts, endPackets(t, f, 3)...)
			heaps, errs := feed(r, pkts)
			if len(errs) != 0 || len(heaps) != 2 {
				t.Fatalf("%d heaps, errors %v", len(heaps), errs)
			}
			checkTutorialHeap(t, heaps[0], 1, 0, n)
			checkTutorialHeap(t, heaps[1], 2, 1, n)
			if heaps[0].Flavour != f {
				t.Errorf("flavour %v, want %v", heaps[0].Flavour, f)
			}
		})
	}
}

func TestReassembleExtremeFlavours(t *testing.T) {
	for _, bits := range []int{8, 56} {
		f, _ := spead.NewFlavour(bits)
		t.Run(f.String(), func(t *testing.T) {
			r := newReassembler(t, nil)
			payload := []byte("0123456789abcdef")
			pkts := [][]byte{
				rawPacket(f, 3, 16, 8, nil, payload[8:]),
				rawPacket(f, 3, 16, 0, []uint64{f.Address(0x20, 0), f.Immediate(0x21, 42), f.Address(0x22, 10)}, payload[:8]),
			}
			heaps, errs := feed(r, pkts)
			if len(errs) != 0 || len(heaps) != 1 {
				t.Fatalf("%d heaps, errors %v", len(heaps), errs)
			}
			items, err := heaps[0].Items(nil)
			if err != nil || len(items) != 3 || string(items[0].Data) != "0123456789" ||
				items[1].Value != 42 || string(items[2].Data) != "abcdef" {
				t.Fatalf("items %+v, %v", items, err)
			}
		})
	}
}

func TestEviction(t *testing.T) {
	const n = 10000
	r := newReassembler(t, func(c *Config) { c.MaxHeaps = 2 })
	var firsts [][]byte
	for i := range 3 {
		firsts = append(firsts, packets(t, tutorialHeap(t, spead.DefaultFlavour, i, n), uint64(i+1), 1472)[0])
	}
	heaps, errs := feed(r, firsts)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if len(heaps) != 1 || heaps[0].Cnt != 1 || heaps[0].Complete() || heaps[0].Received == 0 {
		t.Fatalf("want heap 1 evicted as incomplete, got %d heaps", len(heaps))
	}
	if st := r.Stats(); st.IncompleteHeapsEvicted != 1 || st.Heaps != 1 {
		t.Errorf("stats %+v", st)
	}
	// The end of the stream flushes heaps 2 and 3, oldest first.
	heaps, errs = feed(r, endPackets(t, spead.DefaultFlavour, 9))
	if len(errs) != 0 || len(heaps) != 2 || heaps[0].Cnt != 2 || heaps[1].Cnt != 3 {
		t.Fatalf("flushed %d heaps, errors %v", len(heaps), errs)
	}
	if st := r.Stats(); st.IncompleteHeapsFlushed != 2 || st.Heaps != 3 {
		t.Errorf("stats %+v", st)
	}
	// An incomplete heap still decodes what it has whole: the
	// immediate timestamp, not the samples cut short.
	items, err := heaps[0].Items(nil)
	if err != nil || len(items) != 1 || items[0].ID != timestampID || len(heaps[0].Payload) != 1416 {
		t.Errorf("items of an incomplete heap: %v, %v; payload %d bytes", items, err, len(heaps[0].Payload))
	}
}

func TestSinglePacketHeapsEvictNothing(t *testing.T) {
	r := newReassembler(t, func(c *Config) { c.MaxHeaps = 1 })
	big := packets(t, tutorialHeap(t, spead.DefaultFlavour, 0, 10000), 1, 1472)
	small := packets(t, tutorialHeap(t, spead.DefaultFlavour, 1, 100), 2, 1472)
	if len(small) != 1 {
		t.Fatal("small heap is not one packet")
	}
	pkts := append([][]byte{big[0]}, small[0])
	pkts = append(pkts, big[1:]...)
	heaps, errs := feed(r, pkts)
	if len(errs) != 0 || len(heaps) != 2 || !heaps[0].Complete() || !heaps[1].Complete() {
		t.Fatalf("%d heaps, errors %v", len(heaps), errs)
	}
}

func TestStop(t *testing.T) {
	r := newReassembler(t, nil)
	pkts := packets(t, tutorialHeap(t, spead.DefaultFlavour, 0, 10000), 1, 1472)
	heaps, _ := feed(r, pkts[:3])
	if len(heaps) != 0 {
		t.Fatal("heap finished early")
	}
	heaps = r.Stop(nil)
	if len(heaps) != 1 || heaps[0].Complete() || r.Stats().IncompleteHeapsFlushed != 1 {
		t.Fatalf("Stop returned %d heaps", len(heaps))
	}
	if heaps = r.Stop(nil); len(heaps) != 0 {
		t.Fatal("second Stop flushed again")
	}
}

func TestUnsizedHeap(t *testing.T) {
	r := newReassembler(t, nil)
	f := spead.DefaultFlavour
	a := rawPacket(f, 7, -1, 0, []uint64{f.Address(0x1000, 0)}, []byte("hello "))
	b := rawPacket(f, 7, -1, 6, nil, []byte("world"))
	heaps, errs := feed(r, [][]byte{b, a})
	if len(errs) != 0 || len(heaps) != 0 {
		t.Fatalf("%d heaps, errors %v", len(heaps), errs)
	}
	heaps = r.Stop(nil)
	if len(heaps) != 1 || heaps[0].Length != -1 || string(heaps[0].Payload) != "hello world" {
		t.Fatalf("got %+v", heaps)
	}
	items, err := heaps[0].Items(nil)
	if err != nil || len(items) != 1 || string(items[0].Data) != "hello world" {
		t.Fatalf("items %+v, %v", items, err)
	}
}

func TestReleaseReuses(t *testing.T) {
	r := newReassembler(t, nil)
	f := spead.DefaultFlavour
	full := bytes.Repeat([]byte{0xff}, 16)
	heaps, errs := feed(r, [][]byte{rawPacket(f, 1, 16, 0, nil, full)})
	if len(errs) != 0 || len(heaps) != 1 {
		t.Fatal(errs)
	}
	first := &heaps[0].Payload[0]
	heaps[0].Release()
	if heaps[0].Payload != nil {
		t.Error("Release left the payload")
	}
	// Heap 2 reuses the memory.
	heaps, errs = feed(r, [][]byte{rawPacket(f, 2, 16, 8, nil, full[:8]), rawPacket(f, 2, 16, 0, nil, full[:8])})
	if len(errs) != 0 || len(heaps) != 1 || &heaps[0].Payload[0] != first {
		t.Fatalf("memory not reused (errors %v)", errs)
	}
	heaps[0].Release()
	// An incomplete heap hands out what arrived from offset 0 on, and
	// nothing of the last heap's bytes.
	heaps, errs = feed(r, [][]byte{rawPacket(f, 3, 16, 0, nil, []byte{1, 2, 3, 4}), rawPacket(f, 3, 16, 8, nil, []byte{5})})
	if len(errs) != 0 || len(heaps) != 0 {
		t.Fatal(errs)
	}
	heaps = r.Stop(nil)
	if len(heaps) != 1 || !bytes.Equal(heaps[0].Payload, []byte{1, 2, 3, 4}) || heaps[0].Received != 5 {
		t.Fatalf("incomplete heap: %+v", heaps)
	}
}

// TestRestartedSender plays a sender that stops without an end-of-stream
// heap and starts again, its heap counters from 1 once more: as in
// spead2, every heap of both runs arrives whole.
func TestRestartedSender(t *testing.T) {
	const n = 5000
	r := newReassembler(t, nil)
	var pkts [][]byte
	for run := range 2 {
		for i := range 3 {
			pkts = append(pkts, packets(t, tutorialHeap(t, spead.DefaultFlavour, 3*run+i, n), uint64(i+1), 1472)...)
		}
	}
	heaps, errs := feed(r, pkts)
	if len(errs) != 0 || len(heaps) != 6 {
		t.Fatalf("%d heaps, errors %v", len(heaps), errs)
	}
	for k, h := range heaps {
		checkTutorialHeap(t, h, uint64(k%3+1), k, n)
	}
}

// TestTwoSendersOnOnePort plays two senders that number their heaps
// alike, one heap after the other's: as in spead2, both senders' heaps
// arrive, one-packet heaps included.
func TestTwoSendersOnOnePort(t *testing.T) {
	r := newReassembler(t, nil)
	var pkts [][]byte
	for cnt := uint64(1); cnt <= 4; cnt++ {
		for sender := range 2 {
			i := 2*int(cnt) + sender
			pkts = append(pkts, packets(t, tutorialHeap(t, spead.DefaultFlavour, i, 3000), cnt, 1472)...)
			pkts = append(pkts, rawPacket(f40, 100+cnt, 8, 0, nil, []byte{byte(sender), 1, 2, 3, 4, 5, 6, 7}))
		}
	}
	heaps, errs := feed(r, pkts)
	if len(errs) != 0 || len(heaps) != 16 {
		t.Fatalf("%d heaps, errors %v", len(heaps), errs)
	}
	for k := 0; k < 16; k += 2 {
		cnt := uint64(k/4 + 1)
		checkTutorialHeap(t, heaps[k], cnt, 2*int(cnt)+k/2%2, 3000)
		if h := heaps[k+1]; h.Cnt != 100+cnt || !h.Complete() || h.Payload[0] != byte(k/2%2) {
			t.Fatalf("one-packet heap %d: %+v", 100+cnt, h)
		}
	}
}

// TestLateDuplicateStartsHeap checks spead2's rule for a late copy of a
// packet of a heap already handed out: it starts a new heap, which is
// evicted or flushed as incomplete, and loses nothing else.
func TestLateDuplicateStartsHeap(t *testing.T) {
	r := newReassembler(t, nil)
	pkts := packets(t, tutorialHeap(t, spead.DefaultFlavour, 0, 3000), 1, 1472)
	pkts = append(pkts, pkts[1])
	heaps, errs := feed(r, pkts)
	if len(errs) != 0 || len(heaps) != 1 || !heaps[0].Complete() {
		t.Fatalf("%d heaps, errors %v", len(heaps), errs)
	}
	heaps = r.Stop(nil)
	if len(heaps) != 1 || heaps[0].Cnt != 1 || heaps[0].Complete() || r.Stats().IncompleteHeapsFlushed != 1 {
		t.Fatalf("after the late copy: %d heaps, stats %+v", len(heaps), r.Stats())
	}
}

// TestIncompleteHeapItems checks what an incomplete heap gives: the
// payload up to the first gap, and the items that lie wholly in it, each
// ending where the heap says it ends.
func TestIncompleteHeapItems(t *testing.T) {
	r := newReassembler(t, nil)
	ptrs := []uint64{f40.Address(0x1000, 0), f40.Address(0x1001, 4), f40.Address(0x1002, 10), f40.Immediate(0x1003, 7)}
	heaps, errs := feed(r, [][]byte{
		rawPacket(f40, 1, 16, 0, ptrs, []byte("abcdefgh")),
		rawPacket(f40, 1, 16, 12, nil, []byte("mnop")),
	})
	if len(errs) != 0 || len(heaps) != 0 {
		t.Fatal(errs)
	}
	heaps = r.Stop(nil)
	if len(heaps) != 1 || string(heaps[0].Payload) != "abcdefgh" || heaps[0].Received != 12 {
		t.Fatalf("heaps %+v", heaps)
	}
	items, err := heaps[0].Items(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%#x=%q/%d", it.ID, it.Data, it.Value))
	}
	// 0x1001 runs from 4 to 10, past the 8 bytes that arrived in order.
	want := []string{`0x1000="abcd"/0`, `0x1003=""/7`}
	if !slices.Equal(got, want) {
		t.Errorf("items %q, want %q", got, want)
	}
}
