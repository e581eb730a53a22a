//go:build linux || darwin

package main

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on the file name, creating it if need
// be, and waits for it; unlock releases it. The kernel releases it too
// when the process ends, so a test run that dies holds nothing.
func lockFile(name string) (unlock func(), err error) {
	f, err := os.OpenFile(name, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
