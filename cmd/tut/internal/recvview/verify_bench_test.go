package recvview

import (
	"bytes"
	"testing"
)

// BenchmarkCheckConstant measures --verify constant's pass over one
// heap's samples, 1 MiB all alike: the receiver's own work per heap.
func BenchmarkCheckConstant(b *testing.B) {
	data := bytes.Repeat([]byte{7}, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, ok := checkConstant(data, 7); !ok {
			b.Fatal("not constant")
		}
	}
}
