//go:build !linux

package recv

import (
	"fmt"
	"net"
	"net/netip"
)

// listenGroup returns a socket that has joined the multicast group of
// group, on the interface cfg chooses, bound to its port on every
// address (net.ListenMulticastUDP).
func listenGroup(group netip.AddrPort, cfg *Config) (*net.UDPConn, error) {
	var ifi *net.Interface
	var err error
	switch {
	case cfg.MulticastInterfaceIndex != 0:
		if ifi, err = net.InterfaceByIndex(cfg.MulticastInterfaceIndex); err != nil {
			return nil, fmt.Errorf("joining group %v: %w", group.Addr(), err)
		}
	case cfg.MulticastInterfaceAddr.IsValid():
		if ifi, err = interfaceByAddr(cfg.MulticastInterfaceAddr); err != nil {
			return nil, fmt.Errorf("joining group %v: %w", group.Addr(), err)
		}
	}
	network := "udp4"
	if group.Addr().Unmap().Is6() {
		network = "udp6"
	}
	return net.ListenMulticastUDP(network, ifi, net.UDPAddrFromAddrPort(group))
}

// interfaceByAddr returns the interface that has the address addr.
func interfaceByAddr(addr netip.Addr) (*net.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifs {
		addrs, err := ifs[i].Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == addr.Unmap() {
					return &ifs[i], nil
				}
			}
		}
	}
	return nil, fmt.Errorf("no interface has the address %v", addr)
}
