package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tut": func() { os.Exit(run(os.Args[1:])) },
	})
}

// port8888 serializes the scripts that use the tutorial's fixed port.
var port8888 sync.Mutex

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "../../testdata",
		// Each script gets a UDP port of its own in $PORT, for stages
		// that take one on the command line.
		Setup: func(env *testscript.Env) error {
			port, err := freeUDPPort()
			if err != nil {
				return err
			}
			env.Setenv("PORT", strconv.Itoa(port))
			return nil
		},
		// [netns]: the script may make a network namespace (netns_test.go).
		Condition: netnsCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// netns makes a network namespace for the script, named in
			// $NS and removed when the script ends (netns_test.go).
			"netns": cmdNetns,
			// lock8888 holds the tutorial's port 8888 for the rest of
			// the script, so that scripts using it never overlap.
			"lock8888": func(ts *testscript.TestScript, neg bool, args []string) {
				port8888.Lock()
				ts.Defer(port8888.Unlock)
			},
			// exitcode N PROG ARGS... runs a program, like exec, and
			// checks that it exits with status N; its output is then
			// checked with stdout and stderr as usual.
			"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exitcode N PROG [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exitcode: %v", err)
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exitcode: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
				}
			},
			// waitfile waits up to 30 seconds for a file to appear:
			// a background command's sign that it is ready.
			"waitfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: waitfile FILE")
				}
				deadline := time.Now().Add(30 * time.Second)
				for {
					if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("%s did not appear in 30s", args[0])
					}
					time.Sleep(10 * time.Millisecond)
				}
			},
		},
	})
}

// freeUDPPort asks the kernel for a UDP port on loopback that is free now.
func freeUDPPort() (int, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).Port, nil
}
