package check

import (
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// queued returns the bytes the kernel holds in conn's receive queue that
// the listener has not read yet (SO_MEMINFO's receive allocation, which
// counts each datagram's buffers, not only its payload), and whether it
// could tell.
func queued(conn *net.UDPConn) (int, bool) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0, false
	}
	var info [unix.SK_MEMINFO_VARS]uint32
	size := uint32(unsafe.Sizeof(info))
	var errno unix.Errno
	err = rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	})
	if err != nil || errno != 0 || size < 4 {
		return 0, false
	}
	return int(info[unix.SK_MEMINFO_RMEM_ALLOC]), true
}
