package sendtest_test

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
	"github.com/gospead/tutorial/spead/send/sendtest"
)

func TestCapture(t *testing.T) {
	c, err := sendtest.NewCapture(8<<20, 2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := send.NewUDPStream([]netip.AddrPort{c.Addr()}, send.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := &spead.Heap{}
	h.AddItem(0x3300, make([]byte, 5000))
	for range 2 {
		if _, err := s.SendHeap(context.Background(), h); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for cnt := uint64(1); cnt <= 2; cnt++ {
		if want, err = spead.AppendPackets(want, h, cnt, send.DefaultMaxPacketSize); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("captured %d packets, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("packet %d differs", i)
		}
	}
}

func TestCaptureIdle(t *testing.T) {
	c, err := sendtest.NewCapture(1<<20, 1, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if pkts, err := c.Wait(); err == nil || len(pkts) != 0 {
		t.Fatalf("got %d packets and error %v, want none and a timeout", len(pkts), err)
	}
}
