package send

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// yieldCPU lets any other thread that is ready to run on this CPU run
// first (sched_yield(2)), and returns at once when there is none. It
// cannot block, so it skips the Go runtime's system-call bookkeeping.
func yieldCPU() { unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }

// threadSwitches returns how many times the calling thread has been
// switched off its CPU, willingly or not (getrusage(2), RUSAGE_THREAD), or
// -1 if that is unknown. A yield of the CPU that took long without a
// switch was time the CPU spent elsewhere, on an interrupt or, on a
// virtual machine, in the hypervisor: no other thread wanted the CPU.
func threadSwitches() int64 {
	var ru unix.Rusage
	if _, _, errno := unix.RawSyscall(unix.SYS_GETRUSAGE, unix.RUSAGE_THREAD, uintptr(unsafe.Pointer(&ru)), 0); errno != 0 {
		return -1
	}
	return ru.Nvcsw + ru.Nivcsw
}
