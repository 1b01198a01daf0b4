package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTransCSameBits checks that a product A·Bᵀ computed transposed
// (sgemmTransC) gives C the bits of the direct product, with the bias,
// on one to three workers, and leaves C's padding alone.
func TestTransCSameBits(t *testing.T) {
	// The MLP's first two layers at batch 64 take the transposed path.
	for _, c := range []gemmCase{{64, 256, 784}, {64, 128, 256}} {
		if !transposesC(c.m, c.n, c.k) {
			t.Fatalf("%v: the MLP's layer is not computed transposed", c)
		}
	}
	// With the AVX-512 kernels a batch of 64 against 512 outputs would
	// block k = 784 by 160 one way (6×64 tiles) and by 256 the other
	// (14×32): not transposed. The portable kernel has one kc.
	if defaultKernel.short != nil && transposesC(64, 512, 784) {
		t.Fatalf("64×512 by 784 is transposed though its two products block k differently")
	}
	defer forceParallel()()
	rng := rand.New(rand.NewPCG(11, 12))
	cases := []gemmCase{{64, 256, 784}, {64, 128, 256}, {16, 40, 33}, {20, 200, 170}, {17, 96, 5}}
	for _, c := range cases {
		if !transposesC(c.m, c.n, c.k) {
			t.Fatalf("%v: not transposed", c)
		}
		o := newGemmOperands(rng, c, false, true)
		bias := make([]float32, c.n)
		for i := range bias {
			bias[i] = rng.Float32() - 0.5
		}
		for _, b := range [][]float32{bias, nil} {
			want := append([]float32(nil), o.c...)
			sgemmBlockedBias(defaultKernel.choose(c.m, c.n), 2, false, true, c.m, c.n, c.k, 0.7, o.a, o.lda, o.b, o.ldb, 0, want, o.ldc, b, false)
			for _, threads := range []int{1, 2, 3} {
				// computeTransC needs the rows of Cᵀ split, which plan
				// gives such shapes (see sgemmTransC).
				j := gemmJob{kern: defaultKernel.choose(c.n, c.m), transB: true, m: c.n, n: c.m, k: c.k}
				if j.plan(threads); j.parts > 1 && !j.splitM {
					t.Fatalf("%v on %d threads: the transposed product splits its columns", c, threads)
				}
				got := append([]float32(nil), o.c...)
				sgemmTransC(threads, c.m, c.n, c.k, 0.7, o.a, o.lda, o.b, o.ldb, got, o.ldc, b, false)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v bias %v, %d threads: C[%d, %d] = %v transposed, %v direct",
							c, b != nil, threads, i/o.ldc, i%o.ldc, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestTransCAlphaZero checks that a product with alpha 0 of transposed
// shape reads neither operand, as every Sgemm does: Inf in A gives
// zeros (and the bias), not NaN.
func TestTransCAlphaZero(t *testing.T) {
	m, n, k := 64, 256, 784
	a, b := make([]float32, m*k), make([]float32, n*k)
	a[0] = float32(math.Inf(1))
	bias := make([]float32, n)
	bias[3] = 2
	c := make([]float32, m*n)
	for i := range c {
		c[i] = float32(math.NaN())
	}
	SgemmBias(false, true, m, n, k, 0, a, k, b, k, 0, bias, c, n)
	for i, v := range c {
		if v != bias[i%n] {
			t.Fatalf("C[%d, %d] = %v with alpha 0, want %v", i/n, i%n, v, bias[i%n])
		}
	}
}

// TestTransposeInto checks the transposing copy against plain loops at
// ragged sizes and leading dimensions, and that it writes nothing else.
func TestTransposeInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var ptrs [16]*float32
	for _, rows := range []int{1, 15, 16, 17, 33, 64} {
		for _, cols := range []int{1, 5, 16, 64} {
			lds, ldd := cols+3, rows+5
			src := make([]float32, rows*lds)
			for i := range src {
				src[i] = rng.Float32()
			}
			dst := make([]float32, cols*ldd)
			for i := range dst {
				dst[i] = padSentinel
			}
			transposeInto(dst, ldd, src, lds, rows, cols, &ptrs)
			for c := 0; c < cols; c++ {
				for r := 0; r < ldd; r++ {
					want := float32(padSentinel)
					if r < rows {
						want = src[r*lds+c]
					}
					if got := dst[c*ldd+r]; got != want {
						t.Fatalf("%d×%d: dst[%d][%d] = %v, want %v", rows, cols, c, r, got, want)
					}
				}
			}
		}
	}
}

// TestChunkBufs checks that a chunk gets kept buffers while some are
// free, never buffers another holds, and that a GEMM on several workers
// gives every one back.
func TestChunkBufs(t *testing.T) {
	b0, s0 := chunkGemmBuf(0)
	if s0 < 0 || b0 != &chunkBufs[s0].buf {
		t.Fatalf("chunk 0 got slot %d", s0)
	}
	b1, s1 := chunkGemmBuf(0)
	if b1 == b0 || s1 == s0 {
		t.Fatalf("the buffers of slot %d handed out twice", s0)
	}
	releaseGemmBuf(b1, s1)
	releaseGemmBuf(b0, s0)
	defer forceParallel()()
	rng := rand.New(rand.NewPCG(15, 16))
	o := newGemmOperands(rng, gemmCase{64, 256, 200}, true, false)
	for w := range chunkBufs {
		chunkBufs[w].buf.b = nil
	}
	sgemmBlocked(defaultKernel, 3, true, false, 64, 256, 200, 1, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
	packed := 0
	for w := range chunkBufs {
		if chunkBufs[w].held.Load() {
			t.Errorf("chunkBufs[%d] still held after the product", w)
		}
		if len(chunkBufs[w].buf.b) > 0 {
			packed++
		}
	}
	if packed == 0 {
		t.Errorf("no chunk packed into kept buffers")
	}
}
