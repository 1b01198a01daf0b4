package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var threads atomic.Int32

// SetThreads sets how many workers parallel kernels may use. n < 1 means
// runtime.GOMAXPROCS(0). It returns the previous setting.
func SetThreads(n int) int {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	return int(threads.Swap(int32(n)))
}

// Threads reports how many workers parallel kernels use: the value given to
// SetThreads, or runtime.GOMAXPROCS(0) when it was never called.
func Threads() int {
	if t := threads.Load(); t > 0 {
		return int(t)
	}
	return runtime.GOMAXPROCS(0)
}

// Parallel splits the range [0, n) into at most Threads() contiguous chunks
// of at least grain items each and calls fn(worker, lo, hi) for every chunk,
// running them concurrently on a bounded pool of long-lived goroutines, and
// returns when all are done. The chunk boundaries depend only on n, grain
// and the thread count, and worker is the chunk's index (0 ≤ worker <
// Threads()), so a caller that gives each worker its own accumulator and
// sums them in worker order gets the same bits on every run.
func Parallel(n, grain int, fn func(worker, lo, hi int)) {
	chunks := Chunks(n, grain)
	if chunks <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	j := &parallelJob{fn: fn, n: n, chunks: chunks}
	j.wg.Add(chunks - 1)
	for w := 1; w < chunks; w++ {
		submit(j, w)
	}
	j.runChunk(0)
	j.wg.Wait()
}

// parallelJob is one call of Parallel.
type parallelJob struct {
	fn        func(worker, lo, hi int)
	n, chunks int
	wg        sync.WaitGroup
}

func (j *parallelJob) runChunk(w int) {
	lo, hi := ChunkRange(j.n, j.chunks, w)
	j.fn(w, lo, hi)
	if w > 0 {
		j.wg.Done()
	}
}

// Chunks reports how many chunks Parallel splits n items into for the given
// grain and the current thread count.
func Chunks(n, grain int) int {
	if grain < 1 {
		grain = 1
	}
	c := min(Threads(), n/grain)
	return max(c, 1)
}

// ChunkRange returns the half-open range of chunk w when n items are split
// into the given number of nearly equal contiguous chunks.
func ChunkRange(n, chunks, w int) (lo, hi int) {
	return n * w / chunks, n * (w + 1) / chunks
}

// The pool: a fixed set of goroutines started on first use, fed through a
// channel. Submitting never blocks for long: when every worker is busy the
// task runs on a fresh goroutine instead, so nested Parallel calls cannot
// deadlock. A task is a job and a worker index rather than a closure, so
// that submitting allocates nothing.
var (
	poolOnce  sync.Once
	poolTasks chan poolTask
)

// A chunkJob is work split into chunks; runChunk(w) does chunk w > 0 and
// then marks it done.
type chunkJob interface{ runChunk(w int) }

type poolTask struct {
	job chunkJob
	w   int
}

func submit(j chunkJob, w int) {
	poolOnce.Do(func() {
		n := max(runtime.NumCPU(), 4)
		poolTasks = make(chan poolTask)
		for range n {
			go func() {
				for t := range poolTasks {
					t.job.runChunk(t.w)
				}
			}()
		}
	})
	select {
	case poolTasks <- poolTask{j, w}:
	default:
		go j.runChunk(w)
	}
}
