package sendtest

// SkipFill makes f send its heaps without filling them, so that a
// benchmark can tell the cost of sending freshly written data from that of
// the hand-offs.
func SkipFill(f *FreshYardstick) { f.stale = true }
