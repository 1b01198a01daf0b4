package kernels

import (
	"fmt"
	"math/rand/v2"
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
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSgemmKernels times each micro-kernel this machine has, on one
// thread, including the portable one, and the small-problem loops.
func BenchmarkSgemmKernels(b *testing.B) {
	for _, s := range benchShapes {
		if s.m*s.n*s.k > 1<<28 {
			continue
		}
		a, bb, c, lda, ldb := benchOperands(s)
		for _, kern := range sgemmKernels {
			b.Run(s.name+"/"+kern.name, func(b *testing.B) {
				for b.Loop() {
					sgemmBlocked(kern, 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
