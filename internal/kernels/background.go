package kernels

import (
	"runtime"
	"sync/atomic"
)

// A Task is work of independent items that the pool's idle workers take
// on one item at a time, between the kernels' jobs, while the goroutine
// that started it goes on with its own work: a training loop preparing
// its next batch while the current one trains. A worker polls for the
// kernels' next job between items, so an item should take a few
// microseconds at most. Wait runs on the caller every item no worker has
// started and returns when all are done; which goroutine ran an item
// does not matter, so an item's work must depend only on its index.
//
// The zero Task is ready to Start; a Task is reused by starting it again
// after Wait. One Task at a time is offered to the workers: one started
// while another is out runs wholly in Wait, on the caller.
type Task struct {
	fn func(i int) // written by Start, read after a claim of its generation
	n  atomic.Int32
	// state is generation<<32 | items claimed: a worker's claim holds
	// only in the generation it saw, so a worker late from an earlier
	// Start claims nothing of a later one.
	state atomic.Uint64
	done  atomic.Int32 // items finished
}

// offered is the Task the workers take items from, or nil.
var offered atomic.Pointer[Task]

// parked counts the pool's workers blocked for want of a job.
var parked atomic.Int32

// Start offers the n items fn(0), …, fn(n-1) to the pool's idle workers
// and returns at once. With one thread (Threads() == 1), or another Task
// out, nothing is offered and Wait runs every item. fn should be a value
// made once (a method value), so that a Start allocates nothing.
func (t *Task) Start(n int, fn func(i int)) {
	if n < 0 || n > 1<<31-1 {
		panic("kernels: a task of a negative or too large count")
	}
	t.fn = fn
	t.n.Store(int32(n))
	t.done.Store(0)
	gen := uint32(t.state.Load()>>32) + 1
	t.state.Store(uint64(gen) << 32)
	if n == 0 || Threads() < 2 || !offered.CompareAndSwap(nil, t) {
		return
	}
	startPool()
	if parked.Load() > 0 {
		// Wake a worker blocked on the job channel; a token of no team
		// asks for nothing else (poolToken.help).
		select {
		case poolTokens <- poolToken{}:
		default:
		}
	}
}

// Wait runs the items no worker has claimed, on the calling goroutine,
// waits for the ones workers are running, withdraws the task, and
// returns when every item is done.
func (t *Task) Wait() {
	for t.runOne(false) {
	}
	for i := 1; t.done.Load() != t.n.Load(); i++ {
		if i%64 == 0 {
			runtime.Gosched() // let a preempted worker finish its item
		}
	}
	offered.CompareAndSwap(t, nil)
	t.fn = nil
}

// runOne claims the task's next item and runs it. It reports false when
// every item is claimed. A worker (offer set) also needs the task to be
// offered: it may hold a task that has since been waited for and is
// being started again, whose count Start may have stored before the
// generation; a claim on the old generation's state then stops at the
// offer (Start publishes it after the rest), or fails its
// compare-and-swap if Start stored the new state meanwhile.
func (t *Task) runOne(offer bool) bool {
	for {
		s := t.state.Load()
		if int32(uint32(s)) >= t.n.Load() || (offer && offered.Load() != t) {
			return false
		}
		if t.state.CompareAndSwap(s, s+1) {
			t.fn(int(uint32(s)))
			t.done.Add(1)
			return true
		}
	}
}

// runOffered runs one item of the offered task, if any, and reports
// whether it did: what an idle worker does between its polls for a job.
func runOffered() bool {
	t := offered.Load()
	if t == nil {
		return false
	}
	return t.runOne(true)
}
