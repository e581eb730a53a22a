package send

import (
	"context"
	"testing"

	"github.com/gospead/tutorial/spead/internal/udpbatch"
	"golang.org/x/sys/unix"
)

// BenchmarkIovecLayoutIfb isolates what zero-copy costs the kernel. It
// sends a heap's worth of 9000-byte packets (118, from 1 MiB of filled
// memory) into the sandbox's sink with the library's system calls and
// batching but no library, laid out three ways:
//
//   - contig: each GSO message one iovec over packets prebuilt back to back
//     (the Yardstick's layout);
//   - split: each packet a 40-byte header iovec and a payload iovec into
//     one contiguous payload buffer, as the library sends a heap;
//   - contig-64: contig, but reusing the first 64 packets, as the Yardstick
//     does (a smaller cache footprint).
//
// cpu-ns/op is the process's CPU time per heap, steadier than the wall
// clock on a shared machine.
func BenchmarkIovecLayoutIfb(b *testing.B) {
	sb := benchSandbox(b)
	const (
		n    = 118
		size = 9000
		hdr  = 40
	)
	mem := make([]byte, n*size)
	for i := range mem {
		mem[i] = byte(i)
	}
	headers := make([]byte, 64*72)
	for _, layout := range []string{"contig", "split", "contig-64"} {
		b.Run(layout, func(b *testing.B) {
			var c *udpbatch.Conn
			err := sb.Do(func() error {
				var err error
				c, err = udpbatch.Open(unix.AF_INET)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if err := c.SetSendBuffer(DefaultBufferSize); err != nil {
				b.Fatal(err)
			}
			sa, err := udpbatch.NewSockaddr(sb.Sink(8888), unix.AF_INET)
			if err != nil {
				b.Fatal(err)
			}
			// iovs[first[k]:first[k+1]] is packet k.
			var (
				iovs  []unix.Iovec
				first []int
			)
			add := func(p []byte) {
				var v unix.Iovec
				udpbatch.SetIovec(&v, p)
				iovs = append(iovs, v)
			}
			for k := range n {
				first = append(first, len(iovs))
				switch layout {
				case "contig":
					add(mem[k*size : (k+1)*size])
				case "contig-64":
					add(mem[(k%64)*size : (k%64+1)*size])
				case "split":
					add(headers[(k%64)*72 : (k%64)*72+hdr])
					add(mem[k*(size-hdr) : (k+1)*(size-hdr)])
				}
			}
			first = append(first, len(iovs))
			perMsg := udpbatch.MaxGSOBytes / size
			var batch udpbatch.Batch
			b.SetBytes(n * size)
			c0 := processCPU()
			for b.Loop() {
				for start := 0; start < n; start += maxBatch {
					end := min(start+maxBatch, n)
					batch.Reset()
					for i := start; i < end; i += perMsg {
						j := min(i+perMsg, end)
						seg := 0
						if j-i > 1 {
							seg = size
						}
						batch.Add(iovs[first[i]:first[j]], &sa, seg)
					}
					if _, err := c.Send(context.Background(), batch.Msgs); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(processCPU()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}
