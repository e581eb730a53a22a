package check

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"slices"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

func init() {
	exercises = append(exercises,
		Exercise{N: 1, Title: "Set a rate limit", Step: 2, Check: checkRate},
		Exercise{N: 2, Title: "Switch to SPEAD-64-48", Step: 2, Check: checkFlavour},
		Exercise{N: 3, Title: "Send to two destinations", Step: 2, Check: checkTwoDestinations},
		Exercise{N: 4, Title: "Add a third item", Step: 2, Check: checkThirdItem},
		Exercise{N: 5, Title: "Fill a ramp", Step: 2, Check: checkRamp},
		Exercise{N: 6, Title: "Take the pipelining away", Step: 2, Check: checkNoPipelining},
		Exercise{N: 7, Title: "Keep four heaps in flight", Step: 2, Check: checkFourInFlight},
		Exercise{N: 8, Title: "Fit a 9000-byte MTU", Step: 3, Check: checkJumboMTU},
		Exercise{N: 9, Title: "Describe the items again every ten heaps", Step: 2, Check: checkDescriptorsAgain},
		Exercise{N: 10, Title: "Make every packet stand on its own", Step: 2, Check: checkRepeatPointers},
		Exercise{N: 11, Title: "Send 16-bit samples", Step: 2, Check: checkInt16},
	)
}

// Exercise 1: config.Rate = 100e6. The limit is one the exercise sets, so
// the check holds the stage to it, not to the machine's speed. Over the
// run a limited stream never gets ahead of its rate by more than a
// millisecond's worth and a burst, and it never sends a heap at twice the
// rate, however it caught up; a stream without a limit sends whole heaps in
// a fraction of a millisecond. A busy machine only makes heaps slower, so
// the fastest heap is compared with 85 MB/s, or with the fastest heap of a
// stream limited to 100 MB/s just now when the machine cannot reach that.
const (
	rateLow     = 85e6  // below this the limit is not the one asked for
	rateHigh    = 106e6 // the run's rate stays under this with the limit
	rateHeapMax = 200e6 // a limited stream never sends a heap this fast
)

func checkRate(ctx context.Context) (string, error) {
	// A run held back by a busy machine is tried again, up to attempts
	// times; a run too fast fails at once.
	const attempts = 3
	var err error
	for range attempts {
		var summary string
		var slow bool
		summary, slow, err = rateRun(ctx)
		if err == nil || !slow {
			return summary, err
		}
	}
	return "", err
}

// rateRun runs step 2 once for exercise 1. It reports slow when the only
// fault was heaps slower than the limit, which a busy machine can cause.
func rateRun(ctx context.Context) (summary string, slow bool, err error) {
	const n = 20
	r, err := runStage(ctx, 2, options{Heaps: n}, nil)
	if err != nil {
		return "", false, err
	}
	hs, err := wantData(r.caps[0], n)
	if err != nil {
		return "", false, err
	}
	if err := verifyConstant(hs); err != nil {
		return "", false, err
	}
	// A heap's rate counts every byte of its packets after the first,
	// SPEAD headers included, as Rate does, over the time from its first
	// packet's arrival to its last's.
	fastest, slowest := heapRates(hs)
	const hint = "config.Rate is in bytes per second, SPEAD headers included: 100 MB/s is 100e6."
	// The run's rate, from the first data packet's arrival to the last,
	// counts every byte after the first packet.
	var bytes, first int
	for i, h := range hs {
		bytes += h.bytes
		if i == 0 {
			first = h.bytes / len(h.packets)
		}
	}
	overall := float64(bytes-first) / hs[n-1].last.Sub(hs[0].first).Seconds()
	if overall > rateHigh || fastest > rateHeapMax {
		return "", false, fail(hint, "the heaps went out at %.0f MB/s, the fastest at %.0f MB/s: no limit of 100 MB/s holds them back", overall/1e6, fastest/1e6)
	}
	if fastest < rateLow {
		// A busy machine may hold back every heap: compare with a
		// stream limited to 100 MB/s, sent just now.
		ref, err := referenceRate(ctx, n)
		if err != nil {
			return "", false, err
		}
		if fastest < 0.8*ref {
			return "", true, fail(hint, "the fastest heap went out at %.1f MB/s, want about 100 MB/s (a stream limited to 100 MB/s reached %.1f here just now)", fastest/1e6, ref/1e6)
		}
	}
	return fmt.Sprintf("%d heaps went out at %.1f MB/s on the wire, SPEAD headers included (heaps at %.1f to %.1f)", n, overall/1e6, slowest/1e6, fastest/1e6), false, nil
}

