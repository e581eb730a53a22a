package check

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send/sendtest"
)

// receiveBuffer is the socket buffer a listener asks for: room for every
// packet of the few heaps a check sends; the pacing in runStageTo keeps
// the listener from needing all of it.
var receiveBuffer = 256 << 20

// readHook, if not nil, runs after each datagram the listener reads; tests
// use it to make the listener slow.
var readHook func()

// arrival is one datagram as it arrived.
type arrival struct {
	at   time.Time
	data []byte
	pkt  spead.Packet // valid when err is nil
	err  error
}

// listener records every datagram sent to one UDP port until the end of
// the stream arrives, nothing has arrived for a while, or it is closed.
type listener struct {
	conn   *net.UDPConn
	addr   netip.AddrPort
	maxCnt atomic.Uint64 // the highest heap counter seen so far
	count  atomic.Int64  // datagrams seen so far
	done   chan struct{}

	mu       sync.Mutex
	arrivals []arrival
	ended    bool // an end-of-stream packet arrived
	err      error
}

// listen opens a listener on a free port of ip (port 0) or on the port
// given.
func listen(addr netip.AddrPort) (*listener, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, err
	}
	// A smaller buffer than asked for shows up as lost packets, which
	// the checks report with advice.
	_ = sendtest.SetReceiveBuffer(conn, receiveBuffer)
	stampArrivals(conn)
	l := &listener{
		conn: conn,
		addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		done: make(chan struct{}),
	}
	return l, nil
}

// listenPair opens listeners on two consecutive free ports of 127.0.0.1,
// for the exercise that sends to port and port+1.
func listenPair() (*listener, *listener, error) {
	var lastErr error
	for range 50 {
		a, err := listen(netip.MustParseAddrPort("127.0.0.1:0"))
		if err != nil {
			return nil, nil, err
		}
		if a.addr.Port() < 65535 {
			b, err := listen(netip.AddrPortFrom(a.addr.Addr(), a.addr.Port()+1))
			if err == nil {
				return a, b, nil
			}
			lastErr = err
		}
		a.conn.Close()
	}
	return nil, nil, fmt.Errorf("finding two free consecutive UDP ports: %w", lastErr)
}

// start reads datagrams in a goroutine of its own until the end of the
// stream, idle without a datagram, or Close.
func (l *listener) start(idle time.Duration) {
	go func() {
		defer close(l.done)
		buf := make([]byte, 1<<16)
		oob := make([]byte, 128)
		for i := 0; ; i++ {
			// The deadline moves every few hundred datagrams, which
			// is often enough to tell an idle wire from a busy one
			// and costs less than a timer reset per datagram.
			if i%256 == 0 {
				l.conn.SetReadDeadline(time.Now().Add(idle))
			}
			n, oobn, _, _, err := l.conn.ReadMsgUDPAddrPort(buf, oob)
			if err != nil {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					if !errors.Is(err, net.ErrClosed) {
						l.mu.Lock()
						l.err = err
						l.mu.Unlock()
					}
				}
				return
			}
			a := arrival{at: arrivalTime(oob[:oobn]), data: append([]byte(nil), buf[:n]...)}
			a.pkt, a.err = spead.ParsePacket(a.data)
			end := false
			if a.err == nil {
				end = isEnd(&a.pkt)
				for c := l.maxCnt.Load(); a.pkt.HeapCnt > c; c = l.maxCnt.Load() {
					if l.maxCnt.CompareAndSwap(c, a.pkt.HeapCnt) {
						break
					}
				}
			}
			l.mu.Lock()
			l.arrivals = append(l.arrivals, a)
			l.ended = l.ended || end
			l.mu.Unlock()
			l.count.Add(1)
			if readHook != nil {
				readHook()
			}
			if end {
				return
			}
		}
	}()
}

// wait waits up to d for the listener to stop on its own, then stops it,
// and returns what arrived.
func (l *listener) wait(d time.Duration) (*capture, error) {
	select {
	case <-l.done:
	case <-time.After(d):
	}
	l.conn.Close()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, fmt.Errorf("receiving on %v: %w", l.addr, l.err)
	}
	return newCapture(l.addr, l.arrivals, l.ended), nil
}

// close stops the listener at once.
func (l *listener) close() {
	l.conn.Close()
}

// pointer is one decoded item pointer.
type pointer struct {
	id        uint64
	immediate bool
	value     uint64 // the immediate value or the address
}

// pointers decodes a packet's item pointers, skipping the four that
// describe the packet itself.
func pointers(p *spead.Packet) []pointer {
	bits := p.Flavour.HeapAddressBits()
	var ps []pointer
	for i := 0; i+8 <= len(p.Pointers); i += 8 {
		v := binary.BigEndian.Uint64(p.Pointers[i:])
		ptr := pointer{
			immediate: v>>63 == 1,
			id:        (v &^ (1 << 63)) >> bits,
			value:     v & (1<<bits - 1),
		}
		switch ptr.id {
		case spead.HeapCntID, spead.HeapLengthID, spead.PayloadOffsetID, spead.PayloadLengthID:
			continue
		}
		ps = append(ps, ptr)
	}
	return ps
}

