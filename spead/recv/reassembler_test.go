package recv

import (
	"bytes"
	"errors"
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
	// An incomplete heap still decodes what it has.
	items, err := heaps[0].Items(nil)
	if err != nil || len(items) != 2 {
		t.Errorf("items of an incomplete heap: %v, %v", items, err)
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

func TestReleaseReusesAndClears(t *testing.T) {
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
	// Heap 2 reuses the memory; what never arrived reads as zero.
	heaps, errs = feed(r, [][]byte{rawPacket(f, 2, 16, 4, nil, []byte{1, 2, 3, 4})})
	if len(errs) != 0 || len(heaps) != 0 {
		t.Fatal(errs)
	}
	heaps = r.Stop(nil)
	if len(heaps) != 1 || &heaps[0].Payload[0] != first {
		t.Fatal("memory not reused")
	}
	want := []byte{0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(heaps[0].Payload, want) {
		t.Errorf("payload %v, want %v", heaps[0].Payload, want)
	}
}
