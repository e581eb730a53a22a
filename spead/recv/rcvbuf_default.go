//go:build !linux

package recv

import "net"

// setReceiveBuffer asks for a receive buffer of size bytes and returns
// size if the system accepted it, else 0 (the system default, unknown).
func setReceiveBuffer(conn *net.UDPConn, size int) int {
	if err := conn.SetReadBuffer(size); err != nil {
		return 0
	}
	return size
}
