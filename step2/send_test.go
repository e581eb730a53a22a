package step

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
	"github.com/gospead/tutorial/spead/send/sendtest"
)

// TestRun sends two data heaps to a loopback socket and checks that every
// packet is the one spead.AppendPackets makes for the same heap: the
// descriptors and first samples with counter 1, the second samples with
// counter 2, the end of the stream with counter 3.
func TestRun(t *testing.T) {
	const nHeaps = 2
	// The capture stops at the end of the stream, heap nHeaps+1. A
	// receive buffer of 64 MiB holds every packet, so none is lost
	// however slowly the capture reads.
	capture, err := sendtest.NewCapture(64<<20, nHeaps+1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer capture.Close()
	var out bytes.Buffer
	var progress []int
	opts := Options{
		Heaps:    nHeaps,
		Host:     "127.0.0.1",
		Port:     int(capture.Addr().Port()),
		Out:      &out,
		Progress: func(sent, total int) { progress = append(progress, sent, total) },
	}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	packets, err := capture.Wait()
	if err != nil {
		t.Fatalf("receiving: %v (after %d packets)", err, len(packets))
	}
	if !regexp.MustCompile(`^[0-9]+\.[0-9]{2} MB/s\n$`).MatchString(out.String()) {
		t.Errorf("Run wrote %q, want one line N.NN MB/s", out.String())
	}
	if want := []int{1, 2, 2, 2}; !slices.Equal(progress, want) {
		t.Errorf("progress calls %v, want %v", progress, want)
	}

	timestampDesc, adcSamplesDesc := descriptors(t, packets)
	var want [][]byte
	for k := range nHeaps {
		var h spead.Heap
		if k == 0 {
			if err := h.AddDescriptor(&timestampDesc); err != nil {
				t.Fatal(err)
			}
			if err := h.AddDescriptor(&adcSamplesDesc); err != nil {
				t.Fatal(err)
			}
		}
		h.AddImmediate(0x1600, uint64(k)*chunkSize)
		h.AddItem(0x3300, wantSamples(t, k))
		if want, err = spead.AppendPackets(want, &h, uint64(k)+1, DefaultPacketSize); err != nil {
			t.Fatal(err)
		}
	}
	if want, err = spead.AppendPackets(want, spead.EndOfStream(spead.DefaultFlavour), nHeaps+1, DefaultPacketSize); err != nil {
		t.Fatal(err)
	}

	if len(packets) != len(want) {
		t.Fatalf("received %d packets, want %d", len(packets), len(want))
	}
	largest := 0
	for i, got := range packets {
		largest = max(largest, len(got))
		if !bytes.Equal(got, want[i]) {
			p, _ := spead.ParsePacket(got)
			t.Fatalf("packet %d (heap %d, offset %d) differs from spead.AppendPackets", i, p.HeapCnt, p.PayloadOffset)
		}
	}
	if largest != DefaultPacketSize {
		t.Errorf("largest packet %d bytes, want %d", largest, DefaultPacketSize)
	}

	// The heaps that spead2's own sender makes the same way must match
	// it byte for byte.
	for cnt, want := range spead2Heaps {
		h := sha256.New()
		for _, pkt := range packets {
			if p, _ := spead.ParsePacket(pkt); p.HeapCnt == cnt {
				h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(pkt))))
				h.Write(pkt)
			}
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("heap %d differs from spead2's: SHA-256 %s, want %s", cnt, got, want)
		}
	}
}

// descriptors reassembles the first heap and decodes its two
// descriptors, checking them against the tutorial's.
func descriptors(t *testing.T, packets [][]byte) (timestamp, adcSamples spead.Descriptor) {
	t.Helper()
	var pointers, payload []byte
	var f spead.Flavour
	for _, pkt := range packets {
		p, err := spead.ParsePacket(pkt)
		if err != nil {
			t.Fatal(err)
		}
		if p.HeapCnt != 1 {
			break
		}
		if p.PayloadOffset != int64(len(payload)) {
			t.Fatalf("first heap: payload offset %d, want %d", p.PayloadOffset, len(payload))
		}
		f = p.Flavour
		pointers = append(pointers, p.Pointers...)
		payload = append(payload, p.Payload...)
	}
	items, err := spead.DecodeItems(f, pointers, payload, nil)
	if err != nil {
		t.Fatal(err)
	}
	var descs []spead.Descriptor
	for _, it := range items {
		if it.ID != spead.DescriptorID {
			continue
		}
		d, err := spead.DecodeDescriptor(it.Data)
		if err != nil {
			t.Fatal(err)
		}
		descs = append(descs, d)
	}
	if len(descs) != 2 {
		t.Fatalf("first heap holds %d descriptors, want 2", len(descs))
	}
	timestamp, adcSamples = descs[0], descs[1]
	if timestamp.ID != 0x1600 || timestamp.Name != "timestamp" || timestamp.Description != "Index of the first sample" ||
		!slices.Equal(timestamp.Format, []spead.FormatField{{Type: 'u', Bits: 40}}) || len(timestamp.Shape) != 0 {
		t.Errorf("timestamp descriptor %+v", timestamp)
	}
	if adcSamples.ID != 0x3300 || adcSamples.Name != "adc_samples" || adcSamples.Description != "ADC converter output" ||
		adcSamples.DType != "{'shape': (1048576,), 'fortran_order': False, 'descr': 'i1'}" || len(adcSamples.Format) != 0 {
		t.Errorf("adc_samples descriptor %+v", adcSamples)
	}
	return timestamp, adcSamples
}

