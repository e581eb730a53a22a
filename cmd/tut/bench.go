package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// benchOptions are tut bench's flags.
type benchOptions struct {
	runs    int
	heaps   int
	json    bool
	plot    string
	verbose bool
	cases   []string
}

// Limits on bench's flags.
const (
	maxBenchRuns  = 1000
	maxBenchHeaps = 1_000_000
)

// newBenchCmd returns the tut bench command.
func newBenchCmd() *cobra.Command {
	var opts benchOptions
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

It runs inside a network namespace of its own, with loopback and the dummy
interface (an ifb link) up, which the kernel removes when bench ends; nothing
it sends leaves that namespace. There each step runs as "tut send", a child
process of bench started inside the namespace, exactly as a reader runs it.
That needs root; without it bench runs the loopback cases only, in the
current namespace, calling each step's Run itself, and says why on stderr.

The cases alternate, --runs times each, after one short untimed warm-up
each. The table gives each case's median, least and greatest rate, in MB/s
of heap data (10^6 bytes a second, as the tutorial counts), its median
over the yardstick's, and its median over yardstick-split's (the
yardstick in the layout spead/send hands the kernel). --json prints the
same as JSON. --plot sweeps the packet size from 1472 to 65000 bytes for
step 3 and the yardstick to the dummy interface (its MTU raised to 65535)
and draws MB/s against packet size.

Each case sends the heaps its step sends (100 for steps 1 and 2, 10000 for
step 3 and the yardstick) unless --heaps says otherwise; the sweep sends
2000 a point unless --heaps says otherwise. Progress goes to stderr.`,
		Example: `  sudo tut bench
  sudo tut bench --runs 9 --json > bench.json
  sudo tut bench --plot packet-size.svg
  sudo tut bench --case step3-dummy,yardstick --runs 9
  tut bench --runs 1 --heaps 20    # a quick look; loopback only without root`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
			defer stop()
			return runBench(ctx, opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.runs, "runs", 5, fmt.Sprintf("timed runs of each case, 1 to %d", maxBenchRuns))
	f.IntVar(&opts.heaps, "heaps", 0, "heaps each run sends; 0 means each step's own number")
	f.BoolVar(&opts.json, "json", false, "print the results as JSON instead of a table")
	f.StringVar(&opts.plot, "plot", "", "sweep the packet size and draw MB/s against it to `FILE.svg` (needs root)")
	f.BoolVarP(&opts.verbose, "verbose", "v", true, "report each run on stderr")
	f.StringSliceVar(&opts.cases, "case", nil, "run only these cases (comma-separated or repeated), e.g. step3-dummy,yardstick")
	cmd.ValidArgsFunction = cobra.NoFileCompletions
	cmd.RegisterFlagCompletionFunc("case", cobra.FixedCompletions(benchCaseNames(), cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("runs", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("heaps", cobra.NoFileCompletions)
	cmd.MarkFlagFilename("plot", "svg")
	return cmd
}

// validate checks the flags; its errors are usage errors.
func (o *benchOptions) validate() error {
	if o.runs < 1 || o.runs > maxBenchRuns {
		return usagef("--runs %d is outside 1 to %d", o.runs, maxBenchRuns)
	}
	if o.heaps < 0 || o.heaps > maxBenchHeaps {
		return usagef("--heaps %d is outside 0 to %d (0 means each step's own number)", o.heaps, maxBenchHeaps)
	}
	names := benchCaseNames()
	for _, name := range o.cases {
		if !slices.Contains(names, name) {
			return usagef("--case %q is not one of %s", name, strings.Join(names, ", "))
		}
	}
	if o.plot != "" && !strings.EqualFold(filepath.Ext(o.plot), ".svg") {
		return usagef("--plot %q: the plot is SVG, so the file name must end in .svg", o.plot)
	}
	return nil
}

// benchCaseNames returns the names of every case bench knows.
func benchCaseNames() []string {
	var names []string
	for _, c := range benchCases(0, true) {
		names = append(names, c.Name)
	}
	return names
}

// runBench measures every case, prints the table or JSON to stdout and
// draws the plot if asked.
func runBench(ctx context.Context, opts benchOptions, stdout, stderr io.Writer) error {
	env, err := newBenchEnv()
	if err != nil {
		return err
	}
	defer env.close()
	if !env.hasDummy() {
		if opts.plot != "" {
			return fmt.Errorf("--plot sends to the dummy interface, but %s", env.why)
		}
		notice(stderr, "%s; running the loopback cases only, in the current network namespace (run as root for all of them: sudo tut bench)", env.why)
	}
	progress := io.Discard
	if opts.verbose {
		progress = stderr
	}
	// Open the plot's file now, so that a bad path fails before the
	// measuring rather than after it.
	var plotFile *os.File
	if opts.plot != "" {
		plotFile, err = os.Create(opts.plot)
		if err != nil {
			return fmt.Errorf("creating the plot: %w", err)
		}
		defer func() {
			if plotFile != nil { // not written: remove the empty file
				plotFile.Close()
				os.Remove(opts.plot)
			}
		}()
	}

	rep := &benchReport{
		Date:    time.Now().UTC().Truncate(time.Second),
		Machine: thisMachine(),
		Netns:   env.hasDummy(),
		Note:    env.why,
		Runs:    opts.runs,
	}
	cases := benchCases(opts.heaps, env.hasDummy())
	if len(opts.cases) > 0 {
		cases = slices.DeleteFunc(cases, func(c benchCase) bool { return !slices.Contains(opts.cases, c.Name) })
		for _, name := range opts.cases {
			if !slices.ContainsFunc(cases, func(c benchCase) bool { return c.Name == name }) {
				notice(stderr, "case %s needs the dummy interface; skipped", name)
			}
		}
		if len(cases) == 0 {
			return fmt.Errorf("none of the cases asked for can run here: %s", env.why)
		}
	}
	results, err := measure(ctx, env, cases, opts.runs, progress)
	if err != nil {
		return interrupted(ctx, err)
	}
	for i, c := range cases {
		rep.Cases = append(rep.Cases, newCaseResult(c, results[i]))
	}
	setRatios(rep.Cases)

	if opts.plot != "" {
		heaps := opts.heaps
		if heaps == 0 {
			heaps = defaultSweepHeaps
		}
		rep.Sweep, err = sweep(ctx, env, opts.runs, heaps, progress)
		if err != nil {
			return interrupted(ctx, err)
		}
		title := fmt.Sprintf("tut bench: step 3 and the yardstick to the dummy interface\n%d CPUs, %s: median of %d runs of %d heaps, bars from min to max",
			rep.Machine.CPUs, rep.Date.Format("2006-01-02"), opts.runs, heaps)
		err := writePlot(plotFile, rep.Sweep, title)
		if cerr := plotFile.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing the plot: %w", cerr)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", opts.plot, err)
		}
		plotFile = nil
		notice(stderr, "plot written to %s", opts.plot)
	}

	if opts.json {
		return writeJSON(stdout, rep)
	}
	return writeTable(stdout, rep)
}

// interrupted replaces err with a plain "interrupted" when ctx was
// canceled, as by Ctrl-C.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("bench %w", errInterrupted)
	}
	return err
}

