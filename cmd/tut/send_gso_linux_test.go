package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gospead/tutorial/spead/send/sendtest"
)

// TestSendStageGSORefused runs step 3 inside a sandbox namespace, to its
// sink link, with packets that fit the link's MTU and then with packets
// too big for it to segment (the sandbox's MTU of 9216 leaves 9188 bytes
// for UDP): the kernel then refuses UDP GSO, the stream sends each packet
// on its own, and tut send says so in one line; while GSO works it says
// nothing. tut send's MTU check, which would refuse the big packets, is
// not part of sendStage.
func TestSendStageGSORefused(t *testing.T) {
	sb, err := sendtest.NewSandbox()
	if errors.Is(err, sendtest.ErrNoPrivilege) || errors.Is(err, sendtest.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sink := sb.Sink(8888)
	for _, tt := range []struct {
		size int
		want string
	}{
		{9000, ""},
		// The kernel's errno for it varies: EMSGSIZE here, EINVAL
		// in some versions.
		{sendtest.SinkMTU, "tut: send: UDP GSO turned off after the kernel refused it: "},
	} {
		var errOut bytes.Buffer
		opts := stepOptions{Heaps: 3, PacketSize: tt.size, Host: sink.Addr().String(), Port: int(sink.Port()), Out: io.Discard}
		// The stage makes its socket inside the sandbox.
		err := sb.Do(func() error { return sendStage(context.Background(), 3, stages[2], opts, &errOut) })
		if err != nil {
			t.Fatalf("%d-byte packets: %v", tt.size, err)
		}
		got := errOut.String()
		if tt.want == "" && got != "" ||
			tt.want != "" && (!strings.HasPrefix(got, tt.want) || strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n")) {
			t.Errorf("%d-byte packets: stderr %q, want one line starting %q, or nothing if that is empty", tt.size, got, tt.want)
		}
	}
}
