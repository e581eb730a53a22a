package send

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// TestThreadSwitches checks that threadSwitches counts the calling
// thread's switches: a thread that sleeps in the kernel leaves its CPU,
// so the count grows by at least one.
func TestThreadSwitches(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadSwitches()
	if before < 0 {
		t.Fatal("threadSwitches = -1 on Linux")
	}
	ts := unix.Timespec{Nsec: 1e6}
	if err := unix.Nanosleep(&ts, nil); err != nil {
		t.Fatal(err)
	}
	if after := threadSwitches(); after <= before {
		t.Errorf("threadSwitches went from %d to %d across a 1ms sleep; want it to grow", before, after)
	}
}
