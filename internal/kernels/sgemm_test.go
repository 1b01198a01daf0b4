package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gemmCase is one SGEMM problem: op(A) is m×k, op(B) is k×n.
type gemmCase struct{ m, n, k int }

func gemmCases(short bool) []gemmCase {
	var cs []gemmCase
	for _, s := range []int{1, 2, 3, 5, 7, 17, 31, 33, 64, 65, 255, 257} {
		if short && s > 65 {
			continue
		}
		cs = append(cs, gemmCase{s, s, s})
	}
	cs = append(cs,
		gemmCase{6400, 16, 150}, // LeNet C3 im2col
		gemmCase{1, 1000, 784},  // one sample through a wide layer
		gemmCase{64, 256, 784},  // MLP layer 1
		gemmCase{29, 45, 300},   // k across two blocks, ragged tiles
		gemmCase{15, 17, 13},    // one past a tile in every direction
		gemmCase{13, 33, 1},     // k = 1
		gemmCase{100, 6, 25},    // LeNet C1 shape, narrow
		gemmCase{3, 200, 40},
		gemmCase{300, 3, 40},
	)
	if !short {
		cs = append(cs, gemmCase{600, 100, 520}) // several mc and kc blocks
	}
	return cs
}

// gemmOperands makes random A, B and C for c with the given transposes,
// stored with leading dimensions larger than their widths. C's padding
// holds a sentinel that must survive.
type gemmOperands struct {
	a, b, c       []float32
	lda, ldb, ldc int
}

const padSentinel = -12345

func newGemmOperands(rng *rand.Rand, c gemmCase, transA, transB bool) gemmOperands {
	ar, ac := c.m, c.k
	if transA {
		ar, ac = c.k, c.m
	}
	br, bc := c.k, c.n
	if transB {
		br, bc = c.n, c.k
	}
	var o gemmOperands
	o.lda, o.ldb, o.ldc = ac+3, bc+1, c.n+5
	fill := func(rows, cols, ld int) []float32 {
		s := make([]float32, rows*ld)
		for i := range s {
			s[i] = padSentinel
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				s[i*ld+j] = float32(rng.NormFloat64())
			}
		}
		return s
	}
	o.a = fill(ar, ac, o.lda)
	o.b = fill(br, bc, o.ldb)
	o.c = fill(c.m, c.n, o.ldc)
	return o
}

// absBound returns, for each element of C, |alpha|·Σ|a||b| + |beta||c|: the
// scale of the rounding error float32 accumulation may make there.
func absBound(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	absA := make([]float32, len(a))
	for i, v := range a {
		absA[i] = float32(math.Abs(float64(v)))
	}
	absB := make([]float32, len(b))
	for i, v := range b {
		absB[i] = float32(math.Abs(float64(v)))
	}
	s := make([]float32, len(c))
	sgemmRef(transA, transB, m, n, k, 1, absA, lda, absB, ldb, 0, s, ldc)
	out := make([]float64, len(c))
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			x := math.Abs(float64(alpha)) * float64(s[i*ldc+j])
			if beta != 0 {
				x += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			out[i*ldc+j] = x
		}
	}
	return out
}

// checkGemmResult compares got with want element by element, and checks
// that the padding of C was left alone. The error of a float32 dot product
// of length k is at most about k·u times Σ|a||b| (u = 2⁻²⁴), but that bound
// assumes every rounding goes the same way; in practice errors add up like
// a random walk, about √k·u. The tolerance, (2√k + 4)·2⁻²³ times the bound,
// is that with a margin over the largest error seen (3.3·2⁻²³ at k = 520),
// and is still tight enough to catch a wrong beta or a lost term.
func checkGemmResult(t *testing.T, name string, m, n, k, ldc int, got, want []float32, bound []float64) {
	t.Helper()
	tol := (2*math.Sqrt(float64(k)) + 4) * 0x1p-23
	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			g, w := got[i*ldc+j], want[i*ldc+j]
			if j >= n {
				if g != padSentinel {
					t.Errorf("%s: C padding [%d,%d] overwritten with %v", name, i, j, g)
					return
				}
				continue
			}
			if d := math.Abs(float64(g) - float64(w)); !(d <= tol*bound[i*ldc+j]+1e-30) {
				if bad < 3 {
					t.Errorf("%s: C[%d,%d] = %v, want %v (|diff| %.3g, bound %.3g)", name, i, j, g, w, d, tol*bound[i*ldc+j])
				}
				bad++
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d wrong elements in all", name, bad)
	}
}

