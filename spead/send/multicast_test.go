package send

import (
	"net/netip"
	"testing"
)

// TestMulticastEndpoints checks that the Multicast fields are refused
// with endpoints they cannot apply to, before any socket is opened.
func TestMulticastEndpoints(t *testing.T) {
	v4 := netip.MustParseAddrPort("239.1.2.3:8888")
	v6 := netip.MustParseAddrPort("[ff15::1]:8888")
	uni := netip.MustParseAddrPort("127.0.0.1:8888")
	tests := []struct {
		name string
		eps  []netip.AddrPort
		cfg  Config
		want string // the error; "" means none
	}{
		{"unicast, no options", []netip.AddrPort{uni}, Config{}, ""},
		{"groups, no options", []netip.AddrPort{v4, v6}, Config{}, ""},
		{"TTL", []netip.AddrPort{v4, v4}, Config{MulticastTTL: 2}, ""},
		{"IPv6 by index", []netip.AddrPort{v6}, Config{MulticastInterfaceIndex: 1}, ""},
		{"TTL to unicast", []netip.AddrPort{v4, uni}, Config{MulticastTTL: 2},
			"send: MulticastTTL is set, but endpoint 1 (127.0.0.1:8888) is not a multicast group"},
		{"interface to unicast", []netip.AddrPort{uni}, Config{MulticastInterfaceAddr: netip.MustParseAddr("127.0.0.1")},
			"send: MulticastInterfaceAddr is set, but endpoint 0 (127.0.0.1:8888) is not a multicast group"},
		{"index to unicast", []netip.AddrPort{uni}, Config{MulticastInterfaceIndex: 1},
			"send: MulticastInterfaceIndex is set, but endpoint 0 (127.0.0.1:8888) is not a multicast group"},
		{"both families", []netip.AddrPort{v4, v6}, Config{MulticastTTL: 2},
			"send: MulticastTTL is set, but endpoint 0 (239.1.2.3:8888) and endpoint 1 ([ff15::1]:8888) are of different IP versions"},
		{"IPv6 by address", []netip.AddrPort{v6}, Config{MulticastInterfaceAddr: netip.MustParseAddr("127.0.0.1")},
			"send: MulticastInterfaceAddr 127.0.0.1 chooses an IPv4 interface, and the groups are IPv6: choose the interface by MulticastInterfaceIndex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMulticast(tt.eps, &tt.cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			// NewUDPStream checks too.
			if s, err := NewUDPStream(tt.eps, tt.cfg); err == nil {
				s.Close()
				t.Fatal("NewUDPStream accepted them")
			}
		})
	}
}
