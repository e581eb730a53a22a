// Package bench owns tut bench's harness: the cases it measures (the
// tutorial's steps and the yardsticks, to loopback and to the dummy
// interface), the network namespace they run in, the receivers that drain
// what they send, the runs that alternate between them, the table, JSON
// and plot of the results. The command parses and validates the flags
// into Options and calls Run.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

// Options are what tut bench's flags ask for.
type Options struct {
	Runs    int      // timed runs of each case
	Heaps   int      // heaps each run sends; 0 means each step's own number
	JSON    bool     // print JSON instead of a table
	Plot    string   // if set, sweep the packet size and draw an SVG to this file
	Verbose bool     // report each run on stderr
	Cases   []string // if set, run only the cases of these names
}

// ErrInterrupted is what Run returns when its context ends while it
// measures, as by Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// CaseNames returns the names of every case bench knows.
func CaseNames() []string {
	var names []string
	for _, c := range benchCases(0, true) {
		names = append(names, c.Name)
	}
	return names
}

// Run measures every case opts asks for, prints the table or JSON to
// stdout and draws the plot if asked; progress and notices go to stderr.
// It returns ErrInterrupted if ctx ends while it measures.
func Run(ctx context.Context, opts Options, stdout, stderr io.Writer) error {
	env, err := newBenchEnv()
	if err != nil {
		return err
	}
	defer env.close()
	if !env.hasDummy() {
		if opts.Plot != "" {
			return fmt.Errorf("--plot sends to the dummy interface, but %s", env.why)
		}
		notice(stderr, "%s; running the loopback cases only, in the current network namespace (run as root for all of them: sudo tut bench)", env.why)
	}
	progress := io.Discard
	if opts.Verbose {
		progress = stderr
	}
	// Open the plot's file now, so that a bad path fails before the
	// measuring rather than after it.
	var plotFile *os.File
	if opts.Plot != "" {
		plotFile, err = os.Create(opts.Plot)
		if err != nil {
			return fmt.Errorf("creating the plot: %w", err)
		}
		defer func() {
			if plotFile != nil { // not written: remove the empty file
				plotFile.Close()
				os.Remove(opts.Plot)
			}
		}()
	}

	rep := &benchReport{
		Date:    time.Now().UTC().Truncate(time.Second),
		Machine: thisMachine(),
		Netns:   env.hasDummy(),
		Note:    env.why,
		Runs:    opts.Runs,
	}
	cases := benchCases(opts.Heaps, env.hasDummy())
	if len(opts.Cases) > 0 {
		cases = slices.DeleteFunc(cases, func(c benchCase) bool { return !slices.Contains(opts.Cases, c.Name) })
		for _, name := range opts.Cases {
			if !slices.ContainsFunc(cases, func(c benchCase) bool { return c.Name == name }) {
				notice(stderr, "case %s needs the dummy interface; skipped", name)
			}
		}
		if len(cases) == 0 {
			return fmt.Errorf("none of the cases asked for can run here: %s", env.why)
		}
	}
	results, err := measure(ctx, env, cases, opts.Runs, progress)
	if err != nil {
		return interrupted(ctx, err)
	}
	for i, c := range cases {
		rep.Cases = append(rep.Cases, newCaseResult(c, results[i]))
	}
	setRatios(rep.Cases)

	if opts.Plot != "" {
		heaps := opts.Heaps
		if heaps == 0 {
			heaps = defaultSweepHeaps
		}
		rep.Sweep, err = sweep(ctx, env, opts.Runs, heaps, progress)
		if err != nil {
			return interrupted(ctx, err)
		}
		title := fmt.Sprintf("tut bench: step 3 and the yardstick to the dummy interface\n%d CPUs, %s: median of %d runs of %d heaps, bars from min to max",
			rep.Machine.CPUs, rep.Date.Format("2006-01-02"), opts.Runs, heaps)
		err := writePlot(plotFile, rep.Sweep, title)
		if cerr := plotFile.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing the plot: %w", cerr)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", opts.Plot, err)
		}
		plotFile = nil
		notice(stderr, "plot written to %s", opts.Plot)
	}

	if opts.JSON {
		return writeJSON(stdout, rep)
	}
	return writeTable(stdout, rep)
}

// interrupted replaces err with ErrInterrupted when ctx was canceled, as
// by Ctrl-C.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ErrInterrupted
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

// notice writes a diagnostic line to w, prefixed like tut's errors.
func notice(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "tut: "+format+"\n", args...)
}
