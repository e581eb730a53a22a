package recv

import "sync"

// bufferPool keeps the payload buffers of released heaps for reuse, so
// that a steady stream of heaps allocates no new memory. It is safe for
// concurrent use: heaps may be released from any goroutine.
type bufferPool struct {
	mu   sync.Mutex
	free [][]byte
	max  int // buffers kept at most
}

// get returns a buffer of n bytes whose contents are undefined: a free
// one of a fitting size (at least n, at most twice n) or a new one.
func (p *bufferPool) get(n int64) []byte {
	p.mu.Lock()
	for i, b := range p.free {
		if c := int64(cap(b)); c >= n && c <= 2*n {
			last := len(p.free) - 1
			p.free[i] = p.free[last]
			p.free[last] = nil
			p.free = p.free[:last]
			p.mu.Unlock()
			return b[:n]
		}
	}
	p.mu.Unlock()
	return make([]byte, n)
}

// put keeps b for reuse, unless the pool is full.
func (p *bufferPool) put(b []byte) {
	if cap(b) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < p.max {
		p.free = append(p.free, b[:0])
	}
}
