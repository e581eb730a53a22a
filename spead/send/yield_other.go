//go:build !linux

package send

import "runtime"

// yieldCPU lets other goroutines run first.
func yieldCPU() { runtime.Gosched() }