// heapRates returns the rates of the fastest and the slowest heap of hs.
func heapRates(hs []*heap) (fastest, slowest float64) {
	fastest, slowest = 0, math.Inf(1)
	for _, h := range hs {
		if len(h.packets) < 2 {
			continue
		}
		d := h.last.Sub(h.first).Seconds()
		rate := math.Inf(1)
		if d > 0 {
			rate = float64(h.bytes-h.bytes/len(h.packets)) / d
		}
		fastest, slowest = max(fastest, rate), min(slowest, rate)
	}
	return fastest, slowest
}

// referenceRate sends n heaps of 1 MiB through a stream limited to 100
// MB/s and returns the rate of the fastest.
func referenceRate(ctx context.Context, n int) (float64, error) {
	l, err := listen(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		return 0, err
	}
	defer l.close()
	l.start(idle)
	cfg := send.DefaultConfig()
	cfg.Rate = 100e6
	cfg.MaxHeaps = 2
	stream, err := send.NewUDPStream([]netip.AddrPort{l.addr}, cfg)
	if err != nil {
		return 0, err
	}
	defer stream.Close()
	var hs [2]spead.Heap
	var fs [2]send.Future
	data := make([]byte, chunk)
	for i := range n {
		if i >= 2 {
			if _, err := fs[i%2].Wait(); err != nil {
				return 0, err
			}
		}
		hs[i%2].Reset()
		hs[i%2].AddItem(0x3300, data)
		stream.AsyncSendHeap(ctx, &hs[i%2], &fs[i%2])
	}
	if _, err := stream.SendHeap(ctx, spead.EndOfStream(spead.DefaultFlavour)); err != nil {
		return 0, err
	}
	c, err := l.wait(idle)
	if err != nil {
		return 0, err
	}
	fastest, _ := heapRates(c.dataHeaps())
	return fastest, nil
}

// Exercise 2: every packet, the end of the stream's included, says
// SPEAD-64-48 in its header, and the timestamp is described as u48.
func checkFlavour(ctx context.Context) (string, error) {
	const n = 3
	r, err := runStage(ctx, 2, options{Heaps: n}, nil)
	if err != nil {
		return "", err
	}
	c := r.caps[0]
	want, _ := spead.NewFlavour(48)
	for _, cnt := range c.counters() {
		h := c.heaps[cnt]
		if len(h.flavours) == 1 && h.flavours[0] == want {
			continue
		}
		what := fmt.Sprintf("heap %d", cnt)
		hint := "the flavour is the heap's: set the Flavour field of every heap, not only the descriptor's format."
		if h.end {
			what = fmt.Sprintf("heap %d, the end of the stream,", cnt)
			hint = "the end-of-stream heap is a heap too: give it the flavour (spead.EndOfStream(flavour) makes one)."
		}
		return "", fail(hint, "%s went out in %v packets, want %v", what, h.flavours, want)
	}
	hs, err := wantData(c, n)
	if err != nil {
		return "", err
	}
	d, err := descriptor(hs[0], 0x1600)
	if err != nil {
		return "", err
	}
	if d == nil {
		return "", fail("keep the descriptors on the first heap.", "heap 1 carries no descriptor for the timestamp (0x1600)")
	}
	if len(d.Format) != 1 || d.Format[0] != (spead.FormatField{Type: 'u', Bits: 48}) {
		return "", fail("describe the timestamp with the new flavour's HeapAddressBits().", "the timestamp's descriptor says %v, want [('u', 48)]", formatString(d.Format))
	}
	if err := verifyConstant(hs); err != nil {
		return "", err
	}
	return fmt.Sprintf("all %d heaps went out in SPEAD-64-48 packets, the timestamp described as u48", len(c.heaps)), nil
}

func formatString(ff []spead.FormatField) string {
	s := "["
	for i, f := range ff {
		if i > 0 {
			s += ", "
		}
		s += f.String()
	}
	return s + "]"
}

