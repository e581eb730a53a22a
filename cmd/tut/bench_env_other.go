//go:build !linux

package main

import "net"

// setReadBuffer gives conn a receive buffer of up to n bytes.
func setReadBuffer(conn *net.UDPConn, n int) error { return conn.SetReadBuffer(n) }
