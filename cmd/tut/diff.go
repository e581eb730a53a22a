package main

import (
	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"
)

// newDiffCmd returns the diff command, which shows what changed between
// two stages.
func newDiffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff A B",
		Short: "Show what changed between two stages, as a unified diff",
		Long: `diff prints a unified diff from stepA/send.go to stepB/send.go, the programs
of stages A and B as built into tut. The stages share one shape, so the diff
is the tutorial's change and nothing else. Two equal steps print nothing.`,
		Example: `  tut diff 1 2
  tut diff 2 3
  tut diff 1 3 | less`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("diff needs two step numbers, as in: tut diff 1 2 (got %d arguments)", len(args))
			}
			for _, arg := range args {
				if _, err := parseStep(arg); err != nil {
					return err
				}
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) >= 2 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return stepNumbers, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, _ := parseStep(args[0])
			b, _ := parseStep(args[1])
			d := diff.Diff(sourceName(a), []byte(stages[a-1].source), sourceName(b), []byte(stages[b-1].source))
			_, err := cmd.OutOrStdout().Write(d)
			return err
		},
	}
}