// gemmImpl is one way to compute SGEMM under test.
type gemmImpl struct {
	name string
	fn   func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// gemmImpls lists every SGEMM path: the exported one, the small-problem
// loops and each micro-kernel this machine has (the portable Go kernel
// always) on 1, 2 and 3 workers.
func gemmImpls() []gemmImpl {
	impls := []gemmImpl{{"Sgemm", Sgemm}, {"small", sgemmSmall}}
	for _, kern := range sgemmKernels {
		for _, threads := range []int{1, 2, 3} {
			impls = append(impls, gemmImpl{
				fmt.Sprintf("%s/t%d", kern.name, threads),
				func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
					sgemmBlocked(kern, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				},
			})
		}
	}
	return impls
}

// forceParallel makes every problem large enough to split, so the tests
// cover the split on small sizes, and returns a function that undoes it.
func forceParallel() func() {
	old := parallelGemmWork
	parallelGemmWork = 0
	return func() { parallelGemmWork = old }
}

func TestSgemmAgainstReference(t *testing.T) {
	defer forceParallel()()
	rng := rand.New(rand.NewPCG(1, 2))
	scalars := []struct{ alpha, beta float32 }{
		{1, 0}, {0.5, 0}, {-1.5, 1}, {2, -0.5}, {0, 0.25}, {1, 1},
	}
	impls := gemmImpls()
	for _, c := range gemmCases(testing.Short()) {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			transA, transB := tr[0], tr[1]
			o := newGemmOperands(rng, c, transA, transB)
			// Large problems get fewer scalar pairs: the reference is slow.
			sc := scalars
			if c.m*c.n*c.k > 1e6 {
				sc = scalars[2:3]
			}
			for _, s := range sc {
				want := append([]float32(nil), o.c...)
				sgemmRef(transA, transB, c.m, c.n, c.k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, want, o.ldc)
				bound := absBound(transA, transB, c.m, c.n, c.k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, o.c, o.ldc)
				for _, impl := range impls {
					got := append([]float32(nil), o.c...)
					if s.beta == 0 {
						// beta = 0: whatever C held must not leak.
						for i := 0; i < c.m; i++ {
							for j := 0; j < c.n; j++ {
								got[i*o.ldc+j] = float32(math.NaN())
							}
						}
					}
					impl.fn(transA, transB, c.m, c.n, c.k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, got, o.ldc)
					name := fmt.Sprintf("%s %dx%dx%d tA=%v tB=%v alpha=%v beta=%v", impl.name, c.m, c.n, c.k, transA, transB, s.alpha, s.beta)
					checkGemmResult(t, name, c.m, c.n, c.k, o.ldc, got, want, bound)
				}
			}
		}
	}
}

// TestSgemmKZero checks C = beta·C when k is 0, including NaN in C for beta 0.
func TestSgemmKZero(t *testing.T) {
	for _, impl := range gemmImpls() {
		c := []float32{1, float32(math.NaN()), 3, 4}
		impl.fn(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
		for i, v := range c {
			if v != 0 {
				t.Errorf("%s: k=0 beta=0: C[%d] = %v, want 0", impl.name, i, v)
			}
		}
		c = []float32{1, 2, 3, 4}
		impl.fn(true, true, 2, 2, 0, 1, nil, 2, nil, 1, 2, c, 2)
		for i, v := range c {
			if v != float32(2*(i+1)) {
				t.Errorf("%s: k=0 beta=2: C[%d] = %v, want %v", impl.name, i, v, 2*(i+1))
			}
		}
	}
}

// TestSgemmDeterministic checks that a fixed thread count gives the same
// bits on every run, and that the thread count does not change them
// either: workers split C at tile boundaries, so every element is
// computed by the same operations however the work is divided.
func TestSgemmDeterministic(t *testing.T) {
	defer forceParallel()()
	rng := rand.New(rand.NewPCG(3, 4))
	// 256×784 by 64 is the MLP's first weight gradient, whose rows are
	// split (splitsRows).
	cases := []gemmCase{{301, 517, 700}, {64, 784, 256}, {1000, 20, 33}, {256, 784, 64}}
	if testing.Short() {
		cases = []gemmCase{{101, 117, 300}, {64, 130, 40}}
	}
	for _, c := range cases {
		for _, kern := range sgemmKernels {
			for _, tr := range [][2]bool{{false, false}, {true, true}, {false, true}, {true, false}} {
				o := newGemmOperands(rng, c, tr[0], tr[1])
				var first []float32
				for _, threads := range []int{1, 2, 2, 2, 3, 3, 4} {
					got := append([]float32(nil), o.c...)
					sgemmBlocked(kern, threads, tr[0], tr[1], c.m, c.n, c.k, 1, o.a, o.lda, o.b, o.ldb, 0.5, got, o.ldc)
					if first == nil {
						first = got
						continue
					}
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
							t.Fatalf("%s %v tA=%v tB=%v: %d threads differ from 1 thread at %d: %v vs %v",
								kern.name, c, tr[0], tr[1], threads, i, got[i], first[i])
						}
					}
				}
			}
		}
	}
}

