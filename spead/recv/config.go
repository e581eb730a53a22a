package recv

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gospead/tutorial/spead"
)

// Defaults of a [Config].
const (
	// DefaultMaxHeaps is how many heaps may be under construction at
	// once, as in spead2.
	DefaultMaxHeaps = 4
	// DefaultMaxHeapLength is the largest heap payload accepted: 64 MiB.
	DefaultMaxHeapLength = 64 << 20
	// DefaultMaxPointers is how many distinct item pointers one heap may
	// carry.
	DefaultMaxPointers = 4096
	// DefaultMaxPacketSize is the largest datagram accepted, as in
	// spead2's UDP reader: room for 9000-byte packets and then some.
	DefaultMaxPacketSize = 9200
	// DefaultBufferSize is the socket receive buffer asked for: 32 MiB,
	// four times spead2's default, because Linux charges about twice the
	// payload for each queued packet and a sender at loopback can outrun
	// one receiving thread (docs/internals.md has the measurements).
	DefaultBufferSize = 32 << 20
	// DefaultBatchSize is how many datagrams one system call may read.
	DefaultBatchSize = 64
)

// Config is a receiver's configuration, fixed before the receiver exists.
// A zero field means its default, as each field says, so Config{MaxHeaps:
// 8} is a valid configuration; [DefaultConfig] spells the defaults out.
// [Config.Validate] checks a configuration, and every constructor calls
// it.
type Config struct {
	// MaxHeaps is how many heaps may be under construction at once. When
	// a packet starts another heap, the oldest is evicted as incomplete.
	// 0 means DefaultMaxHeaps.
	MaxHeaps int
	// MaxHeapLength is the largest heap payload, in bytes, the receiver
	// will hold; a packet that claims a longer heap is dropped. 0 means
	// DefaultMaxHeapLength. Memory follows the bytes that arrive, not
	// the lengths claimed: the payload memory a receiver holds (heaps
	// under construction, finished heaps a Stream has not yet returned,
	// and buffers kept for reuse) stays under
	//
	//	(3*MaxHeaps + 2) * min(MaxHeapLength, 2*W)
	//
	// bytes, W being the most payload that has arrived for any one heap,
	// whatever the packets and the BatchSize; see the package
	// documentation.
	MaxHeapLength int64
	// MaxPointers is how many distinct item pointers one heap may carry;
	// packets that would add more are dropped. 0 means
	// DefaultMaxPointers.
	MaxPointers int
	// MaxPacketSize is the largest datagram a [Stream] reads, in bytes;
	// longer ones are counted as truncated and dropped. 0 means
	// DefaultMaxPacketSize.
	MaxPacketSize int
	// BufferSize is the socket receive buffer a [Stream] asks for, in
	// bytes; 0 means DefaultBufferSize, and a negative value asks for
	// nothing, leaving the system's default. If the kernel gives less,
	// the stream runs with what it got; [Stream.BufferSize] says how
	// much that is.
	BufferSize int
	// BatchSize is how many datagrams a [Stream] reads per system call;
	// 0 means DefaultBatchSize. Their buffers, BatchSize times
	// MaxPacketSize+1 bytes, are allocated once. With UDP GRO a datagram
	// holds up to 64 KiB of packets, and a read takes at most 4 of them
	// (256 KiB).
	BatchSize int
	// IdleTimeout, if positive, ends [Stream.Next] with [ErrIdle] after
	// that long without a packet.
	IdleTimeout time.Duration
	// MulticastInterfaceAddr chooses the interface on which a [Stream]
	// bound to a multicast group joins it, by its IPv4 address (IPv4
	// groups only), and MulticastInterfaceIndex by its index
	// (net.Interface.Index; IPv4 or IPv6 groups). Set one at most; with
	// neither, the system chooses by the route to the group. A stream
	// bound to any other address refuses them.
	MulticastInterfaceAddr  netip.Addr
	MulticastInterfaceIndex int
}

