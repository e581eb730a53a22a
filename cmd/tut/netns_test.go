package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rogpeppe/go-internal/testscript"
)

// netnsOK caches whether scripts may make network namespaces.
var netnsOK = sync.OnceValue(func() bool {
	if os.Geteuid() != 0 {
		return false
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false
	}
	name := fmt.Sprintf("tutprobe-%d", os.Getpid())
	if err := exec.Command("ip", "netns", "add", name).Run(); err != nil {
		return false
	}
	return exec.Command("ip", "netns", "del", name).Run() == nil
})

// netnsCondition answers the script condition [netns]: true when the
// test runs as root and "ip netns add" works, so that a script can make
// a network namespace of its own with the netns command.
func netnsCondition(cond string) (bool, error) {
	if cond == "netns" {
		return netnsOK(), nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// netnsSeq numbers the namespaces scripts make, so that their names are
// unique within a test run.
var netnsSeq atomic.Int64

// cmdNetns is the script command netns: it makes a network namespace
// for the rest of the script, brings its loopback interface up, puts its
// name in $NS, and removes it when the script ends, pass or fail. Use it
// under [netns]; everything the script sends beyond loopback it sends
// with "exec ip netns exec $NS ...".
func cmdNetns(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: netns")
	}
	name := fmt.Sprintf("tut-%d-%d", os.Getpid(), netnsSeq.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		ts.Fatalf("ip netns add %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	ts.Defer(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			ts.Logf("ip netns del %s: %v: %s", name, err, strings.TrimSpace(string(out)))
		}
	})
	if out, err := exec.Command("ip", "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		ts.Fatalf("bringing lo up in %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	ts.Setenv("NS", name)
}
