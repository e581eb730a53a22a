package recv

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
)

// listenGroup returns a socket bound to the multicast group and port of
// group, which has joined the group on the interface cfg chooses; see
// udpbatch.ListenGroup.
func listenGroup(group netip.AddrPort, cfg *Config) (*net.UDPConn, error) {
	f, err := udpbatch.ListenGroup(group, udpbatch.Interface{Addr: cfg.MulticastInterfaceAddr, Index: cfg.MulticastInterfaceIndex})
	if err != nil {
		return nil, err
	}
	// FilePacketConn takes a duplicate of the socket; the group stays
	// joined as long as one is open.
	defer f.Close()
	c, err := net.FilePacketConn(f)
	if err != nil {
		return nil, fmt.Errorf("listening on %v: %w", group, err)
	}
	return c.(*net.UDPConn), nil
}
