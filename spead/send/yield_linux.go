package send

import "golang.org/x/sys/unix"

// yieldCPU lets any other thread that is ready to run on this CPU run
// first (sched_yield(2)), and returns at once when there is none. It
// cannot block, so it skips the Go runtime's system-call bookkeeping.
func yieldCPU() { unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }

// threadSwitches returns how many times the calling thread has been
// switched off its CPU, willingly or not (getrusage(2), RUSAGE_THREAD), or
// -1 if that is unknown.
func threadSwitches() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return -1
	}
	return int64(ru.Nvcsw) + int64(ru.Nivcsw)
}
