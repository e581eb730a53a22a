package recv

import (
	"net"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
)

// setReceiveBuffer asks for a receive buffer of size bytes, past the
// system limit if the process may (see udpbatch.SetReceiveBuffer), and
// returns the size the kernel granted.
func setReceiveBuffer(conn *net.UDPConn, size int) int {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0
	}
	got := 0
	rc.Control(func(fd uintptr) {
		udpbatch.SetReceiveBuffer(int(fd), size)
		got = udpbatch.ReceiveBuffer(int(fd))
	})
	return got
}
