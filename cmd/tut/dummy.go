package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/gospead/tutorial/cmd/tut/internal/dummy"
)

// Defaults of tut dummy up: the tutorial's interface, subnet and MTU.
const (
	defaultDummyName = "dummy1"
	defaultDummyAddr = "192.168.31.1/24"
	defaultDummyMTU  = dummy.DefaultMTU
)

// MTU limits tut dummy accepts: IPv4's minimum and the largest MTU that
// fits in an IP packet's length field.
const (
	minMTU = 68
	maxMTU = dummy.MaxMTU
)

// newDummyCmd returns the tut dummy command and its up and down
// subcommands.
func newDummyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dummy",
		Short: "Create or remove the dummy interface that step 3 sends to",
		Long: `dummy creates or removes the tutorial's dummy network interface: a link that
drops everything sent to it, so that step 3 can measure the sender alone.
Where the kernel has no "dummy" link type it uses an "ifb" link, which
drops what is sent to it the same way.

It acts in the network namespace it runs in and needs CAP_NET_ADMIN there.
The safe way to try it is in a namespace of its own, which leaves the
machine's own interfaces alone:

  ip netns add tut
  ip netns exec tut tut dummy up
  ip netns exec tut tut send --step 3 192.168.31.2 8888
  ip netns del tut`,
		Example: `  ip netns add tut
  ip netns exec tut tut dummy up
  ip netns exec tut tut dummy down
  ip netns del tut`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for \"tut dummy\": its commands are up and down", args[0])
			}
			return usagef("tut dummy needs a subcommand: up or down")
		},
	}
	cmd.AddCommand(newDummyUpCmd(), newDummyDownCmd())
	return cmd
}

// newDummyUpCmd returns tut dummy up.
func newDummyUpCmd() *cobra.Command {
	var (
		name string
		addr string
		mtu  int
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create the dummy interface, set its MTU and address, and bring it up",
		Long: `up creates the dummy interface (an ifb link where the kernel has no dummy
type), sets its MTU and address and brings it up: the tutorial's

  ip link add dummy1 type dummy
  ip link set mtu 9216 dev dummy1
  ip addr add 192.168.31.1/24 dev dummy1
  ip link set dummy1 up

done through netlink. Packets sent to another address of the subnet, such
as 192.168.31.2, are dropped by the interface. An existing link of the same
name is reported and left alone. It needs CAP_NET_ADMIN in the network
namespace it runs in; run it in a namespace of its own.`,
		Example: `  ip netns add tut
  ip netns exec tut tut dummy up
  ip netns exec tut tut dummy up --name dummy2 --addr 192.168.32.1/24 --mtu 1500`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := parseDummyConfig(name, addr, mtu)
			if err != nil {
				return err
			}
			kind, err := dummy.Up(cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s link up, MTU %d, address %v\n", cfg.Name, kind, cfg.MTU, cfg.Addr)
			if others := dummy.OtherLinks(); len(others) > 0 {
				notice(cmd.ErrOrStderr(), "this network namespace also holds %s, so it looks like the machine's own, where %v now routes to %s; the safe way is a namespace of its own: ip netns exec NS tut dummy up",
					strings.Join(others, ", "), cfg.Addr.Masked(), cfg.Name)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", defaultDummyName, "name of the interface")
	f.StringVar(&addr, "addr", defaultDummyAddr, "address and prefix length of the interface (CIDR)")
	f.IntVar(&mtu, "mtu", defaultDummyMTU, fmt.Sprintf("MTU of the interface, %d to %d", minMTU, maxMTU))
	cmd.ValidArgsFunction = cobra.NoFileCompletions
	cmd.RegisterFlagCompletionFunc("name", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("addr", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("mtu", cobra.FixedCompletions([]string{"1500", "9216", "65535"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// newDummyDownCmd returns tut dummy down.
func newDummyDownCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove the dummy interface",
		Long: `down removes the dummy interface made by tut dummy up: the tutorial's

  ip link del dummy1

It removes only the dummy and ifb links that tut dummy up made, which it
marks with the alias "tut dummy", never another link: not one of another
type, nor one made otherwise, such as the ifb0 and ifb1 that loading the
ifb module creates.`,
		Example: `  ip netns exec tut tut dummy down
  ip netns exec tut tut dummy down --name dummy2`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLinkName(name); err != nil {
				return err
			}
			kind, err := dummy.Down(name)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s link removed\n", name, kind)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", defaultDummyName, "name of the interface")
	cmd.ValidArgsFunction = cobra.NoFileCompletions
	cmd.RegisterFlagCompletionFunc("name", cobra.NoFileCompletions)
	return cmd
}

// parseDummyConfig checks the flags of tut dummy up; every error it
// returns is a usage error.
func parseDummyConfig(name, addr string, mtu int) (dummy.Config, error) {
	if err := checkLinkName(name); err != nil {
		return dummy.Config{}, err
	}
	p, err := netip.ParsePrefix(addr)
	if err != nil {
		return dummy.Config{}, usagef("--addr %q is not an address with a prefix length, such as %s", addr, defaultDummyAddr)
	}
	// The link needs a subnet of its own with room for the address sent
	// to, and must not take over every route: an IPv4 unicast address
	// with a prefix of 8 to 30 bits.
	if a := p.Addr(); !a.Is4() || !a.IsGlobalUnicast() || p.Bits() < 8 || p.Bits() > 30 {
		return dummy.Config{}, usagef("--addr %s: want an IPv4 unicast address with a prefix of 8 to 30 bits, such as %s", addr, defaultDummyAddr)
	}
	if mtu < minMTU || mtu > maxMTU {
		return dummy.Config{}, usagef("--mtu %d is outside %d to %d", mtu, minMTU, maxMTU)
	}
	return dummy.Config{Name: name, Addr: p, MTU: mtu}, nil
}

// checkLinkName reports, as a usage error, a name Linux does not accept
// for a network interface: empty, "." or "..", longer than 15 bytes, or
// holding a slash, a colon or white space.
func checkLinkName(name string) error {
	const maxLen = 15 // IFNAMSIZ less the terminating NUL
	switch {
	case name == "" || name == "." || name == "..":
		return usagef("--name %q is not an interface name", name)
	case len(name) > maxLen:
		return usagef("--name %q is longer than %d bytes, the most an interface name may have", name, maxLen)
	}
	for _, r := range name {
		if r == '/' || r == ':' || unicode.IsSpace(r) || unicode.IsControl(r) {
			return usagef("--name %q holds %q, which an interface name may not", name, r)
		}
	}
	return nil
}

// notice writes a diagnostic line to w, prefixed like tut's errors.
func notice(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "tut: "+format+"\n", args...)
}
