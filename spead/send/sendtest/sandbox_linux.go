package sendtest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Sandbox is a network namespace made for a test or benchmark: loopback
// is up, and an ifb link named [SinkLink], with MTU [SinkMTU] and address
// 192.168.31.1/24, is up too. An ifb link drops everything sent to it and
// needs no neighbour (it is NOARP), so any address on its subnet other
// than its own, such as the one [Sandbox.Sink] returns, is a sink that
// accepts packets as fast as the kernel can route them.
//
// Multicast stays inside too. Loopback has multicast on and IPv4's
// multicast range, 224.0.0.0/4, is routed through it, so that an IPv4
// group's packets reach the sockets inside that joined it on lo. IPv6
// groups take the kernel's own route, through the ifb link; a socket
// that joined one on that link gets a copy of what leaves by it.
//
// The namespace is anonymous: the kernel removes it, link and all, once
// the Sandbox is closed and the last socket made inside it is closed, even
// if the process dies first. Nothing is left behind.
//
// A Sandbox is made with unshare(CLONE_NEWNET) on an OS thread kept for
// it, and configured over netlink from that thread, rather than with the
// ip command and a named namespace: there is no name to clean up, no
// process to start from a thread in a foreign namespace, and the kernel's
// own error numbers say whether privilege or support is missing.
type Sandbox struct {
	ino uint64 // the namespace's inode number

	mu     sync.Mutex
	closed bool
	do     chan func()
	done   chan struct{}
}

// The sink's fixed configuration.
const (
	// SinkLink is the name of the ifb link inside a Sandbox.
	SinkLink = "dummy1"
	// SinkMTU is the MTU of SinkLink: room for 9000-byte SPEAD packets
	// and more.
	SinkMTU = 9216
)

var (
	sinkPrefix = netip.MustParsePrefix("192.168.31.1/24")
	sinkAddr   = netip.MustParseAddr("192.168.31.2")
	// multicastPrefix is IPv4's multicast range, routed via lo.
	multicastPrefix = netip.MustParsePrefix("224.0.0.0/4")
)

// sandboxes holds the inode numbers of the namespaces this process has
// made, so that a Yardstick can check that a non-loopback destination is
// inside one.
var sandboxes sync.Map // uint64 -> struct{}

// NewSandbox makes a network namespace with its sink link. It returns an
// error wrapping [ErrNoPrivilege] when not run as root, and one wrapping
// [ErrUnsupported] when the kernel lacks network namespaces or ifb links.
func NewSandbox() (*Sandbox, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("sendtest: making a sandbox: %w", ErrNoPrivilege)
	}
	s := &Sandbox{do: make(chan func()), done: make(chan struct{})}
	ready := make(chan error, 1)
	go s.serve(ready)
	if err := <-ready; err != nil {
		<-s.done
		return nil, fmt.Errorf("sendtest: making a sandbox: %w", err)
	}
	return s, nil
}

// serve moves its goroutine's thread into a new namespace, configures it,
// and then runs the functions handed to Do. It never unlocks the thread:
// when the goroutine ends, the runtime ends the thread, so no other
// goroutine ever runs in the namespace.
func (s *Sandbox) serve(ready chan<- error) {
	runtime.LockOSThread()
	defer close(s.done)
	if err := s.setup(); err != nil {
		ready <- err
		return
	}
	ready <- nil
	for fn := range s.do {
		fn()
	}
}

// setup creates the namespace on the current thread and brings up its
// links.
func (s *Sandbox) setup() error {
	before, err := threadNetns()
	if err != nil {
		return err
	}
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("unshare(CLONE_NEWNET): %w", classify(err))
	}
	after, err := threadNetns()
	if err != nil {
		return err
	}
	if after == before {
		return errors.New("unshare(CLONE_NEWNET) left the thread in its namespace")
	}
	s.ino = after

	h, err := netlink.NewHandle()
	if err != nil {
		return fmt.Errorf("opening netlink: %w", classify(err))
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("finding lo: %w", err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("bringing lo up: %w", classify(err))
	}
	if err := h.LinkSetMulticastOn(lo); err != nil {
		return fmt.Errorf("turning multicast on for lo: %w", classify(err))
	}
	route := &netlink.Route{LinkIndex: lo.Attrs().Index, Dst: &net.IPNet{
		IP:   multicastPrefix.Addr().AsSlice(),
		Mask: net.CIDRMask(multicastPrefix.Bits(), 32),
	}}
	if err := h.RouteAdd(route); err != nil {
		return fmt.Errorf("routing %v via lo: %w", multicastPrefix, classify(err))
	}
	ifb := &netlink.Ifb{LinkAttrs: netlink.LinkAttrs{Name: SinkLink, MTU: SinkMTU}}
	if err := h.LinkAdd(ifb); err != nil {
		return fmt.Errorf("adding ifb link %s: %w", SinkLink, classify(err))
	}
	link, err := h.LinkByName(SinkLink)
	if err != nil {
		return fmt.Errorf("finding %s: %w", SinkLink, err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{
		IP:   sinkPrefix.Addr().AsSlice(),
		Mask: net.CIDRMask(sinkPrefix.Bits(), 32),
	}}
	if err := h.AddrAdd(link, addr); err != nil {
		return fmt.Errorf("adding %v to %s: %w", sinkPrefix, SinkLink, classify(err))
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("bringing %s up: %w", SinkLink, classify(err))
	}
	sandboxes.Store(s.ino, struct{}{})
	return nil
}

// classify wraps errors that mean the sandbox cannot be made here with
// the matching sentinel.
func classify(err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w: %w", ErrNoPrivilege, err)
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EOPNOTSUPP),
		errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EAFNOSUPPORT),
		errors.Is(err, unix.EPROTONOSUPPORT):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return err
}

// threadNetns returns the inode number of the calling thread's network
// namespace.
func threadNetns() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return 0, fmt.Errorf("reading the thread's network namespace: %w", err)
	}
	return st.Ino, nil
}

// Sink returns the address on the sink link's subnet to send to: a packet
// sent there from a socket made inside the sandbox goes out of the ifb
// link and is dropped.
func (s *Sandbox) Sink(port uint16) netip.AddrPort { return netip.AddrPortFrom(sinkAddr, port) }

// Do runs fn on the sandbox's thread, inside its namespace, and returns
// fn's error. Sockets fn opens belong to the namespace for good; goroutines
// fn starts do not run inside it. Calls are run one at a time.
func (s *Sandbox) Do(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sendtest: sandbox is closed")
	}
	errc := make(chan error, 1)
	s.do <- func() { errc <- fn() }
	return <-errc
}

// Close ends the sandbox's thread. The namespace goes when the last socket
// made inside it is closed.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.do)
	}
	<-s.done
	return nil
}

// inSandbox reports whether the socket behind fd belongs to a namespace
// made by a Sandbox.
func inSandbox(fd int) (bool, error) {
	nsfd, err := unix.IoctlRetInt(fd, unix.SIOCGSKNS)
	if err != nil {
		return false, fmt.Errorf("finding the socket's network namespace: %w", err)
	}
	defer unix.Close(nsfd)
	var st unix.Stat_t
	if err := unix.Fstat(nsfd, &st); err != nil {
		return false, fmt.Errorf("finding the socket's network namespace: %w", err)
	}
	_, ok := sandboxes.Load(st.Ino)
	return ok, nil
}
