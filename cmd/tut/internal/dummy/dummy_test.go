package dummy

import (
	"io"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netns"
)

// inNewNetns runs f on an OS thread moved into a new network namespace,
// which disappears with the thread when f returns. It skips the test
// where the process may not make one.
func inNewNetns(t *testing.T, f func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("making a network namespace needs root")
	}
	skip := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The goroutine never unlocks its thread: the runtime then
		// ends the thread, namespace and all, when it returns.
		runtime.LockOSThread()
		if _, err := netns.New(); err != nil {
			skip <- err.Error()
			return
		}
		f()
	}()
	<-done
	select {
	case reason := <-skip:
		t.Skipf("making a network namespace: %s", reason)
	default:
	}
}

// TestMTUAdvice checks what a too-small MTU is said to need: the headers
// of the destination's IP version, an MTU to set where a link can have it
// (with tut dummy only for the links it makes), and the packet size that
// fits.
func TestMTUAdvice(t *testing.T) {
	for _, tt := range []struct {
		name       string
		dest       string
		packetSize int
		dev, kind  string
		mtu        int
		want       []string
		not        []string
	}{
		{"fits", "192.168.31.2", 9000, "dummy1", "ifb", 9216, nil, nil},
		{"dummy link", "192.168.31.2", 9000, "dummy1", "ifb", 1500,
			[]string{"MTU of dummy1, 1500 bytes", "IP and UDP headers add 28", "at least 9028", "raise it (ip link set dev dummy1 mtu 9216)", "--packet-size 1472"}, nil},
		{"other link", "10.0.0.2", 9000, "eth0", "device", 1500,
			[]string{"ip link set dev eth0 mtu 9216", "--packet-size 1472"}, []string{"tut dummy"}},
		{"IPv6", "fd00::2", 9000, "eth0", "device", 1500,
			[]string{"IPv6 and UDP headers add 48", "at least 9048", "--packet-size 1448"}, nil},
		{"beyond any link", "::1", 65504, "lo", "device", 65536,
			[]string{"at least 65552", "no link takes an MTU that large", "--packet-size 65488"}, []string{"ip link set"}},
	} {
		err := mtuAdvice(netip.MustParseAddr(tt.dest), tt.packetSize, tt.dev, tt.kind, tt.mtu)
		if (err == nil) != (tt.want == nil) {
			t.Errorf("%s: got %v", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tt.name, err, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(err.Error(), n) {
				t.Errorf("%s: %q says %q", tt.name, err, n)
			}
		}
	}
}

func TestCheckPathMTU(t *testing.T) {
	inNewNetns(t, func() {
		cfg := Config{Name: "dummy1", Addr: netip.MustParsePrefix("192.168.31.1/24"), MTU: 1500}
		if _, err := Up(cfg, io.Discard); err != nil {
			t.Errorf("Up: %v", err)
			return
		}
		dest := netip.MustParseAddr("192.168.31.2")

		err := CheckPathMTU(dest, 9000)
		if err == nil {
			t.Errorf("CheckPathMTU(%v, 9000) with MTU 1500 = nil, want an error", dest)
		} else {
			for _, want := range []string{"9000-byte packets", "MTU of dummy1, 1500 bytes", "at least 9028", "ip link set dev dummy1 mtu 9216", "--packet-size 1472"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("CheckPathMTU error %q does not say %q", err, want)
				}
			}
		}
		if err := CheckPathMTU(dest, 1472); err != nil {
			t.Errorf("CheckPathMTU(%v, 1472) with MTU 1500: %v", dest, err)
		}
		// With no route at all, the check leaves the verdict to the send.
		if err := CheckPathMTU(netip.MustParseAddr("10.1.2.3"), 9000); err != nil {
			t.Errorf("CheckPathMTU with no route: %v, want nil", err)
		}
	})
}

func TestOtherLinks(t *testing.T) {
	inNewNetns(t, func() {
		if got := OtherLinks(); len(got) != 0 {
			t.Errorf("OtherLinks() in a new namespace = %q, want none", got)
		}
		cfg := Config{Name: "dummy1", Addr: netip.MustParsePrefix("192.168.31.1/24"), MTU: 9216}
		if _, err := Up(cfg, io.Discard); err != nil {
			t.Errorf("Up: %v", err)
			return
		}
		if got := OtherLinks(); len(got) != 0 {
			t.Errorf("OtherLinks() with only the dummy link = %q, want none", got)
		}
	})
}