// TestRunErrors checks that Run refuses what it cannot send, with an
// error that names the problem.
func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Heaps: -1, Host: "127.0.0.1", Port: 9}, "heaps"},
		{Options{Host: "localhost", Port: 9}, "not an IP address"},
		{Options{Host: "127.0.0.1", Port: 70000}, "port 70000"},
		{Options{Host: "127.0.0.1", Port: 9, PacketSize: 16}, "MaxPacketSize"},
	} {
		err := Run(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%+v) = %v, want an error about %s", tc.opts, err, tc.want)
		}
	}
}

// TestRunHeapErrorNamesHeapOnce checks that a heap the kernel refuses is
// reported by the stream's own error, which names it by its heap counter
// with its destination, and not numbered again by Run: with one heap the
// last wait reports it, with three the wait in the loop.
// 127.255.255.255 is loopback's broadcast address, which a socket may
// not send to unless it asks to, so nothing is sent.
func TestRunHeapErrorNamesHeapOnce(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux's broadcast route for 127.255.255.255")
	}
	for _, heaps := range []int{1, 3} {
		err := Run(context.Background(), Options{Heaps: heaps, Host: "127.255.255.255", Port: 9, Out: io.Discard})
		var he *send.HeapError
		if !errors.As(err, &he) || he.Cnt != 1 || err.Error() != he.Error() {
			t.Errorf("Run with %d heaps = %v, want heap 1's *send.HeapError as it is", heaps, err)
		}
	}
}

// TestRunEndsStreamWhenWritingFails checks that the receiver still hears
// the end of the stream when the result cannot be written, and that Run
// reports the failed write.
func TestRunEndsStreamWhenWritingFails(t *testing.T) {
	capture, err := sendtest.NewCapture(64<<20, 2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer capture.Close()
	opts := Options{Heaps: 1, Host: "127.0.0.1", Port: int(capture.Addr().Port()), Out: failingWriter{}}
	if err := Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "writing the result") {
		t.Errorf("Run = %v, want the failed write", err)
	}
	if _, err := capture.Wait(); err != nil {
		t.Errorf("the end of the stream did not arrive: %v", err)
	}
}

// failingWriter is an output that refuses every write, as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left") }

// TestRunCanceled checks that Run stops, with the context's error, when
// its context has ended.
func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Run(ctx, Options{Host: "127.0.0.1", Port: 9, Out: os.Stderr})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a canceled context = %v, want context.Canceled", err)
	}
}

// spead2Heaps holds, by heap counter, the SHA-256 of the packets of each
// heap that spead2's C++ tutorial sender (tut_6_send_pktsize of spead2
// 4.4.1, run with -n 2 and the default packet size, captured on loopback)
// put on the wire, each packet preceded by its length as a 4-byte
// big-endian number: the descriptors and first data heap, the second data
// heap and the end of the stream.
var spead2Heaps = map[uint64]string{
	1: "c16e9b714c8f1a47226415b0518251d2ef65657f51884a589a0241500b177599",
	2: "d159083ca1fb188c09e1e9bd1aa57743bb3de8ae455ba56e4a36b913dc2027ff",
	3: "6ba3958b08b23064ecc605ff506bebb9162a684b5e7ecb17f97438573993ff5a",
}

// wantSamples returns the samples of data heap k: all int8(k).
func wantSamples(t *testing.T, k int) []byte {
	t.Helper()
	return bytes.Repeat([]byte{byte(int8(k))}, chunkSize)
}

// TestFill checks that every sample is int8(i), whatever the length of
// the slice, and that i wraps around as a conversion to int8 does.
func TestFill(t *testing.T) {
	for _, n := range []int{1, 2, 3, 1000, chunkSize} {
		for _, i := range []int{0, 1, 127, 128, 300} {
			samples := make([]byte, n)
			fill(samples, i)
			if want := bytes.Repeat([]byte{byte(int8(i))}, n); !bytes.Equal(samples, want) {
				t.Errorf("fill of %d samples with %d is wrong", n, i)
			}
		}
	}
}

// BenchmarkFill measures how long one heap takes to fill.
func BenchmarkFill(b *testing.B) {
	samples := make([]byte, chunkSize)
	b.SetBytes(chunkSize)
	for b.Loop() {
		fill(samples, 7)
	}
}
