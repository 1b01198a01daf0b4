package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// forEachImpl runs f as a subtest for each implementation of the
// AVX-512-or-Go kernels: "go", the Go twins, and "avx512", the assembly.
// In builds without assembly "avx512" runs the Go stand-ins of
// stubs_noasm.go; on an amd64 CPU without AVX-512 it is skipped.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := useAVX512
	for _, impl := range []struct {
		name string
		avx  bool
	}{{"go", false}, {"avx512", true}} {
		t.Run(impl.name, func(t *testing.T) {
			if impl.avx && asmKernels && !saved {
				t.Skip("this CPU has no AVX-512")
			}
			useAVX512 = impl.avx
			defer func() { useAVX512 = saved }()
			f(t)
		})
	}
}

// needAVX512 skips t unless the AVX-512 routines can run: as assembly on
// a CPU with AVX-512, or as the Go stand-ins of a build without assembly.
func needAVX512(t *testing.T) {
	t.Helper()
	if asmKernels && !useAVX512 {
		t.Skip("this CPU has no AVX-512")
	}
}

func randF32(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestSumTwinsAgreeExactly checks that sumAVX512 and sumGo add in the same
// order, so that SumF32 gives the same bits on every machine.
func TestSumTwinsAgreeExactly(t *testing.T) {
	needAVX512(t)
	rng := rand.New(rand.NewPCG(8, 8))
	for _, n := range []int{1, 5, 15, 16, 17, 31, 63, 64, 65, 79, 80, 127, 128, 129, 1000, 4099} {
		x := randF32(rng, n)
		for i := range x {
			x[i] *= float32(math.Pow(10, float64(i%7-3))) // magnitudes that make order matter
		}
		if got, want := sumAVX512(&x[0], n), sumGo(x); math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("n=%d: sumAVX512 = %v, sumGo = %v", n, got, want)
		}
	}
}

// TestRowTwinsAgree checks the strided row copy and the col2im row sum of
// the assembly against their Go twins, with guard values around dst.
func TestRowTwinsAgree(t *testing.T) {
	needAVX512(t)
	rng := rand.New(rand.NewPCG(9, 9))
	// Packed rows from strided ones (im2col), strided rows from packed
	// ones (padding), and strided to strided, with guard values after dst.
	for _, c := range []struct{ rows, n, dstStride, srcStride int }{
		{1, 1, 1, 1}, {3, 15, 15, 20}, {4, 16, 16, 16}, {5, 17, 17, 40}, {2, 33, 33, 33}, {7, 28, 28, 32},
		{3, 15, 20, 15}, {5, 17, 40, 17}, {7, 28, 30, 28}, {4, 9, 11, 13}, {0, 5, 7, 5},
	} {
		src := randF32(rng, max(0, (c.rows-1)*c.srcStride+c.n))
		size := max(0, (c.rows-1)*c.dstStride+c.n) + 8
		got, want := randF32(rng, size), make([]float32, size)
		copy(want, got)
		if c.rows > 0 {
			copyRowsAVX512(&got[0], &src[0], c.rows, c.n, c.dstStride, c.srcStride)
		}
		copyRows(want, src, c.rows, c.n, c.dstStride, c.srcStride)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("copyRows %+v: [%d] = %v, want %v", c, i, got[i], want[i])
			}
		}
	}
	for _, c := range []struct{ k, n int }{{1, 1}, {1, 16}, {3, 14}, {5, 28}, {5, 10}, {2, 31}, {4, 40}} {
		w, stride := c.n+c.k-1, c.n+3
		col := randF32(rng, (c.k-1)*stride+c.n)
		got := randF32(rng, w+16)
		want := append([]float32(nil), got...)
		col2imRowAVX512(&got[0], &col[0], c.k, c.n, w, stride)
		col2imRow(want[:w], col, c.k, c.n, stride)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("col2imRow %+v: [%d] = %v, want %v", c, i, got[i], want[i])
			}
		}
	}
}

// TestBiasReLUTileTwins checks the tile epilogue of the GEMM (bias, then
// ReLU) in assembly against its Go twin, and both against Add then ReLU
// row by row, for every combination of bias and ReLU, on tiles of 1 to 70
// columns with NaN, infinities and signed zeros among the numbers, and
// guard values around each row.
func TestBiasReLUTileTwins(t *testing.T) {
	needAVX512(t)
	rng := rand.New(rand.NewPCG(4, 4))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, -1e-40}
	for _, cols := range []int{1, 5, 15, 16, 17, 31, 32, 33, 48, 64, 70} {
		for _, rows := range []int{1, 6, 14} {
			ldc := cols + 3
			c := randF32(rng, rows*ldc)
			for i := range c {
				if rng.IntN(5) == 0 {
					c[i] = special[rng.IntN(len(special))]
				}
			}
			bias := randF32(rng, cols)
			bias[0] = special[rng.IntN(len(special))]
			for _, withBias := range []bool{false, true} {
				for _, relu := range []bool{false, true} {
					var b []float32
					var bp *float32
					if withBias {
						b, bp = bias, &bias[0]
					}
					got, twin, want := slices.Clone(c), slices.Clone(c), slices.Clone(c)
					biasReLUTileAVX512(&got[0], ldc, rows, cols, bp, relu)
					biasReLUTileGo(twin, ldc, rows, cols, b, relu)
					for i := 0; i < rows; i++ {
						row := want[i*ldc : i*ldc+cols]
						if withBias {
							addAVX512(&row[0], &row[0], &bias[0], cols)
						}
						if relu {
							reluAVX512(&row[0], &row[0], cols)
						}
					}
					for i := range c {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("cols %d rows %d bias %v relu %v: [%d] = %v, Add then ReLU give %v (from %v)", cols, rows, withBias, relu, i, got[i], want[i], c[i])
						}
						if math.Float32bits(got[i]) != math.Float32bits(twin[i]) && !(got[i] != got[i] && twin[i] != twin[i]) {
							t.Fatalf("cols %d rows %d bias %v relu %v: [%d] = %v, the Go twin gives %v (from %v)", cols, rows, withBias, relu, i, got[i], twin[i], c[i])
						}
					}
				}
			}
		}
	}
}
