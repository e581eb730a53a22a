package sendtest

import (
	"net"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
)

// SetReceiveBuffer sets conn's receive buffer to n bytes. It first tries
// SO_RCVBUFFORCE, which may pass net.core.rmem_max but needs
// CAP_NET_ADMIN, then SO_RCVBUF, which the kernel caps at rmem_max.
func SetReceiveBuffer(conn *net.UDPConn, n int) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = udpbatch.SetReceiveBuffer(int(fd), n) }); err != nil {
		return err
	}
	return serr
}
