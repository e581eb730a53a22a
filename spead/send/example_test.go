package send_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/netip"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

// Send one heap to a UDP port on loopback. Nothing needs to listen there:
// the socket is unconnected, so the ICMP port-unreachable the kernel sends
// back does not fail the send.
func ExampleNewUDPStream() {
	cfg := send.DefaultConfig()
	cfg.MaxPacketSize = 9000
	dest := netip.MustParseAddrPort("127.0.0.1:9") // the discard port
	s, err := send.NewUDPStream([]netip.AddrPort{dest}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	samples := make([]byte, 1024*1024)
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddImmediate(0x1600, 0) // timestamp
	h.AddItem(0x3300, samples)
	n, err := s.SendHeap(context.Background(), h)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "bytes sent, SPEAD headers included")
	// Output: 1053312 bytes sent, SPEAD headers included
}

// Keep two heaps in flight, as the tutorial does: heap i+1 is handed to
// the stream before waiting for heap i, so the stream never waits for the
// program. Two Futures are reused turn about, and so are two heaps, each
// with its own sample buffer that is refilled only once its last send is
// done.
func ExampleStream_AsyncSendHeap() {
	cfg := send.DefaultConfig()
	cfg.MaxPacketSize = 9000
	cfg.MaxHeaps = 2
	dest := netip.MustParseAddrPort("127.0.0.1:9")
	s, err := send.NewUDPStream([]netip.AddrPort{dest}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	const chunk = 1024 * 1024
	var (
		futs    [2]send.Future
		heaps   [2]spead.Heap
		samples [2][]byte
		total   int64
	)
	for i := range samples {
		samples[i] = make([]byte, chunk)
	}
	ctx := context.Background()
	for i := range 10 {
		k := i % 2
		if i >= 2 {
			// Wait for the heap that last used this Future and
			// buffer before touching them again.
			n, err := futs[k].Wait()
			if err != nil {
				log.Fatal(err)
			}
			total += n
		}
		for j := range samples[k] {
			samples[k][j] = byte(i)
		}
		heaps[k].Reset()
		heaps[k].AddImmediate(0x1600, uint64(i*chunk))
		heaps[k].AddItem(0x3300, samples[k])
		s.AsyncSendHeap(ctx, &heaps[k], &futs[k])
	}
	for k := range futs {
		n, err := futs[k].Wait()
		if err != nil {
			log.Fatal(err)
		}
		total += n
	}
	fmt.Printf("%d heaps, %d bytes\n", 10, total)
	// Output: 10 heaps, 10533120 bytes
}

// Send small heaps in batches, as spead2's tut_11 does: each batch of 8
// heaps of 8 KiB goes in one call with one Future, and two batches take
// turns, one in flight while the other is refilled.
func ExampleStream_AsyncSendHeaps() {
	const (
		heapSize   = 8192
		batchHeaps = 8
		batches    = 2
	)
	cfg := send.DefaultConfig()
	cfg.MaxPacketSize = 9000
	cfg.MaxHeaps = batches * batchHeaps
	dest := netip.MustParseAddrPort("127.0.0.1:9")
	s, err := send.NewUDPStream([]netip.AddrPort{dest}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	type batch struct {
		future  send.Future
		heaps   []*spead.Heap
		samples [][]byte
	}
	var states [batches]batch
	for k := range states {
		for range batchHeaps {
			states[k].heaps = append(states[k].heaps, new(spead.Heap))
			states[k].samples = append(states[k].samples, make([]byte, heapSize))
		}
	}
	ctx := context.Background()
	var total int64
	for i := 0; i < 10*batchHeaps; i += batchHeaps {
		st := &states[(i/batchHeaps)%batches]
		if i >= batches*batchHeaps {
			n, err := st.future.Wait() // the batch's last use is done
			if err != nil {
				log.Fatal(err)
			}
			total += n
		}
		for j, h := range st.heaps {
			for b := range st.samples[j] {
				st.samples[j][b] = byte(i + j)
			}
			h.Reset()
			h.AddImmediate(0x1600, uint64((i+j)*heapSize))
			h.AddItem(0x3300, st.samples[j])
		}
		s.AsyncSendHeaps(ctx, st.heaps, send.Serial, &st.future)
	}
	for k := range states {
		n, err := states[k].future.Wait()
		if err != nil {
			log.Fatal(err)
		}
		total += n
	}
	fmt.Printf("%d heaps in %d batches, %d bytes\n", 10*batchHeaps, 10, total)
	// Output: 80 heaps in 10 batches, 659840 bytes
}

// Give a slow drain a deadline. At 10 bytes a second the stream holds
// the second heap back for over a minute; CloseContext stops waiting
// when its context ends, and the heap it gave up on fails.
func ExampleStream_CloseContext() {
	cfg := send.DefaultConfig()
	cfg.Rate = 10
	cfg.BurstSize = 1
	dest := netip.MustParseAddrPort("127.0.0.1:9")
	s, err := send.NewUDPStream([]netip.AddrPort{dest}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddItem(0x1000, make([]byte, 1000))
	if _, err := s.SendHeap(context.Background(), h); err != nil {
		log.Fatal(err) // the first burst goes at once
	}
	f := s.AsyncSendHeap(context.Background(), h, nil)

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a deadline that has already passed
	fmt.Println(s.CloseContext(ctx))
	_, err = f.Wait()
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// send: closing the stream: heaps left unsent: context canceled
	// true
}

// Say once, on standard error, if the kernel refuses UDP GSO and the
// stream goes on without it, and ask the stream afterwards. GSO's answer
// depends on the system and its network devices, so this example prints
// nothing that go test checks.
func ExampleWithGSOReport() {
	dest := netip.MustParseAddrPort("127.0.0.1:9")
	s, err := send.NewUDPStream([]netip.AddrPort{dest}, send.Config{MaxPacketSize: 9000})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := send.WithGSOReport(context.Background(), func(err error) {
		log.Print(err) // "send: UDP GSO turned off after the kernel refused it: ..."
	})
	h := spead.NewHeap(spead.DefaultFlavour)
	h.AddItem(0x3300, make([]byte, 100000))
	if _, err := s.SendHeap(ctx, h); err != nil {
		log.Fatal(err)
	}
	if on, err := s.GSO(); !on {
		log.Printf("GSO not in use: %v", err)
	}
}
