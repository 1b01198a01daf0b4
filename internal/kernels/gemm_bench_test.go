package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchShape is an SGEMM shape worth timing: op(A) is m×k, op(B) is k×n.
// bench_openblas.py times numpy+OpenBLAS on the same list; keep the two in
// step.
type benchShape struct {
	name           string
	m, n, k        int
	transA, transB bool
}

var benchShapes = []benchShape{
	{"sq64", 64, 64, 64, false, false},
	{"sq256", 256, 256, 256, false, false},
	{"sq1024", 1024, 1024, 1024, false, false},
	// MLP 784-256-128-10, batch 64, weights stored out×in as in PyTorch.
	{"mlp1_fwd", 64, 256, 784, false, true}, // X·W1ᵀ
	{"mlp1_dW", 256, 784, 64, true, false},  // dYᵀ·X
	{"mlp1_dX", 64, 784, 256, false, false}, // dY·W1
	{"mlp2_fwd", 64, 128, 256, false, true}, // H·W2ᵀ
	// The MLP's first layer at inference, batch 1000.
	{"mlp1_fwd1000", 1000, 256, 784, false, true},
	// An LSTM of 256 at batch 64: one step's h·W_hhᵀ.
	{"lstm256_step", 64, 1024, 256, false, true},
	// LeNet-5, batch 64, im2col with one row per output position.
	{"lenet_c3", 6400, 16, 150, false, false},
	{"lenet_c1", 50176, 6, 25, false, false},
	{"lenet_f5", 64, 120, 400, false, true},
	// The same convolutions one image at a time, as W·im2col(x).
	{"lenet_c3_img", 16, 100, 150, false, false},
	{"lenet_c1_img", 6, 784, 25, false, false},
}

func benchOperands(s benchShape) (a, b, c []float32, lda, ldb int) {
	rng := rand.New(rand.NewPCG(7, 8))
	a = make([]float32, s.m*s.k)
	b = make([]float32, s.k*s.n)
	c = make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range b {
		b[i] = rng.Float32()
	}
	lda, ldb = s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	return a, b, c, lda, ldb
}

// BenchmarkSgemm times Sgemm at each shape on 1 and 2 threads and reports
// GFLOP/s (2·m·n·k floating-point operations per call).
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		a, bb, c, lda, ldb := benchOperands(s)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", s.name, threads), func(b *testing.B) {
				defer SetThreads(SetThreads(threads))
				b.ReportAllocs()
				for b.Loop() {
					Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				gflops(b, 2*float64(s.m*s.n*s.k), 0)
			})
		}
	}
}

// gflops reports the GFLOP/s of b's loop by wall time and, where the
// platform can tell, by the CPU time of the benchmark's thread
// ("cpu-GFLOP/s", single-threaded benchmarks only). On a shared machine the
// second is the steadier measure of a kernel; the first is what a user
// gets.
func gflops(b *testing.B, flops float64, cpuNs int64) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpuNs > 0 {
		b.ReportMetric(flops*float64(b.N)/float64(cpuNs), "cpu-GFLOP/s")
	}
}

// loopOnThread runs b's loop on one locked OS thread and returns the CPU
// time it used (0 if unknown).
func loopOnThread(b *testing.B, fn func()) int64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0, ok := threadCPUTime()
	for b.Loop() {
		fn()
	}
	t1, _ := threadCPUTime()
	if !ok {
		return 0
	}
	return t1 - t0
}

// BenchmarkSgemmKernels times each micro-kernel this machine has on one
// thread at each shape, the portable one included. The short and narrow
// kernels are also used as the only kernel, with their own packing widths.
func BenchmarkSgemmKernels(b *testing.B) {
	for _, s := range benchShapes {
		a, bb, c, lda, ldb := benchOperands(s)
		for _, kern := range sgemmKernels {
			if kern == kernelGo && s.m*s.n*s.k > 1<<24 {
				continue
			}
			b.Run(s.name+"/"+kern.name, func(b *testing.B) {
				cpu := loopOnThread(b, func() {
					sgemmBlocked(kern, 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				})
				gflops(b, 2*float64(s.m*s.n*s.k), cpu)
			})
		}
	}
}

// BenchmarkSgemmTiny compares the plain loops of sgemmSmall with the
// blocked path on tiny products, to place smallGemmWork.
func BenchmarkSgemmTiny(b *testing.B) {
	for _, d := range [][3]int{{2, 2, 2}, {4, 4, 4}, {5, 5, 5}, {6, 6, 6}, {8, 8, 8}, {1, 64, 1}, {1, 16, 16}, {16, 16, 1}, {10, 10, 10}} {
		s := benchShape{"", d[0], d[1], d[2], false, false}
		a, bb, c, lda, ldb := benchOperands(s)
		name := fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k)
		b.Run(name+"/small", func(b *testing.B) {
			cpu := loopOnThread(b, func() {
				sgemmSmall(false, false, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			})
			gflops(b, 2*float64(s.m*s.n*s.k), cpu)
		})
		b.Run(name+"/blocked", func(b *testing.B) {
			cpu := loopOnThread(b, func() {
				sgemmBlocked(defaultKernel, 1, false, false, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			})
			gflops(b, 2*float64(s.m*s.n*s.k), cpu)
		})
	}
}

// BenchmarkSgemmSplit times products around parallelGemmWork on one and
// two workers (forcing the split), to place the threshold. It needs a
// quiet machine: waking the second worker is what it measures.
func BenchmarkSgemmSplit(b *testing.B) {
	for _, d := range [][3]int{{32, 32, 32}, {48, 48, 48}, {64, 64, 64}, {80, 80, 80}, {96, 96, 96}, {128, 128, 128}, {64, 128, 64}, {64, 64, 256}} {
		s := benchShape{"", d[0], d[1], d[2], false, true}
		a, bb, c, lda, ldb := benchOperands(s)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d/t%d", s.m, s.n, s.k, threads), func(b *testing.B) {
				defer forceParallel()()
				for b.Loop() {
					sgemmBlocked(defaultKernel.choose(s.m, s.n), threads, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				gflops(b, 2*float64(s.m*s.n*s.k), 0)
			})
		}
	}
}