// TestWeightGradientSplitsRows checks that the MLP's weight gradients
// dYᵀ·X, with more columns than rows, split their rows between two
// workers, and that each worker's rows are, within one tile, the rows
// its share of the optimizer's update reads (parallelUpdate's split of
// the same matrix); a product of few rows still splits its columns.
func TestWeightGradientSplitsRows(t *testing.T) {
	for _, c := range []gemmCase{{256, 784, 64}, {128, 256, 64}} {
		j := gemmJob{kern: defaultKernel.choose(c.m, c.n), transA: true, m: c.m, n: c.n, k: c.k}
		j.plan(2)
		if j.parts != 2 || !j.splitM {
			t.Fatalf("%v with A transposed on 2 threads: %d parts, rows split %v", c, j.parts, j.splitM)
		}
		lines := c.m * c.n / updateChunk
		for w := range 2 {
			m0, m1, _, _ := j.chunk(w)
			lo, hi := ChunkRange(lines, 2, w)
			r0, r1 := lo*updateChunk/c.n, hi*updateChunk/c.n
			if abs(m0-r0) >= j.kern.mr || abs(m1-r1) >= j.kern.mr {
				t.Errorf("%v: worker %d computes rows [%d, %d) and updates rows [%d, %d)", c, w, m0, m1, r0, r1)
			}
		}
	}
	j := gemmJob{kern: defaultKernel.choose(16, 784), transA: true, m: 16, n: 784, k: 64}
	j.plan(2)
	if j.parts == 2 && j.splitM {
		t.Errorf("16×784 by 64 splits its three tiles of rows between two workers")
	}
}

func abs(x int) int { return max(x, -x) }

// TestPackers checks the packing routines of every kernel against the
// portable ones on ragged panels.
func TestPackers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := make([]float32, 80*300)
	for i := range src {
		src[i] = float32(rng.NormFloat64())
	}
	var ptrs [16]*float32
	for _, kern := range sgemmKernels {
		for _, w := range []int{kern.mr, kern.nr} {
			for _, k := range []int{1, 7, 16, 17, 33, 256} {
				for rows := 1; rows <= w; rows++ {
					want := make([]float32, w*k)
					got := make([]float32, w*k)
					packPanelT(want, w, src, 3, 300, rows, k, &ptrs)
					kern.packT(got, w, src, 3, 300, rows, k, &ptrs)
					comparePacked(t, fmt.Sprintf("%s packT w=%d rows=%d k=%d", kern.name, w, rows, k), want, got, w, rows)
					packPanelN(want, w, src, 5, 80, rows, k)
					kern.packN(got, w, src, 5, 80, rows, k)
					comparePacked(t, fmt.Sprintf("%s packN w=%d cols=%d k=%d", kern.name, w, rows, k), want, got, w, rows)
				}
			}
		}
	}
}

// comparePacked compares the valid lanes of two packed panels; lanes past
// valid are padding whose value the kernels never store.
func comparePacked(t *testing.T, name string, want, got []float32, w, valid int) {
	t.Helper()
	for i := range want {
		if i%w < valid && got[i] != want[i] {
			t.Fatalf("%s: element %d (p=%d, lane %d) = %v, want %v", name, i, i/w, i%w, got[i], want[i])
		}
	}
}

