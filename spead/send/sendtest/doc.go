// Package sendtest provides tools for testing and benchmarking SPEAD
// senders: a [Yardstick] that writes prebuilt packets with the same system
// calls as package send's fast path and nothing around them, so that a
// sender can be measured as a fraction of the fastest one thread can go;
// a [FreshYardstick] that does the tutorial's step 3 work (fill one heap
// while the other is sent) with those system calls and no SPEAD library;
// a [Sandbox], a network namespace of its own with a packet sink, into
// which a benchmark can send at full speed without touching a real
// network; and a [Capture], which records what a sender puts on the wire
// at loopback.
//
// Traffic rule: tests and benchmarks send only to loopback, or to
// addresses inside a Sandbox. Sockets made inside a Sandbox (in a function
// passed to [Sandbox.Do]) stay in its namespace wherever they are used
// later, so make the socket inside and send from anywhere.
package sendtest

import "errors"

// ErrNoPrivilege is returned, wrapped, when a Sandbox cannot be made
// because the process lacks the privilege (it needs root, or
// CAP_SYS_ADMIN and CAP_NET_ADMIN). Tests should skip on it.
var ErrNoPrivilege = errors.New("sendtest: not privileged to create a network namespace")

// ErrUnsupported is returned, wrapped, when the system cannot provide what
// was asked: network namespaces, an ifb link, or the Linux system calls a
// Yardstick uses. Tests should skip on it.
var ErrUnsupported = errors.New("sendtest: not supported on this system")
