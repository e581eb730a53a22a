// Package send sends SPEAD heaps over UDP, as spead2's send streams do.
//
// A [Stream] takes heaps, cuts them into packets with
// spead.PacketGenerator and hands the packets to the kernel from a
// goroutine of its own. Heaps leave in the order
// they were submitted, with heap counters 1, 2, 3 and so on. At most
// Config.MaxHeaps heaps are in flight at once: a send that finds them all
// taken waits for one to finish, or for its context to end.
//
// On Linux the packets go to the kernel as scatter-gather lists that point
// into the heap's own memory, many per system call (sendmmsg), merged with
// UDP generic segmentation offload where the kernel allows it; elsewhere a
// portable path copies each packet and writes it on its own.
//
// Three choices keep the sending thread's time for sending. The socket is
// not registered with Go's network poller, because Linux wakes a poller
// every time a socket's send buffer frees space, which is once a packet
// when the device drops packets as fast as they come. sendmmsg, which on
// a non-blocking socket does not wait for the network, is made as a raw
// system call, so that the Go runtime does not hand the sender's
// processor to another thread while the kernel copies its packets; the
// heaps' memory should therefore be resident (not a file mapped in, nor
// swapped out), since a page fault in that call holds up the processor. And [Future.Wait] checks
// for its heap awake for up to Config.WaitSpin before it sleeps, because
// waking a sleeping thread costs the sender a cross-CPU interrupt; a
// waiter that sees another thread wanting its CPU sleeps at once. Set
// WaitSpin to 0 where an idle CPU is worth more than the throughput.
package send
