package kernels

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// taskCounts is a task's work for the tests: item i adds one to runs[i]
// and notes whether it ran on the goroutine that waits.
type taskCounts struct {
	runs   []atomic.Int32
	waiter atomic.Int64 // the items run inside Wait (set by the test)
	inWait atomic.Bool
	spin   time.Duration
}

func (c *taskCounts) item(i int) {
	if c.spin > 0 {
		for t0 := time.Now(); time.Since(t0) < c.spin; {
		}
	}
	if c.inWait.Load() {
		c.waiter.Add(1)
	}
	c.runs[i].Add(1)
}

// check reports an item that did not run exactly once, and clears the
// counts.
func (c *taskCounts) check(t *testing.T, what string) {
	t.Helper()
	for i := range c.runs {
		if n := c.runs[i].Swap(0); n != 1 {
			t.Fatalf("%s: item %d ran %d times", what, i, n)
		}
	}
}

// TestTask checks that every item of a task runs exactly once, that
// Wait returns only when all have, that the pool's idle workers take
// items while the starting goroutine is busy, and that a task is
// reused, started again after Wait, many times over, with one thread
// and with more, while other goroutines run kernels' jobs.
func TestTask(t *testing.T) {
	for _, threads := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			defer SetThreads(SetThreads(threads))
			c := &taskCounts{runs: make([]atomic.Int32, 37)}
			var task Task
			fn := c.item
			task.Wait() // a task never started has nothing to wait for
			for round := range 300 {
				n := round % len(c.runs)
				task.Start(n, fn)
				if round%3 == 0 {
					// Work of the caller's own meanwhile, as a training
					// step is: a parallel product.
					a := make([]float32, 64*64)
					Sgemm(false, false, 64, 64, 64, 1, a, 64, a, 64, 0, make([]float32, 64*64), 64)
				}
				task.Wait()
				for i := n; i < len(c.runs); i++ {
					if c.runs[i].Load() != 0 {
						t.Fatalf("round %d: item %d of %d ran", round, i, n)
					}
				}
				for i := range n {
					if got := c.runs[i].Swap(0); got != 1 {
						t.Fatalf("round %d: item %d of %d ran %d times", round, i, n, got)
					}
				}
			}
		})
	}
}

// TestTaskWorkersTakeItems checks that the workers, not only Wait, run a
// task's items: with two threads and a caller that waits long enough,
// the idle worker runs them all; with one thread no worker may.
func TestTaskWorkersTakeItems(t *testing.T) {
	c := &taskCounts{runs: make([]atomic.Int32, 20), spin: 20 * time.Microsecond}
	var task Task
	defer SetThreads(SetThreads(2))
	// Wake the pool and let a worker park, as it does when nothing runs
	// for a while: Start must wake it.
	Parallel(100, 1, func(int, int, int) {})
	time.Sleep(5 * time.Millisecond)
	ok := false
	for try := 0; try < 20 && !ok; try++ {
		task.Start(len(c.runs), c.item)
		time.Sleep(20 * time.Millisecond) // 20 items of 20 µs: long done by a worker
		c.inWait.Store(true)
		task.Wait()
		c.inWait.Store(false)
		c.check(t, "two threads")
		ok = c.waiter.Swap(0) == 0
	}
	if !ok {
		t.Errorf("in 20 tries, Wait always ran items that an idle worker had 20 ms to run")
	}

	SetThreads(1)
	task.Start(len(c.runs), c.item)
	time.Sleep(2 * time.Millisecond)
	for i := range c.runs {
		if c.runs[i].Load() != 0 {
			t.Fatalf("one thread: item %d ran before Wait", i)
		}
	}
	c.inWait.Store(true)
	task.Wait()
	c.inWait.Store(false)
	c.check(t, "one thread")
	if got := c.waiter.Swap(0); got != int64(len(c.runs)) {
		t.Errorf("one thread: Wait ran %d items of %d", got, len(c.runs))
	}
}

// TestTaskSecondWhileOut checks that a task started while another is
// offered runs wholly in its Wait, and that tasks started on several
// goroutines at once each run every item once.
func TestTaskSecondWhileOut(t *testing.T) {
	defer SetThreads(SetThreads(2))
	first := &taskCounts{runs: make([]atomic.Int32, 5), spin: 2 * time.Millisecond}
	second := &taskCounts{runs: make([]atomic.Int32, 7)}
	var t1, t2 Task
	t1.Start(len(first.runs), first.item)
	t2.Start(len(second.runs), second.item)
	second.inWait.Store(true)
	t2.Wait()
	if got := second.waiter.Load(); got != int64(len(second.runs)) {
		t.Errorf("the second task: Wait ran %d items of %d", got, len(second.runs))
	}
	second.check(t, "second task")
	t1.Wait()
	first.check(t, "first task")

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &taskCounts{runs: make([]atomic.Int32, 11+g)}
			var task Task
			for range 200 {
				task.Start(len(c.runs), c.item)
				task.Wait()
				for i := range c.runs {
					if n := c.runs[i].Swap(0); n != 1 {
						t.Errorf("goroutine %d: item %d ran %d times", g, i, n)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestTaskAllocs checks that starting and waiting for a warm task
// allocates nothing.
func TestTaskAllocs(t *testing.T) {
	defer SetThreads(SetThreads(2))
	c := &taskCounts{runs: make([]atomic.Int32, 16)}
	fn := c.item
	var task Task
	if n := testing.AllocsPerRun(100, func() {
		task.Start(len(c.runs), fn)
		task.Wait()
	}); n != 0 {
		t.Errorf("a warm task allocates %v times", n)
	}
}
