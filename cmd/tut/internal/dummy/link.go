// Package dummy owns the network links tut makes and the route MTUs it
// checks: Up makes a dummy (or, where the kernel has none, an ifb) link
// with an address and an MTU, Down removes one Up made and nothing else,
// OtherLinks tells a namespace of one's own from the machine's, and
// CheckPathMTU says, before a send, whether packets fit the route's MTU.
// Everything acts in the calling thread's network namespace, through
// netlink. Validating what the user typed is the command's work.
package dummy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
)

// Config is a link for Up to make: its name, its address with the prefix
// length of its subnet, and its MTU, all already validated.
type Config struct {
	Name string
	Addr netip.Prefix
	MTU  int
}

// Up creates the link cfg describes, sets its MTU and address and
// brings it up, in the calling thread's network namespace. It returns the
// link type it used: "dummy", or "ifb" where the kernel has no dummy type,
// which it then says on stderr. If a step after the link's creation fails,
// it removes the link again.
func Up(cfg Config, stderr io.Writer) (kind string, err error) {
	if l, err := netlink.LinkByName(cfg.Name); err == nil {
		remove := fmt.Sprintf("tut dummy down --name %s", cfg.Name)
		if l.Attrs().Alias != Alias {
			remove = fmt.Sprintf("ip link del %s, if you mean to (tut dummy up did not make it)", cfg.Name)
		}
		return "", fmt.Errorf("a link named %s already exists (type %s); left as it is: remove it with %s, or choose another --name",
			cfg.Name, l.Type(), remove)
	} else if !isLinkNotFound(err) {
		return "", linkError("looking for link "+cfg.Name, err)
	}

	attrs := netlink.NewLinkAttrs()
	attrs.Name = cfg.Name
	var link netlink.Link = &netlink.Dummy{LinkAttrs: attrs}
	err = netlink.LinkAdd(link)
	if errors.Is(err, syscall.EOPNOTSUPP) {
		notice(stderr, "this kernel has no dummy link type (%v); using an ifb link, which drops what is sent to it the same way", err)
		link = &netlink.Ifb{LinkAttrs: attrs}
		err = netlink.LinkAdd(link)
	}
	if err != nil {
		if errors.Is(err, syscall.EEXIST) {
			return "", fmt.Errorf("creating link %s: a link of that name appeared meanwhile; left as it is", cfg.Name)
		}
		return "", linkError(fmt.Sprintf("creating %s link %s", link.Type(), cfg.Name), err)
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
	if err := netlink.LinkSetAlias(link, Alias); err != nil {
		return "", linkError("marking "+cfg.Name+" as tut's", err)
	}
	if err := netlink.LinkSetMTU(link, cfg.MTU); err != nil {
		if errors.Is(err, syscall.EINVAL) {
			return "", fmt.Errorf("setting the MTU of %s to %d: the %s driver does not allow it: %w", cfg.Name, cfg.MTU, link.Type(), err)
		}
		return "", linkError(fmt.Sprintf("setting the MTU of %s to %d", cfg.Name, cfg.MTU), err)
	}
	ipnet := &net.IPNet{
		IP:   cfg.Addr.Addr().AsSlice(),
		Mask: net.CIDRMask(cfg.Addr.Bits(), cfg.Addr.Addr().BitLen()),
	}
	if err := netlink.AddrAdd(link, &netlink.Addr{IPNet: ipnet}); err != nil {
		return "", linkError(fmt.Sprintf("adding address %v to %s", cfg.Addr, cfg.Name), err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return "", linkError("bringing "+cfg.Name+" up", err)
	}
	return link.Type(), nil
}

// Alias is the alias (ip link set dev NAME alias ...) that Up gives the
// links it makes.
const Alias = "tut dummy"

// Down removes the link called name, if it is a dummy or ifb link that
// Up made, and returns its type. Any other link is left alone.
func Down(name string) (kind string, err error) {
	link, err := netlink.LinkByName(name)
	if err != nil {
		if isLinkNotFound(err) {
			return "", fmt.Errorf("no link named %s in this network namespace", name)
		}
		return "", linkError("looking for link "+name, err)
	}
	switch t := link.Type(); t {
	case "dummy", "ifb":
		if a := link.Attrs().Alias; a != Alias {
			return "", fmt.Errorf("%s is %s link that tut dummy up did not make (its alias is %q, not %q); left as it is: remove it with \"ip link del %s\" if you mean to", name, withArticle(t), a, Alias, name)
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

// OtherLinks returns the names of the links in the calling thread's
// network namespace other than loopback and dummy or ifb links: in a
// namespace made for the tutorial there are none, and in the machine's
// own there is at least its network interface. It returns nil where it
// cannot tell.
func OtherLinks() []string {
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

// notice writes a diagnostic line to w, prefixed like tut's errors.
func notice(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "tut: "+format+"\n", args...)
}
