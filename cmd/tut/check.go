package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gospead/tutorial/cmd/tut/internal/check"
	"github.com/spf13/cobra"
)

// newCheckCmd returns the check command, which grades an exercise.
func newCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check [N]",
		Short: "Check your answer to exercise N of docs/exercises.md",
		Long: `check grades exercise N of docs/exercises.md against the stages built into
this binary: run it as "go run ./cmd/tut check N" from the repository, so
that it compiles the stage you edited. It runs the stage in this process
against a receiver of its own on a free loopback port, looks at what
arrived packet by packet, and prints PASS, or FAIL with the reason and a
hint. The exit status is 0 for a pass, 1 for a fail, 2 for misuse.

Without N it lists the exercises. The unchanged tutorial passes none of
them.`,
		Example: `  tut check
  go run ./cmd/tut check 2`,
		Args:              maxOneArg,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				check.List(cmd.OutOrStdout())
				return nil
			}
			n, err := strconv.Atoi(args[0])
			e, ok := check.Lookup(n)
			if err != nil || !ok {
				return usagef("no exercise %q; run \"tut check\" for the list", args[0])
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if err := check.Run(ctx, e, cmd.OutOrStdout()); err != nil {
				return fmt.Errorf("check: %w", err)
			}
			return nil
		},
	}
}
