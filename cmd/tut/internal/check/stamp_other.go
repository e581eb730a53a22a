//go:build !linux

package check

import (
	"net"
	"time"
)

// stampArrivals does nothing here: arrival times are when the listener
// reads a datagram.
func stampArrivals(conn *net.UDPConn) {}

// arrivalTime returns now.
func arrivalTime(oob []byte) time.Time { return time.Now() }