// measure runs each case once untimed, to warm up, and then runs times,
// the cases taking turns (and starting one further along each round, so
// that none always follows the same other), and returns each case's
// results.
func measure(ctx context.Context, env *benchEnv, cases []benchCase, runs int, progress io.Writer) ([][]runResult, error) {
	const warmUpHeaps = 10
	for _, c := range cases {
		c.Heaps = min(c.Heaps, warmUpHeaps)
		if _, err := c.run(ctx, env); err != nil {
			return nil, fmt.Errorf("warming up: %w", err)
		}
	}
	results := make([][]runResult, len(cases))
	for r := range runs {
		for i := range cases {
			k := (i + r) % len(cases)
			c := &cases[k]
			res, err := c.run(ctx, env)
			if err != nil {
				return nil, err
			}
			got := ""
			switch c.Dest {
			case toLoopbackRecv:
				got = fmt.Sprintf(" (the receiver got %.0f%% of the heap data)", 100*res.delivered)
			case toLoopbackTut:
				got = fmt.Sprintf(" (tut recv got %.0f%% of the heaps whole)", 100*res.delivered)
			}
			fmt.Fprintf(progress, "tut bench: run %d/%d, %s: %.2f MB/s%s\n", r+1, runs, c.Name, res.rate, got)
			results[k] = append(results[k], res)
		}
	}
	return results, nil
}
