package send

import (
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/gospead/tutorial/spead"
)

// Defaults of a [Config], the same as spead2's.
const (
	DefaultMaxPacketSize  = 1472
	DefaultMaxHeaps       = 4
	DefaultBurstSize      = 65536
	DefaultBurstRateRatio = 1.05
	// DefaultBufferSize is the socket send buffer a stream asks for.
	DefaultBufferSize = 512 * 1024
)

// DefaultWaitSpin is how long [Future.Wait] keeps checking for its heap
// before it sleeps, in a [DefaultConfig]. spead2 has no such setting; see
// Config.WaitSpin.
const DefaultWaitSpin = 200 * time.Microsecond

// MaxWaitSpin is the longest WaitSpin a Config may ask for.
const MaxWaitSpin = 10 * time.Millisecond

// Config is a stream's configuration, fixed before the stream exists. A
// zero field means its default, as each field says, so Config{Rate: 10e6}
// is a valid configuration; [DefaultConfig] spells the defaults out. The
// one exception is WaitSpin, whose zero means no spinning.
// [Config.Validate] checks a configuration, and every stream constructor
// calls it.
type Config struct {
	// MaxPacketSize is the largest packet to send, in bytes, counting the
	// SPEAD header, item pointers and payload but not the IP and UDP
	// headers (28 bytes more over IPv4). As in spead2 it is rounded down
	// to a multiple of 8. 0 means DefaultMaxPacketSize.
	MaxPacketSize int
	// Rate is the transmit rate in bytes per second, SPEAD overhead
	// included; 0 means as fast as possible.
	Rate float64
	// MaxHeaps is how many heaps may be in flight: handed to the stream
	// and not yet sent. 0 means DefaultMaxHeaps.
	MaxHeaps int
	// BurstSize is how many bytes may be sent back to back before the
	// rate limit is applied; 0 means DefaultBurstSize.
	BurstSize int
	// BurstRateRatio is how much faster than Rate the stream may send to
	// catch up after falling behind; 0 means DefaultBurstRateRatio.
	BurstRateRatio float64
	// BufferSize is the socket send buffer to ask for, in bytes; 0 means
	// DefaultBufferSize. The system may grant less.
	BufferSize int
	// WaitSpin is how long Future.Wait stays awake checking whether its
	// heap has gone, yielding the CPU between checks, before it sleeps.
	// Unlike the other fields' zero, 0 is no default: it means sleep at
	// once, so DefaultConfig sets DefaultWaitSpin and Config{} does not.
	// An awake waiter spares the sender the cost of waking it and costs
	// an otherwise idle CPU; it sleeps at once if another thread wants
	// that CPU. With GOMAXPROCS 1, Wait never spins.
	// A waiter locked to its OS thread pays two thread switches a Wait:
	// set WaitSpin to 0 there. See docs/internals.md.
	WaitSpin time.Duration
	// MulticastTTL is the time to live (IPv4) or hop limit (IPv6) of the
	// packets sent to multicast groups: how many routers they may cross.
	// 0 means the system's default, 1, which keeps them on the local
	// network.
	MulticastTTL int
	// MulticastInterfaceAddr chooses the interface the packets leave by,
	// by its IPv4 address (IPv4 groups only), and MulticastInterfaceIndex
	// by its index (net.Interface.Index; IPv4 or IPv6 groups). Set one at
	// most; with neither, the system chooses by the route to the group.
	//
	// Setting any of the three Multicast fields requires every endpoint
	// to be a multicast group, all of one family, as in spead2; they are
	// supported on Linux only.
	MulticastInterfaceAddr  netip.Addr
	MulticastInterfaceIndex int
}

// DefaultConfig returns spead2's default configuration (1472-byte
// packets, no rate limit, 4 heaps in flight, a 512 KiB send buffer) and a WaitSpin of
// DefaultWaitSpin.
func DefaultConfig() Config {
	return Config{
		MaxPacketSize:  DefaultMaxPacketSize,
		MaxHeaps:       DefaultMaxHeaps,
		BurstSize:      DefaultBurstSize,
		BurstRateRatio: DefaultBurstRateRatio,
		BufferSize:     DefaultBufferSize,
		WaitSpin:       DefaultWaitSpin,
	}
}

