package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
	if sharing.Load() > 0 {
		return 1
	}
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
	ParallelChunks(n, Chunks(n, grain), fn)
}

// sharing counts the Shares calls running: while any does, Threads()
// reports 1.
var sharing atomic.Int32

// Shares runs fn(k, k, k+1) for every share k in [0, n) at once, share 0
// on the calling goroutine and the others on the pool's workers, and
// returns when all are done. While they run, Threads() reports 1, so
// that the kernels each share calls run on its own goroutine alone
// rather than split again: data-parallel training runs each share of a
// batch as a whole forward and backward pass on one core this way. A
// kernel that another goroutine calls meanwhile also runs on one core
// (slower, never wrong: a kernel reads the thread count once and sizes
// its work and scratch by it, see ParallelChunks); calls from several
// goroutines at once are fine. fn should be made once (a method value),
// so that a call allocates nothing.
func Shares(n int, fn func(k, lo, hi int)) {
	if n > 1 {
		sharing.Add(1)
		defer sharing.Add(-1)
	}
	ParallelChunks(n, n, fn)
}

// ParallelChunks is Parallel with the number of chunks given (at most n;
// at least 1): for a caller that sized per-chunk scratch by Chunks, so
// that the count cannot change between the two (Threads() can, while
// another goroutine runs Shares).
func ParallelChunks(n, chunks int, fn func(worker, lo, hi int)) {
	chunks = min(chunks, n)
	if chunks <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	runPooled(parallelJobs, parallelJob{fn: fn, n: n, chunks: chunks}, chunks)
}

// runPooled runs job's n chunks (runChunks) from a copy in a recycled
// heap value taken from pool, which the workers need, and gives the value
// back cleared: a call allocates nothing once the pool holds one.
func runPooled[J any, P interface {
	*J
	chunkJob
}](pool chan P, job J, n int) {
	var p P
	select {
	case p = <-pool:
	default:
		p = new(J)
	}
	*p = job
	runChunks(p, n)
	var zero J
	*p = zero
	select {
	case pool <- p:
	default:
	}
}

// parallelJob is one call of Parallel; they are recycled.
type parallelJob struct {
	fn        func(worker, lo, hi int)
	n, chunks int
}

var parallelJobs = make(chan *parallelJob, 16)

func (j *parallelJob) runChunk(w int) {
	lo, hi := ChunkRange(j.n, j.chunks, w)
	j.fn(w, lo, hi)
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

// A chunkJob is work split into numbered chunks that may run concurrently.
type chunkJob interface{ runChunk(w int) }

// runChunks runs job.runChunk(w) for w in [0, n), on the calling goroutine
// and the pool's workers, and returns when all are done.
//
// Chunks are claimed, not assigned: the caller offers the job to idle
// workers, runs chunk 0, then claims and runs whatever no worker has
// started. So a job never waits for a busy pool (nested calls cannot
// deadlock) and nothing is spawned. Which goroutine runs a chunk does not
// matter: a chunk's work depends only on w.
func runChunks(job chunkJob, n int) {
	if n == 1 {
		job.runChunk(0)
		return
	}
	startPool()
	var t *team
	select {
	case t = <-teams:
	default:
		t = &team{done: make(chan struct{}, 1)}
	}
	t.job = job
	gen := uint32(t.state.Load()>>32) + 1
	t.remaining.Store(int32(n - 1))
	t.state.Store(uint64(gen)<<32 | 1) // chunk 0 is the caller's
offer:
	for range min(n-1, poolSize) {
		select {
		case poolTokens <- poolToken{t, gen, n}:
		default:
			break offer
		}
	}
	job.runChunk(0)
	tok := poolToken{t, gen, n}
	for tok.help() {
	}
	// Wait for the chunks that workers took: spin while they are likely
	// to finish soon (parking here would hand this goroutine to the
	// worker's CPU and leave ours idle), then block.
	start := time.Now()
	for i := 1; t.remaining.Load() != 0; i++ {
		if i%64 == 0 {
			if time.Since(start) > spinWait {
				break
			}
			runtime.Gosched() // let a preempted worker finish
		}
	}
	<-t.done
	t.job = nil
	select {
	case teams <- t:
	default:
	}
}

// A team is the bookkeeping of one runChunks call. Teams are recycled; the
// generation in state tells a late worker holding a token of a finished
// call that it has nothing to do.
type team struct {
	job       chunkJob
	state     atomic.Uint64 // generation<<32 | next chunk to claim
	remaining atomic.Int32  // chunks 1.. not yet finished
	done      chan struct{} // receives once when remaining reaches 0
}

var teams = make(chan *team, 16)

// A poolToken invites a worker to help with a team's job of n chunks.
type poolToken struct {
	t   *team
	gen uint32
	n   int
}

// help claims the next chunk of the token's job and runs it. It reports
// false when there is none left (or the job is over).
func (tok poolToken) help() bool {
	t := tok.t
	if t == nil { // a wake-up for an offered Task
		return false
	}
	for {
		s := t.state.Load()
		w := int(uint32(s))
		if uint32(s>>32) != tok.gen || w >= tok.n {
			return false
		}
		if t.state.CompareAndSwap(s, s+1) {
			t.job.runChunk(w)
			if t.remaining.Add(-1) == 0 {
				t.done <- struct{}{}
			}
			return true
		}
	}
}

// The pool: one long-lived goroutine per CPU the process may use, less one
// for the caller, started on first use and fed tokens through a buffered
// channel. A job split into more chunks than that still completes: the
// caller claims what the workers do not.
//
// A worker that has just finished a chunk keeps polling for the next token
// for spinWait before it blocks. Blocking lets the operating system idle
// the CPU, and waking it again takes tens of microseconds — under a
// hypervisor, where an idle virtual CPU is descheduled, longer than a whole
// mid-sized GEMM. Training calls kernels back to back, so a short spin
// keeps the workers warm at the cost of a little CPU after the last call
// (OpenBLAS's threads do the same).
var (
	poolOnce   sync.Once
	poolSize   int
	poolTokens chan poolToken
)

// spinWait is how long an idle worker, or a caller waiting for workers,
// polls before it blocks.
var spinWait = 100 * time.Microsecond

func startPool() {
	poolOnce.Do(func() {
		poolSize = max(min(runtime.NumCPU(), runtime.GOMAXPROCS(0))-1, 1)
		poolTokens = make(chan poolToken, 4*poolSize)
		for range poolSize {
			go poolWorker()
		}
	})
}

func poolWorker() {
	for {
		parked.Add(1)
		tok := <-poolTokens
		parked.Add(-1)
		for {
			for tok.help() {
			}
			var ok bool
			if tok, ok = spinForToken(); !ok {
				break
			}
		}
	}
}

// spinForToken polls for a token for spinWait, yielding now and then so
// that it never holds up other goroutines.
func spinForToken() (poolToken, bool) {
	start := time.Now()
	for i := 1; ; i++ {
		select {
		case tok := <-poolTokens:
			return tok, true
		default:
		}
		if runOffered() {
			start = time.Now()
			continue
		}
		if i%64 == 0 {
			if time.Since(start) > spinWait {
				return poolToken{}, false
			}
			runtime.Gosched()
		}
	}
}
