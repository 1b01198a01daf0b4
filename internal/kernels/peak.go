package kernels

import (
	"runtime"
	"sync"
	"time"
)

// Peak is a measured ceiling on this machine's single-precision
// arithmetic: what a loop of independent fused multiply-adds on full-width
// vector registers does on every worker at once, with no memory traffic.
// No real kernel reaches it; a kernel's share of it says how close to the
// machine's limit that kernel runs.
type Peak struct {
	// ISA names the instructions timed: "avx512" (16 lanes) or "avx2"
	// (8 lanes); empty when this build has no FMA loop (another
	// architecture, or the purego or noasm tags).
	ISA     string
	Threads int
	// FLOPS counts floating-point operations per second on all threads
	// together, a multiply-add counting as two.
	FLOPS float64
}

// fmaChunk is the number of loop iterations between two looks at the
// clock: about a millisecond of work.
const fmaChunk = 1 << 18

// MeasurePeak times the FMA loop on threads goroutines, each locked to an
// OS thread, for about d after a short warm-up (which lets the cores reach
// their working clock), and keeps the best of three such rounds. It
// returns a zero Peak with an empty ISA when this build has no FMA loop.
func MeasurePeak(threads int, d time.Duration) Peak {
	isa, flopsPerIter := fmaLoopKind()
	if isa == "" || threads < 1 {
		return Peak{}
	}
	round := func(d time.Duration) float64 {
		var wg sync.WaitGroup
		iters := make([]int64, threads)
		start := time.Now()
		deadline := start.Add(d)
		for t := range threads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				for time.Now().Before(deadline) {
					fmaLoop(fmaChunk)
					iters[t] += fmaChunk
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start).Seconds()
		var total int64
		for _, n := range iters {
			total += n
		}
		return float64(total) * flopsPerIter / elapsed
	}
	round(d / 2)
	best := 0.0
	for range 3 {
		best = max(best, round(d))
	}
	return Peak{ISA: isa, Threads: threads, FLOPS: best}
}
