package send

import (
	"context"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
)

// GSO reports whether the stream hands the kernel runs of packets to cut
// into datagrams (UDP generic segmentation offload), as it does on Linux.
// If the kernel refused such a run, so that the stream went on without
// GSO, for good, GSO returns false and an error wrapping the kernel's,
// which says why. Elsewhere it returns false and nil.
func (s *Stream) GSO() (bool, error) { return s.w.gsoState() }

// WithGSOReport returns a copy of ctx under which a stream that turns UDP
// GSO off calls report, once, with the error [Stream.GSO] then returns.
// The call comes from the stream's goroutine while it sends a heap handed
// to it under ctx, and should not block. It tells a program that does not
// hold the stream, as net/http/httptrace does for HTTP requests.
func WithGSOReport(ctx context.Context, report func(error)) context.Context {
	return context.WithValue(ctx, gsoReportKey{}, report)
}

// gsoReportKey is the context key of WithGSOReport's function.
type gsoReportKey struct{}

// iovRange is the run iovs[first:end] of a writer's iovecs.
type iovRange struct{ first, end int }

// maxIov is the most iovecs the kernel takes in one message (UIO_MAXIOV).
const maxIov = 1024

// planMessages groups the packets pkts[first:] into messages and calls
// add for each, in order, with its packets pkts[i:j] and its segment
// size, 0 for a message of one packet; pieces[k] is the iovecs packet k
// takes. Without gso every packet is a message of its own. With gso, a
// run of consecutive packets to one destination becomes one message that
// the kernel cuts back into packets (UDP generic segmentation offload):
// every packet of the run but the last is exactly the first one's size,
// the segment size, and the last no larger; a run holds at most
// udpbatch.MaxSegments packets, udpbatch.MaxGSOBytes bytes and maxIov
// iovecs.
func planMessages(pkts []packet, pieces []iovRange, first int, gso bool, add func(i, j, seg int)) {
	for i := first; i < len(pkts); {
		p := pkts[i]
		j := i + 1
		if gso {
			total := p.size
			for j < len(pkts) && j-i < udpbatch.MaxSegments &&
				pkts[j-1].size == p.size && pkts[j].size <= p.size &&
				pkts[j].dest == p.dest &&
				total+pkts[j].size <= udpbatch.MaxGSOBytes &&
				pieces[j].end-pieces[i].first <= maxIov {
				total += pkts[j].size
				j++
			}
		}
		seg := 0
		if j-i > 1 {
			seg = p.size
		}
		add(i, j, seg)
		i = j
	}
}
