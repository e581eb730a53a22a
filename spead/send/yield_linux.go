package send

import "golang.org/x/sys/unix"

// yieldCPU lets any other thread that is ready to run on this CPU run
// first (sched_yield(2)), and returns at once when there is none. It
// cannot block, so it skips the Go runtime's system-call bookkeeping.
func yieldCPU() { unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }
