package send_test

import (
	"context"
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
