package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd returns the tut command with every subcommand attached.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "tut",
		Short: "The spead2 sender tutorial in Go",
		Long: `tut runs the spead2 sender tutorial in Go, one stage at a time, and the
tools to check and measure it: a SPEAD receiver, a dummy network interface
and a benchmark.`,
		Example: `  tut send --step 1
  tut recv --verify constant &
  tut send --step 2
  tut diff 2 3`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	// Flag parsing errors are usage errors: exit code 2.
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{flagError(cmd, err)}
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	strictCompletion(root)
	return root
}

// commands holds the constructors of the subcommands, one per file.
var commands = []func() *cobra.Command{
	// Each command's file adds its constructor here. (Help lists the
	// commands in alphabetical order, whatever the order here.)
	newSendCmd,
	newRecvCmd,
	newStepsCmd,
	newShowCmd,
	newDiffCmd,
	newDummyCmd,
	newBenchCmd,
	newDocsCmd,
	newCheckCmd,
}

// usageError marks an error as misuse of the command line, for exit
// code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// isUsage reports whether err is a usage error. Cobra's own complaints
// about unknown commands and flags count too; they are the only errors
// that begin so. Errors from running a command never do, since each
// command prefixes its own with its name: a system call's "invalid
// argument" inside one is a failure, not misuse.
func isUsage(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	msg := err.Error()
	for _, p := range []string{"unknown command ", "unknown flag: ", "unknown shorthand flag: ", "required flag(s) "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