// TestSgemmAllocs checks that steady-state calls do not allocate.
func TestSgemmAllocs(t *testing.T) {
	m, n, k := 200, 300, 100
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	c := make([]float32, m*n)
	for _, threads := range []int{1, 2} {
		old := SetThreads(threads)
		Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n) // warm the buffers and the pool
		allocs := testing.AllocsPerRun(20, func() {
			Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
		})
		// The MLP's first layer at batch 64, computed transposed.
		x, w, y, bias := make([]float32, 64*784), make([]float32, 256*784), make([]float32, 64*256), make([]float32, 256)
		SgemmBias(false, true, 64, 256, 784, 1, x, 784, w, 784, 0, bias, y, 256)
		transAllocs := testing.AllocsPerRun(20, func() {
			SgemmBias(false, true, 64, 256, 784, 1, x, 784, w, 784, 0, bias, y, 256)
		})
		SetThreads(old)
		if allocs > 0.5 {
			t.Errorf("Sgemm on %d threads allocates %.1f times per call", threads, allocs)
		}
		if transAllocs > 0.5 {
			t.Errorf("the transposed SgemmBias on %d threads allocates %.1f times per call", threads, transAllocs)
		}
	}
}

// TestNarrowKernelsAgree checks that the two narrowest kernels of the
// default family, the tall one and the short one (14×16 and 6×16 on
// AVX-512), give the same bits, so that choose may pick either by the
// row count: a batch split into shares (infer.Runner, train.Shared)
// then gives each example what the whole batch gives it.
func TestNarrowKernelsAgree(t *testing.T) {
	tall, short := defaultKernel, defaultKernel.short
	if short == nil {
		t.Skipf("the %s kernels have no short family", defaultKernel.name)
	}
	for tall.narrow != nil {
		tall = tall.narrow
	}
	for short.narrow != nil {
		short = short.narrow
	}
	if tall.nr != short.nr || tall.kc != short.kc {
		t.Fatalf("narrowest kernels %s (nr %d, kc %d) and %s (nr %d, kc %d) differ in width or depth", tall.name, tall.nr, tall.kc, short.name, short.nr, short.kc)
	}
	if got := defaultKernel.choose(150, short.nr); got != tall {
		t.Errorf("choose(150, %d) = %s, want %s", short.nr, got.name, tall.name)
	}
	if got := defaultKernel.choose(2*tall.mr-1, short.nr); got != short {
		t.Errorf("choose(%d, %d) = %s, want %s", 2*tall.mr-1, short.nr, got.name, short.name)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range []int{1, 6, 13, 29, 150} {
		for _, n := range []int{1, 10, short.nr} {
			for _, k := range []int{1, 100, tall.kc + 1, 3*tall.kc + 7} {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					o := newGemmOperands(rng, gemmCase{m: m, n: n, k: k}, tr[0], tr[1])
					for _, s := range []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {-0.5, 2}} {
						a := append([]float32(nil), o.c...)
						b := append([]float32(nil), o.c...)
						sgemmBlocked(tall, 1, tr[0], tr[1], m, n, k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, a, o.ldc)
						sgemmBlocked(short, 1, tr[0], tr[1], m, n, k, s.alpha, o.a, o.lda, o.b, o.ldb, s.beta, b, o.ldc)
						for i := range a {
							if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
								t.Fatalf("%dx%dx%d tA=%v tB=%v alpha=%v beta=%v: %s gives %v at %d, %s %v", m, n, k, tr[0], tr[1], s.alpha, s.beta, tall.name, a[i], i, short.name, b[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestSameBitsRows checks SameBitsRows' promise: where it holds, the
// first part rows of a product of whole rows have the bits of the product
// of those part rows alone, at a depth (784) that spans several blocks of
// either family.
func TestSameBitsRows(t *testing.T) {
	const n, k = 256, 784
	rng := rand.New(rand.NewPCG(5, 6))
	rows := []int{8, 64, 100, 150, 256, 257, 300, 512, 600}
	a := make([]float32, rows[len(rows)-1]*k)
	b := make([]float32, n*k)
	for i := range a {
		a[i] = rng.Float32()*2 - 1
	}
	for i := range b {
		b[i] = rng.Float32()*2 - 1
	}
	product := func(m int) []float32 {
		c := make([]float32, m*n)
		Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
		return c
	}
	differ := 0
	for _, whole := range rows {
		cw := product(whole)
		for _, part := range rows {
			if part > whole {
				continue
			}
			same := slices.Equal(cw[:part*n], product(part))
			if SameBitsRows(whole, part) && !same {
				t.Errorf("%d rows of %d: SameBitsRows holds, but the bits differ", part, whole)
			}
			if !same {
				differ++
			}
		}
	}
	if defaultKernel.short != nil && differ == 0 {
		t.Errorf("no split changed the bits, though %s has a short family of another kc", defaultKernel.name)
	}
}
