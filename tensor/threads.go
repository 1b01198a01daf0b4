package tensor

import (
	"time"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// SetThreads sets how many workers the parallel kernels behind tensor
// operations (matrix products, convolutions, pooling, element-wise work on
// large tensors) may use. n < 1 means runtime.GOMAXPROCS(0). It returns the
// previous setting. Results are reproducible bit for bit for a given
// thread count.
func SetThreads(n int) int { return kernels.SetThreads(n) }

// Threads reports how many workers the parallel kernels use: the value
// given to SetThreads, or runtime.GOMAXPROCS(0) when it was never called.
func Threads() int { return kernels.Threads() }

// SameBitsRows reports whether a matrix product of part rows gives each
// of its rows the bits a product of whole rows, with the same other
// operands, gives it. The GEMM picks its micro-kernel by the number of
// rows, and kernels of different families sum a dot product in different
// blocks of its depth; a caller that splits a batch into shares, and
// promises the whole batch's bits, keeps to shares for which this holds.
func SameBitsRows(whole, part int) bool { return kernels.SameBitsRows(whole, part) }

// Peak is the machine's measured ceiling on single-precision arithmetic
// (see MeasurePeak).
type Peak = kernels.Peak

// MeasurePeak times a loop of independent fused multiply-adds on the
// widest vector registers the CPU has (AVX-512, else AVX2) on threads
// workers at once, for about d per round, and returns the best rate of
// three rounds: a ceiling no kernel reaches, against which a kernel's
// FLOP/s show how close to the machine's limit it runs. Builds without
// assembly return a zero Peak: the ceiling is not guessed.
func MeasurePeak(threads int, d time.Duration) Peak { return kernels.MeasurePeak(threads, d) }

// Parallel runs fn over [0, n), cut into chunks of at least grain, on the
// workers that tensor operations use (Threads of them), and returns when
// every chunk is done; fn gets its worker's index and its range. Loops
// outside tensor that run beside training (preparing a batch's examples,
// say) use it to share that pool rather than compete with it.
func Parallel(n, grain int, fn func(worker, lo, hi int)) { kernels.Parallel(n, grain, fn) }

// Shares runs fn(k, k, k+1) for every share k in [0, n) at once, one
// goroutine each, and returns when all are done. Meanwhile Threads()
// reports 1: the tensor operations each share calls run on its own
// goroutine, unsplit. Data-parallel training in one process uses it to
// run each share of a batch as one whole pass (see package train).
// Calls must not nest; fn should be a value made once, so that a call
// allocates nothing.
func Shares(n int, fn func(k, lo, hi int)) { kernels.Shares(n, fn) }

// A Task is work of independent items that the idle workers of the
// tensor operations take on one at a time, between the operations' own
// jobs, while the goroutine that started it goes on: a training loop
// preparing its next batch while the current one trains. Wait runs on
// the caller the items no worker has started and returns when all are
// done. Which goroutine runs an item must not matter: an item's work
// may depend only on its index, and items may run at once. With one
// thread (Threads() == 1), or another Task out, Wait runs every item.
// The zero Task is ready; start it again after Wait to reuse it.
type Task struct{ t kernels.Task }

// Start offers the items fn(0), …, fn(n-1) to the idle workers and
// returns at once. Each should take a few microseconds at most: a
// worker looks for the next operation's job between items. fn should be
// a value made once (a method value), so that a call allocates nothing.
func (t *Task) Start(n int, fn func(i int)) { t.t.Start(n, fn) }

// Wait runs the items no worker has started and returns when every item
// is done.
func (t *Task) Wait() { t.t.Wait() }
