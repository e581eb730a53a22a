package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// newStepsCmd returns the steps command, which lists the stages.
func newStepsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "steps",
		Short: "List the stages of the tutorial and what changed in each",
		Long: `steps lists the stages of the sender tutorial, one a line: its number, what it
is, and what changed since the stage before. Run one with "tut send --step N",
read it with "tut show N", and see a change with "tut diff N-1 N".`,
		Example: `  tut steps
  tut show 2
  tut diff 1 2`,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
			for i, st := range stages {
				fmt.Fprintf(w, "step %d\t%s\t%s\n", i+1, st.title, st.change)
			}
			return w.Flush()
		},
	}
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.Name(), args[0])
	}
	return nil
}

// maxOneArg is a cobra.PositionalArgs that allows at most one argument and
// makes any more a usage error.
func maxOneArg(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usagef("%s takes at most one argument, got %d: %q", cmd.Name(), len(args), args)
	}
	return nil
}
