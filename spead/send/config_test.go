package send

import (
	"context"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
)

// TestConfigValidate checks every field's limits: a bad value gives an
// error that names the field and the allowed range, and a good one none.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // in the error; none means valid
	}{
		{"defaults", func(*Config) {}, nil},
		{"packet size minimum", func(c *Config) { c.MaxPacketSize = spead.MinPacketSize }, nil},
		{"packet size maximum", func(c *Config) { c.MaxPacketSize = spead.MaxUDPPayload }, nil},
		{"packet size too small", func(c *Config) { c.MaxPacketSize = spead.MinPacketSize - 1 }, []string{"MaxPacketSize", "outside 56 to 65507", "or 0 for DefaultMaxPacketSize"}},
		{"packet size zero", func(c *Config) { c.MaxPacketSize = 0 }, nil},
		{"packet size over UDP", func(c *Config) { c.MaxPacketSize = 65508 }, []string{"MaxPacketSize 65508", "56 to 65507"}},
		{"rate", func(c *Config) { c.Rate = 1e9 }, nil},
		{"rate negative", func(c *Config) { c.Rate = -1 }, []string{"Rate -1", "0 (unlimited) or a finite positive"}},
		{"rate NaN", func(c *Config) { c.Rate = math.NaN() }, []string{"Rate NaN"}},
		{"rate infinite", func(c *Config) { c.Rate = math.Inf(1) }, []string{"Rate +Inf"}},
		{"heaps one", func(c *Config) { c.MaxHeaps = 1 }, nil},
		{"heaps zero", func(c *Config) { c.MaxHeaps = 0 }, nil},
		{"heaps negative", func(c *Config) { c.MaxHeaps = -1 }, []string{"MaxHeaps -1", "outside 1 to 1048576, or 0 for DefaultMaxHeaps"}},
		{"heaps too many", func(c *Config) { c.MaxHeaps = 1<<20 + 1 }, []string{"MaxHeaps 1048577", "1 to 1048576"}},
		{"burst zero", func(c *Config) { c.BurstSize = 0 }, nil},
		{"burst negative", func(c *Config) { c.BurstSize = -1 }, []string{"BurstSize -1", "0 (DefaultBurstSize) or more"}},
		{"burst ratio one", func(c *Config) { c.BurstRateRatio = 1 }, nil},
		{"burst ratio zero", func(c *Config) { c.BurstRateRatio = 0 }, nil},
		{"burst ratio below one", func(c *Config) { c.BurstRateRatio = 0.5 }, []string{"BurstRateRatio 0.5", "at least 1, or 0 for DefaultBurstRateRatio"}},
		{"burst ratio NaN", func(c *Config) { c.BurstRateRatio = math.NaN() }, []string{"BurstRateRatio NaN", "finite"}},
		{"burst ratio infinite", func(c *Config) { c.BurstRateRatio = math.Inf(1) }, []string{"BurstRateRatio +Inf", "finite"}},
		{"buffer default", func(c *Config) { c.BufferSize = 0 }, nil},
		{"buffer negative", func(c *Config) { c.BufferSize = -1 }, []string{"BufferSize -1", "0 (DefaultBufferSize) or more"}},
		{"no spin", func(c *Config) { c.WaitSpin = 0 }, nil},
		{"spin maximum", func(c *Config) { c.WaitSpin = MaxWaitSpin }, nil},
		{"spin negative", func(c *Config) { c.WaitSpin = -time.Microsecond }, []string{"WaitSpin -1µs", "outside 0 to 10ms"}},
		{"spin too long", func(c *Config) { c.WaitSpin = time.Second }, []string{"WaitSpin 1s", "outside 0 to 10ms"}},
		{"TTL maximum", func(c *Config) { c.MulticastTTL = 255 }, nil},
		{"TTL negative", func(c *Config) { c.MulticastTTL = -1 }, []string{"MulticastTTL -1", "outside 0 (the system default) to 255"}},
		{"TTL too large", func(c *Config) { c.MulticastTTL = 256 }, []string{"MulticastTTL 256", "outside 0 (the system default) to 255"}},
		{"interface index negative", func(c *Config) { c.MulticastInterfaceIndex = -1 }, []string{"MulticastInterfaceIndex -1 is negative"}},
		{"interface address IPv6", func(c *Config) { c.MulticastInterfaceAddr = netip.MustParseAddr("::1") },
			[]string{"MulticastInterfaceAddr ::1 is not an IPv4 address", "MulticastInterfaceIndex"}},
		{"interface both ways", func(c *Config) {
			c.MulticastInterfaceAddr, c.MulticastInterfaceIndex = netip.MustParseAddr("127.0.0.1"), 1
		}, []string{"MulticastInterfaceAddr 127.0.0.1 and MulticastInterfaceIndex 1 are both set; set one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("valid config refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("invalid config accepted: %+v", c)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			// Every stream constructor validates.
			if _, err := NewUDPStream([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:9")}, c); err == nil {
				t.Error("NewUDPStream accepted the config")
			}
		})
	}
}

// TestZeroConfig checks that zero fields mean the defaults, as in the
// rest of Go: a Config with only a Rate makes a stream whose Config is
// DefaultConfig's but for the Rate and WaitSpin, and it sends.
func TestZeroConfig(t *testing.T) {
	conn, ep := listen(t)
	s, err := NewUDPStream([]netip.AddrPort{ep}, Config{Rate: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := DefaultConfig()
	want.Rate, want.WaitSpin = 10e6, 0
	if got := s.Config(); got != want {
		t.Errorf("Config: got %+v, want %+v", got, want)
	}
	if _, err := s.SendHeap(context.Background(), spead.EndOfStream(spead.DefaultFlavour)); err != nil {
		t.Fatal(err)
	}
	readPackets(t, conn, 1)
}

// TestNewUDPStreamEndpoints checks the endpoint list's limits.
func TestNewUDPStreamEndpoints(t *testing.T) {
	cfg := DefaultConfig()
	for _, eps := range [][]netip.AddrPort{
		nil,
		{netip.AddrPort{}},
		{netip.MustParseAddrPort("127.0.0.1:0")},
	} {
		if s, err := NewUDPStream(eps, cfg); err == nil {
			s.Close()
			t.Errorf("endpoints %v accepted", eps)
		}
	}
}
