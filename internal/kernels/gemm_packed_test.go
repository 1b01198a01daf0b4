package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSgemmPackedSerial checks the product with a packed B three ways:
// bit for bit against SgemmSerial on the same operands (when Pack's m
// chooses the same micro-kernel), against the reference for a left
// operand of another height, and for a B changed after packing.
func TestSgemmPackedSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var p PackedB // one PackedB for every case: Pack must reuse it cleanly
	for _, c := range append(gemmCases(testing.Short()), gemmCase{32, 512, 128}, gemmCase{32, 128, 512}, gemmCase{500, 512, 128}) {
		for _, transB := range []bool{false, true} {
			o := newGemmOperands(rng, c, false, transB)
			for _, s := range []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {-1.5, 0.5}} {
				name := fmt.Sprintf("%dx%dx%d tB=%v alpha=%v beta=%v", c.m, c.n, c.k, transB, s.alpha, s.beta)
				p.Pack(transB, c.n, c.k, o.b, o.ldb, c.m)
				got := slices.Clone(o.c)
				SgemmPackedSerial(c.m, s.alpha, o.a, o.lda, &p, s.beta, got, o.ldc)
				if c.m*c.n*c.k >= smallGemmWork {
					want := slices.Clone(o.c)
					SgemmSerial(false, transB, c.m, c.n, c.k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, want, o.ldc)
					if !slices.Equal(got, want) {
						t.Errorf("%s: packed B differs from SgemmSerial", name)
					}
				}
				want := slices.Clone(o.c)
				sgemmRef(false, transB, c.m, c.n, c.k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, want, o.ldc)
				bound := absBound(false, transB, c.m, c.n, c.k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, o.c, o.ldc)
				checkGemmResult(t, name, c.m, c.n, c.k, o.ldc, got, want, bound)

				// Packed for 300 rows (another micro-kernel on AVX-512),
				// used for the first rows only.
				rows := (c.m + 1) / 2
				p.Pack(transB, c.n, c.k, o.b, o.ldb, 300)
				got = slices.Clone(o.c)
				SgemmPackedSerial(rows, s.alpha, o.a, o.lda, &p, s.beta, got, o.ldc)
				checkGemmResult(t, name+" packed for 300 rows", rows, c.n, c.k, o.ldc, got, want, bound)
				for i := rows * o.ldc; i < len(got); i++ {
					if got[i] != o.c[i] {
						t.Fatalf("%s: row %d past m changed", name, i/o.ldc)
					}
				}
			}
			// B changed after packing: the product uses the packed copy.
			p.Pack(transB, c.n, c.k, o.b, o.ldb, c.m)
			want := slices.Clone(o.c)
			sgemmRef(false, transB, c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, 0, want, o.ldc)
			bound := absBound(false, transB, c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
			for i := range o.b {
				if o.b[i] != padSentinel {
					o.b[i] = 7
				}
			}
			got := slices.Clone(o.c)
			SgemmPackedSerial(c.m, 1, o.a, o.lda, &p, 0, got, o.ldc)
			checkGemmResult(t, fmt.Sprintf("%dx%dx%d tB=%v, B changed after Pack", c.m, c.n, c.k, transB), c.m, c.n, c.k, o.ldc, got, want, bound)
		}
	}
}

func TestSgemmPackedSerialAllocs(t *testing.T) {
	a := make([]float32, 32*128)
	b := make([]float32, 512*128)
	c := make([]float32, 32*512)
	var p PackedB
	p.Pack(true, 512, 128, b, 128, 32)
	SgemmPackedSerial(32, 1, a, 128, &p, 0, c, 512)
	if n := testing.AllocsPerRun(20, func() {
		p.Pack(true, 512, 128, b, 128, 32)
		SgemmPackedSerial(32, 1, a, 128, &p, 1, c, 512)
	}); n != 0 {
		t.Errorf("a warm Pack and product allocate %v times, want 0", n)
	}
}

func TestSgemmPackedSerialUnpacked(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SgemmPackedSerial with a zero PackedB did not panic")
		}
	}()
	SgemmPackedSerial(1, 1, []float32{1}, 1, new(PackedB), 0, []float32{0}, 1)
}

