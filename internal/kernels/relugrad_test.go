package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmBiasReLUSameBits checks that SgemmBiasReLU gives C the bits
// of SgemmBias followed by ReLU on every row, through each of the
// GEMM's paths (plain loops, transposed, blocked with either operand
// transposed), with and without a bias, beta 0 and 1, on one to three
// workers, and leaves C's padding alone.
func TestSgemmBiasReLUSameBits(t *testing.T) {
	defer forceParallel()()
	rng := rand.New(rand.NewPCG(21, 22))
	cases := []struct {
		c              gemmCase
		transA, transB bool
		alpha, beta    float32
	}{
		{gemmCase{3, 4, 5}, false, true, 1, 0},      // plain loops
		{gemmCase{64, 256, 784}, false, true, 1, 0}, // the MLP's first layer: transposed
		{gemmCase{64, 128, 256}, false, true, 0.7, 0},
		{gemmCase{20, 200, 170}, false, true, 1, 0},
		{gemmCase{40, 30, 70}, false, true, 1, 1}, // beta 1: blocked
		{gemmCase{37, 50, 64}, true, false, 1, 0},
		{gemmCase{64, 10, 128}, false, true, 1, 0},
		{gemmCase{9, 33, 17}, false, false, -1, 0},
		{gemmCase{6, 20, 0}, false, true, 1, 0.5}, // no depth: C scaled, bias, ReLU
	}
	for _, tc := range cases {
		c := tc.c
		o := newGemmOperands(rng, c, tc.transA, tc.transB)
		bias := make([]float32, c.n)
		for i := range bias {
			bias[i] = float32(rng.NormFloat64())
		}
		for _, b := range [][]float32{bias, nil} {
			for _, threads := range []int{1, 2, 3} {
				what := fmt.Sprintf("%v transA %v transB %v beta %v bias %v, %d threads", c, tc.transA, tc.transB, tc.beta, b != nil, threads)
				old := SetThreads(threads)
				want := append([]float32(nil), o.c...)
				if b != nil {
					SgemmBias(tc.transA, tc.transB, c.m, c.n, c.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, b, want, o.ldc)
				} else {
					Sgemm(tc.transA, tc.transB, c.m, c.n, c.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, want, o.ldc)
				}
				for i := range c.m {
					row := want[i*o.ldc : i*o.ldc+c.n]
					ReLU(row, row)
				}
				got := append([]float32(nil), o.c...)
				SgemmBiasReLU(tc.transA, tc.transB, c.m, c.n, c.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, b, got, o.ldc)
				SetThreads(old)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: C[%d, %d] = %v, SgemmBias then ReLU gives %v", what, i/o.ldc, i%o.ldc, got[i], want[i])
					}
				}
				zeros, positive := 0, 0
				for i := range c.m {
					for _, v := range got[i*o.ldc : i*o.ldc+c.n] {
						if v == 0 {
							zeros++
						} else if v > 0 {
							positive++
						} else {
							t.Fatalf("%s: C holds %v after the ReLU", what, v)
						}
					}
				}
				if zeros == 0 || positive == 0 {
					t.Fatalf("%s: C has %d zeros and %d positive numbers: the case does not test the ReLU", what, zeros, positive)
				}
			}
		}
	}
	mustPanicK(t, "a short bias", func() {
		SgemmBiasReLU(false, true, 2, 3, 4, 1, make([]float32, 8), 4, make([]float32, 12), 4, 0, make([]float32, 2), make([]float32, 6), 3)
	})
}

// TestReLUGradBias checks ReLUGradBias against ReLUGradSet and a sum of
// the rows added one at a time, to the bit, with outputs that are
// positive, zero, -0, negative and NaN, gradients of every sign and
// -0, with a bias gradient that starts from numbers or is left out, on
// the assembly and the Go twins.
func TestReLUGradBias(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), 1e-40, -1e-40}
		for _, shape := range [][2]int{{1, 1}, {3, 17}, {64, 256}, {5, 33}, {0, 4}} {
			rows, cols := shape[0], shape[1]
			n := rows * cols
			g, y := make([]float32, n), make([]float32, n)
			for i := range n {
				g[i], y[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
				if i%7 == 0 {
					y[i] = special[i%len(special)]
				}
				if i%11 == 0 {
					g[i] = special[(i/11)%2]
				}
			}
			for _, withBias := range []bool{true, false} {
				var gb, wantB []float32
				if withBias {
					gb = make([]float32, cols)
					for j := range gb {
						gb[j] = float32(rng.NormFloat64())
					}
					wantB = append([]float32(nil), gb...)
				}
				want := make([]float32, n)
				ReLUGradSet(want, g, y)
				for i := 0; withBias && i < rows; i++ {
					for j := range cols {
						wantB[j] += want[i*cols+j]
					}
				}
				got := make([]float32, n+1)
				got[n] = 42 // past the end: left alone
				ReLUGradBias(got[:n], g, y, rows, cols, gb)
				for i := range n {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%d×%d: gx[%d] = %v, want %v (g %v, y %v)", rows, cols, i, got[i], want[i], g[i], y[i])
					}
				}
				if got[n] != 42 {
					t.Fatalf("%d×%d: wrote past the end", rows, cols)
				}
				for j := range gb {
					if math.Float32bits(gb[j]) != math.Float32bits(wantB[j]) {
						t.Fatalf("%d×%d: gb[%d] = %v, want %v", rows, cols, j, gb[j], wantB[j])
					}
				}
			}
		}
	})
	mustPanicK(t, "a short y", func() { ReLUGradBias(make([]float32, 6), make([]float32, 6), make([]float32, 5), 2, 3, nil) })
	mustPanicK(t, "a short bias gradient", func() {
		ReLUGradBias(make([]float32, 6), make([]float32, 6), make([]float32, 6), 2, 3, make([]float32, 2))
	})
}

func mustPanicK(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	fn()
}
