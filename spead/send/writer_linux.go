package send

import (
	"context"
	"fmt"
	"net/netip"
	"sync"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"golang.org/x/sys/unix"
)

// newUDPWriter returns the writer of the given kind; see writerKind.
func newUDPWriter(endpoints []netip.AddrPort, cfg Config, kind writerKind) (writer, error) {
	if kind == writerPortable {
		return newPortableWriter(endpoints, cfg)
	}
	c, err := udpbatch.OpenFor(cfg.bufferSize(), endpoints...)
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if err := setMulticast(c.Control, c.Family(), &cfg); err != nil {
		c.Close()
		return nil, fmt.Errorf("send: %w", err)
	}
	w, err := newMmsgWriter(c, endpoints, kind == writerFastest)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("send: %w", err)
	}
	return w, nil
}

// mmsgWriter is the Linux fast path: a whole batch in one sendmmsg call,
// each packet a scatter-gather list of its header and slices of the
// heap's own memory, runs of packets merged for UDP GSO (planMessages),
// on an unconnected udpbatch.Conn. In steady state a write allocates
// nothing.
type mmsgWriter struct {
	c *udpbatch.Conn
	// send is c.Send; tests replace it to inject the kernel's errors.
	send func(ctx context.Context, msgs []unix.Mmsghdr) (int, error)
	eps  []netip.AddrPort
	sas  []udpbatch.Sockaddr // eps in the socket's own address form
	// gso says whether to merge packets. The stream's goroutine alone
	// changes it, clearing it for good if the kernel refuses GSO, and
	// then sets gsoErr to say why; both under mu, for Stream.GSO.
	gso    bool
	mu     sync.Mutex
	gsoErr error

	iovs   []unix.Iovec // the pieces of the batch's packets, in order
	pktIov []iovRange   // which iovs each packet of the batch uses
	flat   []byte       // packets with too many pieces, copied whole
	starts []int        // the first packet of each message, then the end
	batch  udpbatch.Batch
}

// newMmsgWriter returns a writer on c, which must be able to reach every
// endpoint. The writer owns c from then on.
func newMmsgWriter(c *udpbatch.Conn, endpoints []netip.AddrPort, gso bool) (*mmsgWriter, error) {
	var err error
	w := &mmsgWriter{
		c:      c,
		eps:    endpoints,
		sas:    make([]udpbatch.Sockaddr, len(endpoints)),
		gso:    gso,
		pktIov: make([]iovRange, 0, maxBatch),
		starts: make([]int, 0, maxBatch+1),
	}
	w.send = w.c.Send
	for i, ep := range endpoints {
		if w.sas[i], err = udpbatch.NewSockaddr(ep, c.Family()); err != nil {
			return nil, fmt.Errorf("endpoint %d: %w", i, err)
		}
	}
	return w, nil
}

// write sends every packet of b. Messages the kernel has taken are never
// sent again: after a partial sendmmsg it carries on from the first
// message not sent.
func (w *mmsgWriter) write(ctx context.Context, b *batch) (int, error) {
	w.gather(b)
	defer w.release()
	first := 0 // the first packet not yet sent
	var retry retrier
	for first < len(b.pkts) {
		w.prepare(b, first, w.gso)
		sent, err := w.send(ctx, w.batch.Msgs)
		if err == nil || sent >= len(w.batch.Msgs) {
			return b.bytesBefore(len(b.pkts)), nil
		}
		first = w.starts[sent]
		if sent > 0 {
			retry = retrier{} // progress: the retries start afresh
		}
		switch {
		case isTransient(err):
			// Lost, or an old ICMP error reported on this
			// message, which was not sent: send it again.
			if err := retry.wait(ctx, err); err != nil {
				return b.bytesBefore(first), err
			}
		case w.gso && w.batch.Segmented(sent) && udpbatch.IsGSOFailure(err):
			next, err := w.probeWithoutGSO(ctx, b, first, err)
			if err != nil {
				return b.bytesBefore(first), err
			}
			first = next
		default:
			p := b.pkts[first]
			return b.bytesBefore(first), wrapSendError(err, p.size, w.eps[p.dest])
		}
	}
	return b.bytesBefore(len(b.pkts)), nil
}

// bytesBefore returns the bytes of the batch's first k packets.
func (b *batch) bytesBefore(k int) int {
	n := 0
	for _, p := range b.pkts[:k] {
		n += p.size
	}
	return n
}

