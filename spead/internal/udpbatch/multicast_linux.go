package udpbatch

import (
	"errors"
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// Interface chooses the network interface of a multicast socket: by
// Index if it is not 0, else by the IPv4 address Addr if it is valid,
// else the system chooses (by the route to the group). An IPv6 socket
// takes only an Index.
type Interface struct {
	Addr  netip.Addr
	Index int
}

// IsZero reports whether ifc leaves the choice to the system.
func (ifc Interface) IsZero() bool { return ifc.Index == 0 && !ifc.Addr.IsValid() }

// String names ifc as the error messages do: "interface 3", "interface
// 10.0.0.1" or "the system's interface".
func (ifc Interface) String() string {
	switch {
	case ifc.Index != 0:
		return fmt.Sprintf("interface %d", ifc.Index)
	case ifc.Addr.IsValid():
		return "interface " + ifc.Addr.String()
	}
	return "the system's interface"
}

// mreqn returns ifc as the kernel's struct ip_mreqn, for group (the zero
// Addr where there is none, as for IP_MULTICAST_IF).
func (ifc Interface) mreqn(group netip.Addr) *unix.IPMreqn {
	m := &unix.IPMreqn{Ifindex: int32(ifc.Index)}
	if group.IsValid() {
		m.Multiaddr = group.Unmap().As4()
	}
	if ifc.Index == 0 && ifc.Addr.IsValid() {
		m.Address = ifc.Addr.Unmap().As4()
	}
	return m
}

// SetMulticastSend sets how the socket fd of family (unix.AF_INET or
// unix.AF_INET6) sends to multicast groups of its own family: ttl, if not
// 0, is the time to live (IP_MULTICAST_TTL) or hop limit
// (IPV6_MULTICAST_HOPS) of its packets, and ifc, unless zero, the
// interface they leave by (IP_MULTICAST_IF with an ip_mreqn, or
// IPV6_MULTICAST_IF).
func SetMulticastSend(fd, family, ttl int, ifc Interface) error {
	v6 := family == unix.AF_INET6
	if v6 && ifc.Index == 0 && ifc.Addr.IsValid() {
		return fmt.Errorf("choosing the multicast interface of an IPv6 socket by address (%v): IPv6 takes an interface index", ifc.Addr)
	}
	if ttl != 0 {
		var err error
		if v6 {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, ttl)
		} else {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, ttl)
		}
		if err != nil {
			return fmt.Errorf("setting the multicast TTL to %d: %w", ttl, err)
		}
	}
	if !ifc.IsZero() {
		var err error
		if v6 {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifc.Index)
		} else {
			err = unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, ifc.mreqn(netip.Addr{}))
		}
		if err != nil {
			return interfaceError("choosing the multicast interface", ifc, err)
		}
	}
	return nil
}

// ListenGroup returns a UDP socket bound to the multicast group and port
// of group, which has joined the group on ifc (IP_ADD_MEMBERSHIP with an
// ip_mreqn, or IPV6_JOIN_GROUP). Bound to the group, not to the wildcard
// address, the socket gets only that group's packets, whatever groups
// other sockets on the port have joined. SO_REUSEADDR lets other sockets
// bind the same group and port.
func ListenGroup(group netip.AddrPort, ifc Interface) (*os.File, error) {
	addr := group.Addr().Unmap()
	if !addr.IsMulticast() {
		return nil, fmt.Errorf("%v is not a multicast group", addr)
	}
	family := unix.AF_INET
	if addr.Is6() {
		family = unix.AF_INET6
		if ifc.Index == 0 && ifc.Addr.IsValid() {
			return nil, fmt.Errorf("joining IPv6 group %v on an interface chosen by address (%v): IPv6 takes an interface index", addr, ifc.Addr)
		}
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("opening a UDP socket: %w", err)
	}
	if err := listenGroup(fd, family, netip.AddrPortFrom(addr, group.Port()), ifc); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "udp:"+group.String()), nil
}

// listenGroup sets up fd as ListenGroup says.
func listenGroup(fd, family int, group netip.AddrPort, ifc Interface) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("setting SO_REUSEADDR: %w", err)
	}
	var sa unix.Sockaddr
	addr := group.Addr()
	if family == unix.AF_INET6 {
		sa = &unix.SockaddrInet6{Port: int(group.Port()), Addr: addr.As16()}
	} else {
		sa = &unix.SockaddrInet4{Port: int(group.Port()), Addr: addr.As4()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fmt.Errorf("binding %v: %w", group, err)
	}
	var err error
	if family == unix.AF_INET6 {
		err = unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP,
			&unix.IPv6Mreq{Multiaddr: addr.As16(), Interface: uint32(ifc.Index)})
	} else {
		err = unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, ifc.mreqn(addr))
	}
	if err != nil {
		return interfaceError(fmt.Sprintf("joining group %v", addr), ifc, err)
	}
	return nil
}

// interfaceError returns err, the error of op on ifc, saying what it
// means when the interface was not found.
func interfaceError(op string, ifc Interface, err error) error {
	if errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EADDRNOTAVAIL) {
		switch {
		case ifc.Index != 0:
			return fmt.Errorf("%s: no interface has index %d: %w", op, ifc.Index, err)
		case ifc.Addr.IsValid():
			return fmt.Errorf("%s: no interface has the address %v: %w", op, ifc.Addr, err)
		default:
			return fmt.Errorf("%s: no interface chosen, and no route to the group to choose one (add a route, or choose the interface): %w", op, err)
		}
	}
	return fmt.Errorf("%s on %v: %w", op, ifc, err)
}
