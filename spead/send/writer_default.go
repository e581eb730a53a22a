//go:build !linux

package send

import "net/netip"

// newUDPWriter returns the portable writer on systems without a fast path.
func newUDPWriter(endpoints []netip.AddrPort, cfg Config, kind writerKind) (writer, error) {
	return newPortableWriter(endpoints, cfg)
}
