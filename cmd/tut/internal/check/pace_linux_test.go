package check

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestPacingKeepsSlowListenerWhole makes the listener slow on purpose and
// its socket buffer small: without pacing, step 2 at full speed overflows
// the buffer and heaps arrive incomplete; with pacing every heap arrives
// whole, however slowly the listener reads.
func TestPacingKeepsSlowListenerWhole(t *testing.T) {
	const n = 8
	oldBuf, oldHook, oldPace := receiveBuffer, readHook, pace
	t.Cleanup(func() { receiveBuffer, readHook, pace = oldBuf, oldHook, oldPace })
	// 4 MiB holds the two heaps step 2 keeps in flight, with room to
	// spare, but not the eight it sends.
	receiveBuffer = 4 << 20
	// A pause every 32 datagrams holds the listener to a few tens of
	// MB/s, far below what step 2 sends at over loopback.
	reads := 0
	readHook = func() {
		if reads++; reads%32 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	if got := grantedBuffer(t); got < receiveBuffer {
		t.Skipf("the kernel grants a receive buffer of %d bytes, want %d (needs root or net.core.rmem_max)", got, receiveBuffer)
	}

	run := func(on bool) error {
		pace = on
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r, err := runStage(ctx, 2, options{Heaps: n}, nil)
		if err != nil {
			return err
		}
		_, err = wantData(r.caps[0], n)
		return err
	}
	if err := run(false); err == nil {
		t.Fatal("without pacing the slow listener lost nothing: the test does not show what pacing prevents")
	} else {
		t.Logf("without pacing: %v", err)
	}
	if err := run(true); err != nil {
		t.Fatalf("with pacing: %v", err)
	}
}

// grantedBuffer returns the receive buffer a listener gets, as asked for.
func grantedBuffer(t *testing.T) int {
	l, err := listen(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	rc, err := l.conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	rc.Control(func(fd uintptr) { v, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF) })
	if err != nil {
		t.Fatal(err)
	}
	return v / 2
}
