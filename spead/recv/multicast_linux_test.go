package recv

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"github.com/gospead/tutorial/spead/send"
	"github.com/gospead/tutorial/spead/send/sendtest"
	"golang.org/x/sys/unix"
)

// Multicast goes only inside a sendtest.Sandbox: a network namespace of
// the test's own, where lo has multicast on and routes the multicast
// ranges (see sendtest.Sandbox). Nothing is sent in the machine's own
// namespace.

// mcastPort is the port every multicast test uses: the namespace is the
// test's own, so no other program has it.
const mcastPort = 7148

// sandbox makes a Sandbox for the test, or skips the test where none can
// be made.
func sandbox(t *testing.T) *sendtest.Sandbox {
	t.Helper()
	sb, err := sendtest.NewSandbox()
	if errors.Is(err, sendtest.ErrNoPrivilege) || errors.Is(err, sendtest.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// inside runs fn in the sandbox, failing the test if fn fails.
func inside(t *testing.T, sb *sendtest.Sandbox, fn func() error) {
	t.Helper()
	if err := sb.Do(fn); err != nil {
		t.Fatal(err)
	}
}

// mcastCase is a pair of groups of one family, and how the send stream
// and receiver A choose the interface: by index, or by address if byAddr
// is valid. IPv4 goes through lo; IPv6 through the sandbox's ifb link,
// whose members get a copy of what leaves by it (see sendtest.Sandbox).
// Receiver B leaves the choice to the system.
type mcastCase struct {
	name           string
	groupA, groupB netip.Addr
	link           string
	byAddr         netip.Addr
}

var mcastCases = []mcastCase{
	{name: "IPv4 by address", groupA: netip.MustParseAddr("239.10.0.1"), groupB: netip.MustParseAddr("239.10.0.2"),
		link: "lo", byAddr: netip.MustParseAddr("127.0.0.1")},
	{name: "IPv4 by index", groupA: netip.MustParseAddr("239.10.0.1"), groupB: netip.MustParseAddr("239.10.0.2"), link: "lo"},
	{name: "IPv6 by index", groupA: netip.MustParseAddr("ff15::a:1"), groupB: netip.MustParseAddr("ff15::a:2"), link: sendtest.SinkLink},
}

// linkIndex returns the index of the named link inside the sandbox. For
// an IPv6 case it skips the test if the link has no IPv6 address: IPv6
// is off on this system.
func linkIndex(t *testing.T, sb *sendtest.Sandbox, tc mcastCase) int {
	t.Helper()
	var idx int
	v6 := false
	inside(t, sb, func() error {
		ifi, err := net.InterfaceByName(tc.link)
		if err != nil {
			return err
		}
		idx = ifi.Index
		addrs, err := ifi.Addrs()
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() == nil {
				v6 = true
			}
		}
		return nil
	})
	if tc.groupA.Is6() && !v6 {
		t.Skipf("%s has no IPv6 address: IPv6 is off here", tc.link)
	}
	if tc.groupA.Is6() {
		waitAddressUsable(t, sb, tc.link)
	}
	return idx
}

// waitAddressUsable waits until the link's IPv6 addresses have passed
// duplicate address detection. Until then they are tentative and the
// kernel will not send from them ("cannot assign requested address");
// a link brought up just now can be in that state for a moment.
func waitAddressUsable(t *testing.T, sb *sendtest.Sandbox, link string) {
	t.Helper()
	const tentative = 0x40 // IFA_F_TENTATIVE
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting bool
		inside(t, sb, func() error {
			// thread-self: the namespace of the sandbox's thread.
			b, err := os.ReadFile("/proc/thread-self/net/if_inet6")
			if err != nil {
				return err
			}
			waiting = false
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) != 6 || f[5] != link {
					continue
				}
				flags, err := strconv.ParseUint(f[4], 16, 32)
				if err != nil {
					return fmt.Errorf("if_inet6 line %q: %w", line, err)
				}
				if flags&tentative != 0 {
					waiting = true
				}
			}
			return nil
		})
		if !waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's IPv6 address is still tentative after 10s", link)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMulticastJoinedStreamGetsItsGroupOnly sends heaps to group A and
