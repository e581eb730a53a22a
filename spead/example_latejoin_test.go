package spead_test

import (
	"fmt"

	"github.com/gospead/tutorial/spead"
)

// Receivers that join a stream late need its descriptors. An item group
// can send them again every so many heaps (here 3), or all at once in a
// heap of their own, and a stream can begin with a start heap, as spead2's
// HeapGenerator does.
func ExampleItemGroup_HeapWith() {
	g := spead.NewItemGroup(spead.DefaultFlavour)
	g.DescriptorFrequency = 3
	g.Add(spead.Descriptor{ID: 0x1600, Name: "timestamp", Format: []spead.FormatField{{Type: 'u', Bits: 40}}})
	show := func(what string, h *spead.Heap) {
		descriptors, others := 0, 0
		for _, it := range h.Items {
			if it.ID == spead.DescriptorID {
				descriptors++
			} else {
				others++
			}
		}
		fmt.Printf("%-12s %d descriptors, %d other items\n", what, descriptors, others)
	}
	show("start", g.StartHeap())
	for i := range 4 {
		spead.Set(g, "timestamp", uint64(i))
		h, _ := g.Heap()
		show(fmt.Sprint("heap ", i), h)
	}
	h, _ := g.HeapWith(spead.IncludeAll, spead.IncludeNone)
	show("descriptors", h)
	// Output:
	// start        0 descriptors, 1 other items
	// heap 0       1 descriptors, 1 other items
	// heap 1       0 descriptors, 1 other items
	// heap 2       0 descriptors, 1 other items
	// heap 3       1 descriptors, 1 other items
	// descriptors  1 descriptors, 0 other items
}
