//go:build !linux

package sendtest

import (
	"fmt"
	"net/netip"
)

// FreshYardstick does the work of the tutorial's step 3 with the system
// calls of a [Yardstick]; it exists only on Linux.
type FreshYardstick struct{}

// NewFreshYardstick returns an error wrapping [ErrUnsupported].
func NewFreshYardstick(dest netip.AddrPort, packetSize, headerBytes, heapBytes int) (*FreshYardstick, error) {
	return nil, fmt.Errorf("sendtest: fresh yardstick: %w", ErrUnsupported)
}

// SendHeaps returns an error wrapping [ErrUnsupported].
func (f *FreshYardstick) SendHeaps(n int) (int64, error) {
	return 0, fmt.Errorf("sendtest: fresh yardstick: %w", ErrUnsupported)
}

// GSO reports false.
func (f *FreshYardstick) GSO() bool { return false }

// Close does nothing.
func (f *FreshYardstick) Close() error { return nil }
