// Command tut runs the spead2 sender tutorial in Go: each stage of it, a
// receiver to check what they send, a dummy interface to send to, and a
// benchmark that reproduces the tutorial's figures.
//
// Usage:
//
//	tut send --step 1
//	tut send --step 3 192.168.31.2 8888
//	tut recv --verify constant 127.0.0.1:8888
//	tut diff 2 3
//
// Run "tut help" for every command.
//
// This package holds the commands: for each, its flags, their validation
// and the call that does its work. The larger commands' work lives under
// internal/: bench (tut bench), check (tut check), dummy (tut dummy and
// the MTU check of tut send) and recvview (what tut recv prints and
// verifies).
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit code; see exitCode.
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		fmt.Fprintf(os.Stderr, "tut: %v\n", err)
	}
	return exitCode(err)
}

// errInterrupted is wrapped by the errors of commands stopped by Ctrl-C.
var errInterrupted = errors.New("interrupted")

// exitCode returns the exit code for the error a command returned: 0 on
// success, 2 for a usage error, 130 when Ctrl-C stopped it (128 plus
// SIGINT's number, as shells report a program killed by it), 1 for
// anything else that went wrong at run time.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case isUsage(err):
		return 2
	case errors.Is(err, errInterrupted):
		return 130
	default:
		return 1
	}
}
