package recv

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
)

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

// newStream opens a stream on a free loopback port.
func newStream(t testing.TB, edit func(*Config)) *Stream {
	t.Helper()
	cfg := DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewUDPStream(loopback, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sender returns a send stream to addr.
func sender(t testing.TB, addr netip.AddrPort) *send.Stream {
	t.Helper()
	tx, err := send.NewUDPStream([]netip.AddrPort{addr}, send.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Close() })
	return tx
}

func TestStreamReceivesTutorialHeaps(t *testing.T) {
	const n = 1 << 20
	s := newStream(t, nil)
	t.Logf("receive buffer: %d bytes", s.BufferSize())
	tx := sender(t, s.LocalAddr())
	ctx := context.Background()
	const nHeaps = 3
	// Heap i+1 is sent only after heap i arrived, so that a small socket
	// buffer cannot lose packets.
	got := make(chan struct{})
	sendErr := make(chan error, 1)
	go func() {
		for i := range nHeaps {
			if _, err := tx.SendHeap(ctx, tutorialHeap(t, spead.DefaultFlavour, i, n)); err != nil {
				sendErr <- err
				return
			}
			<-got
		}
		_, err := tx.SendHeap(ctx, spead.EndOfStream(spead.DefaultFlavour))
		sendErr <- err
	}()
	for i := range nHeaps {
		h, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkTutorialHeap(t, h, uint64(i+1), i, n)
		got <- struct{}{}
	}
	if h, err := s.Next(ctx); err != io.EOF {
		t.Fatalf("after the last heap: %v, %v; want io.EOF", h, err)
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Heaps != nHeaps || st.TotalBadPackets() != 0 || st.LargestPacket != 1472 || st.Packets < nHeaps*(n/1432) {
		t.Errorf("stats %+v", st)
	}
	if _, err := s.Next(ctx); err != io.EOF {
		t.Errorf("Next after the end: %v, want io.EOF", err)
	}
}

// smallStream opens a stream that takes packets of up to 100 bytes, and a
// socket that writes to it.
func smallStream(t *testing.T) (*Stream, *net.UDPConn) {
	t.Helper()
	s := newStream(t, func(c *Config) { c.MaxPacketSize = 100 })
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c
}

func TestStreamDropsTruncatedAndBadDatagrams(t *testing.T) {
	s, c := smallStream(t)
	big := rawPacket(f40, 1, 200, 0, nil, make([]byte, 200))
	end := endPackets(t, f40, 3)
	for _, p := range append([][]byte{big, []byte("junk"), good(2)}, end...) {
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	h, err := s.Next(context.Background())
	if err != nil || h.Cnt != 2 {
		t.Fatalf("Next: %v, %v", h, err)
	}
	if _, err := s.Next(context.Background()); err != io.EOF {
		t.Fatalf("Next: %v, want io.EOF", err)
	}
	st := s.Stats()
	if st.BadPackets[ReasonTruncated] != 1 || st.BadPackets[ReasonShort] != 1 || st.Heaps != 1 || st.Packets != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestStreamIgnoresPacketsAfterTheEnd sends datagrams after the end of the
// stream, in the same burst: they are not counted, good or bad.
func TestStreamIgnoresPacketsAfterTheEnd(t *testing.T) {
	s, c := smallStream(t)
	big := rawPacket(f40, 5, 200, 0, nil, make([]byte, 200))
	burst := append(append([][]byte{good(2)}, endPackets(t, f40, 3)...), big, []byte("junk"), good(4))
	for _, p := range burst {
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if h, err := s.Next(context.Background()); err != nil || h.Cnt != 2 {
		t.Fatalf("Next: %v, %v", h, err)
	}
	if _, err := s.Next(context.Background()); err != io.EOF {
		t.Fatalf("Next: %v, want io.EOF", err)
	}
	st := s.Stats()
	for r, n := range st.BadPackets {
		if n != 0 {
			t.Errorf("%d packets counted bad for %v after the end of the stream", n, Reason(r))
		}
	}
	if st.Heaps != 1 || st.Packets != 2 {
		t.Errorf("stats %+v, want 1 heap of 1 packet and the end-of-stream packet", st)
	}
}

func TestStreamIdleTimeout(t *testing.T) {
	s := newStream(t, func(c *Config) { c.IdleTimeout = 10 * time.Millisecond })
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrIdle) {
		t.Fatalf("Next: %v, want ErrIdle", err)
	}
	s.Stop()
	if _, err := s.Next(context.Background()); err != io.EOF {
		t.Fatalf("Next after Stop: %v, want io.EOF", err)
	}
}

func TestStreamContextAndStop(t *testing.T) {
	s := newStream(t, nil)
	// A heap under construction when the stream stops is flushed.
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(rawPacket(f40, 5, 16, 0, nil, make([]byte, 8)))
	c.Write(good(6))
	if h, err := s.Next(context.Background()); err != nil || h.Cnt != 6 {
		t.Fatalf("Next: %v, %v", h, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with a cancelled context: %v", err)
	}
	// Stop from another goroutine wakes a waiting Next.
	done := make(chan struct{})
	go func() {
		defer close(done)
		h, err := s.Next(context.Background())
		if err != nil || h.Cnt != 5 || h.Complete() {
			t.Errorf("Next: %v, %v; want incomplete heap 5", h, err)
		}
		if _, err := s.Next(context.Background()); err != io.EOF {
			t.Errorf("Next: %v, want io.EOF", err)
		}
	}()
	s.Stop()
	<-done
	if st := s.Stats(); st.IncompleteHeapsFlushed != 1 || st.Heaps != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestConfigValidate(t *testing.T) {
	// Each error says the range it allows, and that 0 means the default
	// where it does.
	for _, tt := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.MaxHeaps = -1 }, "MaxHeaps -1 is outside 1 to 65536, or 0 for DefaultMaxHeaps"},
		{func(c *Config) { c.MaxHeaps = 1<<16 + 1 }, "MaxHeaps 65537 is outside 1 to 65536, or 0 for DefaultMaxHeaps"},
		{func(c *Config) { c.MaxHeapLength = -1 }, "MaxHeapLength -1 is outside 1 to"},
		{func(c *Config) { c.MaxPointers = -1 }, "MaxPointers -1 is outside 1 to"},
		{func(c *Config) { c.MaxPacketSize = 70000 }, "MaxPacketSize 70000 is outside 8 to 65535, or 0 for DefaultMaxPacketSize"},
		{func(c *Config) { c.MaxPacketSize = 7 }, "MaxPacketSize 7 is outside 8 to 65535"},
		{func(c *Config) { c.BatchSize = -1 }, "BatchSize -1 is outside 1 to"},
		{func(c *Config) { c.IdleTimeout = -1 }, "IdleTimeout -1ns must be 0 (none) or positive"},
	} {
		cfg := DefaultConfig()
		tt.edit(&cfg)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("%+v is valid", cfg)
		} else if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %q does not contain %q", err, tt.want)
		} else if strings.Contains(tt.want, "is outside 1 to") && !strings.Contains(err.Error(), ", or 0 for Default") {
			t.Errorf("error %q does not say that 0 means the default", err)
		}
		if _, err := NewReassembler(cfg); err == nil {
			t.Errorf("NewReassembler(%+v) succeeded", cfg)
		}
	}
}

// TestConfigZeroMeansDefault checks that a zero field means its default,
// as the rest of Go reads a zero value: the zero Config is valid, and a
// stream made from it runs with DefaultConfig's values.
func TestConfigZeroMeansDefault(t *testing.T) {
	var zero Config
	if err := zero.Validate(); err != nil {
		t.Fatalf("the zero Config: %v", err)
	}
	if got, want := zero.withDefaults(), DefaultConfig(); got != want {
		t.Errorf("the zero Config means %+v; want DefaultConfig's %+v", got, want)
	}
	s, err := NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), Config{MaxHeaps: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := DefaultConfig()
	want.MaxHeaps = 8
	if s.cfg != want || s.r.cfg != want {
		t.Errorf("Config{MaxHeaps: 8} runs as %+v (reassembler %+v); want %+v", s.cfg, s.r.cfg, want)
	}
	// A negative buffer asks for nothing: the stream takes what the
	// system gives and does not say.
	s2, err := NewUDPStream(netip.MustParseAddrPort("127.0.0.1:0"), Config{BufferSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.BufferSize() != 0 {
		t.Errorf("BufferSize -1: the stream says it asked for a buffer and got %d bytes", s2.BufferSize())
	}
}

func TestStreamLeftoverDeadline(t *testing.T) {
	s := newStream(t, nil)
	// As if the context of an earlier call had moved the deadline after
	// this call began: the read must go on rather than spin.
	s.conn.SetReadDeadline(time.Now())
	if err := s.readBatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	c.Write(good(1))
	c.Close()
	if err := s.readBatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.feed()
	if h := s.pop(); h == nil || h.Cnt != 1 {
		t.Fatalf("got %v, want heap 1", h)
	}
}