// Exercise 3: even data heaps to the stage's port, odd ones to the next
// port, the end of the stream to both.
func checkTwoDestinations(ctx context.Context) (string, error) {
	const n = 6
	a, b, err := listenPair()
	if err != nil {
		return "", err
	}
	r, err := runStageTo(ctx, 2, options{Heaps: n}, []*listener{a, b})
	if err != nil {
		return "", err
	}
	const hint = "make a stream with both endpoints, send heap i with AsyncSendHeapTo(ctx, heap, i%2, future), and the end of the stream to destinations 0 and 1."
	ports := []uint16{a.addr.Port(), b.addr.Port()}
	for d, c := range r.caps {
		for _, h := range c.dataHeaps() {
			k := int(h.cnt) - 1
			if want := k % 2; want != d {
				return "", fail(hint, "data heap %d (heap %d, %s) arrived at port %d, want port %d", k, h.cnt, parity(k), ports[d], ports[want])
			}
		}
	}
	for k := range n {
		d := k % 2
		c := r.caps[d]
		h := c.heaps[uint64(k+1)]
		if h == nil {
			return "", fail(hint, "data heap %d (heap %d) never arrived at port %d", k, k+1, ports[d])
		}
		if !h.complete() {
			return "", fail(lossHint, "heap %d arrived at port %d incomplete: %d of %d bytes", h.cnt, ports[d], h.received, h.length)
		}
		if err := verifyHeap(h, k); err != nil {
			return "", err
		}
	}
	for d, c := range r.caps {
		if !c.ended {
			return "", fail("a receiver waits for its own end of the stream: send one to each destination.", "the end of the stream never arrived at port %d", ports[d])
		}
	}
	return fmt.Sprintf("even heaps arrived at port %d, odd ones at port %d, and each port got the end of the stream", ports[0], ports[1]), nil
}

func parity(k int) string {
	if k%2 == 0 {
		return "even"
	}
	return "odd"
}

// Exercise 4: item 0x1601 n_samples, described on the first heap as an
// unsigned integer as wide as a heap address, immediate in every heap.
func checkThirdItem(ctx context.Context) (string, error) {
	const n = 3
	hs, err := runData(ctx, 2, n)
	if err != nil {
		return "", err
	}
	d, err := descriptor(hs[0], 0x1601)
	if err != nil {
		return "", err
	}
	if d == nil {
		return "", fail("add its descriptor on the first heap, next to the other two, with AddDescriptor.", "heap 1 carries no descriptor for item 0x1601")
	}
	if d.Name != "n_samples" {
		return "", fail("", "item 0x1601 is named %q, want \"n_samples\"", d.Name)
	}
	bits := spead.DefaultFlavour.HeapAddressBits()
	if len(d.Format) != 1 || d.Format[0] != (spead.FormatField{Type: 'u', Bits: bits}) {
		return "", fail("as wide as a heap address: describe it as the timestamp is.", "n_samples is described as %s, want [('u', %d)]", formatString(d.Format), bits)
	}
	for k, h := range hs {
		if k > 0 {
			if d, _ := descriptor(h, 0x1601); d != nil {
				return "", fail("the descriptors go on the first heap only, as the other two do.", "heap %d carries the descriptor again", h.cnt)
			}
		}
		it, ok, err := h.item(0x1601)
		switch {
		case err != nil:
			return "", fail("", "heap %d: %v", h.cnt, err)
		case !ok:
			return "", fail("add the value to every heap, not only the first.", "heap %d has no n_samples (item 0x1601)", h.cnt)
		case !it.Immediate:
			return "", fail("a value as wide as a heap address travels in its item pointer: use AddImmediate, as for the timestamp.",
				"heap %d's n_samples is addressed (%d bytes of payload), want an immediate", h.cnt, len(it.Data))
		case it.Value != chunk:
			return "", fail("the value is the number of samples in the heap, chunkSize.", "heap %d's n_samples is %d, want %d", h.cnt, it.Value, chunk)
		}
	}
	if err := verifyConstant(hs); err != nil {
		return "", err
	}
	return fmt.Sprintf("n_samples is described as [('u', %d)] on heap 1 and is an immediate %d in all %d heaps", bits, chunk, n), nil
}

// Exercise 5: sample j of heap i is int8(i+j).
func checkRamp(ctx context.Context) (string, error) {
	const n = 4
	hs, err := runData(ctx, 2, n)
	if err != nil {
		return "", err
	}
	for k, h := range hs {
		if err := timestamp(h, k); err != nil {
			return "", err
		}
		data, err := samples(h)
		if err != nil {
			return "", err
		}
		if len(data) != chunk {
			return "", fail("", "heap %d has %d samples, want %d", h.cnt, len(data), chunk)
		}
		for j, b := range data {
			if want := byte(int8(k + j)); b != want {
				return "", fail("every sample, the last included, of every heap: sample j of heap i is int8(i+j).",
					"heap %d: sample %d is %d, want %d", h.cnt, j, int8(b), int8(want))
			}
		}
	}
	return fmt.Sprintf("all %d heaps hold the ramp int8(i+j), every sample checked", n), nil
}