// then one heap to group B from one stream with a TTL and an interface
// set. Receiver A, joined to A on a chosen interface, gets A's heaps;
// receiver B, bound to B on the same port, gets B's heap and nothing of
// A's, which arrived first: a socket bound to the wildcard address would
// have had them.
func TestMulticastJoinedStreamGetsItsGroupOnly(t *testing.T) {
	for _, tc := range mcastCases {
		t.Run(tc.name, func(t *testing.T) {
			sb := sandbox(t)
			link := linkIndex(t, sb, tc)
			epA := netip.AddrPortFrom(tc.groupA, mcastPort)
			epB := netip.AddrPortFrom(tc.groupB, mcastPort)
			var rxA, rxB *Stream
			var tx *send.Stream
			inside(t, sb, func() error {
				var err error
				cfg := DefaultConfig()
				if tc.byAddr.IsValid() {
					cfg.MulticastInterfaceAddr = tc.byAddr
				} else {
					cfg.MulticastInterfaceIndex = link
				}
				if rxA, err = NewUDPStream(epA, cfg); err != nil {
					return err
				}
				if rxB, err = NewUDPStream(epB, DefaultConfig()); err != nil {
					return err
				}
				scfg := send.Config{MulticastTTL: 4}
				if tc.byAddr.IsValid() {
					scfg.MulticastInterfaceAddr = tc.byAddr
				} else {
					scfg.MulticastInterfaceIndex = link
				}
				tx, err = send.NewUDPStream([]netip.AddrPort{epA, epB}, scfg)
				return err
			})
			defer rxA.Close()
			defer rxB.Close()
			defer tx.Close()
			if got := rxA.LocalAddr(); got != epA {
				t.Errorf("receiver A is bound to %v, want the group %v", got, epA)
			}

			const n, nA = 4096, 5
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for i := range nA {
				if _, err := tx.SendHeapTo(ctx, tutorialHeap(t, spead.DefaultFlavour, i, n), 0); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := tx.SendHeapTo(ctx, tutorialHeap(t, spead.DefaultFlavour, 100, n), 1); err != nil {
				t.Fatal(err)
			}
			for dest := range 2 {
				if _, err := tx.SendHeapTo(ctx, spead.EndOfStream(spead.DefaultFlavour), dest); err != nil {
					t.Fatal(err)
				}
			}

			for i := range nA {
				h, err := rxA.Next(ctx)
				if err != nil {
					t.Fatalf("receiver A, heap %d: %v", i+1, err)
				}
				checkTutorialHeap(t, h, uint64(i+1), i, n)
				h.Release()
			}
			if h, err := rxA.Next(ctx); err != io.EOF {
				t.Fatalf("receiver A after its heaps: %s; want io.EOF", heapOrErr(h, err))
			}
			h, err := rxB.Next(ctx)
			if err != nil {
				t.Fatalf("receiver B: %v", err)
			}
			checkTutorialHeap(t, h, nA+1, 100, n)
			h.Release()
			if h, err := rxB.Next(ctx); err != io.EOF {
				t.Fatalf("receiver B after its heap: %s; want io.EOF", heapOrErr(h, err))
			}
			// One data heap and the end: every packet it took was B's.
			if st := rxB.Stats(); st.Heaps != 1 || st.TotalBadPackets() != 0 {
				t.Errorf("receiver B: %+v; want 1 heap and no bad packets", st)
			}
			if st := rxA.Stats(); st.Heaps != nA || st.TotalBadPackets() != 0 {
				t.Errorf("receiver A: %+v; want %d heaps and no bad packets", st, nA)
			}
		})
	}
}

// heapOrErr describes what Next returned, briefly.
func heapOrErr(h *Heap, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("heap %d", h.Cnt)
}

// TestMulticastInterfaceChoosesTheWay sends one heap by the sandbox's ifb
// link, which drops it, and then one by lo: a receiver joined on lo gets
// only the second. Without the interface chosen, the route would have
// taken the first through lo too.
func TestMulticastInterfaceChoosesTheWay(t *testing.T) {
	sb := sandbox(t)
	group := netip.AddrPortFrom(netip.MustParseAddr("239.10.0.3"), mcastPort)
	var rx *Stream
	var viaIfb, viaLo *send.Stream
	inside(t, sb, func() error {
		ifb, err := net.InterfaceByName(sendtest.SinkLink)
		if err != nil {
			return err
		}
		if rx, err = NewUDPStream(group, DefaultConfig()); err != nil {
			return err
		}
		if viaIfb, err = send.NewUDPStream([]netip.AddrPort{group}, send.Config{MulticastInterfaceIndex: ifb.Index}); err != nil {
			return err
		}
		viaLo, err = send.NewUDPStream([]netip.AddrPort{group}, send.Config{MulticastInterfaceAddr: netip.MustParseAddr("127.0.0.1")})
		return err
	})
	defer rx.Close()
	defer viaIfb.Close()
	defer viaLo.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := viaIfb.SetCntSequence(1000, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := viaIfb.SendHeap(ctx, tutorialHeap(t, spead.DefaultFlavour, 7, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := viaLo.SendHeap(ctx, tutorialHeap(t, spead.DefaultFlavour, 1, 100)); err != nil {
		t.Fatal(err)
	}
	h, err := rx.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkTutorialHeap(t, h, 1, 1, 100)
}

// TestMulticastTTLOnTheWire reads the TTL (IP_RECVTTL) or hop limit
// (IPV6_RECVHOPLIMIT) of a packet that a stream sent to a group with
// MulticastTTL set, and of one sent with the system's default, 1.
func TestMulticastTTLOnTheWire(t *testing.T) {
	for _, tc := range mcastCases {
		if tc.byAddr.IsValid() {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			sb := sandbox(t)
			linkIndex(t, sb, tc) // skips IPv6 where it is off
			group := netip.AddrPortFrom(tc.groupA, mcastPort)
			var conn *net.UDPConn
			inside(t, sb, func() error {
				f, err := udpbatch.ListenGroup(group, udpbatch.Interface{})
				if err != nil {
					return err
				}
				defer f.Close()
				c, err := net.FilePacketConn(f)
				if err != nil {
					return err
				}
				conn = c.(*net.UDPConn)
				rc, err := conn.SyscallConn()
				if err != nil {
					return err
				}
				var serr error
				rc.Control(func(fd uintptr) {
					if tc.groupA.Is6() {
						serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1)
					} else {
						serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVTTL, 1)
					}
				})
				return serr
			})
			defer conn.Close()
			for _, ttl := range []int{9, 0} {
				var tx *send.Stream
				inside(t, sb, func() (err error) {
					tx, err = send.NewUDPStream([]netip.AddrPort{group}, send.Config{MulticastTTL: ttl})
					return err
				})
				if _, err := tx.SendHeap(context.Background(), spead.EndOfStream(spead.DefaultFlavour)); err != nil {
					t.Fatal(err)
				}
				tx.Close()
				got := readTTL(t, conn)
				want := max(ttl, 1)
				if got != want {
					t.Errorf("MulticastTTL %d: the packet came with TTL %d, want %d", ttl, got, want)
				}
			}
		})
	}
}

// readTTL reads one datagram from conn and returns the TTL or hop limit
// its control message gives.
func readTTL(t *testing.T, conn *net.UDPConn) int {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 9200)
	oob := make([]byte, 128)
	_, oobn, _, _, err := conn.ReadMsgUDP(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if (m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_TTL) ||
			(m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_HOPLIMIT) {
			return int(binary.NativeEndian.Uint32(m.Data))
		}
	}
	t.Fatalf("no TTL in the control messages %v", msgs)
	return 0
}

