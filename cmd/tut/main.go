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
package main

import (
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit code: 0 on success,
// 2 for a usage error, 1 for anything that went wrong at run time.
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "tut: %v\n", err)
	if isUsage(err) {
		return 2
	}
	return 1
}
