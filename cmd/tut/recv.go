package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gospead/tutorial/cmd/tut/internal/recvview"
	"github.com/gospead/tutorial/spead/recv"
	"github.com/spf13/cobra"
)

// defaultRecvAddr is where tut recv listens unless told otherwise: where
// steps 1 and 2 send.
var defaultRecvAddr = netip.MustParseAddrPort("127.0.0.1:8888")

// recvOptions are the flags of tut recv.
type recvOptions struct {
	descriptors bool
	values      bool
	quiet       bool
	verify      string
	timeout     time.Duration
	maxHeaps    int
	maxHeapLen  int64
	bufferSize  int
	readyFile   string
	iface       string
}

// newRecvCmd returns the recv command, a SPEAD receiver in the manner of
// spead2_recv.
func newRecvCmd() *cobra.Command {
	var o recvOptions
	cmd := &cobra.Command{
		Use:   "recv [flags] [[HOST:]PORT]",
		Short: "Receive a SPEAD stream and show or check its heaps",
		Long: `recv listens for a SPEAD stream on UDP, as spead2_recv does, and prints a
line for each heap it receives. It listens on 127.0.0.1:8888, where steps 1
and 2 send, unless given PORT or HOST:PORT (":PORT" listens on every
interface; port 0 asks the system for a free port). Once it listens it says
where on stderr, as "tut recv: listening on 127.0.0.1:8888".

At the end of the stream, or on Ctrl-C, or after --timeout without packets,
it prints statistics, one "name: value" a line: heaps (all heaps, whole
or incomplete, as spead2's statistic counts them: a start-of-stream heap
is one, the end-of-stream heap is not), heaps.complete (those that arrived whole, the number
spead2_recv reports as received), incomplete_heaps_evicted and
incomplete_heaps_flushed (the rest: incomplete heaps, by why they were
handed out), packets, bytes, largest_packet and bad_packets, then
bad_packets.REASON for each reason packets were dropped.

Memory follows the bytes that arrive, not the heap lengths packets claim:
the payload the receiver holds stays under

  (3*MAX_HEAPS + 2) * min(MAX_HEAP_LENGTH, 2*W) bytes

where MAX_HEAPS and MAX_HEAP_LENGTH are --max-heaps and --max-heap-length
and W is the most payload that has arrived for any one heap: 28 MiB with
the defaults and the tutorial's 1 MiB heaps, 896 MiB at worst, on top of
the socket buffer (--buffer-size). --values keeps at most 1024 items
holding 128 MiB of values between them; a value it drops, or cannot
decode, is shown as its size and one line saying why. Long arrays are
shown numpy style, first and last three elements around "…".

Everything a sender controls (names, descriptions, formats, dtypes,
strings, errors that quote them) is printed as is when it is printable,
and otherwise quoted with Go's escapes, as in "a\x1b[2J", so that no
control byte reaches the terminal.

--verify checks the tutorial's data: data heap k (heap counter k+1, or
k+s+1 after a start-of-stream heap of counter s) has
timestamp k*1048576 and 1048576 samples, all equal to int8(k) for
"constant" (steps 2 and 3) or, for "random" (step 1), all in [-100, 100)
and plausibly uniform there, which constant data never is. Every
mismatch, every lost or incomplete heap, and a stream that stops without
its end-of-stream heap is reported on stderr, and the exit status is
then 1.

Given a multicast group as HOST, as in 239.1.2.3:8888, recv joins the
group and gets that group's packets only, as spead2's receivers do: the socket
is bound to the group, not to every address. The system chooses the
interface to join on by its route to the group, unless --interface names
one, by name (eth0) or by IPv4 address. docs/multicast.md shows a whole
session inside a network namespace.`,
		Example: `  tut recv &
  tut send --step 1

  tut recv --verify constant --quiet &
  tut send --step 2

  tut recv --descriptors --values 9000
  tut recv --timeout 5s 127.0.0.1:8888
  tut recv --interface eth0 239.1.2.3:8888`,
		Args:              maxOneArg,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			addr := defaultRecvAddr
			if len(args) == 1 {
				var err error
				if addr, err = parseListenAddr(args[0]); err != nil {
					return err
				}
			}
			if err := o.check(); err != nil {
				return err
			}
			if o.iface != "" && !addr.Addr().Unmap().IsMulticast() {
				return usagef("--interface chooses where to join a multicast group, and %v is not one (groups are 224.0.0.0 to 239.255.255.255, or ff00::/8)", addr.Addr())
			}
			return runRecv(cmd.Context(), addr, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.descriptors, "descriptors", false, "print each heap's flavour, from its packets' headers, and each descriptor: ID, name, description, format, shape, dtype")
	f.BoolVar(&o.values, "values", false, "print each item's value")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the statistics at the end")
	f.StringVar(&o.verify, "verify", "", `check the tutorial's data: "random" (step 1) or "constant" (steps 2 and 3)`)
	f.DurationVar(&o.timeout, "timeout", 0, "stop after this long without packets, e.g. 5s (default: wait for the end of the stream)")
	f.IntVar(&o.maxHeaps, "max-heaps", recv.DefaultMaxHeaps, "heaps under construction at once")
	f.Int64Var(&o.maxHeapLen, "max-heap-length", recv.DefaultMaxHeapLength, "largest heap payload to accept, in bytes; packets of longer heaps are dropped")
	f.IntVar(&o.bufferSize, "buffer-size", recv.DefaultBufferSize, "socket receive buffer to ask for, in bytes")
	f.StringVar(&o.iface, "interface", "", "the interface to join a multicast group on: a name, such as eth0, or its IPv4 address (default: the system's choice)")
	f.StringVar(&o.readyFile, "ready-file", "", "write the bound address to this file once listening (for tests)")
	f.MarkHidden("ready-file")
	cmd.RegisterFlagCompletionFunc("verify", cobra.FixedCompletions([]string{"random", "constant"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("timeout", cobra.FixedCompletions([]string{"1s", "5s", "30s"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("max-heaps", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("buffer-size", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("max-heap-length", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("interface", completeInterfaces)
	return cmd
}

// check reports flags that make no sense, as usage errors.
func (o *recvOptions) check() error {
	switch o.verify {
	case "", "random", "constant":
	default:
		return usagef(`--verify must be "random" or "constant", not %q`, o.verify)
	}
	if o.quiet && (o.descriptors || o.values) {
		return usagef("--quiet prints only the statistics; it cannot be combined with --descriptors or --values")
	}
	if o.timeout < 0 {
		return usagef("--timeout must not be negative (got %v)", o.timeout)
	}
	if o.maxHeaps < 1 || o.maxHeaps > 1<<16 {
		return usagef("--max-heaps must be from 1 to %d, not %d", 1<<16, o.maxHeaps)
	}
	if o.maxHeapLen < 1 || o.maxHeapLen > 1<<40 {
		return usagef("--max-heap-length must be from 1 to %d bytes, not %d", int64(1)<<40, o.maxHeapLen)
	}
	if o.bufferSize < 0 || o.bufferSize > 1<<30 {
		return usagef("--buffer-size must be from 0 (the system default) to %d bytes, not %d", 1<<30, o.bufferSize)
	}
	return nil
}

// parseListenAddr parses [HOST:]PORT. HOST is an IP address, "localhost"
// or empty (every interface); PORT is 0 (any free port) to 65535.
func parseListenAddr(s string) (netip.AddrPort, error) {
	host, port := "127.0.0.1", s
	if strings.Contains(s, ":") {
		var err error
		if host, port, err = splitHostPort(s); err != nil {
			return netip.AddrPort{}, usagef("address %q: %v; want [HOST:]PORT, as in 8888 or 127.0.0.1:8888", s, err)
		}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, usagef("address %q: port %q is not a number from 0 to 65535", s, port)
	}
	var ip netip.Addr
	switch host {
	case "":
		ip = netip.IPv4Unspecified()
	case "localhost":
		ip = netip.MustParseAddr("127.0.0.1")
	default:
		if ip, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, usagef("address %q: host %q is not an IP address", s, host)
		}
	}
	return netip.AddrPortFrom(ip, uint16(p)), nil
}

// splitHostPort splits HOST:PORT, with IPv6 hosts in brackets.
func splitHostPort(s string) (host, port string, err error) {
	i := strings.LastIndexByte(s, ':')
	host, port = s[:i], s[i+1:]
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return "", "", errors.New("missing ]")
		}
		return host[1 : len(host)-1], port, nil
	}
	if strings.Contains(host, ":") {
		return "", "", errors.New("an IPv6 host needs brackets, as in [::1]:8888")
	}
	return host, port, nil
}

// runRecv receives one stream and prints what o asks for. It returns an
// error for failures and for data that fails verification, after the
// statistics.
func runRecv(ctx context.Context, addr netip.AddrPort, o recvOptions, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := recv.DefaultConfig()
	cfg.MaxHeaps = o.maxHeaps
	cfg.MaxHeapLength = o.maxHeapLen
	cfg.BufferSize = o.bufferSize
	if o.bufferSize == 0 {
		cfg.BufferSize = -1 // ask for nothing: the system's default
	}
	cfg.IdleTimeout = o.timeout
	if o.iface != "" {
		if err := setInterface(&cfg, o.iface, addr.Addr()); err != nil {
			return err
		}
	}
	s, err := recv.NewUDPStream(addr, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if got := s.BufferSize(); got > 0 && got < o.bufferSize {
		fmt.Fprintf(stderr, "tut recv: the socket buffer is %d bytes, not the %d asked for; raise net.core.rmem_max to avoid losses\n", got, o.bufferSize)
	}
	// Once the socket is bound the receiver is ready: say where, with
	// the port the kernel chose when asked for port 0, so that a sender
	// can be pointed at it.
	fmt.Fprintf(stderr, "tut recv: listening on %v\n", s.LocalAddr())
	if o.readyFile != "" {
		if err := writeReadyFile(o.readyFile, s.LocalAddr()); err != nil {
			return err
		}
	}

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	p := recvview.NewPrinter(out, o.descriptors, o.values)
	var v *recvview.Verifier
	if o.verify != "" {
		v = recvview.NewVerifier(o.verify, stderr)
	}
	for {
		h, err := s.Next(ctx)
		switch {
		case err == nil:
			if !o.quiet {
				p.Print(h)
				out.Flush()
			}
			if v != nil {
				v.Check(h)
			}
			h.Release() // its memory serves a later heap
			continue
		case err == io.EOF:
		case errors.Is(err, recv.ErrIdle) || ctx.Err() != nil:
			// Out of time or interrupted: what is under construction
			// is flushed, and then the stream ends.
			s.Stop()
			continue
		default:
			return err
		}
		break
	}
	st := s.Stats()
	recvview.PrintStats(out, st)
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing the statistics: %w", err)
	}
	if v != nil {
		endCnt, ended := s.EndOfStream()
		if n := v.Finish(endCnt, ended); n > 0 {
			if n == 1 {
				return errors.New("verification failed: 1 problem")
			}
			return fmt.Errorf("verification failed: %d problems", n)
		}
	}
	return nil
}

// completeInterfaces offers the names of the interfaces for --interface.
func completeInterfaces(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	ifs, _ := net.Interfaces()
	names := make([]string, len(ifs))
	for i, ifi := range ifs {
		names[i] = ifi.Name
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// setInterface sets the interface cfg joins group on: name is an IPv4
// address or an interface's name.
func setInterface(cfg *recv.Config, name string, group netip.Addr) error {
	if a, err := netip.ParseAddr(name); err == nil {
		if !a.Unmap().Is4() {
			return usagef("--interface %s: an IPv6 interface is chosen by its name, not its address", name)
		}
		if group.Unmap().Is6() {
			return usagef("--interface %s: an IPv6 group is joined on an interface chosen by its name, not its address", name)
		}
		cfg.MulticastInterfaceAddr = a.Unmap()
		return nil
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return usagef("--interface %q is neither an IPv4 address nor the name of an interface here (run \"ip link\" for their names)", name)
	}
	cfg.MulticastInterfaceIndex = ifi.Index
	return nil
}

// writeReadyFile writes the bound address to name, whole or not at all,
// so that a test waiting for the file never reads half of it.
func writeReadyFile(name string, addr netip.AddrPort) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".ready-*")
	if err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	_, werr := fmt.Fprintln(tmp, addr)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ready file: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ready file: %w", err)
	}
	return nil
}