// TestSgemmBias checks the bias added as tiles finish against Sgemm's
// result with the bias added afterwards, bit for bit, for every
// micro-kernel on 1 and 2 workers, with several depth blocks and ragged
// tiles, and for the small-problem path.
func TestSgemmBias(t *testing.T) {
	defer forceParallel()()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range append(gemmCases(true), gemmCase{64, 256, 784}, gemmCase{29, 45, 300}, gemmCase{2, 3, 4}) {
		for _, tr := range [][2]bool{{false, true}, {false, false}, {true, false}} {
			o := newGemmOperands(rng, c, tr[0], tr[1])
			bias := randF32(rng, c.n)
			for _, beta := range []float32{0, 1} {
				want := slices.Clone(o.c)
				sgemmBlocked(defaultKernel.choose(c.m, c.n), 1, tr[0], tr[1], c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, beta, want, o.ldc)
				if c.m*c.n*c.k < smallGemmWork {
					want = slices.Clone(o.c)
					sgemmSmall(tr[0], tr[1], c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, beta, want, o.ldc)
				}
				for i := 0; i < c.m; i++ {
					for j := 0; j < c.n; j++ {
						want[i*o.ldc+j] += bias[j]
					}
				}
				name := fmt.Sprintf("%dx%dx%d tA=%v tB=%v beta=%v", c.m, c.n, c.k, tr[0], tr[1], beta)
				got := slices.Clone(o.c)
				SgemmBias(tr[0], tr[1], c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, beta, bias, got, o.ldc)
				if !slices.Equal(got, want) {
					t.Errorf("%s: SgemmBias differs from Sgemm and then the bias", name)
				}
				if c.m*c.n*c.k < smallGemmWork {
					continue
				}
				for _, kern := range sgemmKernels {
					want := slices.Clone(o.c)
					sgemmBlocked(kern, 2, tr[0], tr[1], c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, beta, want, o.ldc)
					biasReLURows(want, c.m, c.n, o.ldc, bias, false)
					for _, threads := range []int{1, 2} {
						got := slices.Clone(o.c)
						sgemmBlockedBias(kern, threads, tr[0], tr[1], c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, beta, got, o.ldc, bias, false)
						if !slices.Equal(got, want) {
							t.Errorf("%s %s t%d: bias in the tiles differs from a pass after", name, kern.name, threads)
						}
					}
				}
			}
		}
	}
}

// TestSgemmPackedBias checks the parallel product with a packed B and a
// bias against SgemmBias on the unpacked operands, bit for bit when the
// packing fits the rows (on 1, 2 and 3 workers), and against the
// reference when it does not.
func TestSgemmPackedBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := append(gemmCases(testing.Short()), gemmCase{1000, 256, 784}, gemmCase{1000, 10, 128}, gemmCase{64, 128, 256}, gemmCase{70, 1100, 50}) // the last packs A
	for _, threads := range []int{1, 2, 3} {
		old := SetThreads(threads)
		for _, c := range cases {
			if c.m*c.n*c.k < smallGemmWork {
				continue // SgemmBias's plain loops; callers do not pack these
			}
			o := newGemmOperands(rng, c, false, true)
			bias := randF32(rng, c.n)
			var p PackedB
			p.Pack(true, c.n, c.k, o.b, o.ldb, c.m)
			if !p.Fits(c.m) {
				t.Fatalf("%v: packed for its own rows but does not fit them", c)
			}
			got, want := slices.Clone(o.c), slices.Clone(o.c)
			SgemmPackedBias(c.m, o.a, o.lda, &p, bias, false, got, o.ldc)
			SgemmBias(false, true, c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, 0, bias, want, o.ldc)
			if !slices.Equal(got, want) {
				t.Fatalf("%d threads %v: SgemmPackedBias differs from SgemmBias", threads, c)
			}
			// With ReLU: SgemmBias then ReLU, row by row.
			got = slices.Clone(o.c)
			SgemmPackedBias(c.m, o.a, o.lda, &p, bias, true, got, o.ldc)
			for i := 0; i < c.m; i++ {
				ReLU(want[i*o.ldc:i*o.ldc+c.n], want[i*o.ldc:i*o.ldc+c.n])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%d threads %v: SgemmPackedBias with ReLU differs from SgemmBias and ReLU", threads, c)
			}
			if threads > 1 || c.m*c.n*c.k > 1<<22 {
				continue // the reference below is slow; once, on the smaller cases
			}
			// Packed for another height: another kernel on AVX-512, the
			// same product within rounding.
			other := 1
			if c.m <= 256 {
				other = 4096
			}
			p.Pack(true, c.n, c.k, o.b, o.ldb, other)
			got = slices.Clone(o.c)
			SgemmPackedBias(c.m, o.a, o.lda, &p, bias, false, got, o.ldc)
			ref := slices.Clone(o.c)
			sgemmRef(false, true, c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, 0, ref, o.ldc)
			for i := 0; i < c.m; i++ {
				for j := 0; j < c.n; j++ {
					ref[i*o.ldc+j] += bias[j]
				}
			}
			bound := absBound(false, true, c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, 0, o.c, o.ldc)
			for i := range bound {
				bound[i] += 1e-6
			}
			checkGemmResult(t, fmt.Sprintf("%d threads %v packed for %d rows", threads, c, other), c.m, c.n, c.k, o.ldc, got, ref, bound)
		}
		SetThreads(old)
	}
}
