package recv

import (
	"net"
	"testing"
)

// TestBatchReaderGROBatch checks that with UDP GRO a read takes at most
// groBatchSize datagrams, whatever the configured batch size: the cap is
// what keeps a batch in the CPU's cache between the two copies.
func TestBatchReaderGROBatch(t *testing.T) {
	for _, n := range []int{1, 3, groBatchSize, 64, 1024} {
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := newBatchReader(conn, n, 9001)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, wantSize := n, 9001
		if b.gro {
			want, wantSize = min(n, groBatchSize), groBufferSize
		}
		if len(b.msgs) != want || b.size != wantSize || len(b.buf) != want*wantSize {
			t.Errorf("batch %d (GRO %v): %d datagrams of %d bytes in %d; want %d of %d",
				n, b.gro, len(b.msgs), b.size, len(b.buf), want, wantSize)
		}
	}
}
