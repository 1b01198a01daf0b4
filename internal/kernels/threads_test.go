package kernels

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestParallelCoversRange checks that Parallel visits every index exactly
// once, in chunks that match ChunkRange, for several sizes and grains.
func TestParallelCoversRange(t *testing.T) {
	defer SetThreads(SetThreads(3))
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1001} {
		for _, grain := range []int{0, 1, 5, 1000} {
			seen := make([]int32, n)
			chunks := Chunks(n, grain)
			Parallel(n, grain, func(w, lo, hi int) {
				if w < 0 || w >= chunks {
					t.Errorf("n=%d grain=%d: worker %d out of [0, %d)", n, grain, w, chunks)
					return
				}
				if wl, wh := ChunkRange(n, chunks, w); n > 0 && (wl != lo || wh != hi) {
					t.Errorf("n=%d grain=%d: worker %d got [%d, %d), want [%d, %d)", n, grain, w, lo, hi, wl, wh)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&seen[i], 1)
				}
			})
			for i, v := range seen {
				if v != 1 {
					t.Fatalf("n=%d grain=%d: index %d visited %d times", n, grain, i, v)
				}
			}
		}
	}
}

// TestParallelNestedAndConcurrent runs Parallel inside Parallel from
// several goroutines at once: chunks are claimed, so nothing can deadlock
// however busy the pool is, and recycled jobs must not mix up calls.
func TestParallelNestedAndConcurrent(t *testing.T) {
	defer SetThreads(SetThreads(4))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 200; r++ {
				var sum atomic.Int64
				Parallel(8, 1, func(_, lo, hi int) {
					Parallel(16, 1, func(_, lo2, hi2 int) {
						for i := lo2; i < hi2; i++ {
							sum.Add(int64(i))
						}
					})
					for i := lo; i < hi; i++ {
						sum.Add(1000)
					}
				})
				if got, want := sum.Load(), int64(Chunks(8, 1)*120+8*1000); got != want {
					t.Errorf("sum = %d, want %d", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestSgemmConcurrentCallers runs multi-threaded GEMMs from several
// goroutines at once and checks each against a single-threaded result.
func TestSgemmConcurrentCallers(t *testing.T) {
	defer SetThreads(SetThreads(2))
	m, n, k := 150, 170, 90
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	want := make([]float32, m*n)
	sgemmBlocked(defaultKernel, 1, false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float32, m*n)
			for r := 0; r < 20; r++ {
				Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				for i := range c {
					if c[i] != want[i] {
						t.Errorf("concurrent Sgemm: C[%d] = %v, want %v", i, c[i], want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestShares checks that Shares runs every share once, that the kernels a
// share calls see one thread (a Parallel inside runs as one chunk), and
// that the thread count is back afterwards.
func TestShares(t *testing.T) {
	defer SetThreads(SetThreads(3))
	var ran [4]atomic.Int32
	var inner [4]atomic.Int32
	fn := func(k, lo, hi int) {
		if lo != k || hi != k+1 {
			t.Errorf("share %d given [%d, %d)", k, lo, hi)
		}
		ran[k].Add(1)
		if Threads() != 1 {
			t.Errorf("share %d sees %d threads, want 1", k, Threads())
		}
		Parallel(1000, 1, func(w, lo, hi int) {
			if w != 0 || lo != 0 || hi != 1000 {
				t.Errorf("share %d: a kernel split into chunk %d [%d, %d)", k, w, lo, hi)
			}
			inner[k].Add(1)
		})
	}
	// From several goroutines at once: each call counts, and the thread
	// count comes back when the last ends.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				Shares(4, fn)
			}
		})
	}
	wg.Wait()
	for k := range ran {
		if ran[k].Load() != 20 || inner[k].Load() != 20 {
			t.Errorf("share %d ran %d times (its kernel %d), want 20", k, ran[k].Load(), inner[k].Load())
		}
	}
	if Threads() != 3 {
		t.Errorf("%d threads after Shares, want 3", Threads())
	}
}

// TestParallelChunks checks that ParallelChunks covers the range in the
// chunks it was given, at most one per item, whatever Threads() says.
func TestParallelChunks(t *testing.T) {
	defer SetThreads(SetThreads(1))
	for _, c := range []struct{ n, chunks, want int }{{10, 3, 3}, {2, 5, 2}, {7, 1, 1}, {0, 4, 0}} {
		seen := make([]atomic.Int32, c.n)
		var calls atomic.Int32
		ParallelChunks(c.n, c.chunks, func(w, lo, hi int) {
			calls.Add(1)
			if wlo, whi := ChunkRange(c.n, c.want, w); lo != wlo || hi != whi {
				t.Errorf("n %d, %d chunks: chunk %d is [%d, %d), want [%d, %d)", c.n, c.chunks, w, lo, hi, wlo, whi)
			}
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
		})
		if int(calls.Load()) != c.want {
			t.Errorf("n %d, %d chunks: %d calls, want %d", c.n, c.chunks, calls.Load(), c.want)
		}
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Errorf("n %d: item %d visited %d times", c.n, i, seen[i].Load())
			}
		}
	}
}
