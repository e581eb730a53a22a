//go:build !linux

package sendtest

import "net"

// SetReceiveBuffer sets conn's receive buffer to n bytes, as far as the
// system allows.
func SetReceiveBuffer(conn *net.UDPConn, n int) error {
	return conn.SetReadBuffer(n)
}
