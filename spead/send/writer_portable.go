package send

import (
	"context"
	"net"
	"net/netip"
)

// portableWriter sends each packet with its own system call, copying it
// into one buffer first. It works everywhere the net package does.
type portableWriter struct {
	conn *net.UDPConn
	eps  []netip.AddrPort
	buf  []byte
}

func newPortableWriter(endpoints []netip.AddrPort, cfg Config) (*portableWriter, error) {
	conn, err := listenFor(endpoints)
	if err != nil {
		return nil, err
	}
	return &portableWriter{conn: conn, eps: endpoints, buf: make([]byte, 0, cfg.MaxPacketSize)}, nil
}

func (w *portableWriter) write(ctx context.Context, b *batch) error {
	for _, p := range b.pkts {
		w.buf = w.buf[:0]
		for _, piece := range b.bufs[p.first:p.end] {
			w.buf = append(w.buf, piece...)
		}
		ep := w.eps[p.dest]
		for {
			_, err := w.conn.WriteToUDPAddrPort(w.buf, ep)
			if err == nil {
				break
			}
			if isTransient(err) {
				// An ICMP error left over from an earlier packet
				// was reported on this one; the packet itself was
				// not sent, so send it again.
				continue
			}
			return wrapSendError(err, len(w.buf), ep)
		}
	}
	return nil
}

func (w *portableWriter) destinations() int { return len(w.eps) }
func (w *portableWriter) close() error      { return w.conn.Close() }
