package recv

import "sync"

// bufferPool keeps the payload buffers of released heaps for reuse, so
// that a steady stream of heaps allocates no new memory. It keeps at most
// max buffers, the largest offered. It is safe for concurrent use: heaps
// may be released from any goroutine.
type bufferPool struct {
	mu   sync.Mutex
	free [][]byte
	max  int // buffers kept at most
}

// take returns a free buffer that fits n bytes, at least n and at most
// twice n, cut to n bytes with undefined contents; or nil if there is
// none.
func (p *bufferPool) take(n int64) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, b := range p.free {
		if c := int64(cap(b)); c >= n && c <= 2*n {
			last := len(p.free) - 1
			p.free[i] = p.free[last]
			p.free[last] = nil
			p.free = p.free[:last]
			return b[:n]
		}
	}
	return nil
}

// put keeps b for reuse. When the pool is full, b takes the place of the
// smallest buffer kept, if that is smaller than b.
func (p *bufferPool) put(b []byte) {
	if cap(b) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < p.max {
		p.free = append(p.free, b[:0])
		return
	}
	small := 0
	for i, f := range p.free {
		if cap(f) < cap(p.free[small]) {
			small = i
		}
	}
	if len(p.free) > 0 && cap(p.free[small]) < cap(b) {
		p.free[small] = b[:0]
	}
}

// held returns the bytes of the free buffers.
func (p *bufferPool) held() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := int64(0)
	for _, b := range p.free {
		n += int64(cap(b))
	}
	return n
}
