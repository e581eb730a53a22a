package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gospead/tutorial/cmd/tut/internal/bench"
)

// Limits on bench's flags.
const (
	maxBenchRuns = 1000
	// A bench case sends as many heaps as tut send may: see maxHeaps.
	maxBenchHeaps = maxHeaps
)

// newBenchCmd returns the tut bench command.
func newBenchCmd() *cobra.Command {
	var opts bench.Options
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Reproduce the tutorial's figures on this machine",
		Long: `bench reproduces every claim of the tutorial page on this machine: step 1,
step 2, step 3 at loopback with nothing listening, with a bare socket
listening (emptied as fast as it can be) and with tut recv listening, step 3
to the dummy interface (192.168.31.2), and a yardstick: the same 9000-byte
packets written with the same system calls (sendmmsg, UDP GSO) and no SPEAD
library around them, the fastest one sender thread goes here. The yardstick
sends one batch of packets over and over, which stays in cache;
yardstick-2mib sends from 2 MiB (rounded up to whole batches of packets),
the memory of step 3's two heaps in flight;
yardstick-split does that with each packet in two pieces of memory, a
40-byte header and its payload, as spead/send hands them to the kernel.
heaps-8kib, heaps-64kib and heaps-1mib send heaps of that size to the
dummy interface (to loopback without it), as spead2's tut_11 sends them:
built once, refilled, in groups of 512 KiB with one Future each. They
send as many bytes as step 3, so the rates show what a heap costs beyond
its bytes.
yardstick-fresh does step 3's work with no SPEAD library: one goroutine
fills each 1 MiB heap with int8(i) while another sends the heap before it,
from two buffers in turn, in yardstick-split's layout.

It runs inside a network namespace of its own, with loopback and the dummy
interface (an ifb link) up, which the kernel removes when bench ends; nothing
it sends leaves that namespace. There each step runs as "tut send", a child
process of bench started inside the namespace, exactly as a reader runs it.
That needs root; without it bench runs the loopback cases only, in the
current namespace, calling each step's Run itself, and says why on stderr.

The cases alternate, --runs times each, after one short untimed warm-up
each. The table gives each case's median, least and greatest rate, in MB/s
of heap data (10^6 bytes a second, as the tutorial counts), its median
over yardstick-fresh's (the headline: step 3 against the same work done
without the library), over the yardstick's, and over yardstick-split's
(the yardstick in the layout spead/send hands the kernel). --json prints the
same as JSON. --plot sweeps the packet size from 1472 to 65000 bytes for
step 3 and the yardstick to the dummy interface (its MTU raised to 65535)
and draws MB/s against packet size.

Each case sends the heaps its step sends (100 for steps 1 and 2, 10000 for
step 3 and the yardstick, as many bytes in smaller heaps for the heap-size
cases) unless --heaps says otherwise (for a heap-size case, as many bytes
as that many 1 MiB heaps); the sweep sends
2000 a point unless --heaps says otherwise. Progress goes to stderr.`,
		Example: `  sudo tut bench
  sudo tut bench --runs 9 --json > bench.json
  sudo tut bench --plot packet-size.svg
  sudo tut bench --case step3-dummy,yardstick --runs 9
  tut bench --runs 1 --heaps 20    # a quick look; loopback only without root`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateBench(&opts); err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
			defer stop()
			err := bench.Run(ctx, opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if errors.Is(err, bench.ErrInterrupted) {
				return fmt.Errorf("bench %w", errInterrupted)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Runs, "runs", 5, fmt.Sprintf("timed runs of each case, 1 to %d", maxBenchRuns))
	f.IntVar(&opts.Heaps, "heaps", 0, "heaps each run sends; 0 means each step's own number")
	f.BoolVar(&opts.JSON, "json", false, "print the results as JSON instead of a table")
	f.StringVar(&opts.Plot, "plot", "", "sweep the packet size and draw MB/s against it to `FILE.svg` (needs root)")
	f.BoolVarP(&opts.Verbose, "verbose", "v", true, "report each run on stderr")
	f.StringSliceVar(&opts.Cases, "case", nil, "run only these cases (comma-separated or repeated), e.g. step3-dummy,yardstick")
	cmd.ValidArgsFunction = cobra.NoFileCompletions
	cmd.RegisterFlagCompletionFunc("case", cobra.FixedCompletions(bench.CaseNames(), cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("runs", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("heaps", cobra.NoFileCompletions)
	cmd.MarkFlagFilename("plot", "svg")
	return cmd
}

// validateBench checks tut bench's flags; its errors are usage errors.
func validateBench(o *bench.Options) error {
	if o.Runs < 1 || o.Runs > maxBenchRuns {
		return usagef("--runs %d is outside 1 to %d", o.Runs, maxBenchRuns)
	}
	if o.Heaps < 0 || o.Heaps > maxBenchHeaps {
		return usagef("--heaps %d is outside 0 to %d (0 means each step's own number)", o.Heaps, maxBenchHeaps)
	}
	names := bench.CaseNames()
	for _, name := range o.Cases {
		if !slices.Contains(names, name) {
			return usagef("--case %q is not one of %s", name, strings.Join(names, ", "))
		}
	}
	if o.Plot != "" && !strings.EqualFold(filepath.Ext(o.Plot), ".svg") {
		return usagef("--plot %q: the plot is SVG, so the file name must end in .svg", o.Plot)
	}
	return nil
}
