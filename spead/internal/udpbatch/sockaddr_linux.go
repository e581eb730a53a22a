package udpbatch

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sockaddr is a destination in the raw form the kernel reads from a
// msghdr: a sockaddr_in for an AF_INET socket, a sockaddr_in6 (IPv4
// addresses mapped) for an AF_INET6 one.
type Sockaddr struct {
	raw unix.RawSockaddrInet6 // large enough for either form
	len uint32
}

// NewSockaddr returns ap in the form a socket of the given family
// (unix.AF_INET or unix.AF_INET6) needs.
func NewSockaddr(ap netip.AddrPort, family int) (Sockaddr, error) {
	var sa Sockaddr
	addr := ap.Addr()
	port := htons(ap.Port())
	switch family {
	case unix.AF_INET:
		addr = addr.Unmap()
		if !addr.Is4() {
			return sa, fmt.Errorf("address %v cannot be reached from an IPv4 socket", ap)
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa.raw))
		sa4.Family = unix.AF_INET
		sa4.Port = port
		sa4.Addr = addr.As4()
		sa.len = unix.SizeofSockaddrInet4
	case unix.AF_INET6:
		sa.raw.Family = unix.AF_INET6
		sa.raw.Port = port
		sa.raw.Addr = addr.As16()
		if z := addr.Zone(); z != "" {
			return sa, fmt.Errorf("address %v: zoned IPv6 addresses are not supported", ap)
		}
		sa.len = unix.SizeofSockaddrInet6
	default:
		return sa, fmt.Errorf("socket family %d is neither AF_INET nor AF_INET6", family)
	}
	return sa, nil
}

// htons converts a port to network byte order as the kernel stores it.
func htons(p uint16) uint16 {
	var b [2]byte
	b[0], b[1] = byte(p>>8), byte(p)
	return *(*uint16)(unsafe.Pointer(&b))
}
