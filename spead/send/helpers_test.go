package send

import (
	"context"
	"net/netip"
	"sync"
	"testing"

	"github.com/gospead/tutorial/spead"
)

// kinds are the writers a UDP stream can use, by name.
var kinds = []struct {
	name string
	kind writerKind
}{
	{"fastest", writerFastest},
	{"nogso", writerNoGSO},
	{"portable", writerPortable},
}

// newTestStream makes a UDP stream with the given writer, closed when the
// test ends.
func newTestStream(t *testing.T, eps []netip.AddrPort, cfg Config, kind writerKind) *Stream {
	t.Helper()
	s, err := newUDPStream(eps, cfg, kind)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testHeap returns a heap with an immediate item and n bytes of data that
// depend on seed.
func testHeap(n int, seed byte) *spead.Heap {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7) ^ seed
	}
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddImmediate(0x1600, uint64(seed))
	h.AddItem(0x3300, data)
	return h
}

// sentPacket is a packet a fakeWriter was given.
type sentPacket struct {
	data []byte
	dest int
}

// fakeWriter is a writer that records packets instead of sending them. If
// gate is not nil each write first waits to receive from it; if fail is
// not nil its result is returned by every write (or, if failOn is not 0,
// by the failOn'th write only), after the first failAfter packets of the
// write have gone.
type fakeWriter struct {
	eps       int
	gate      chan struct{}
	fail      error
	failAfter int
	failOn    int

	mu      sync.Mutex
	pkts    []sentPacket
	writes  int
	started chan struct{} // receives once per write, if not nil
}

func (w *fakeWriter) write(ctx context.Context, b *batch) (int, error) {
	if w.started != nil {
		w.started <- struct{}{}
	}
	if w.gate != nil {
		<-w.gate
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	fail := w.fail
	if w.failOn != 0 && w.writes != w.failOn {
		fail = nil
	}
	n := 0
	for i, p := range b.pkts {
		if fail != nil && i == w.failAfter {
			return n, fail
		}
		var data []byte
		for _, piece := range b.bufs[p.first:p.end] {
			data = append(data, piece...)
		}
		w.pkts = append(w.pkts, sentPacket{data, p.dest})
		n += len(data)
	}
	if fail != nil {
		return n, fail
	}
	return n, nil
}

func (w *fakeWriter) destinations() int       { return w.eps }
func (w *fakeWriter) gsoState() (bool, error) { return false, nil }
func (w *fakeWriter) close() error            { return nil }

// sent returns the packets written so far.
func (w *fakeWriter) sent() []sentPacket {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sentPacket(nil), w.pkts...)
}

// writeCount returns how many writes have finished.
func (w *fakeWriter) writeCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}
