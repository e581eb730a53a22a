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
	conn, err := listenFor(endpoints, cfg.bufferSize())
	if err != nil {
		return nil, err
	}
	if err := setPortableMulticast(conn, &cfg); err != nil {
		conn.Close()
		return nil, err
	}
	return &portableWriter{conn: conn, eps: endpoints, buf: make([]byte, 0, cfg.MaxPacketSize)}, nil
}

func (w *portableWriter) write(ctx context.Context, b *batch) (int, error) {
	sent := 0
	for _, p := range b.pkts {
		w.buf = w.buf[:0]
		for _, piece := range b.bufs[p.first:p.end] {
			w.buf = append(w.buf, piece...)
		}
		ep := w.eps[p.dest]
		var retry retrier
		for {
			_, err := w.conn.WriteToUDPAddrPort(w.buf, ep)
			if err == nil {
				break
			}
			if !isTransient(err) {
				return sent, wrapSendError(err, len(w.buf), ep)
			}
			// An ICMP error left over from an earlier packet was
			// reported on this one, or the device queue was full;
			// the packet itself was not sent, so send it again.
			if err := retry.wait(ctx, err); err != nil {
				return sent, err
			}
		}
		sent += len(w.buf)
	}
	return sent, nil
}

func (w *portableWriter) destinations() int       { return len(w.eps) }
func (w *portableWriter) gsoState() (bool, error) { return false, nil }
func (w *portableWriter) close() error            { return w.conn.Close() }
