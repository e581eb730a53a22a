package spead

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// heapIDs writes a heap's items as "d1600" for the descriptor of 0x1600
// and "1600" for its value, so that tests can say in one string what a
// heap carries and in what order.
func heapIDs(t *testing.T, h *Heap) string {
	t.Helper()
	var ids []string
	for _, it := range h.Items {
		if it.ID != DescriptorID {
			ids = append(ids, fmt.Sprintf("%x", it.ID))
			continue
		}
		d, err := DecodeDescriptor(it.Data)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, fmt.Sprintf("d%x", d.ID))
	}
	return strings.Join(ids, " ")
}

// TestItemGroupDescriptorsAgain follows spead2's HeapGenerator: which
// descriptors and values each heap carries, given DescriptorFrequency and
// the descriptors and data a heap asks for. Every heap counts towards the
// frequency, whatever it carries; a descriptor sent on request (IncludeAll)
// starts its count again; values left out (IncludeNone) stay stale.
func TestItemGroupDescriptorsAgain(t *testing.T) {
	type step struct {
		set         []string // items whose value is set before the heap
		add         string   // an item declared before the heap
		descriptors Include
		data        Include
		want        string
	}
	S, A, N := IncludeStale, IncludeAll, IncludeNone
	tests := []struct {
		name  string
		freq  int
		steps []step
	}{
		{"once", 0, []step{
			{set: []string{"a", "b"}, want: "da a db b"},
			{set: []string{"a"}, want: "a"},
			{set: []string{"b"}, want: "b"},
			{want: ""},
		}},
		{"every heap", 1, []step{
			{set: []string{"a"}, want: "da a db"},
			{want: "da db"},
			{set: []string{"b"}, want: "da db b"},
		}},
		{"every third heap", 3, []step{
			{set: []string{"a", "b"}, want: "da a db b"},
			{set: []string{"a"}, want: "a"},
			{set: []string{"a"}, want: "a"},
			{set: []string{"a"}, want: "da a db"},
			{set: []string{"a"}, want: "a"},
			{want: ""},
			{want: "da db"},
		}},
		{"an item declared later keeps its own count", 2, []step{
			{set: []string{"a"}, want: "da a db"},
			{add: "c", set: []string{"c"}, want: "dc c"},
			{want: "da db"},
			{want: "dc"},
			{want: "da db"},
		}},
		{"descriptors on request restart the count", 3, []step{
			{set: []string{"a", "b"}, want: "da a db b"},
			{descriptors: A, data: N, want: "da db"},
			{set: []string{"a"}, want: "a"},
			{set: []string{"a"}, want: "a"},
			{set: []string{"a"}, want: "da a db"},
		}},
		{"heaps without descriptors count", 2, []step{
			{set: []string{"a", "b"}, want: "da a db b"},
			{descriptors: N, want: ""},
			{descriptors: N, want: ""},
			{want: "da db"},
		}},
		{"values left out stay stale", 0, []step{
			{set: []string{"a", "b"}, descriptors: S, data: N, want: "da db"},
			{want: "a b"},
			{set: []string{"b"}, descriptors: N, data: N, want: ""},
			{want: "b"},
		}},
		{"all values", 0, []step{
			{set: []string{"a"}, want: "da a db"},
			{data: A, want: "a"},
			{set: []string{"b"}, descriptors: A, data: A, want: "da a db b"},
			{want: ""},
		}},
	}
	ids := map[string]uint64{"a": 0x1600, "b": 0x1601, "c": 0x1602}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewItemGroup(DefaultFlavour)
			g.DescriptorFrequency = tt.freq
			add := func(name string) {
				if _, err := g.Add(Descriptor{ID: ids[name], Name: name, Format: []FormatField{{'u', 40}}}); err != nil {
					t.Fatal(err)
				}
			}
			add("a")
			add("b")
			for i, s := range tt.steps {
				if s.add != "" {
					add(s.add)
				}
				for _, name := range s.set {
					if err := g.SetUint(name, uint64(i)); err != nil {
						t.Fatal(err)
					}
				}
				h, err := g.HeapWith(s.descriptors, s.data)
				if err != nil {
					t.Fatal(err)
				}
				got := strings.NewReplacer("1600", "a", "1601", "b", "1602", "c").Replace(heapIDs(t, h))
				if got != s.want {
					t.Errorf("heap %d carries %q, want %q", i, got, s.want)
				}
			}
		})
	}
}

