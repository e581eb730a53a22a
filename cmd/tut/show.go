package main

import (
	"io"

	"github.com/spf13/cobra"
)

// newShowCmd returns the show command, which prints a stage's source.
func newShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show N",
		Short: "Print the source of a stage",
		Long: `show prints stepN/send.go, the program of stage N, as built into tut, so it
works from an installed binary with no source tree at hand.`,
		Example: `  tut show 1
  tut show 3 | less`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("show needs one step number, 1, 2 or 3 (got %d arguments)", len(args))
			}
			_, err := parseStep(args[0])
			return err
		},
		ValidArgs: stepNumbers,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, _ := parseStep(args[0])
			_, err := io.WriteString(cmd.OutOrStdout(), stages[n-1].source)
			return err
		},
	}
}
