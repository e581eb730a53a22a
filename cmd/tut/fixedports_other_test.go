//go:build !(linux || darwin)

package main

import "errors"

// lockFile would lock a file between processes; here the fixed ports are
// held within this test process only.
func lockFile(name string) (unlock func(), err error) {
	return nil, errors.New("no file locks on this system")
}
