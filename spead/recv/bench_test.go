package recv

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

// BenchmarkReassemble measures the reassembly alone: tutorial heaps of
// 1 MiB in 1472-byte packets, as step 2 sends them, handed to a
// Reassembler with no socket.
func BenchmarkReassemble(b *testing.B) {
	const n = 1 << 20
	var pkts [][]byte
	for i := range 4 {
		pkts = append(pkts, packets(b, tutorialHeap(b, spead.DefaultFlavour, i%2, n), uint64(i+1), 1472)...)
	}
	r := newReassembler(b, nil)
	b.SetBytes(int64(len(pkts)) * 1472)
	b.ReportAllocs()
	var heaps []*Heap
	cnt := uint64(0)
	for b.Loop() {
		// Every round renumbers the heaps, so that none is a
		// duplicate of the round before.
		for j, p := range pkts {
			if j%(len(pkts)/4) == 0 {
				cnt++
			}
			setHeapCnt(p, cnt)
			var err error
			heaps, err = r.AddPacket(heaps[:0], p)
			if err != nil {
				b.Fatal(err)
			}
			for _, h := range heaps {
				h.Release()
			}
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(pkts))/b.Elapsed().Seconds(), "packets/s")
}

// setHeapCnt rewrites the heap counter of a packet made by
// spead.AppendPackets (its first item pointer) in SPEAD-64-40.
func setHeapCnt(p []byte, cnt uint64) {
	ip := spead.DefaultFlavour.Immediate(spead.HeapCntID, cnt)
	for i := range 8 {
		p[8+i] = byte(ip >> (56 - 8*i))
	}
}

// BenchmarkUDPStream measures the socket path at loopback: the project's
// sender sends tutorial heaps (1 MiB, 1472-byte packets, two in flight,
// as in step 2), and a Stream receives them. Each iteration is one heap.
// Besides the rate it reports the heaps that did not arrive whole: loss
// means the receiver did not keep up. The sender runs unlimited, and at
// 660 MB/s, the rate spead2's own sender reaches in step 2 on this kind
// of machine, paced heap by heap (within a heap the sender runs at full
// speed).
func BenchmarkUDPStream(b *testing.B) {
	b.Run("rate=unlimited", func(b *testing.B) { benchmarkUDPStream(b, 0) })
	b.Run("rate=660MB/s", func(b *testing.B) { benchmarkUDPStream(b, 660e6) })
	b.Run("rate=1300MB/s", func(b *testing.B) { benchmarkUDPStream(b, 1300e6) })
}

// benchmarkUDPStream sends at rate bytes per second (0: unlimited).
func benchmarkUDPStream(b *testing.B, rate float64) {
	const n = 1 << 20
	// The idle timeout ends the run if the end-of-stream packet itself
	// is lost.
	s := newStream(b, func(c *Config) { c.IdleTimeout = time.Second })
	cfg := send.DefaultConfig()
	cfg.MaxHeaps = 2
	tx, err := send.NewUDPStream([]netip.AddrPort{s.LocalAddr()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	h0 := tutorialHeap(b, spead.DefaultFlavour, 0, n)
	h1 := tutorialHeap(b, spead.DefaultFlavour, 1, n)
	total := b.N
	ctx := context.Background()
	sendErr := make(chan error, 1)
	b.SetBytes(n)
	b.ResetTimer()
	start := time.Now()
	go func() {
		// Pipelined as the tutorial does: heap i+1 is handed over
		// before waiting for heap i.
		var futs [2]send.Future
		for i := range total {
			h := h1
			if i == 0 {
				h = h0
			}
			if rate > 0 {
				due := start.Add(time.Duration(float64(i) * n / rate * float64(time.Second)))
				time.Sleep(time.Until(due))
			}
			f := &futs[i%2]
			if i >= 2 {
				if _, err := f.Wait(); err != nil {
					sendErr <- err
					return
				}
			}
			tx.AsyncSendHeap(ctx, h, f)
		}
		for i := max(0, total-2); i < total; i++ {
			if _, err := futs[i%2].Wait(); err != nil {
				sendErr <- err
				return
			}
		}
		_, err := tx.SendHeap(ctx, spead.EndOfStream(spead.DefaultFlavour))
		sendErr <- err
	}()
	complete := 0
	for {
		h, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if errors.Is(err, ErrIdle) {
			s.Stop()
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		if h.Complete() {
			complete++
		}
		h.Release()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if err := <-sendErr; err != nil {
		b.Fatal(err)
	}
	st := s.Stats()
	b.ReportMetric(float64(st.Packets)/elapsed.Seconds(), "packets/s")
	b.ReportMetric(100*float64(total-complete)/float64(total), "%lost")
}

// BenchmarkDecodeComplex64 decodes a (256, 4) <c8 array of visibilities,
// 8 KiB. MB/s counts the bytes decoded.
func BenchmarkDecodeComplex64(b *testing.B) {
	d := spead.Descriptor{ID: 0x1800, Name: "vis", DType: spead.NumpyHeader{Descr: "<c8", Shape: []int64{256, 4}}.String()}
	raw := spead.RawItem{ID: 0x1800, Data: make([]byte, 256*4*8)}
	b.SetBytes(int64(len(raw.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeValue(&d, raw, spead.DefaultFlavour); err != nil {
			b.Fatal(err)
		}
	}
}
