package recv

import (
	"encoding/binary"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// Item IDs and sizes of the tutorial's heaps.
const (
	timestampID  = 0x1600
	adcSamplesID = 0x3300
)

// tutorialHeap returns a heap like the tutorial's heap i, with n samples
// all equal to int8(i), and its descriptors if i is 0.
func tutorialHeap(t testing.TB, f spead.Flavour, i, n int) *spead.Heap {
	t.Helper()
	h := spead.NewHeap(f)
	if i == 0 {
		for _, d := range tutorialDescriptors(f, n) {
			if err := h.AddDescriptor(&d); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.AddImmediate(timestampID, uint64(i*n))
	samples := make([]byte, n)
	for j := range samples {
		samples[j] = byte(int8(i))
	}
	h.AddItem(adcSamplesID, samples)
	return h
}

// tutorialDescriptors returns the tutorial's two descriptors for heaps of
// n samples.
func tutorialDescriptors(f spead.Flavour, n int) []spead.Descriptor {
	return []spead.Descriptor{
		{
			ID: timestampID, Name: "timestamp", Description: "Index of the first sample",
			Format: []spead.FormatField{{Type: 'u', Bits: f.HeapAddressBits()}},
		},
		{
			ID: adcSamplesID, Name: "adc_samples", Description: "ADC converter output",
			DType: spead.NumpyHeader{Descr: "i1", Shape: []int64{int64(n)}}.String(),
		},
	}
}

// packets returns the packets of h with counter cnt.
func packets(t testing.TB, h *spead.Heap, cnt uint64, size int) [][]byte {
	t.Helper()
	pkts, err := spead.AppendPackets(nil, h, cnt, size)
	if err != nil {
		t.Fatal(err)
	}
	return pkts
}

// endPackets returns the packets of an end-of-stream heap.
func endPackets(t testing.TB, f spead.Flavour, cnt uint64) [][]byte {
	return packets(t, spead.EndOfStream(f), cnt, 1472)
}

// rawPacket builds a packet by hand: the header for flavour f, the four
// packet pointers (heap length left out if heapLen < 0), extra item
// pointers and the payload. It does no checking, so that tests can build
// malformed packets.
func rawPacket(f spead.Flavour, cnt uint64, heapLen, off int64, extra []uint64, payload []byte) []byte {
	imm := f.ImmediateSize()
	ptrs := []uint64{f.Immediate(spead.HeapCntID, cnt)}
	if heapLen >= 0 {
		ptrs = append(ptrs, f.Immediate(spead.HeapLengthID, uint64(heapLen)))
	}
	ptrs = append(ptrs, f.Immediate(spead.PayloadOffsetID, uint64(off)), f.Immediate(spead.PayloadLengthID, uint64(len(payload))))
	ptrs = append(ptrs, extra...)
	b := []byte{spead.Magic, spead.Version, byte(8 - imm), byte(imm), 0, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(ptrs)))
	for _, p := range ptrs {
		b = binary.BigEndian.AppendUint64(b, p)
	}
	return append(b, payload...)
}

// feed adds packets to r and returns the heaps they finish and the
// errors of the dropped ones.
func feed(r *Reassembler, pkts [][]byte) ([]*Heap, []error) {
	var heaps []*Heap
	var errs []error
	for _, p := range pkts {
		var err error
		heaps, err = r.AddPacket(heaps, p)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return heaps, errs
}

// newReassembler returns a reassembler with the default configuration
// changed by edit.
func newReassembler(t testing.TB, edit func(*Config)) *Reassembler {
	t.Helper()
	cfg := DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	r, err := NewReassembler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkTutorialHeap checks that h is complete and is tutorial heap i of n
// samples.
func checkTutorialHeap(t *testing.T, h *Heap, cnt uint64, i, n int) {
	t.Helper()
	if h.Cnt != cnt || !h.Complete() {
		t.Fatalf("heap %d (complete %v), want complete heap %d", h.Cnt, h.Complete(), cnt)
	}
	items, err := h.Items(nil)
	if err != nil {
		t.Fatal(err)
	}
	var ts, samples *spead.RawItem
	for j := range items {
		switch items[j].ID {
		case timestampID:
			ts = &items[j]
		case adcSamplesID:
			samples = &items[j]
		}
	}
	if ts == nil || !ts.Immediate || ts.Value != uint64(i*n) {
		t.Fatalf("heap %d: timestamp %+v, want immediate %d", cnt, ts, i*n)
	}
	if samples == nil || len(samples.Data) != n {
		t.Fatalf("heap %d: adc_samples missing or of the wrong length", cnt)
	}
	for j, b := range samples.Data {
		if int8(b) != int8(i) {
			t.Fatalf("heap %d: sample %d is %d, want %d", cnt, j, int8(b), int8(i))
		}
	}
}