// Exercise 6: no heap is handed over before the one before it has been
// waited for.
func checkNoPipelining(ctx context.Context) (string, error) {
	const n = 5
	m := &inflightMeter{want: 1}
	r, err := runStage(ctx, 2, options{Heaps: n}, func(l *listener) func(int, int) {
		m.l = l
		return m.progress
	})
	if err != nil {
		return "", err
	}
	if m.reports == 0 {
		return "", fail("call opts.Progress after each Wait, as the stage does now: the check watches the wire then.", "the stage never reported progress")
	}
	if m.high > 0 {
		return "", fail("wait for each heap right after handing it over, before filling the next; MaxHeaps alone does not do it, since the stream takes the next heap as soon as the last has gone.",
			"while the stage reported heaps sent, %s beyond them already went out: the loop still hands over the next heap before it waits", plural(m.high, "heap"))
	}
	hs, err := wantData(r.caps[0], n)
	if err != nil {
		return "", err
	}
	if err := verifyConstant(hs); err != nil {
		return "", err
	}
	return fmt.Sprintf("at each of %d progress reports no heap was in flight, and all %d heaps verify", m.reports, n), nil
}

// Exercise 7: three heaps handed over beyond the one waited for.
func checkFourInFlight(ctx context.Context) (string, error) {
	const n = 12
	m := &inflightMeter{want: 3}
	r, err := runStage(ctx, 2, options{Heaps: n}, func(l *listener) func(int, int) {
		m.l = l
		return m.progress
	})
	if err != nil {
		return "", err
	}
	if m.reports == 0 {
		return "", fail("call opts.Progress after each Wait, as the stage does now: the check watches the wire then.", "the stage never reported progress")
	}
	hs, err := wantData(r.caps[0], n)
	if err != nil {
		return "", err
	}
	if err := verifyConstant(hs); err != nil {
		return "", err
	}
	if m.high < 3 {
		return "", fail("four heaps in flight need four states, MaxHeaps 4, and a loop that waits for heap i-4 before it reuses its state.",
			"at most %s went out beyond those the stage reported sent, want 3", plural(m.high, "heap"))
	}
	return fmt.Sprintf("3 heaps were in flight beyond the one waited for, and all %d heaps verify", n), nil
}

// Exercise 8: step 3's packets fit an MTU of 9000 bytes, as big as they
// can be.
func checkJumboMTU(ctx context.Context) (string, error) {
	const (
		n       = 2
		mtu     = 9000
		headers = 28 // IPv4 and UDP
		// The largest SPEAD packet that fits, rounded down to a
		// multiple of 8 as the stream rounds the packet size.
		best = (mtu - headers) / 8 * 8
	)
	r, err := runStage(ctx, 3, options{Heaps: n}, nil)
	if err != nil {
		return "", err
	}
	hs, err := wantData(r.caps[0], n)
	if err != nil {
		return "", err
	}
	if err := verifyConstant(hs); err != nil {
		return "", err
	}
	largest := r.caps[0].largest()
	switch {
	case largest+headers > mtu:
		return "", fail("the packet size counts only SPEAD's part of a packet; IPv4 and UDP add 28 bytes that the MTU counts.",
			"the largest packet was %d bytes, %d with IPv4 and UDP headers: more than an MTU of %d", largest, largest+headers, mtu)
	case largest < best:
		return "", fail("an MTU counts the IP packet: IP and UDP headers (28 bytes), not Ethernet's 14.",
			"the largest packet was %d bytes; it fits, but %d would too", largest, best)
	}
	return fmt.Sprintf("the largest packet was %d bytes, %d with IPv4 and UDP headers", largest, largest+headers), nil
}

