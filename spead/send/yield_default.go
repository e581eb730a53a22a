//go:build !linux

package send

import "runtime"

// yieldCPU lets other goroutines run first.
func yieldCPU() { runtime.Gosched() }

// threadSwitches returns -1: other systems do not say how often a thread
// has left its CPU.
func threadSwitches() int64 { return -1 }
