//go:build linux

package main

import (
	"net"

	"golang.org/x/sys/unix"
)

// setReadBuffer gives conn a receive buffer of n bytes: beyond the
// net.core.rmem_max limit where the process may (as root, with
// SO_RCVBUFFORCE), so that the receiver's buffer does not depend on the
// machine's settings, and up to that limit otherwise.
func setReadBuffer(conn *net.UDPConn, n int) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n)
	}); err == nil && serr == nil {
		return nil
	}
	return conn.SetReadBuffer(n)
}