// Exercise 9: data heaps 0, 10, 20, ... carry the descriptors, the others
// none.
func checkDescriptorsAgain(ctx context.Context) (string, error) {
	const n = 21
	hs, err := runData(ctx, 2, n)
	if err != nil {
		return "", err
	}
	const hint = "describe the items when i%10 == 0: heaps 1, 11, 21 (data heaps 0, 10, 20)."
	for k, h := range hs {
		ds, err := h.descriptors()
		if err != nil {
			return "", fail("", "%v", err)
		}
		var ids []uint64
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		slices.Sort(ids)
		want := k%10 == 0
		switch {
		case want && !slices.Equal(ids, []uint64{0x1600, 0x3300}):
			return "", fail(hint, "heap %d (data heap %d) describes items %#x, want 0x1600 and 0x3300", h.cnt, k, ids)
		case !want && len(ids) > 0:
			return "", fail(hint, "heap %d (data heap %d) carries descriptors, want them only every tenth heap", h.cnt, k)
		}
	}
	if err := verifyConstant(hs); err != nil {
		return "", err
	}
	return "heaps 1, 11 and 21 carry both descriptors, the others none", nil
}

// Exercise 10: every packet of every data heap carries the heap's item
// pointers.
func checkRepeatPointers(ctx context.Context) (string, error) {
	const n = 3
	hs, err := runData(ctx, 2, n)
	if err != nil {
		return "", err
	}
	for _, h := range hs {
		for i, p := range h.packets {
			var ids []uint64
			for _, ptr := range pointers(p) {
				ids = append(ids, ptr.id)
			}
			if !slices.Contains(ids, 0x1600) || !slices.Contains(ids, 0x3300) {
				return "", fail("set RepeatPointers on every heap: each state has a heap of its own, and Reset keeps the option.",
					"packet %d of heap %d (offset %d) carries item pointers %#x, without the timestamp's and the samples'", i+1, h.cnt, p.PayloadOffset, ids)
			}
		}
	}
	if err := verifyConstant(hs); err != nil {
		return "", err
	}
	return fmt.Sprintf("every packet of all %d heaps carries the timestamp's and the samples' item pointers", n), nil
}

// Exercise 11: adc_samples becomes chunkSize big-endian int16 samples
// ('>i2'), each int16(i) in heap i. A consistent little-endian answer is
// refused: the task asks for big-endian.
func checkInt16(ctx context.Context) (string, error) {
	const n = 3
	hs, err := runData(ctx, 2, n)
	if err != nil {
		return "", err
	}
	d, err := descriptor(hs[0], 0x3300)
	if err != nil {
		return "", err
	}
	if d == nil {
		return "", fail("keep the descriptors on the first heap.", "heap 1 carries no descriptor for adc_samples (0x3300)")
	}
	nh, err := spead.ParseNumpyHeader(d.DType)
	if err != nil {
		return "", fail("", "adc_samples' dtype %q: %v", d.DType, err)
	}
	var order binary.ByteOrder
	switch nh.Descr {
	case ">i2":
		order = binary.BigEndian
	case "<i2":
		return "", fail("the task asks for big-endian samples: '>i2' in the descriptor, binary.BigEndian in the fill.", "adc_samples' dtype is %q, want \">i2\"", nh.Descr)
	default:
		return "", fail("describe the samples as '>i2': big-endian int16.", "adc_samples' dtype is %q, want \">i2\"", nh.Descr)
	}
	if !slices.Equal(nh.Shape, []int64{chunk}) {
		return "", fail("the shape counts samples, not bytes: chunkSize.", "adc_samples' shape is %v, want [%d]", nh.Shape, chunk)
	}
	for k, h := range hs {
		if err := timestamp(h, k); err != nil {
			return "", err
		}
		data, err := samples(h)
		if err != nil {
			return "", err
		}
		if len(data) != 2*chunk {
			return "", fail("each sample is two bytes now: the samples need a buffer of 2*chunkSize bytes.",
				"heap %d has %d bytes of samples; the descriptor's %d samples of 2 bytes need %d", h.cnt, len(data), chunk, 2*chunk)
		}
		want := int16(k)
		for j := 0; j < len(data); j += 2 {
			if got := int16(order.Uint16(data[j:])); got != want {
				hint := "sample j of heap i is int16(i)."
				if swapped := int16(order.Uint16([]byte{data[j+1], data[j]})); swapped == want {
					hint = fmt.Sprintf("the bytes are in the opposite byte order to the descriptor's %q: binary.BigEndian goes with '>', LittleEndian with '<'.", nh.Descr)
				}
				return "", fail(hint, "heap %d: sample %d reads %d as %s, want %d", h.cnt, j/2, got, nh.Descr, want)
			}
		}
	}
	return fmt.Sprintf("adc_samples is %d samples of %s, and all %d heaps hold int16(i)", chunk, nh.Descr, n), nil
}
