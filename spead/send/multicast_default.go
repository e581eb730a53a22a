//go:build !linux

package send

import (
	"errors"
	"net"
)

// setPortableMulticast refuses cfg's Multicast fields, if any is set:
// they are supported on Linux only.
func setPortableMulticast(_ *net.UDPConn, cfg *Config) error {
	if cfg.MulticastTTL != 0 || cfg.MulticastInterfaceAddr.IsValid() || cfg.MulticastInterfaceIndex != 0 {
		return errors.New("send: MulticastTTL and the multicast interface are supported on Linux only")
	}
	return nil
}
