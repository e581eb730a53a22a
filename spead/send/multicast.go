package send

import (
	"fmt"
	"net/netip"
)

// checkMulticast reports a configuration whose Multicast fields are set
// for endpoints they cannot apply to: an endpoint that is not a multicast
// group, groups of both families, or an IPv6 group with an interface
// chosen by address.
func checkMulticast(endpoints []netip.AddrPort, cfg *Config) error {
	var field string
	switch {
	case cfg.MulticastTTL != 0:
		field = "MulticastTTL"
	case cfg.MulticastInterfaceAddr.IsValid():
		field = "MulticastInterfaceAddr"
	case cfg.MulticastInterfaceIndex != 0:
		field = "MulticastInterfaceIndex"
	default:
		return nil
	}
	first := endpoints[0].Addr().Unmap()
	for i, ep := range endpoints {
		a := ep.Addr().Unmap()
		if !a.IsMulticast() {
			return fmt.Errorf("send: %s is set, but endpoint %d (%v) is not a multicast group", field, i, ep)
		}
		if a.Is4() != first.Is4() {
			return fmt.Errorf("send: %s is set, but endpoint 0 (%v) and endpoint %d (%v) are of different IP versions", field, endpoints[0], i, ep)
		}
	}
	if first.Is6() && cfg.MulticastInterfaceAddr.IsValid() {
		return fmt.Errorf("send: MulticastInterfaceAddr %v chooses an IPv4 interface, and the groups are IPv6: choose the interface by MulticastInterfaceIndex", cfg.MulticastInterfaceAddr)
	}
	return nil
}
