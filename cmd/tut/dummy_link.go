package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
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
		remove := fmt.Sprintf("tut dummy down --name %s", cfg.name)
		if l.Attrs().Alias != dummyAlias {
			remove = fmt.Sprintf("ip link del %s, if you mean to (tut dummy up did not make it)", cfg.name)
		}
		return "", fmt.Errorf("a link named %s already exists (type %s); left as it is: remove it with %s, or choose another --name",
			cfg.name, l.Type(), remove)
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

	// The alias marks the link as one tut made, so that down removes
	// only such links and never, say, the ifb0 and ifb1 that loading
	// the ifb module creates.
	if err := netlink.LinkSetAlias(link, dummyAlias); err != nil {
		return "", linkError("marking "+cfg.name+" as tut's", err)
	}
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

// dummyAlias is the alias (ip link set dev NAME alias ...) that
// dummyUp gives the links it makes.
const dummyAlias = "tut dummy"

// dummyDown removes the link called name, if it is a dummy or ifb link
// that dummyUp made, and returns its type. Any other link is left alone.
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
		if a := link.Attrs().Alias; a != dummyAlias {
			return "", fmt.Errorf("%s is %s link that tut dummy up did not make (its alias is %q, not %q); left as it is: remove it with \"ip link del %s\" if you mean to", name, withArticle(t), a, dummyAlias, name)
		}
	default:
		return "", fmt.Errorf("%s is %s link, not one tut dummy up makes (dummy or ifb); left as it is", name, withArticle(t))
	}
	if err := netlink.LinkDel(link); err != nil {
		return "", linkError("removing link "+name, err)
	}
	return link.Type(), nil
}

// withArticle puts "a" or "an" before a link type, as English wants it
// said: "a dummy", "an ifb".
func withArticle(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
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
		return fmt.Errorf("%s: %w: this needs CAP_NET_ADMIN; run it as root, best in a network namespace of its own: sudo ip netns exec NS tut dummy up", doing, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
