package send

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"github.com/gospead/tutorial/spead/send/sendtest"
	"golang.org/x/sys/unix"
)

// mmsgStream makes a fast-path stream to ep and returns its writer, whose
// send a test may replace before the first heap.
func mmsgStream(t *testing.T, ep netip.AddrPort, size int) (*Stream, *mmsgWriter) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.MaxPacketSize = size
	s := newTestStream(t, []netip.AddrPort{ep}, cfg, writerFastest)
	return s, s.w.(*mmsgWriter)
}

// TestGSOFallback makes every merged message fail as a device without GSO
// would: the packets must still all arrive, and the writer must stop
// merging.
func TestGSOFallback(t *testing.T) {
	for _, errno := range []syscall.Errno{unix.EIO, unix.EINVAL, unix.EOPNOTSUPP, 524} {
		conn, ep := listen(t)
		s, w := mmsgStream(t, ep, 9000)
		real := w.send
		refused := 0
		w.send = func(ctx context.Context, msgs []unix.Mmsghdr) (int, error) {
			for i := range msgs {
				if msgs[i].Hdr.Control != nil {
					n, err := real(ctx, msgs[:i])
					if err != nil {
						return n, err
					}
					refused++
					return i, errno
				}
			}
			return real(ctx, msgs)
		}
		if on, err := s.GSO(); !on || err != nil {
			t.Errorf("%v: before the first heap GSO() = %v, %v; want true, nil", errno, on, err)
		}
		var reports []error
		ctx := WithGSOReport(context.Background(), func(err error) { reports = append(reports, err) })
		h := testHeap(200000, 1)
		n, err := s.SendHeap(ctx, h)
		if err != nil {
			t.Fatalf("%v: %v", errno, err)
		}
		want, _ := spead.AppendPackets(nil, h, 1, 9000)
		checkPackets(t, conn, want, n)
		if w.gso || refused != 1 {
			t.Errorf("%v: after the fallback gso=%v and %d messages were refused; want false and 1", errno, w.gso, refused)
		}
		// The fallback is reported: by GSO, and once to the context.
		wantMsg := "send: UDP GSO turned off after the kernel refused it: " + errno.Error()
		on, err := s.GSO()
		if on || !errors.Is(err, errno) || err.Error() != wantMsg {
			t.Errorf("%v: after the fallback GSO() = %v, %v; want false, %q", errno, on, err, wantMsg)
		}
		if _, err := s.SendHeap(ctx, h); err != nil {
			t.Fatal(err)
		}
		if len(reports) != 1 || reports[0] != err {
			t.Errorf("%v: reported %v, want once, the error GSO returns", errno, reports)
		}
	}
}

