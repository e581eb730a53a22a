package dummy

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// udpIPv4Overhead is what IPv4 and UDP headers add to a SPEAD packet;
// over IPv6 it is 48 bytes.
const (
	udpIPv4Overhead = 28
	udpIPv6Overhead = 48
)

// routeMTU returns the interface the kernel would send to dest through,
// its link type, and the MTU that applies: the route's own MTU if it has
// one, else the interface's.
func routeMTU(dest netip.Addr) (dev, kind string, mtu int, err error) {
	if dest.Zone() != "" {
		// The route depends on the zone's interface, which a plain
		// route lookup does not take into account.
		return "", "", 0, fmt.Errorf("looking up the route to %v: addresses with a zone are not looked up", dest)
	}
	dest = dest.Unmap()
	routes, err := netlink.RouteGet(dest.AsSlice())
	if err != nil {
		return "", "", 0, fmt.Errorf("looking up the route to %v: %w", dest, err)
	}
	if len(routes) == 0 {
		return "", "", 0, fmt.Errorf("looking up the route to %v: no route", dest)
	}
	r := routes[0]
	link, err := netlink.LinkByIndex(r.LinkIndex)
	if err != nil {
		return "", "", 0, fmt.Errorf("looking up interface %d, the route to %v: %w", r.LinkIndex, dest, err)
	}
	mtu = link.Attrs().MTU
	if r.MTU > 0 && r.MTU < mtu {
		mtu = r.MTU
	}
	return link.Attrs().Name, link.Type(), mtu, nil
}

// DefaultMTU is the MTU of the tutorial's dummy interface, the one
// CheckPathMTU suggests when it is enough; MaxMTU is the largest MTU that
// fits in an IP packet's length field.
const (
	DefaultMTU = 9216
	MaxMTU     = 65535
)

// CheckPathMTU returns an error, saying the packet size, the MTU and how
// to fix it, if SPEAD packets of packetSize bytes to dest would not fit in
// the MTU of the interface the route to dest goes through. Linux would
// otherwise fragment them without a word, which a receiver of SPEAD over
// UDP cannot be expected to reassemble at speed. If the route cannot be
// looked up it returns nil: the send itself will then say what is wrong.
func CheckPathMTU(dest netip.Addr, packetSize int) error {
	dev, kind, mtu, err := routeMTU(dest)
	if err != nil {
		return nil
	}
	return mtuAdvice(dest, packetSize, dev, kind, mtu)
}

// mtuAdvice returns nil if packets of packetSize bytes to dest fit the
// MTU of dev, a link of type kind, and otherwise an error that says what
// to do about it.
func mtuAdvice(dest netip.Addr, packetSize int, dev, kind string, mtu int) error {
	ip, overhead := "IP", udpIPv4Overhead
	if dest.Unmap().Is6() {
		ip, overhead = "IPv6", udpIPv6Overhead
	}
	need := packetSize + overhead
	if need <= mtu {
		return nil
	}
	fits := (mtu - overhead) &^ 7 // the stream's sizes are multiples of 8
	var raise string
	switch {
	case need > MaxMTU:
		raise = fmt.Sprintf("no link takes an MTU that large (they stop at %d, loopback at %d), so", MaxMTU, MaxMTU+1)
	case kind == "dummy" || kind == "ifb":
		raise = fmt.Sprintf("raise it (ip link set dev %s mtu %d) or", dev, suggestMTU(need))
	default:
		raise = fmt.Sprintf("raise it (ip link set dev %s mtu %d, if the link and the network allow) or", dev, suggestMTU(need))
	}
	return fmt.Errorf("%d-byte packets to %v do not fit the MTU of %s, %d bytes: %s and UDP headers add %d bytes, so the MTU must be at least %d; %s send packets of at most %d bytes (--packet-size %d)",
		packetSize, dest, dev, mtu, ip, overhead, need, raise, fits, fits)
}

// suggestMTU returns the MTU to suggest for packets of need bytes on the
// wire: the tutorial's 9216 when that is enough, else need itself.
func suggestMTU(need int) int {
	if need <= DefaultMTU {
		return DefaultMTU
	}
	return need
}
