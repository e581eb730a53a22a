package recv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Stream receives a SPEAD stream from a UDP socket. [Stream.Next] reads
// datagrams in batches, reassembles them and returns heaps one at a time,
// in the order they finish.
//
// Next must not be called from more than one goroutine at a time; Stop,
// Stats, BufferSize, LocalAddr and Close may be called from any
// goroutine, as may EndOfStream once Next has returned io.EOF.
type Stream struct {
	cfg     Config
	conn    *net.UDPConn
	addr    netip.AddrPort
	rd      *batchReader
	bufSize int

	mu sync.Mutex // guards r and its statistics
	r  *Reassembler

	ready   []*Heap // heaps finished and not yet returned
	head    int     // ready[head] is the next heap to return
	stopReq atomic.Bool

	// The datagrams of the last read not yet handed to the
	// reassembler: datagram next on, and before it rest, the packets
	// left of a datagram that UDP GRO built of packets of segment
	// bytes.
	batch   int
	next    int
	rest    []byte
	segment int
}

// NewUDPStream opens a UDP socket bound to addr and returns a stream that
// receives from it. A port of 0 picks a free port; [Stream.LocalAddr]
// says which. The socket asks for a receive buffer of Config.BufferSize
// bytes and accepts less if the kernel refuses.
//
// If addr is a multicast group, the socket joins it, on the interface
// that Config's MulticastInterface fields choose, and leaves it when
// closed. On Linux the socket is bound to the group, as spead2's is, so
// it gets that group's packets only, even if other sockets on the port
// joined other groups; elsewhere it is bound to the port on every
// address, as net.ListenMulticastUDP binds. Other sockets may bind the
// same group and port (SO_REUSEADDR), and each gets every packet.
func NewUDPStream(addr netip.AddrPort, cfg Config) (*Stream, error) {
	cfg = cfg.withDefaults()
	r, err := NewReassembler(cfg)
	if err != nil {
		return nil, err
	}
	var conn *net.UDPConn
	if addr.Addr().Unmap().IsMulticast() {
		conn, err = listenGroup(addr, &cfg)
	} else if cfg.MulticastInterfaceAddr.IsValid() || cfg.MulticastInterfaceIndex != 0 {
		return nil, fmt.Errorf("recv: a multicast interface is set, but %v is not a multicast group", addr.Addr())
	} else {
		conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	}
	if err != nil {
		return nil, fmt.Errorf("recv: %w", err)
	}
	s := &Stream{cfg: cfg, conn: conn, r: r}
	s.addr = conn.LocalAddr().(*net.UDPAddr).AddrPort()
	if cfg.BufferSize > 0 {
		s.bufSize = setReceiveBuffer(conn, cfg.BufferSize)
	}
	s.rd, err = newBatchReader(conn, cfg.BatchSize, cfg.MaxPacketSize+1)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("recv: %w", err)
	}
	return s, nil
}

// LocalAddr returns the address the socket is bound to.
func (s *Stream) LocalAddr() netip.AddrPort { return s.addr }

// BufferSize returns the socket receive buffer the kernel granted, in
// bytes, or 0 if none was asked for or the system does not say.
func (s *Stream) BufferSize() int { return s.bufSize }

// Stats returns the statistics so far.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Stats()
}

// EndOfStream reports whether the stream ended with its end-of-stream
// item, and the heap counter of the heap that carried it; see
// [Reassembler.EndOfStream].
func (s *Stream) EndOfStream() (cnt uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.EndOfStream()
}

// Stop ends the stream as its end-of-stream item would: Next returns the
// heaps still under construction, as incomplete heaps, and then io.EOF.
// It wakes a Next that is waiting for packets.
func (s *Stream) Stop() {
	s.stopReq.Store(true)
	s.conn.SetReadDeadline(time.Now())
}

// Close closes the socket. Next then fails.
func (s *Stream) Close() error { return s.conn.Close() }

