package step

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

const (
	// DefaultHeaps is how many data heaps Run sends unless told
	// otherwise: enough to time the sender, few enough to finish in a
	// moment.
	DefaultHeaps = 100

	// DefaultPacketSize is the largest packet Run sends unless told
	// otherwise: spead2's default of 1472 bytes. IPv4 and UDP add 28
	// bytes of headers, which makes 1500, the MTU of standard Ethernet.
	DefaultPacketSize = 1472

	// chunkSize is the number of samples in a heap. Each sample is one
	// byte, so every heap carries 1 MiB of data.
	chunkSize = 1024 * 1024
)

// Options are the choices a caller may make. The zero value of each field
// means the tutorial's choice.
type Options struct {
	// Heaps is how many data heaps to send; 0 means DefaultHeaps.
	Heaps int
	// PacketSize is the largest packet to send, counting the SPEAD
	// header, item pointers and payload but not the IP and UDP headers;
	// 0 means DefaultPacketSize.
	PacketSize int
	// Host and Port say where to send. The tutorial hard-codes
	// 127.0.0.1 and 8888 until stage 3, and the zero values mean those.
	Host string
	Port int
	// Out receives the one line of results; nil means os.Stdout.
	Out io.Writer
	// Progress, if not nil, is called each time a data heap has been
	// sent, with how many have been sent so far and how many there are.
	Progress func(sent, total int)
}

// state is one heap in flight and the memory behind it, like the state
// struct of the C++ tutorial. A heap refers to its samples rather than
// copying them, so the samples must not change until the heap has been
// sent: each state has samples of its own.
type state struct {
	future  send.Future // the result of sending heap
	samples []byte      // the ADC samples: int8 values, stored as bytes
	heap    spead.Heap  // the heap that carries timestamp and samples
}

// Run sends heaps of ADC samples to a UDP receiver, ends the stream, and
// writes the rate at which it sent them to opts.Out as "N.NN MB/s".
// It stops early, with an error, if ctx ends.
func Run(ctx context.Context, opts Options) error {
	nHeaps := cmp.Or(opts.Heaps, DefaultHeaps)
	if nHeaps < 1 {
		return fmt.Errorf("heaps: %d is fewer than one", nHeaps)
	}
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}

	// Where to send: 127.0.0.1 is the loopback interface, so the
	// packets never leave this machine.
	host := cmp.Or(opts.Host, "127.0.0.1")
	port := cmp.Or(opts.Port, 8888)
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("host %q is not an IP address: %w", host, err)
	}
	if port < 1 || port > 65535 {
		return fmt.Errorf("port %d is outside 1 to 65535", port)
	}
	endpoint := netip.AddrPortFrom(addr, uint16(port))

	// A stream's configuration is fixed before the stream exists. A rate
	// of 0 lifts the rate limit, so heaps go as fast as the machine can
	// send them, and that speed is what we measure. MaxHeaps 2 lets the
	// stream hold two heaps at once: the one going out and the next.
	config := send.DefaultConfig()
	config.Rate = 0
	config.MaxHeaps = 2
	config.MaxPacketSize = cmp.Or(opts.PacketSize, DefaultPacketSize)
	stream, err := send.NewUDPStream([]netip.AddrPort{endpoint}, config)
	if err != nil {
		return fmt.Errorf("creating the stream: %w", err)
	}
	defer stream.Close()

	// The descriptors tell a receiver what each item is called, what it
	// means and how to decode it. The timestamp is an unsigned integer as
	// wide as a heap address (40 bits), which lets it travel inside its
	// item pointer. The samples are described the numpy way: a
	// one-dimensional array of chunkSize signed bytes ("i1").
	timestampDesc := spead.Descriptor{
		ID:          0x1600,
		Name:        "timestamp",
		Description: "Index of the first sample",
		Format:      []spead.FormatField{{Type: 'u', Bits: spead.DefaultFlavour.HeapAddressBits()}},
	}
	adcSamplesDesc := spead.Descriptor{
		ID:          0x3300,
		Name:        "adc_samples",
		Description: "ADC converter output",
		DType:       spead.NumpyHeader{Descr: "i1", Shape: []int64{chunkSize}}.String(),
	}

	// The samples stand in for the output of an analogue-to-digital
	// converter: random, uniform in [-100, 100). PCG, from math/rand/v2,
	// is a small and fast generator, and a fixed seed is enough, since no
	// one needs the samples to be unpredictable. Even so, a random number
	// per sample costs a few nanoseconds, several milliseconds per heap,
	// and that is slower than the network: stage 2 does away with it.
	rng := rand.New(rand.NewPCG(1, 2))

	// The heaps are pipelined: heap i is handed to the stream before Run
	// waits for heap i-1 to finish, so the stream always has the next
	// heap ready and never sits idle while Run fills one. Two heaps in
	// flight need two states, which take turns: heap i uses
	// states[i%2], whose last heap, i-2, was waited for in the previous
	// round, so its samples are free to overwrite.
	var states [2]state
	for k := range states {
		states[k].samples = make([]byte, chunkSize)
	}
	var old *state
	start := time.Now()
	for i := range nHeaps {
		st := &states[i%2]
		st.heap.Reset()
		// The first heap also carries the descriptors, so that the
		// receiver knows the items before it has to decode them.
		if i == 0 {
			if err := st.heap.AddDescriptor(&timestampDesc); err != nil {
				return err
			}
			if err := st.heap.AddDescriptor(&adcSamplesDesc); err != nil {
				return err
			}
		}
		fill(st.samples, rng)
		st.heap.AddImmediate(timestampDesc.ID, uint64(i)*chunkSize)
		st.heap.AddItem(adcSamplesDesc.ID, st.samples)
		stream.AsyncSendHeap(ctx, &st.heap, &st.future)
		if old != nil {
			// The error of a heap that failed names the heap, by
			// the counter the stream gave it (1 for the first, as a
			// receiver sees it), and where it was going, so we
			// return it as it is rather than number it again.
			if _, err := old.future.Wait(); err != nil {
				return err
			}
			if opts.Progress != nil {
				opts.Progress(i, nHeaps)
			}
		}
		old = st
	}
	if _, err := old.future.Wait(); err != nil {
		return err
	}
	if opts.Progress != nil {
		opts.Progress(nHeaps, nHeaps)
	}

	// The clock stops once the last data heap has gone. The end of the
	// stream carries no data, so timing it would only blur the rate.
	elapsed := time.Since(start)

	// The end-of-stream heap tells the receiver that nothing more is
	// coming, so that it can stop. It goes before the result is written,
	// so that the receiver stops even if writing the result fails.
	var end spead.Heap
	end.AddEnd()
	if _, err := stream.SendHeap(ctx, &end); err != nil {
		return fmt.Errorf("the end of the stream: %w", err)
	}

	rate := float64(chunkSize) * float64(nHeaps) / elapsed.Seconds() / 1e6
	if _, err := fmt.Fprintf(out, "%.2f MB/s\n", rate); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return stream.Close()
}

// fill sets the samples to random values, uniform in [-100, 100).
func fill(samples []byte, rng *rand.Rand) {
	for j := range samples {
		samples[j] = byte(int8(rng.IntN(200) - 100))
	}
}
