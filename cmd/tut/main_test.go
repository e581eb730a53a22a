package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// port8888 serializes, within this test process, the scripts that use
// the tutorial's fixed ports; see lockFixedPorts.
var port8888 sync.Mutex

// fixedPortsLock is the file whose lock serializes the scripts that use
// fixed ports across test processes on one machine: two "go test
// ./cmd/tut" at once, in a lab or on a CI runner.
var fixedPortsLock = filepath.Join(os.TempDir(), "gospead-tutorial-tut-fixed-ports.lock")

// lockFixedPorts is the script command lock8888: it holds the fixed ports
// that the pages in docs/ show (8888, the tutorial's, and a few others)
// for the rest of the script, so that no other script of this run, nor of
// another test run on the machine, sends to them or listens on them
// meanwhile. Scripts that need no fixed port use $PORT instead.
func lockFixedPorts(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: lock8888")
	}
	port8888.Lock()
	ts.Defer(port8888.Unlock)
	unlock, err := lockFile(fixedPortsLock)
	if err != nil {
		ts.Logf("lock8888: not locked against other test processes: %v", err)
		return
	}
	ts.Defer(unlock)
}

// udpBusyCondition answers the script condition [udp-busy:PORT]: true
// when another program holds UDP port PORT of 127.0.0.1 (or of every
// address), as a student's "tut recv" holds 8888. A script that uses a
// fixed port checks it after lock8888 and skips rather than send into
// that program or fail to listen.
func udpBusyCondition(cond string) (bool, error) {
	s, ok := strings.CutPrefix(cond, "udp-busy:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	port, err := strconv.ParseUint(s, 10, 16)
	if err != nil || port == 0 {
		return false, fmt.Errorf("condition %q: %q is not a port from 1 to 65535", cond, s)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)})
	if err != nil {
		return true, nil
	}
	conn.Close()
	return false, nil
}

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
		// [netns]: the script may make a network namespace
		// (netns_test.go); [udp-busy:PORT]: another program holds
		// that port of 127.0.0.1.
		Condition: func(cond string) (bool, error) {
			if strings.HasPrefix(cond, "udp-busy:") {
				return udpBusyCondition(cond)
			}
			return netnsCondition(cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// netns makes a network namespace for the script, named in
			// $NS and removed when the script ends (netns_test.go).
			"netns": cmdNetns,
			// lock8888 holds the fixed ports the docs show, 8888
			// first, for the rest of the script, against other
			// scripts and other test runs (lockFixedPorts).
			"lock8888": lockFixedPorts,
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