// isEnd reports whether a packet carries the stream control item that ends
// the stream.
func isEnd(p *spead.Packet) bool {
	for _, ptr := range pointers(p) {
		if ptr.id == spead.StreamCtrlID && ptr.immediate && ptr.value == spead.CtrlStreamStop {
			return true
		}
	}
	return false
}

// heap is a heap put together from the packets that arrived.
type heap struct {
	cnt      uint64
	flavours []spead.Flavour // every flavour its packets' headers gave, in order of first appearance
	packets  []*spead.Packet // in order of arrival
	length   int64           // payload length, -1 if unknown
	received int64           // payload bytes received
	bytes    int             // the size of its datagrams, added up
	payload  []byte
	ptrs     []byte // the item pointers of all its packets, each once
	seen     map[uint64]bool
	end      bool // the end-of-stream heap
	first    time.Time
	last     time.Time
}

// complete reports whether the whole payload arrived.
func (h *heap) complete() bool { return h.length >= 0 && h.received == h.length }

// items decodes the heap's items; the heap must be complete.
func (h *heap) items() ([]spead.RawItem, error) {
	return spead.DecodeItems(h.flavours[0], h.ptrs, h.payload, nil)
}

// item returns the item with the given ID, if the heap has one.
func (h *heap) item(id uint64) (spead.RawItem, bool, error) {
	items, err := h.items()
	if err != nil {
		return spead.RawItem{}, false, err
	}
	for _, it := range items {
		if it.ID == id {
			return it, true, nil
		}
	}
	return spead.RawItem{}, false, nil
}

// descriptors decodes the heap's descriptors.
func (h *heap) descriptors() ([]spead.Descriptor, error) {
	items, err := h.items()
	if err != nil {
		return nil, err
	}
	var ds []spead.Descriptor
	for _, it := range items {
		if it.ID != spead.DescriptorID {
			continue
		}
		d, err := spead.DecodeDescriptor(it.Data)
		if err != nil {
			return nil, fmt.Errorf("heap %d: %w", h.cnt, err)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// capture is what one listener received.
type capture struct {
	addr     netip.AddrPort
	arrivals []arrival
	ended    bool
	heaps    map[uint64]*heap
	bad      int // datagrams that are not SPEAD packets
}

// newCapture puts the heaps together from the arrivals.
func newCapture(addr netip.AddrPort, arrivals []arrival, ended bool) *capture {
	c := &capture{addr: addr, arrivals: arrivals, ended: ended, heaps: map[uint64]*heap{}}
	for i := range arrivals {
		a := &arrivals[i]
		if a.err != nil {
			c.bad++
			continue
		}
		p := &a.pkt
		h := c.heaps[p.HeapCnt]
		if h == nil {
			h = &heap{cnt: p.HeapCnt, length: p.HeapLength, first: a.at, seen: map[uint64]bool{}}
			if h.length >= 0 {
				h.payload = make([]byte, h.length)
			}
			c.heaps[p.HeapCnt] = h
		}
		if !hasFlavour(h.flavours, p.Flavour) {
			h.flavours = append(h.flavours, p.Flavour)
		}
		h.packets = append(h.packets, p)
		h.bytes += len(a.data)
		h.last = a.at
		// Pointers repeated in every packet (Heap.RepeatPointers)
		// count once, as a receiver takes them.
		for i := 0; i+8 <= len(p.Pointers); i += 8 {
			v := binary.BigEndian.Uint64(p.Pointers[i:])
			if !h.seen[v] {
				h.seen[v] = true
				h.ptrs = append(h.ptrs, p.Pointers[i:i+8]...)
			}
		}
		if h.payload != nil && p.PayloadOffset+int64(len(p.Payload)) <= int64(len(h.payload)) {
			copy(h.payload[p.PayloadOffset:], p.Payload)
			h.received += int64(len(p.Payload))
		}
		h.end = h.end || isEnd(p)
	}
	return c
}

func hasFlavour(fs []spead.Flavour, f spead.Flavour) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

// counters returns the counters of the heaps that arrived, in order.
func (c *capture) counters() []uint64 {
	cnts := make([]uint64, 0, len(c.heaps))
	for cnt := range c.heaps {
		cnts = append(cnts, cnt)
	}
	sort.Slice(cnts, func(i, j int) bool { return cnts[i] < cnts[j] })
	return cnts
}

// dataHeaps returns the heaps that are not the end of the stream, in order
// of their counters.
func (c *capture) dataHeaps() []*heap {
	var hs []*heap
	for _, cnt := range c.counters() {
		if h := c.heaps[cnt]; !h.end {
			hs = append(hs, h)
		}
	}
	return hs
}

// largest returns the size of the largest datagram.
func (c *capture) largest() int {
	n := 0
	for _, a := range c.arrivals {
		n = max(n, len(a.data))
	}
	return n
}
