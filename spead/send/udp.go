package send

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"syscall"
	"time"
)

// NewUDPStream returns a stream that sends to the given UDP endpoints; a
// heap goes to the first unless its send names another by index. The
// socket is not connected, so ICMP errors from a closed port never turn
// into failed sends. Endpoints may be multicast groups; Config's
// Multicast fields set the TTL and the interface their packets leave by.
func NewUDPStream(endpoints []netip.AddrPort, cfg Config) (*Stream, error) {
	return newUDPStream(endpoints, cfg, writerFastest)
}

// writerKind chooses how a UDP stream hands packets to the kernel. Only
// tests ask for anything but the fastest.
type writerKind int

const (
	// writerFastest is sendmmsg with UDP GSO on Linux, falling back to
	// sendmmsg alone at run time if the kernel refuses GSO; elsewhere it
	// is the portable writer.
	writerFastest writerKind = iota
	// writerNoGSO is sendmmsg without GSO on Linux.
	writerNoGSO
	// writerPortable copies each packet and writes it on its own.
	writerPortable
)

// newUDPStream is NewUDPStream with a choice of writer.
func newUDPStream(endpoints []netip.AddrPort, cfg Config, kind writerKind) (*Stream, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if len(endpoints) == 0 {
		return nil, errors.New("send: no endpoints")
	}
	for i, ep := range endpoints {
		if !ep.IsValid() || ep.Port() == 0 {
			return nil, fmt.Errorf("send: endpoint %d (%v) needs an address and a port from 1 to 65535", i, ep)
		}
	}
	if err := checkMulticast(endpoints, &cfg); err != nil {
		return nil, err
	}
	w, err := newUDPWriter(endpoints, cfg, kind)
	if err != nil {
		return nil, err
	}
	s := newStream(w, cfg)
	s.eps = slices.Clone(endpoints)
	return s, nil
}

// listenFor opens an unconnected UDP socket able to reach every endpoint,
// with a send buffer of bufferSize bytes.
func listenFor(endpoints []netip.AddrPort, bufferSize int) (*net.UDPConn, error) {
	network := "udp4"
	for _, ep := range endpoints {
		if ep.Addr().Unmap().Is6() {
			network = "udp"
		}
	}
	conn, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, fmt.Errorf("send: opening a UDP socket: %w", err)
	}
	if err := conn.SetWriteBuffer(bufferSize); err != nil {
		conn.Close()
		return nil, fmt.Errorf("send: setting the send buffer: %w", err)
	}
	return conn, nil
}

// wrapSendError gives EMSGSIZE a message that says what to do. The
// destination is the stream's to add (HeapError), so a *net.OpError, which
// names it, gives way to its cause.
func wrapSendError(err error, size int, dest netip.AddrPort) error {
	if op, ok := err.(*net.OpError); ok {
		err = op.Err
	}
	if errors.Is(err, syscall.EMSGSIZE) {
		ip := "IP"
		overhead := 28 // IPv4 and UDP headers
		if dest.Addr().Unmap().Is6() {
			ip, overhead = "IPv6", 48
		}
		return fmt.Errorf("a %d-byte packet exceeds the path MTU (%s and UDP headers add %d bytes, so the MTU must be at least %d); lower the max packet size: %w",
			size, ip, overhead, size+overhead, err)
	}
	return err
}

// isTransient reports errors that mean a packet was lost rather than that
// the stream is broken: ICMP reports that reach an unconnected socket, and
// a full device queue.
func isTransient(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOBUFS)
}

// retrier paces the retries of one packet or message after transient
// errors: the first few at once, then backing off up to maxRetryPause
// apart, until ctx ends.
type retrier struct{ n int }

const (
	// quickRetries is how many retries go without a pause.
	quickRetries = 8
	// maxRetryPause is the longest pause between two retries.
	maxRetryPause = 10 * time.Millisecond
)

// wait returns once the next retry may go, or ctx's error, wrapped with
// the transient error err, if ctx has ended.
func (r *retrier) wait(ctx context.Context, err error) error {
	r.n++
	if r.n > quickRetries {
		pause := min(time.Microsecond<<min(r.n-quickRetries, 20), maxRetryPause)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("retrying after %v: %w", err, cerr)
	}
	return nil
}