// TestMulticastErrors checks what NewUDPStream says when it cannot join.
func TestMulticastErrors(t *testing.T) {
	sb := sandbox(t)
	group := netip.AddrPortFrom(netip.MustParseAddr("239.10.0.4"), mcastPort)
	tests := []struct {
		name string
		addr netip.AddrPort
		edit func(*Config)
		want string
	}{
		{"unicast with an interface", netip.MustParseAddrPort("127.0.0.1:0"),
			func(c *Config) { c.MulticastInterfaceIndex = 1 },
			"recv: a multicast interface is set, but 127.0.0.1 is not a multicast group"},
		{"no such interface", group,
			func(c *Config) { c.MulticastInterfaceIndex = 999 },
			"recv: joining group 239.10.0.4: no interface has index 999: no such device"},
		{"an address no interface has", group,
			func(c *Config) { c.MulticastInterfaceAddr = netip.MustParseAddr("10.99.99.99") },
			"recv: joining group 239.10.0.4: no interface has the address 10.99.99.99: no such device"},
		{"IPv6 group, interface by address", netip.MustParseAddrPort("[ff15::a:4]:7148"),
			func(c *Config) { c.MulticastInterfaceAddr = netip.MustParseAddr("127.0.0.1") },
			"IPv6 takes an interface index"},
		{"both", group,
			func(c *Config) {
				c.MulticastInterfaceAddr = netip.MustParseAddr("127.0.0.1")
				c.MulticastInterfaceIndex = 1
			},
			"recv config: MulticastInterfaceAddr 127.0.0.1 and MulticastInterfaceIndex 1 are both set; set one"},
		{"IPv6 address", group,
			func(c *Config) { c.MulticastInterfaceAddr = netip.MustParseAddr("::1") },
			"recv config: MulticastInterfaceAddr ::1 is not an IPv4 address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg)
			err := sb.Do(func() error {
				s, err := NewUDPStream(tc.addr, cfg)
				if err == nil {
					s.Close()
				}
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewUDPStream(%v): %v; want an error containing %q", tc.addr, err, tc.want)
			}
		})
	}
}
