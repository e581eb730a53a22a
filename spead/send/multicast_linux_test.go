package send

import (
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// sockopt returns an integer option of the socket under s's writer.
func sockopt(t *testing.T, s *Stream, level, opt int) int {
	t.Helper()
	var v int
	var err error
	control := func(fd int) error {
		v, err = unix.GetsockoptInt(fd, level, opt)
		return nil
	}
	switch w := s.w.(type) {
	case *mmsgWriter:
		w.c.Control(control)
	case *portableWriter:
		rc, rerr := w.conn.SyscallConn()
		if rerr != nil {
			t.Fatal(rerr)
		}
		rc.Control(func(fd uintptr) { control(int(fd)) })
	default:
		t.Fatalf("writer %T", w)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMulticastSocketOptions checks that every writer's socket gets the
// TTL and the interface: nothing is sent, so no namespace is needed.
// The end-to-end tests are in package recv.
func TestMulticastSocketOptions(t *testing.T) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skip(err)
	}
	v4 := []netip.AddrPort{netip.MustParseAddrPort("239.1.2.3:8888")}
	v6 := []netip.AddrPort{netip.MustParseAddrPort("[ff15::1]:8888")}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			s := newTestStream(t, v4, Config{MulticastTTL: 7, MulticastInterfaceAddr: netip.MustParseAddr("127.0.0.1")}, k.kind)
			if got := sockopt(t, s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL); got != 7 {
				t.Errorf("IP_MULTICAST_TTL %d, want 7", got)
			}
			// getsockopt(IP_MULTICAST_IF) gives the address, in
			// network order: 127.0.0.1 reads as 0x0100007f.
			if got := sockopt(t, s, unix.IPPROTO_IP, unix.IP_MULTICAST_IF); got != 0x0100007f {
				t.Errorf("IP_MULTICAST_IF %#x, want 127.0.0.1 (0x0100007f)", got)
			}
			s = newTestStream(t, v4, Config{}, k.kind)
			if got := sockopt(t, s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL); got != 1 {
				t.Errorf("IP_MULTICAST_TTL %d by default, want 1", got)
			}
			s = newTestStream(t, v6, Config{MulticastTTL: 9, MulticastInterfaceIndex: lo.Index}, k.kind)
			if got := sockopt(t, s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS); got != 9 {
				t.Errorf("IPV6_MULTICAST_HOPS %d, want 9", got)
			}
			if got := sockopt(t, s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF); got != lo.Index {
				t.Errorf("IPV6_MULTICAST_IF %d, want lo's index %d", got, lo.Index)
			}
		})
	}
}

// TestMulticastNoSuchInterface checks the error of an interface index
// that does not exist.
func TestMulticastNoSuchInterface(t *testing.T) {
	for _, k := range kinds {
		_, err := newUDPStream([]netip.AddrPort{netip.MustParseAddrPort("239.1.2.3:8888")}, Config{MulticastInterfaceIndex: 9999}, k.kind)
		want := "send: choosing the multicast interface: no interface has index 9999: cannot assign requested address"
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", k.name, err, want)
		}
	}
}