// TestItemGroupControlHeapsDoNotCount checks what DescriptorFrequency's
// doc says of StartHeap and EndHeap: the heaps they return do not count
// towards the frequency, so descriptors come again in the n-th heap that
// Heap builds after the one that last carried them (counting from 0).
func TestItemGroupControlHeapsDoNotCount(t *testing.T) {
	g := NewItemGroup(DefaultFlavour)
	g.DescriptorFrequency = 2
	if _, err := g.Add(Descriptor{ID: 0x1600, Name: "a", Format: []FormatField{{'u', 40}}}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"da a", "a", "da a"} {
		g.StartHeap()
		g.EndHeap()
		if err := g.SetUint("a", uint64(i)); err != nil {
			t.Fatal(err)
		}
		h, err := g.Heap()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(heapIDs(t, h), "1600", "a"); got != want {
			t.Errorf("heap %d carries %q, want %q", i, got, want)
		}
	}
}

// TestItemGroupHeapWithRefuses checks that an Include out of range is an
// error, not a heap, and that the error names the argument out of range
// and not the other.
func TestItemGroupHeapWithRefuses(t *testing.T) {
	g := NewItemGroup(DefaultFlavour)
	for _, tt := range []struct {
		in   [2]Include
		want string
	}{
		{[2]Include{IncludeNone + 1, IncludeStale}, "item group: descriptors 3 is not an Include"},
		{[2]Include{IncludeStale, 7}, "item group: data 7 is not an Include"},
		{[2]Include{IncludeAll, 7}, "item group: data 7 is not an Include"},
	} {
		h, err := g.HeapWith(tt.in[0], tt.in[1])
		if err == nil || h != nil {
			t.Errorf("HeapWith(%d, %d) = %v, %v; want an error", tt.in[0], tt.in[1], h, err)
		} else if err.Error() != tt.want {
			t.Errorf("HeapWith(%d, %d): error %q; want %q", tt.in[0], tt.in[1], err, tt.want)
		}
	}
}

// TestItemGroupFillHeapWith checks that a reused heap is emptied and
// refilled, and its storage of descriptors reused.
func TestItemGroupFillHeapWith(t *testing.T) {
	g := NewItemGroup(DefaultFlavour)
	if _, err := g.Add(Descriptor{ID: 0x1600, Name: "a", Format: []FormatField{{'u', 40}}}); err != nil {
		t.Fatal(err)
	}
	var h Heap
	for range 3 {
		if err := g.FillHeapWith(&h, IncludeAll, IncludeNone); err != nil {
			t.Fatal(err)
		}
		if got := heapIDs(t, &h); got != "d1600" {
			t.Errorf("heap carries %q, want d1600", got)
		}
	}
}

// TestStartAndEndHeaps checks the stream control heaps: one immediate
// item 0x06 of value 0 to start, 2 to end, as spead2's add_start and
// add_end write them.
func TestStartAndEndHeaps(t *testing.T) {
	g := NewItemGroup(Flavour{})
	for _, tt := range []struct {
		name string
		h    *Heap
		want uint64
	}{
		{"StartOfStream", StartOfStream(DefaultFlavour), CtrlStreamStart},
		{"StartHeap", g.StartHeap(), CtrlStreamStart},
		{"EndOfStream", EndOfStream(DefaultFlavour), CtrlStreamStop},
		{"EndHeap", g.EndHeap(), CtrlStreamStop},
	} {
		want := Item{ID: StreamCtrlID, Immediate: true, Value: tt.want}
		if len(tt.h.Items) != 1 || !reflect.DeepEqual(tt.h.Items[0], want) || tt.h.flavour() != DefaultFlavour {
			t.Errorf("%s: %+v in %v, want %+v", tt.name, tt.h.Items, tt.h.flavour(), want)
		}
	}
}