// TestGSOInUse checks that a stream whose messages the kernel takes says
// GSO is in use and reports nothing, and that one made without GSO says
// it is not, with no error.
func TestGSOInUse(t *testing.T) {
	conn, ep := listen(t)
	s, _ := mmsgStream(t, ep, 9000)
	reported := false
	ctx := WithGSOReport(context.Background(), func(error) { reported = true })
	h := testHeap(200000, 1)
	n, err := s.SendHeap(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := spead.AppendPackets(nil, h, 1, 9000)
	checkPackets(t, conn, want, n)
	if on, err := s.GSO(); !on || err != nil || reported {
		t.Errorf("at loopback GSO() = %v, %v, reported %v; want true, nil, false", on, err, reported)
	}
	for _, k := range kinds[1:] {
		s := newTestStream(t, []netip.AddrPort{ep}, DefaultConfig(), k.kind)
		if on, err := s.GSO(); on || err != nil {
			t.Errorf("%s writer: GSO() = %v, %v; want false, nil", k.name, on, err)
		}
	}
}

// TestGSOFallbackRealError makes sends fail with and without GSO: the
// error is real and is reported, and GSO stays on.
func TestGSOFallbackRealError(t *testing.T) {
	_, ep := listen(t)
	s, w := mmsgStream(t, ep, 9000)
	w.send = func(ctx context.Context, msgs []unix.Mmsghdr) (int, error) { return 0, unix.EMSGSIZE }
	_, err := s.SendHeap(context.Background(), testHeap(200000, 1))
	if !errors.Is(err, syscall.EMSGSIZE) || !strings.Contains(err.Error(), "9000-byte packet exceeds the path MTU") {
		t.Errorf("got %v, want the EMSGSIZE message", err)
	}
	if !w.gso {
		t.Error("GSO was disabled although sending without it failed too")
	}
}

// TestPartialProgress has the kernel take only part of each call: every
// packet must arrive once, in order.
func TestPartialProgress(t *testing.T) {
	for _, gso := range []bool{true, false} {
		conn, ep := listen(t)
		s, w := mmsgStream(t, ep, 1472)
		w.gso = gso
		real := w.send
		calls := 0
		w.send = func(ctx context.Context, msgs []unix.Mmsghdr) (int, error) {
			calls++
			k := len(msgs) / 2
			if k == 0 || calls%3 == 0 {
				return real(ctx, msgs)
			}
			n, err := real(ctx, msgs[:k])
			if err != nil {
				return n, err
			}
			// Alternate between the two errors that mean "try
			// again from here".
			if calls%2 == 0 {
				return n, unix.ENOBUFS
			}
			return n, unix.ECONNREFUSED
		}
		h := testHeap(300000, 2)
		n, err := s.SendHeap(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := spead.AppendPackets(nil, h, 1, 1472)
		checkPackets(t, conn, want, n)
		if calls < 3 {
			t.Errorf("only %d calls: the test did not split anything", calls)
		}
	}
}

// TestManyPiecesFlattened checks that packets with more pieces than one
// message may carry were copied into one buffer (and, in
// TestWireMatchesAppendPackets, that they arrive intact).
func TestManyPiecesFlattened(t *testing.T) {
	conn, ep := listen(t)
	s, w := mmsgStream(t, ep, 1472)
	h := manyItemsHeap()
	n, err := s.SendHeap(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := spead.AppendPackets(nil, h, 1, 1472)
	checkPackets(t, conn, want, n)
	if cap(w.flat) == 0 {
		t.Error("no packet was flattened")
	}
}

// TestPrepare checks that prepare builds the messages planMessages plans,
// each with its segment size in its control message.
func TestPrepare(t *testing.T) {
	for _, tt := range planTests {
		t.Run(tt.name, func(t *testing.T) {
			w := &mmsgWriter{sas: make([]udpbatch.Sockaddr, 2)}
			b := tt.batch()
			w.gather(b)
			w.prepare(b, 0, tt.gso)
			if !slices.Equal(w.starts, tt.starts) {
				t.Errorf("messages start at packets %v, want %v", w.starts, tt.starts)
			}
			var seg []int
			for i := range w.batch.Msgs {
				s := 0
				if w.batch.Segmented(i) {
					s = udpbatch.SegmentSize(&w.batch.Msgs[i])
				}
				seg = append(seg, s)
			}
			if !slices.Equal(seg, tt.seg) {
				t.Errorf("segment sizes %v, want %v", seg, tt.seg)
			}
		})
	}
}

// TestNoAllocs checks that sending a reused heap allocates nothing once
// the stream has warmed up.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	conn, ep := listen(t)
	defer conn.Close()
	for _, k := range kinds[:2] {
		cfg := DefaultConfig()
		cfg.MaxPacketSize = 9000
		s := newTestStream(t, []netip.AddrPort{ep}, cfg, k.kind)
		h := testHeap(1<<20, 1)
		ctx := context.Background()
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := s.SendHeap(ctx, h); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per heap, want 0", k.name, allocs)
		}
	}
}

// TestSandboxGSORefused sends packets too large for the sink link's MTU to
// be segmented: the kernel refuses GSO, and the stream falls back, for
// real. It needs root; the socket is made inside the sandbox.
func TestSandboxGSORefused(t *testing.T) {
	sb, err := sendtest.NewSandbox()
	if errors.Is(err, sendtest.ErrNoPrivilege) || errors.Is(err, sendtest.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var s *Stream
	cfg := DefaultConfig()
	cfg.MaxPacketSize = sendtest.SinkMTU // more than the MTU leaves for UDP
	err = sb.Do(func() error {
		var err error
		s, err = newUDPStream([]netip.AddrPort{sb.Sink(8888)}, cfg, writerFastest)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SendHeap(context.Background(), testHeap(1<<20, 1)); err != nil {
		t.Fatal(err)
	}
	if on, err := s.GSO(); on || !udpbatch.IsGSOFailure(err) {
		t.Errorf("after the kernel refused GSO, GSO() = %v, %v; want false and the kernel's error", on, err)
	}
}

// TestGSOMessageLimit checks udpbatch.MaxGSOBytes against the kernel: an IPv4
// GSO message of that many bytes goes, one byte more is refused. spead2's
// limit of 65535 would be refused for sizes such as 13 segments of 5040.
func TestGSOMessageLimit(t *testing.T) {
	_, ep := listen(t)
	c, err := udpbatch.Open(unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sa, err := udpbatch.NewSockaddr(ep, unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		total int
		ok    bool
	}{{udpbatch.MaxGSOBytes, true}, {udpbatch.MaxGSOBytes + 1, false}, {13 * 5040, false}} {
		iov := make([]unix.Iovec, 1)
		udpbatch.SetIovec(&iov[0], make([]byte, tc.total))
		var b udpbatch.Batch
		b.Add(iov, &sa, 5040)
		_, err := c.Send(context.Background(), b.Msgs)
		if (err == nil) != tc.ok {
			t.Errorf("GSO message of %d bytes: got %v, want ok=%v", tc.total, err, tc.ok)
		}
	}
}

// TestRetriesEndWithContext makes every send fail with a full device queue
// (ENOBUFS) for good: the writer retries, and stops with the context's
// error, naming the transient one, when the heap's context ends.
func TestRetriesEndWithContext(t *testing.T) {
	for _, kind := range []writerKind{writerFastest, writerNoGSO} {
		_, ep := listen(t)
		s := newTestStream(t, []netip.AddrPort{ep}, DefaultConfig(), kind)
		w := s.w.(*mmsgWriter)
		// The context ends after 20 refusals, well into the back-off:
		// no clock decides when.
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		w.send = func(context.Context, []unix.Mmsghdr) (int, error) {
			if calls++; calls == 20 {
				cancel()
			}
			return 0, unix.ENOBUFS
		}
		n, err := s.SendHeap(ctx, testHeap(5000, 1))
		cancel()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), unix.ENOBUFS.Error()) {
			t.Errorf("writer %d: got %v, want the context's error after ENOBUFS", kind, err)
		}
		if n != 0 {
			t.Errorf("writer %d: %d bytes reported sent; none went", kind, n)
		}
	}
}

// TestPartSentBatch has the kernel take the first message of a batch and
// refuse the next for good: the write reports the bytes of the packets
// that went, which arrive, with the error.
func TestPartSentBatch(t *testing.T) {
	conn, ep := listen(t)
	s, w := mmsgStream(t, ep, 1472)
	w.gso = false // one packet a message
	real := w.send
	w.send = func(ctx context.Context, msgs []unix.Mmsghdr) (int, error) {
		n, err := real(ctx, msgs[:3])
		if err != nil {
			return n, err
		}
		return n, unix.EPERM
	}
	h := testHeap(20000, 3)
	n, err := s.SendHeap(context.Background(), h)
	if !errors.Is(err, unix.EPERM) {
		t.Fatalf("got %v, want EPERM", err)
	}
	all, _ := spead.AppendPackets(nil, h, 1, 1472)
	checkPackets(t, conn, all[:3], n)
}

// TestBufferSize checks that each writer's socket gets Config.BufferSize
// (which Linux reports doubled), and DefaultBufferSize for 0.
func TestBufferSize(t *testing.T) {
	if DefaultBufferSize != udpbatch.SendBuffer {
		t.Errorf("DefaultBufferSize %d differs from the yardstick's %d", DefaultBufferSize, udpbatch.SendBuffer)
	}
	_, ep := listen(t)
	// Both sizes are under the kernel's smallest wmem_max, which would cap them.
	for _, size := range []int{48 << 10, 96 << 10} {
		for _, k := range kinds {
			cfg := DefaultConfig()
			cfg.BufferSize = size
			s := newTestStream(t, []netip.AddrPort{ep}, cfg, k.kind)
			var got int
			var err error
			control := func(fd int) error {
				got, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
				return err
			}
			switch w := s.w.(type) {
			case *mmsgWriter:
				w.c.Control(control)
			case *portableWriter:
				rc, _ := w.conn.SyscallConn()
				rc.Control(func(fd uintptr) { control(int(fd)) })
			}
			if err != nil || got != 2*size {
				t.Errorf("%s: BufferSize %d gave SO_SNDBUF %d, %v; want %d", k.name, size, got, err, 2*size)
			}
		}
	}
}
