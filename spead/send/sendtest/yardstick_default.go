//go:build !linux

package sendtest

import (
	"fmt"
	"net/netip"
)

// Yardstick is the fastest one thread can send with sendmmsg and UDP GSO;
// it exists only on Linux.
type Yardstick struct{ size int }

// NewYardstick returns an error wrapping [ErrUnsupported]: the system
// calls a Yardstick measures are Linux's.
func NewYardstick(dest netip.AddrPort, packetSize int) (*Yardstick, error) {
	return nil, fmt.Errorf("sendtest: yardstick: %w", ErrUnsupported)
}

// PacketSize returns the UDP payload size of each packet.
func (y *Yardstick) PacketSize() int { return y.size }

// GSO reports whether the Yardstick merges packets for UDP GSO.
func (y *Yardstick) GSO() bool { return false }

// Send returns an error wrapping [ErrUnsupported].
func (y *Yardstick) Send(totalBytes int64) (int64, error) {
	return 0, fmt.Errorf("sendtest: yardstick: %w", ErrUnsupported)
}

// SetWorkingSet does nothing.
func (y *Yardstick) SetWorkingSet(bytes int) {}

// SetSplit returns an error wrapping [ErrUnsupported].
func (y *Yardstick) SetSplit(headerBytes int) error {
	return fmt.Errorf("sendtest: yardstick: %w", ErrUnsupported)
}

// Split returns 0.
func (y *Yardstick) Split() int { return 0 }

// WorkingSet returns 0.
func (y *Yardstick) WorkingSet() int { return 0 }

// Close does nothing.
func (y *Yardstick) Close() error { return nil }
