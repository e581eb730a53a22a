// Package mmsg holds the Linux system-call layer shared by the send
// package's fast writer and the sendtest yardstick: messages for
// sendmmsg(2) that carry scatter-gather lists and, where packets are merged
// for UDP generic segmentation offload, a UDP_SEGMENT control message.
// Keeping it in one place means the yardstick measures exactly the system
// calls the library makes.
package mmsg

// SendBuffer is the socket send buffer, in bytes, that package send's
// sockets and the yardstick's ask for: spead2's figure.
const SendBuffer = 512 * 1024
