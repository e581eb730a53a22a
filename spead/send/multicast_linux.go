package send

import (
	"fmt"
	"net"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"golang.org/x/sys/unix"
)

// setMulticast applies cfg's Multicast fields, if any is set, to the
// socket that control reaches, of family unix.AF_INET or unix.AF_INET6.
func setMulticast(control func(func(fd int) error) error, family int, cfg *Config) error {
	ifc := udpbatch.Interface{Addr: cfg.MulticastInterfaceAddr, Index: cfg.MulticastInterfaceIndex}
	if cfg.MulticastTTL == 0 && ifc.IsZero() {
		return nil
	}
	return control(func(fd int) error {
		return udpbatch.SetMulticastSend(fd, family, cfg.MulticastTTL, ifc)
	})
}

// setPortableMulticast applies cfg's Multicast fields to conn.
func setPortableMulticast(conn *net.UDPConn, cfg *Config) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	family := unix.AF_INET
	if conn.LocalAddr().(*net.UDPAddr).IP.To4() == nil {
		family = unix.AF_INET6
	}
	err = setMulticast(func(fn func(fd int) error) error {
		var ferr error
		if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
			return err
		}
		return ferr
	}, family, cfg)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}