// Next returns the next heap: complete, or incomplete because it was
// evicted or flushed. After the end of the stream and the heaps flushed
// by it, Next returns io.EOF. It returns ctx.Err() when ctx is done and
// an error wrapping [ErrIdle] after Config.IdleTimeout without packets;
// the stream can go on after either, and [Stream.Stop] ends it. Dropped
// packets are counted in the statistics, not reported as errors.
func (s *Stream) Next(ctx context.Context) (*Heap, error) {
	if h := s.pop(); h != nil {
		return h, nil
	}
	// A context that ends wakes the read by moving its deadline.
	stop := context.AfterFunc(ctx, func() { s.conn.SetReadDeadline(time.Now()) })
	defer stop()
	s.conn.SetReadDeadline(time.Time{})
	for {
		if h := s.pop(); h != nil {
			return h, nil
		}
		if s.stopReq.Load() {
			s.mu.Lock()
			if !s.r.Stopped() {
				s.ready = s.r.Stop(s.ready)
			}
			s.mu.Unlock()
			if h := s.pop(); h != nil {
				return h, nil
			}
		}
		if s.r.Stopped() {
			return nil, io.EOF
		}
		if s.next < s.batch || len(s.rest) > 0 {
			s.feed()
			continue
		}
		if err := s.readBatch(ctx); err != nil {
			return nil, err
		}
	}
}

// pop returns the next finished heap, or nil.
func (s *Stream) pop() *Heap {
	if s.head == len(s.ready) {
		s.ready, s.head = s.ready[:0], 0
		return nil
	}
	h := s.ready[s.head]
	s.ready[s.head] = nil
	s.head++
	return h
}

// readBatch waits for datagrams and adds them to the reassembler.
func (s *Stream) readBatch(ctx context.Context) error {
	start := time.Now()
	if s.cfg.IdleTimeout > 0 {
		s.conn.SetReadDeadline(start.Add(s.cfg.IdleTimeout))
	}
	// Checked after the deadline is set, so that a context ending now
	// either is seen here or moves the deadline after it.
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.stopReq.Load() {
		return nil
	}
	n, err := s.rd.read()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case s.stopReq.Load():
				return nil
			case s.cfg.IdleTimeout > 0 && time.Since(start) >= s.cfg.IdleTimeout:
				return fmt.Errorf("%w (%v on %v)", ErrIdle, s.cfg.IdleTimeout, s.addr)
			}
			// A deadline that the context of an earlier call moved
			// late: clear it and read again.
			s.conn.SetReadDeadline(time.Time{})
			return nil
		}
		return fmt.Errorf("recv: reading from %v: %w", s.addr, err)
	}
	s.batch, s.next = n, 0
	return nil
}

// feed hands the packets of the last read to the reassembler until a heap
// is ready or none are left. Heaps are taken out one packet at a time, so
// that no more than one packet's worth of finished heaps waits in ready
// whatever the batch size.
func (s *Stream) feed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head == len(s.ready) {
		if s.r.Stopped() {
			// The end of the stream came earlier in the batch:
			// what follows it is ignored, and not counted.
			s.next, s.rest = s.batch, nil
			return
		}
		if len(s.rest) == 0 {
			if s.next == s.batch {
				return
			}
			data, segment, truncated := s.rd.datagram(s.next)
			s.next++
			if truncated {
				s.r.stats.BadPackets[ReasonTruncated]++
				continue
			}
			if len(data) == 0 {
				s.ready, _ = s.r.AddPacket(s.ready, data) // counted as short
				continue
			}
			if segment <= 0 {
				segment = len(data)
			}
			s.rest, s.segment = data, segment
		}
		// A datagram that UDP GRO built holds several packets.
		pkt := s.rest[:min(s.segment, len(s.rest))]
		s.rest = s.rest[len(pkt):]
		if len(pkt) > s.cfg.MaxPacketSize {
			s.r.stats.BadPackets[ReasonTruncated]++
			continue
		}
		s.ready, _ = s.r.AddPacket(s.ready, pkt)
	}
}
