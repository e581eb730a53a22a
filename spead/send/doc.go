// Package send sends SPEAD heaps over UDP, as spead2's send streams do.
//
// A [Stream] takes heaps, cuts them into packets with
// spead.PacketGenerator and hands the packets to the kernel from a
// goroutine of its own. Heaps leave in the order
// they were submitted, with heap counters 1, 2, 3 and so on unless
// [Stream.SetCntSequence] chose another start and step. At most
// Config.MaxHeaps heaps are in flight at once: a send that finds them all
// taken waits for one to finish, or for its context to end.
//
// A group of heaps can go in one call with one Future
// ([Stream.AsyncSendHeaps]), their packets either heap after heap
// ([Serial]) or interleaved ([RoundRobin]), as spead2's async_send_heaps
// sends them. Either way the stream fills each batch it hands the kernel
// with the packets of as many queued heaps as fit, so small heaps share
// system calls.
//
// On Linux the packets go to the kernel as scatter-gather lists that point
// into the heap's own memory, many per system call (sendmmsg), merged with
// UDP generic segmentation offload where the kernel allows it; elsewhere a
// portable path copies each packet and writes it on its own.
//
// Endpoints may be multicast groups. Config.MulticastTTL sets how many
// routers their packets may cross, and Config.MulticastInterfaceAddr or
// MulticastInterfaceIndex the interface they leave by, as spead2's
// multicast udp_stream constructors do; zero means the system's choice.
//
// Heaps' memory should be resident (not a file mapped in, nor swapped
// out): a page fault while the kernel copies a packet holds up the
// sender. [Future.Wait] stays awake for up to Config.WaitSpin before it
// sleeps; set WaitSpin to 0 where an idle CPU is worth more than the
// throughput. docs/internals.md explains these choices.
package send
