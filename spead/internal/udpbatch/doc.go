// Package udpbatch is the Linux system-call layer under packages send and
// recv: UDP messages handed to the kernel or taken from it many at a time
// (sendmmsg(2), recvmmsg(2)), each a scatter-gather list, with the
// control messages of UDP generic segmentation and receive offload
// (UDP_SEGMENT, UDP_GRO). The sendtest yardstick uses it too, so that it
// measures exactly the system calls the library makes.
//
// Only the constants below exist on every system; the rest is Linux's.
package udpbatch

// SendBuffer is the socket send buffer, in bytes, that the yardstick's
// sockets ask for: spead2's figure, and package send's default.
const SendBuffer = 512 * 1024

// MaxSegments is the most packets Linux merges into one UDP GSO message
// (UDP_MAX_SEGMENTS in the kernel; spead2 uses the same figure).
const MaxSegments = 64

// MaxGSOBytes is the most UDP payload one GSO message may carry: the
// kernel caps the IPv4 datagram it builds before segmenting at 65535
// bytes, its 28 bytes of IP and UDP headers included.
const MaxGSOBytes = 65535 - 28
