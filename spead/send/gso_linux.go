//go:build linux

package send

import "github.com/gospead/tutorial/spead/send/internal/mmsg"

// prepare fills w.batch with the messages for packets b.pkts[first:] and
// records where each starts in w.starts. With gso, a run of consecutive
// packets to one destination becomes one message that the kernel cuts
// back into packets (UDP generic segmentation offload): every packet of
// the run but the last must be exactly the first one's size, the segment
// size, and the last no larger; a run holds at most mmsg.MaxSegments
// packets and mmsg.MaxGSOBytes bytes. The packets of a heap are all the
// maximum size except its last, so a run is usually as long as the limits
// allow.
//
// The segment size goes in a UDP_SEGMENT control message on each merged
// message (mmsg.Batch.Add), not in the socket option spead2 sets: no
// setsockopt when sizes change, and a lone packet is never segmented.
func (w *mmsgWriter) prepare(b *batch, first int, gso bool) {
	w.batch.Reset()
	w.starts = w.starts[:0]
	pkts := b.pkts
	for i := first; i < len(pkts); {
		p := pkts[i]
		j := i + 1
		if gso {
			total := p.size
			for j < len(pkts) && j-i < mmsg.MaxSegments &&
				pkts[j-1].size == p.size && pkts[j].size <= p.size &&
				pkts[j].dest == p.dest &&
				total+pkts[j].size <= mmsg.MaxGSOBytes &&
				w.pktIov[j].end-w.pktIov[i].first <= maxIov {
				total += pkts[j].size
				j++
			}
		}
		seg := 0
		if j-i > 1 {
			seg = p.size
		}
		w.batch.Add(w.iovs[w.pktIov[i].first:w.pktIov[j-1].end], &w.sas[p.dest], seg)
		w.starts = append(w.starts, i)
		i = j
	}
	w.starts = append(w.starts, len(pkts))
}
