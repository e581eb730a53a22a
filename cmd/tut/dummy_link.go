package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/vishvananda/netlink"
)

// dummyUp creates the link cfg describes, sets its MTU and address and
// brings it up, in the calling thread's network namespace. It returns the
// link type it used: "dummy", or "ifb" where the kernel has no dummy type,
// which it then says on stderr. If a step after the link's creation fails,
// it removes the link again.
func dummyUp(cfg dummyConfig, stderr io.Writer) (kind string, err error) {
	if l, err := netlink.LinkByName(cfg.name); err == nil {
		return "", fmt.Errorf("a link named %s already exists (type %s); left as it is: remove it with \"tut dummy down --name %s\" or choose another --name",
			cfg.name, l.Type(), cfg.name)
	} else if !isLinkNotFound(err) {
		return "", linkError("looking for link "+cfg.name, err)
	}

	attrs := netlink.NewLinkAttrs()
	attrs.Name = cfg.name
	var link netlink.Link = &netlink.Dummy{LinkAttrs: attrs}
	err = netlink.LinkAdd(link)
	if errors.Is(err, syscall.EOPNOTSUPP) {
		notice(stderr, "this kernel has no dummy link type (%v); using an ifb link, which drops what is sent to it the same way", err)
		link = &netlink.Ifb{LinkAttrs: attrs}
		err = netlink.LinkAdd(link)
	}
	if err != nil {
		if errors.Is(err, syscall.EEXIST) {
			return "", fmt.Errorf("creating link %s: a link of that name appeared meanwhile; left as it is", cfg.name)
		}
		return "", linkError(fmt.Sprintf("creating %s link %s", link.Type(), cfg.name), err)
	}
	defer func() {
		if err != nil {
			if derr := netlink.LinkDel(link); derr != nil {
				err = fmt.Errorf("%w (and removing the half-made link failed: %v)", err, derr)
			}
		}
	}()

	if err := netlink.LinkSetMTU(link, cfg.mtu); err != nil {
		if errors.Is(err, syscall.EINVAL) {
			return "", fmt.Errorf("setting the MTU of %s to %d: the %s driver does not allow it: %w", cfg.name, cfg.mtu, link.Type(), err)
		}
		return "", linkError(fmt.Sprintf("setting the MTU of %s to %d", cfg.name, cfg.mtu), err)
	}
	ipnet := &net.IPNet{
		IP:   cfg.addr.Addr().AsSlice(),
		Mask: net.CIDRMask(cfg.addr.Bits(), cfg.addr.Addr().BitLen()),
	}
	if err := netlink.AddrAdd(link, &netlink.Addr{IPNet: ipnet}); err != nil {
		return "", linkError(fmt.Sprintf("adding address %v to %s", cfg.addr, cfg.name), err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return "", linkError("bringing "+cfg.name+" up", err)
	}
	return link.Type(), nil
}

// dummyDown removes the link called name, if it is a dummy or ifb link,
// and returns its type. A link of any other type is left alone.
func dummyDown(name string) (kind string, err error) {
	link, err := netlink.LinkByName(name)
	if err != nil {
		if isLinkNotFound(err) {
			return "", fmt.Errorf("no link named %s in this network namespace", name)
		}
		return "", linkError("looking for link "+name, err)
	}
	switch t := link.Type(); t {
	case "dummy", "ifb":
	default:
		return "", fmt.Errorf("%s is a %s link, not one tut dummy up makes (dummy or ifb); left as it is", name, t)
	}
	if err := netlink.LinkDel(link); err != nil {
		return "", linkError("removing link "+name, err)
	}
	return link.Type(), nil
}

// otherLinks returns the names of the links in the calling thread's
// network namespace other than loopback and dummy or ifb links: in a
// namespace made for the tutorial there are none, and in the machine's
// own there is at least its network interface. It returns nil where it
// cannot tell.
func otherLinks() []string {
	links, err := netlink.LinkList()
	if err != nil {
		return nil
	}
	var names []string
	for _, l := range links {
		a := l.Attrs()
		if a.Flags&net.FlagLoopback != 0 {
			continue
		}
		switch l.Type() {
		case "dummy", "ifb":
			continue
		}
		names = append(names, a.Name)
	}
	return names
}

// isLinkNotFound reports whether err says that no link has the name
// asked for.
func isLinkNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, syscall.ENODEV)
}

// linkError wraps a netlink error with what was being done and, when the
// cause is a missing privilege, with what is needed.
func linkError(doing string, err error) error {
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("%s: %w: this needs CAP_NET_ADMIN; run it as root, best in a network namespace of its own: sudo ip netns exec NS tut dummy ...", doing, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