// Validate reports the first field that holds an invalid value, with the
// range it allows. Zero fields are valid: they mean the defaults, but for
// WaitSpin's, which means no spinning.
func (c *Config) Validate() error {
	d := c.withDefaults()
	c = &d
	if c.MaxPacketSize < spead.MinPacketSize || c.MaxPacketSize > spead.MaxUDPPayload {
		return fmt.Errorf("send config: MaxPacketSize %d is outside %d to %d (the SPEAD prefix and a pointer, up to the UDP maximum), or 0 for DefaultMaxPacketSize",
			c.MaxPacketSize, spead.MinPacketSize, spead.MaxUDPPayload)
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		return fmt.Errorf("send config: Rate %v must be 0 (unlimited) or a finite positive number of bytes per second", c.Rate)
	}
	if c.MaxHeaps < 1 || c.MaxHeaps > 1<<20 {
		return fmt.Errorf("send config: MaxHeaps %d is outside 1 to %d, or 0 for DefaultMaxHeaps", c.MaxHeaps, 1<<20)
	}
	if c.BurstSize < 0 {
		return fmt.Errorf("send config: BurstSize %d must be 0 (DefaultBurstSize) or more bytes", c.BurstSize)
	}
	if c.BurstRateRatio < 1 || math.IsNaN(c.BurstRateRatio) || math.IsInf(c.BurstRateRatio, 0) {
		return fmt.Errorf("send config: BurstRateRatio %v must be finite and at least 1, or 0 for DefaultBurstRateRatio", c.BurstRateRatio)
	}
	if c.WaitSpin < 0 || c.WaitSpin > MaxWaitSpin {
		return fmt.Errorf("send config: WaitSpin %v is outside 0 to %v", c.WaitSpin, MaxWaitSpin)
	}
	if c.BufferSize < 0 {
		return fmt.Errorf("send config: BufferSize %d must be 0 (DefaultBufferSize) or more bytes", c.BufferSize)
	}
	if c.MulticastTTL < 0 || c.MulticastTTL > 255 {
		return fmt.Errorf("send config: MulticastTTL %d is outside 0 (the system default) to 255", c.MulticastTTL)
	}
	if c.MulticastInterfaceIndex < 0 {
		return fmt.Errorf("send config: MulticastInterfaceIndex %d is negative", c.MulticastInterfaceIndex)
	}
	if a := c.MulticastInterfaceAddr; a.IsValid() && !a.Unmap().Is4() {
		return fmt.Errorf("send config: MulticastInterfaceAddr %v is not an IPv4 address (choose an IPv6 interface by MulticastInterfaceIndex)", a)
	}
	if c.MulticastInterfaceAddr.IsValid() && c.MulticastInterfaceIndex != 0 {
		return fmt.Errorf("send config: MulticastInterfaceAddr %v and MulticastInterfaceIndex %d are both set; set one", c.MulticastInterfaceAddr, c.MulticastInterfaceIndex)
	}
	return nil
}

// withDefaults returns c with its zero fields set to their defaults.
func (c *Config) withDefaults() Config {
	d := *c
	if d.MaxPacketSize == 0 {
		d.MaxPacketSize = DefaultMaxPacketSize
	}
	if d.MaxHeaps == 0 {
		d.MaxHeaps = DefaultMaxHeaps
	}
	if d.BurstSize == 0 {
		d.BurstSize = DefaultBurstSize
	}
	if d.BurstRateRatio == 0 {
		d.BurstRateRatio = DefaultBurstRateRatio
	}
	if d.BufferSize == 0 {
		d.BufferSize = DefaultBufferSize
	}
	return d
}

// bufferSize returns the send buffer to ask for.
func (c *Config) bufferSize() int {
	if c.BufferSize == 0 {
		return DefaultBufferSize
	}
	return c.BufferSize
}
