//go:build linux

package send

import "net/netip"

// newUDPWriter returns the writer for Linux.
func newUDPWriter(endpoints []netip.AddrPort, cfg Config) (writer, error) {
	return newPortableWriter(endpoints, cfg)
}
