//go:build !linux

package sendtest

import (
	"errors"
	"fmt"
	"net/netip"
)

// Sandbox is a network namespace with a packet sink; it exists only on
// Linux.
type Sandbox struct{}

// The sink's fixed configuration.
const (
	// SinkLink is the name of the ifb link inside a Sandbox.
	SinkLink = "dummy1"
	// SinkMTU is the MTU of SinkLink.
	SinkMTU = 9216
)

// NewSandbox returns an error wrapping [ErrUnsupported]: network
// namespaces are a Linux feature.
func NewSandbox() (*Sandbox, error) {
	return nil, fmt.Errorf("sendtest: making a sandbox: %w", ErrUnsupported)
}

// Sink returns the sink address inside the sandbox.
func (s *Sandbox) Sink(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("192.168.31.2"), port)
}

// Do returns an error: there is no sandbox to run in.
func (s *Sandbox) Do(fn func() error) error { return errors.New("sendtest: no sandbox") }

// Close does nothing.
func (s *Sandbox) Close() error { return nil }
