package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/gospead/tutorial/cmd/tut/internal/dummy"
	"github.com/gospead/tutorial/spead"
	"github.com/gospead/tutorial/spead/send"
	"github.com/spf13/cobra"
)

// maxHeaps is the most data heaps a stage can send: heap i carries the
// timestamp i*1048576, which must fit in the 40 bits of an immediate
// item.
const maxHeaps = 1 << 40 / (1 << 20)

// newSendCmd returns the send command, which runs a stage of the tutorial.
func newSendCmd() *cobra.Command {
	var step, heaps, packetSize, port int
	cmd := &cobra.Command{
		Use:   "send --step N [--port PORT | HOST PORT]",
		Short: "Run a stage of the sender tutorial",
		Long: `send runs stage N of the spead2 sender tutorial: it sends heaps of 1 MiB of
int8 samples, pipelined with two heaps in flight, sends the end of the
stream, then prints the rate on stdout as "N.NN MB/s".

  step 1  random samples, 100 heaps to 127.0.0.1:8888, 1472-byte packets
  step 2  heap i filled with int8(i)
  step 3  9000-byte packets, 10000 heaps, to HOST PORT

Steps 1 and 2 send to 127.0.0.1:8888, or to another port of 127.0.0.1 with
--port, so that many people can share a machine; step 3 needs HOST (an IP
address or localhost) and PORT, or HOST:PORT as one argument. Nothing needs to listen: at loopback the kernel drops
the packets, answering each with an ICMP error that costs the sender a
little; on the dummy interface they are simply dropped.
Packets too big for the MTU of the route are refused before anything is sent.
On a terminal, sends that take more than a second show their progress on
stderr. Run "tut steps" for the stages and "tut diff 1 2" for what changed.`,
		Example: `  tut send --step 1
  tut send --step 2 --heaps 1000
  tut send --step 2 --port 9001
  tut send --step 3 127.0.0.1 8888
  tut send --step 3 --packet-size 1472 127.0.0.1 8888`,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("step") {
				return usagef("--step is required: 1, 2 or 3")
			}
			if step < 1 || step > len(stages) {
				return usagef("step must be 1, 2 or 3, not %d", step)
			}
			st := stages[step-1]
			opts := stepOptions{Out: cmd.OutOrStdout()}
			if err := parseDestination(step, st, args, &opts); err != nil {
				return err
			}
			if cmd.Flags().Changed("port") {
				if st.hostPort {
					return usagef("--port is for steps 1 and 2; step %d takes HOST PORT", step)
				}
				if port < 1 || port > 65535 {
					return usagef("--port must be from 1 to 65535, not %d", port)
				}
				opts.Port = port
			}
			if cmd.Flags().Changed("heaps") {
				if heaps < 1 || heaps > maxHeaps {
					return usagef("--heaps must be from 1 to %d, not %d", maxHeaps, heaps)
				}
				opts.Heaps = heaps
			}
			if cmd.Flags().Changed("packet-size") {
				if packetSize < spead.MinPacketSize || packetSize > spead.MaxUDPPayload {
					return usagef("--packet-size must be from %d (room for the SPEAD header, pointers and a little payload) to %d (the UDP maximum), not %d",
						spead.MinPacketSize, spead.MaxUDPPayload, packetSize)
				}
				opts.PacketSize = packetSize
			}
			// The stream rounds the packet size down to a multiple
			// of 8, as spead2 does; say so rather than leave the
			// reader to wonder at the largest packet.
			var rounded string
			if r := opts.PacketSize &^ 7; r != opts.PacketSize {
				rounded = fmt.Sprintf("--packet-size %d is rounded down to %d, a multiple of 8, as spead2 rounds it", opts.PacketSize, r)
			}
			// Packets too big for the route's MTU would leave in
			// fragments, without a word; better to say so at once.
			if err := checkStageMTU(st, opts); err != nil {
				if rounded != "" {
					return fmt.Errorf("step %d: %s: %w", step, rounded, err)
				}
				return fmt.Errorf("step %d: %w", step, err)
			}
			if rounded != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "tut send: %s\n", rounded)
			}
			return sendStage(cmd.Context(), step, st, opts, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().IntVar(&step, "step", 0, "the stage of the tutorial to run: 1, 2 or 3 (required)")
	cmd.Flags().IntVar(&port, "port", 8888, "the port of 127.0.0.1 that steps 1 and 2 send to")
	cmd.Flags().IntVar(&heaps, "heaps", 0, fmt.Sprintf("data heaps to send (default %d for steps 1-2, %d for step 3)",
		stages[0].heaps, stages[2].heaps))
	cmd.Flags().IntVar(&packetSize, "packet-size", 0, fmt.Sprintf("max packet size in bytes, without IP and UDP headers (default %d for steps 1-2, %d for step 3)",
		stages[0].packetSize, stages[2].packetSize))
	cmd.RegisterFlagCompletionFunc("step", cobra.FixedCompletions(stepNumbers, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("heaps", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("port", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("packet-size", cobra.FixedCompletions([]string{"1472", "9000"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// parseDestination checks the positional arguments of stage n and, for a
// stage that takes them, puts the host and port in opts.
func parseDestination(n int, st stage, args []string, opts *stepOptions) error {
	if !st.hostPort {
		if len(args) > 0 {
			return usagef("step %d sends to 127.0.0.1 and takes no HOST PORT (--port picks the port); host and port arrive in step 3", n)
		}
		return nil
	}
	// HOST:PORT in one argument is taken as recv takes it.
	if len(args) == 1 && strings.Contains(args[0], ":") {
		host, port, err := splitHostPort(args[0])
		if err != nil {
			return usagef("address %q: %v; want HOST PORT, two arguments, or HOST:PORT", args[0], err)
		}
		args = []string{host, port}
	}
	if len(args) != 2 {
		return usagef("step %d needs HOST PORT, two arguments, as in: tut send --step %d 127.0.0.1 8888 (got %d)", n, n, len(args))
	}
	if args[0] == "localhost" {
		args[0] = "127.0.0.1" // as recv takes it
	}
	addr, err := netip.ParseAddr(args[0])
	if err != nil {
		return usagef("host %q is not an IP address", args[0])
	}
	// ParseUint, unlike Atoi, refuses a sign, as in "+8888"; a number
	// too large for it is out of range, not "not a number".
	p, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return usagef("port %q is not a number", args[1])
	}
	if err != nil || p < 1 || p > 65535 {
		return usagef("port %s is out of range 1 to 65535", args[1])
	}
	port := int(p)
	opts.Host, opts.Port = addr.String(), port
	return nil
}

// sendStage runs stage n until it is done or interrupted, with a progress
// indicator when stderr is a terminal. If the kernel refused UDP GSO, it
// says so once on errOut.
func sendStage(ctx context.Context, n int, st stage, opts stepOptions, errOut io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// If the kernel refuses UDP GSO, the stream goes on without it; say
	// so once, when the progress line is gone.
	gsoOff := make(chan error, 1)
	ctx = send.WithGSOReport(ctx, func(err error) {
		select {
		case gsoOff <- err:
		default:
		}
	})
	defer func() {
		select {
		case err := <-gsoOff:
			fmt.Fprintf(errOut, "tut: %v\n", err)
		default:
		}
	}()
	// The first Ctrl-C cancels the send. Then stop restores the default
	// at once, so that a second one ends the program even while the
	// stage winds down.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	if isTerminal(os.Stderr) {
		p := newProgress(os.Stderr)
		defer p.clear()
		opts.Progress = p.update
	}
	err := st.run(ctx, opts)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return fmt.Errorf("step %d %w", n, errInterrupted)
	}
	if err != nil {
		return fmt.Errorf("step %d: %w", n, err)
	}
	return nil
}

// checkStageMTU checks, before stage st sends with opts, that its
// packets fit the MTU of the route to its destination (127.0.0.1 unless
// opts says otherwise); see dummy.CheckPathMTU. tut send calls it so that
// 9000-byte packets through a 1500-byte link fail at once, saying why.
func checkStageMTU(st stage, opts stepOptions) error {
	addr, err := netip.ParseAddr(cmp.Or(opts.Host, "127.0.0.1"))
	if err != nil {
		return nil // the stage itself reports a bad host
	}
	// The stream rounds the packet size down to a multiple of 8.
	size := cmp.Or(opts.PacketSize, st.packetSize) &^ 7
	return dummy.CheckPathMTU(addr, size)
}