// probeWithoutGSO sends packet first on its own after a merged message
// starting with it was refused with the error refused. If that works, the
// fault was GSO, and the writer stops merging for good; otherwise the
// error is real. It returns the next packet to send.
func (w *mmsgWriter) probeWithoutGSO(ctx context.Context, b *batch, first int, refused error) (int, error) {
	w.prepare(b, first, false)
	var retry retrier
	for {
		_, err := w.send(ctx, w.batch.Msgs[:1])
		if err == nil {
			w.turnOffGSO(ctx, refused)
			return first + 1, nil
		}
		if !isTransient(err) {
			p := b.pkts[first]
			return 0, wrapSendError(err, p.size, w.eps[p.dest])
		}
		if err := retry.wait(ctx, err); err != nil {
			return 0, err
		}
	}
}

// turnOffGSO stops the writer merging packets, for good, after the kernel
// refused a merged message with the error refused, and reports it to
// whoever asked (WithGSOReport).
func (w *mmsgWriter) turnOffGSO(ctx context.Context, refused error) {
	err := fmt.Errorf("send: UDP GSO turned off after the kernel refused it: %w", refused)
	w.mu.Lock()
	w.gso, w.gsoErr = false, err
	w.mu.Unlock()
	reportGSO(ctx, err)
}

// reportGSO calls the function WithGSOReport put in ctx, if any, with err.
func reportGSO(ctx context.Context, err error) {
	if report, ok := ctx.Value(gsoReportKey{}).(func(error)); ok && report != nil {
		report(err)
	}
}

// gsoState reports whether the writer merges packets, and why not if the
// kernel refused.
func (w *mmsgWriter) gsoState() (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gso, w.gsoErr
}

// prepare fills w.batch with the messages planMessages makes of packets
// b.pkts[first:], and records where each starts in w.starts. A merged
// message carries its segment size in a control message of its own
// (udpbatch.Batch.Add).
func (w *mmsgWriter) prepare(b *batch, first int, gso bool) {
	w.batch.Reset()
	w.starts = w.starts[:0]
	planMessages(b.pkts, w.pktIov, first, gso, func(i, j, seg int) {
		w.batch.Add(w.iovs[w.pktIov[i].first:w.pktIov[j-1].end], &w.sas[b.pkts[i].dest], seg)
		w.starts = append(w.starts, i)
	})
	w.starts = append(w.starts, len(b.pkts))
}

// gather points one iovec at each piece of each packet of b. A packet with
// more pieces than a message may carry is copied into one buffer instead.
func (w *mmsgWriter) gather(b *batch) {
	w.iovs = w.iovs[:0]
	w.pktIov = w.pktIov[:0]
	w.flat = w.flat[:0]
	for _, p := range b.pkts {
		start := len(w.iovs)
		pieces := b.bufs[p.first:p.end]
		if len(pieces) > maxIov {
			// Rare: a packet of many tiny items. Copy it so the
			// kernel takes it in one iovec. flat never moves while
			// it is in use, since its capacity is reserved first.
			w.reserveFlat(b)
			off := len(w.flat)
			for _, piece := range pieces {
				w.flat = append(w.flat, piece...)
			}
			pieces = [][]byte{w.flat[off:]}
		}
		for _, piece := range pieces {
			if len(piece) == 0 {
				continue
			}
			var v unix.Iovec
			udpbatch.SetIovec(&v, piece)
			w.iovs = append(w.iovs, v)
		}
		w.pktIov = append(w.pktIov, iovRange{start, len(w.iovs)})
	}
}

// reserveFlat makes room in w.flat for every packet of b, so that slices
// of it stay valid while more packets are appended.
func (w *mmsgWriter) reserveFlat(b *batch) {
	need := 0
	for _, p := range b.pkts {
		need += p.size
	}
	if cap(w.flat) < need {
		w.flat = make([]byte, 0, need)
	}
}

// release drops the writer's pointers into the batch's memory, so that a
// heap already sent can be collected.
func (w *mmsgWriter) release() {
	clear(w.iovs)
	w.batch.Clear()
}

func (w *mmsgWriter) destinations() int { return len(w.eps) }
func (w *mmsgWriter) close() error      { return w.c.Close() }