// DefaultConfig returns the default configuration: 4 heaps under
// construction, heaps up to 64 MiB, a 32 MiB socket buffer.
func DefaultConfig() Config {
	return Config{
		MaxHeaps:      DefaultMaxHeaps,
		MaxHeapLength: DefaultMaxHeapLength,
		MaxPointers:   DefaultMaxPointers,
		MaxPacketSize: DefaultMaxPacketSize,
		BufferSize:    DefaultBufferSize,
		BatchSize:     DefaultBatchSize,
	}
}

// Limits on the configuration, so that a mistyped value fails at once
// rather than when memory runs out.
const (
	maxMaxHeaps    = 1 << 16
	maxMaxPointers = 1 << 20
	maxBatchSize   = 1024
)

// Validate reports the first field that holds an invalid value, with the
// range it allows. Zero fields are valid: they mean the defaults.
func (c *Config) Validate() error {
	d := c.withDefaults()
	return d.validate()
}

// withDefaults returns c with its zero fields set to their defaults.
func (c *Config) withDefaults() Config {
	d := *c
	if d.MaxHeaps == 0 {
		d.MaxHeaps = DefaultMaxHeaps
	}
	if d.MaxHeapLength == 0 {
		d.MaxHeapLength = DefaultMaxHeapLength
	}
	if d.MaxPointers == 0 {
		d.MaxPointers = DefaultMaxPointers
	}
	if d.MaxPacketSize == 0 {
		d.MaxPacketSize = DefaultMaxPacketSize
	}
	if d.BufferSize == 0 {
		d.BufferSize = DefaultBufferSize
	}
	if d.BatchSize == 0 {
		d.BatchSize = DefaultBatchSize
	}
	return d
}

// validate checks a configuration whose defaults are filled in.
func (c *Config) validate() error {
	if c.MaxHeaps < 1 || c.MaxHeaps > maxMaxHeaps {
		return fmt.Errorf("recv config: MaxHeaps %d is outside 1 to %d, or 0 for DefaultMaxHeaps", c.MaxHeaps, maxMaxHeaps)
	}
	if c.MaxHeapLength < 1 || c.MaxHeapLength > maxHeapAddress {
		return fmt.Errorf("recv config: MaxHeapLength %d is outside 1 to %d, or 0 for DefaultMaxHeapLength", c.MaxHeapLength, maxHeapAddress)
	}
	if c.MaxPointers < 1 || c.MaxPointers > maxMaxPointers {
		return fmt.Errorf("recv config: MaxPointers %d is outside 1 to %d, or 0 for DefaultMaxPointers", c.MaxPointers, maxMaxPointers)
	}
	if c.MaxPacketSize < spead.HeaderSize || c.MaxPacketSize > 65535 {
		return fmt.Errorf("recv config: MaxPacketSize %d is outside %d to 65535, or 0 for DefaultMaxPacketSize", c.MaxPacketSize, spead.HeaderSize)
	}
	if c.BatchSize < 1 || c.BatchSize > maxBatchSize {
		return fmt.Errorf("recv config: BatchSize %d is outside 1 to %d, or 0 for DefaultBatchSize", c.BatchSize, maxBatchSize)
	}
	if c.IdleTimeout < 0 {
		return fmt.Errorf("recv config: IdleTimeout %v must be 0 (none) or positive", c.IdleTimeout)
	}
	if c.MulticastInterfaceIndex < 0 {
		return fmt.Errorf("recv config: MulticastInterfaceIndex %d is negative", c.MulticastInterfaceIndex)
	}
	if a := c.MulticastInterfaceAddr; a.IsValid() && !a.Unmap().Is4() {
		return fmt.Errorf("recv config: MulticastInterfaceAddr %v is not an IPv4 address (choose an IPv6 interface by MulticastInterfaceIndex)", a)
	}
	if c.MulticastInterfaceAddr.IsValid() && c.MulticastInterfaceIndex != 0 {
		return fmt.Errorf("recv config: MulticastInterfaceAddr %v and MulticastInterfaceIndex %d are both set; set one", c.MulticastInterfaceAddr, c.MulticastInterfaceIndex)
	}
	return nil
}

// maxHeapAddress is the largest heap address any flavour can carry
// (SPEAD-64-56).
const maxHeapAddress int64 = 1<<56 - 1
