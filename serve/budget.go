package serve

import (
	"context"
	"sync"
	"time"
)

// byteBudget is a weighted semaphore over bytes: the request bodies
// being received may hold at most size bytes between them. Waiters are
// served first come, first served, so that a large body is not starved
// by small ones.
type byteBudget struct {
	size int64

	mu      sync.Mutex
	used    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed when the bytes are granted
}

func newByteBudget(size int64) *byteBudget { return &byteBudget{size: size} }

// acquire takes n bytes (at most size), waiting up to wait for them or
// until ctx is done, and reports whether it got them.
func (b *byteBudget) acquire(ctx context.Context, n int64, wait time.Duration) bool {
	n = min(n, b.size)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return true
	}
	if wait <= 0 {
		b.mu.Unlock()
		return false
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()

	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.ready:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready: // granted meanwhile: give it back
		b.used -= n
		b.grant()
		return false
	default:
	}
	for i, o := range b.waiters {
		if o == w {
			b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
			break
		}
	}
	b.grant()
	return false
}

// release gives back n bytes taken by acquire.
func (b *byteBudget) release(n int64) {
	n = min(n, b.size)
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

// grant hands bytes to the waiters in order while they fit. b.mu is held.
func (b *byteBudget) grant() {
	for len(b.waiters) > 0 && b.used+b.waiters[0].n <= b.size {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		b.used += w.n
		close(w.ready)
	}
}

// inUse returns the bytes taken and how many requests wait for some.
func (b *byteBudget) inUse() (used int64, waiting int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, len(b.waiters)
}

// idleRelease gives memory back to the operating system once the server
// has been idle for a while after work: a burst of large images grows the
// heap, and without a collection the Go runtime keeps its pages (a burst
// of four dot-grid ZIP codes left 585 MB resident for minutes).
type idleRelease struct {
	after time.Duration
	free  func() // debug.FreeOSMemory; tests count calls

	mu    sync.Mutex
	busy  int  // classifying requests in flight
	dirty bool // work since the last release
	timer *time.Timer
}

// begin marks the start of a request that allocates.
func (r *idleRelease) begin() {
	r.mu.Lock()
	r.busy++
	r.dirty = true
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Unlock()
}

// end marks its end, and arms the release when nothing else runs.
func (r *idleRelease) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy--
	if r.busy > 0 || !r.dirty || r.after < 0 {
		return
	}
	if r.timer == nil {
		r.timer = time.AfterFunc(r.after, r.fire)
	} else {
		r.timer.Reset(r.after)
	}
}

func (r *idleRelease) fire() {
	r.mu.Lock()
	if r.busy > 0 || !r.dirty {
		r.mu.Unlock()
		return
	}
	r.dirty = false
	r.mu.Unlock()
	r.free()
}
