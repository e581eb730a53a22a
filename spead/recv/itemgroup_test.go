package recv

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// sendHeaps builds heaps with a send ItemGroup: for each heap, the values
// set before it, as name → elements.
func sendHeaps(t *testing.T, ds []spead.Descriptor, sets ...map[string][]uint8) []*spead.Heap {
	t.Helper()
	sg := spead.NewItemGroup(spead.DefaultFlavour)
	for _, d := range ds {
		if _, err := sg.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	var heaps []*spead.Heap
	for _, set := range sets {
		for name, v := range set {
			if err := spead.Set(sg, name, v...); err != nil {
				t.Fatal(err)
			}
		}
		h, err := sg.Heap()
		if err != nil {
			t.Fatal(err)
		}
		heaps = append(heaps, h)
	}
	return heaps
}

// receive reassembles heaps, numbered from 1, cut into packets of size
// bytes.
func receive(t *testing.T, size int, heaps ...*spead.Heap) []*Heap {
	t.Helper()
	var pkts [][]byte
	for i, h := range heaps {
		pkts = append(pkts, packets(t, h, uint64(i+1), size)...)
	}
	r := newReassembler(t, nil)
	out, errs := feed(r, pkts)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	return r.Stop(out)
}

var twoArrays = []spead.Descriptor{
	{ID: 0x1000, Name: "a", DType: spead.NumpyHeader{Descr: "u1", Shape: []int64{8}}.String()},
	{ID: 0x1001, Name: "b", DType: spead.NumpyHeader{Descr: "u1", Shape: []int64{8}}.String()},
}

// TestItemGroupValuesOutliveRelease checks that the values and raw bytes
// an ItemGroup holds are its own: the heap's payload, released and
// reused, does not change them, even the []uint8 values that DecodeValue
// would share with the payload.
func TestItemGroupValuesOutliveRelease(t *testing.T) {
	heaps := receive(t, 1472, sendHeaps(t, twoArrays, map[string][]uint8{"a": {1, 2, 3, 4, 1, 2, 3, 4}, "b": {5, 6, 7, 8, 5, 6, 7, 8}})...)
	g := NewItemGroup()
	if _, err := g.Update(heaps[0]); err != nil {
		t.Fatal(err)
	}
	payload := heaps[0].Payload
	heaps[0].Release()
	for i := range payload {
		payload[i] = 0xee // as a later heap reusing the memory would
	}
	a, _ := g.Get("a")
	b, _ := g.Get("b")
	if !reflect.DeepEqual(a.Value, []uint8{1, 2, 3, 4, 1, 2, 3, 4}) || !reflect.DeepEqual(b.Value, []uint8{5, 6, 7, 8, 5, 6, 7, 8}) {
		t.Errorf("after Release: a = %v, b = %v", a.Value, b.Value)
	}
	if string(a.Raw.Data) != "\x01\x02\x03\x04\x01\x02\x03\x04" {
		t.Errorf("after Release: a's raw bytes % x", a.Raw.Data)
	}
	// Release's doc: the heap keeps its counter and flavour, and nothing
	// else (Examples print h.Cnt after releasing h).
	if h := heaps[0]; h.Cnt != 1 || h.Flavour != spead.DefaultFlavour || h.Payload != nil || h.Received != 0 || h.Complete() {
		t.Errorf("after Release: heap %+v", *h)
	}
}

// TestItemGroupUpdateChangesOnlyCarriedItems sends a heap with two
// values, then one with one value and every descriptor again, as a
// sender does for late joiners: the item the second heap does not carry
// keeps its value and version.
func TestItemGroupUpdateChangesOnlyCarriedItems(t *testing.T) {
	sent := sendHeaps(t, twoArrays, map[string][]uint8{"a": {1, 2, 3, 4, 1, 2, 3, 4}, "b": {5, 6, 7, 8, 5, 6, 7, 8}}, map[string][]uint8{"b": {9, 9, 9, 9, 9, 9, 9, 9}})
	// The second heap repeats the descriptors.
	for _, d := range twoArrays {
		if err := sent[1].AddDescriptor(&d); err != nil {
			t.Fatal(err)
		}
	}
	heaps := receive(t, 1472, sent...)
	g := NewItemGroup()
	for _, h := range heaps {
		if _, err := g.Update(h); err != nil {
			t.Fatal(err)
		}
		h.Release()
	}
	a, _ := g.Get("a")
	b, _ := g.Get("b")
	if !reflect.DeepEqual(a.Value, []uint8{1, 2, 3, 4, 1, 2, 3, 4}) || a.Version != 1 {
		t.Errorf("a = %v, version %d; want [1 2 3 4 1 2 3 4], version 1", a.Value, a.Version)
	}
	if !reflect.DeepEqual(b.Value, []uint8{9, 9, 9, 9, 9, 9, 9, 9}) || b.Version != 2 {
		t.Errorf("b = %v, version %d; want eight 9s, version 2", b.Value, b.Version)
	}
	// A different descriptor for a's ID replaces it: no value, a higher
	// version, and b, whose name it takes, goes too.
	if err := g.AddDescriptor(spead.Descriptor{ID: 0x1000, Name: "b", Format: u(8)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Get("a"); ok {
		t.Error("a is still there")
	}
	if it, _ := g.ByID(0x1001); it != nil {
		t.Error("the old b is still there")
	}
	if nb, _ := g.Get("b"); nb.ID != 0x1000 || nb.Value != nil || nb.Version != 3 {
		t.Errorf("new b: ID %#x, value %v, version %d; want 0x1000, nil, 3", nb.ID, nb.Value, nb.Version)
	}
}

// TestItemGroupIncompleteHeap checks that an incomplete heap changes
// nothing unless the group is asked to take incomplete heaps.
func TestItemGroupIncompleteHeap(t *testing.T) {
	sent := sendHeaps(t, twoArrays, map[string][]uint8{"a": {1, 2, 3, 4, 1, 2, 3, 4}, "b": {5, 6, 7, 8, 5, 6, 7, 8}})
	pkts := packets(t, sent[0], 1, 1472)
	// A heap of the packet's bytes, marked incomplete as if a packet
	// were missing.
	h := &Heap{Cnt: 1, Flavour: spead.DefaultFlavour}
	p, err := spead.ParsePacket(pkts[0])
	if err != nil {
		t.Fatal(err)
	}
	h.Length, h.Received = int64(p.HeapLength), int64(p.HeapLength)-1
	h.Payload = append([]byte(nil), p.Payload...)
	h.pointers = append([]byte(nil), p.Pointers...)
	g := NewItemGroup()
	updated, err := g.Update(h)
	if !errors.Is(err, ErrIncompleteHeap) || len(updated) != 0 || len(g.Items()) != 0 {
		t.Fatalf("got %d items updated, %d kept, error %v; want none and ErrIncompleteHeap", len(updated), len(g.Items()), err)
	}
	if want := fmt.Sprintf("heap 1: incomplete heap not decoded: %d of %d bytes arrived", h.Received, h.Length); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	// A heap whose packets gave no length (Length -1) says so, rather
	// than "of -1 bytes".
	_, err = g.Update(&Heap{Cnt: 2, Flavour: spead.DefaultFlavour, Length: -1, Received: 100})
	if want := "heap 2: incomplete heap not decoded: 100 bytes arrived, and no packet gave the heap's length"; err == nil || err.Error() != want {
		t.Errorf("no length: error %v, want %q", err, want)
	}
	g.Incomplete = true
	g.Update(h)
	if a, ok := g.Get("a"); !ok || !reflect.DeepEqual(a.Value, []uint8{1, 2, 3, 4, 1, 2, 3, 4}) {
		t.Errorf("with Incomplete set: a = %+v", a)
	}
}

// TestItemGroupMaxItems checks the cap on items.
func TestItemGroupMaxItems(t *testing.T) {
	g := &ItemGroup{MaxItems: 2}
	for i := range 3 {
		err := g.AddDescriptor(spead.Descriptor{ID: 0x1000 + uint64(i), Name: string(rune('a' + i)), Format: u(8)})
		if want := i == 2; errors.Is(err, ErrLimit) != want {
			t.Errorf("descriptor %d: got %v, want ErrLimit %v", i, err, want)
		}
	}
	if n := len(g.Items()); n != 2 {
		t.Errorf("%d items kept, want 2", n)
	}
	// Replacing an item is no new item.
	if err := g.AddDescriptor(spead.Descriptor{ID: 0x1000, Name: "a", Format: u(16)}); err != nil {
		t.Error(err)
	}
}

// TestItemGroupMaxBytes checks the cap on bytes: a value that would pass
// it is dropped, keeping its raw bytes if they fit, with Err saying so;
// what was dropped frees its room.
func TestItemGroupMaxBytes(t *testing.T) {
	ds := []spead.Descriptor{
		{ID: 0x1000, Name: "bits", Format: u(1), Shape: []int64{-1}},
		{ID: 0x1001, Name: "bytes", DType: spead.NumpyHeader{Descr: "u1", Shape: []int64{4000}}.String()},
	}
	sg := spead.NewItemGroup(spead.DefaultFlavour)
	for _, d := range ds {
		sg.Add(d)
	}
	// 1000 bytes of 1-bit values take 64000 bytes decoded.
	if err := sg.SetBytes("bits", make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := spead.Set(sg, "bytes", make([]uint8, 4000)...); err != nil {
		t.Fatal(err)
	}
	h, _ := sg.Heap()
	heaps := receive(t, 1472, h)
	g := &ItemGroup{MaxBytes: 4000}
	updated, err := g.Update(heaps[0])
	if len(updated) != 2 || !errors.Is(err, ErrLimit) {
		t.Fatalf("%d items updated, error %v; want 2 and ErrLimit", len(updated), err)
	}
	bits, _ := g.Get("bits")
	if bits.Value != nil || !errors.Is(bits.Err, ErrLimit) || len(bits.Raw.Data) != 1000 || !strings.Contains(bits.Err.Error(), "raw bytes kept") {
		t.Errorf("bits: value %T, %d raw bytes, Err %v; want nil, 1000 and ErrLimit", bits.Value, len(bits.Raw.Data), bits.Err)
	}
	bs, _ := g.Get("bytes")
	if bs.Value != nil || bs.Raw.Data != nil || !errors.Is(bs.Err, ErrLimit) || !strings.Contains(bs.Err.Error(), "value and raw bytes dropped") {
		t.Errorf("bytes: value %T, %d raw bytes, Err %v; want nil, none and ErrLimit", bs.Value, len(bs.Raw.Data), bs.Err)
	}
	if g.Size() > g.MaxBytes {
		t.Errorf("the group holds %d bytes, over its MaxBytes %d", g.Size(), g.MaxBytes)
	}
	// A small value later fits again.
	sg.SetBytes("bits", []byte{0xa0})
	h, _ = sg.Heap()
	heaps = receive(t, 1472, h)
	if _, err := g.Update(heaps[0]); err != nil {
		t.Fatal(err)
	}
	if bits.Err != nil || !reflect.DeepEqual(bits.Value, []uint64{1, 0, 1, 0, 0, 0, 0, 0}) {
		t.Errorf("bits = %v, Err %v", bits.Value, bits.Err)
	}
}

// TestItemGroupMemoryBound replays issue 11's flood: six descriptors of
// 1-bit values and six 4 MiB heaps, which once took 1.5 GB, 256 MiB for
// each value decoded into []uint64. The group holds at most
// DefaultMaxBytes, measured on the Go heap after GC, and allocates no
// more than the raw bytes it copies.
func TestItemGroupMemoryBound(t *testing.T) {
	const n, size = 6, 4 << 20
	var ds []spead.Descriptor
	for i := range n {
		ds = append(ds, spead.Descriptor{ID: 0x1000 + uint64(i), Name: string(rune('a' + i)), Format: u(1), Shape: []int64{-1}})
	}
	sg := spead.NewItemGroup(spead.DefaultFlavour)
	for _, d := range ds {
		sg.Add(d)
	}
	r := newReassembler(t, nil)
	g := NewItemGroup()
	payload := make([]byte, size)
	var allocated uint64
	var ms runtime.MemStats
	for i := range n {
		sg.SetBytes(ds[i].Name, payload)
		h, _ := sg.Heap()
		heaps, errs := feed(r, packets(t, h, uint64(i+1), 9000))
		if len(errs) != 0 || len(heaps) != 1 {
			t.Fatalf("heap %d: %d heaps, errors %v", i, len(heaps), errs)
		}
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		_, err := g.Update(heaps[0])
		runtime.ReadMemStats(&ms)
		allocated += ms.TotalAlloc - before
		heaps[0].Release()
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("heap %d: got %v, want the value dropped with ErrLimit", i, err)
		}
	}
	if limit := uint64(n*size + 1<<20); allocated > limit {
		t.Errorf("Update allocated %d bytes in all, more than the %d raw bytes it copies and 1 MiB", allocated, n*size)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	with := ms.HeapAlloc
	if g.Size() > DefaultMaxBytes || g.Size() < n*size {
		t.Errorf("the group counts %d bytes; want its %d raw bytes, under %d", g.Size(), n*size, DefaultMaxBytes)
	}
	runtime.KeepAlive(g)
	g = nil
	runtime.GC()
	runtime.ReadMemStats(&ms)
	held := int64(with) - int64(ms.HeapAlloc)
	if held > DefaultMaxBytes || held > 2*(n*size) {
		t.Errorf("the group holds %d bytes of Go heap, over DefaultMaxBytes %d or twice what it counts", held, DefaultMaxBytes)
	}
	t.Logf("the group holds %d bytes of Go heap", held)
}

// TestItemGroupKeepsRawOfBadValue checks that a value that does not
// decode leaves its raw bytes in Raw and its error in Err, and no stale
// value behind.
func TestItemGroupKeepsRawOfBadValue(t *testing.T) {
	d := spead.Descriptor{ID: 0x1000, Name: "vis", DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{2}}.String()}
	var sent []*spead.Heap
	for _, data := range [][]byte{make([]byte, 16), {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		h := spead.NewHeap(spead.DefaultFlavour)
		if err := h.AddDescriptor(&d); err != nil {
			t.Fatal(err)
		}
		h.AddItem(d.ID, data) // by hand: a send ItemGroup would refuse 9 bytes
		sent = append(sent, h)
	}
	g := NewItemGroup()
	for _, h := range receive(t, 1472, sent...) {
		g.Update(h)
	}
	it, _ := g.Get("vis")
	if it.Value != nil || !errors.Is(it.Err, ErrValue) || string(it.Raw.Data) != "\x01\x02\x03\x04\x05\x06\x07\x08\x09" || it.Version != 2 {
		t.Errorf("value %v, Err %v, raw % x, version %d; want nil, ErrValue, the 9 bytes, 2", it.Value, it.Err, it.Raw.Data, it.Version)
	}
}
