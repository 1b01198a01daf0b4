package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// expInputs are the arguments ExpF64 is checked at: the special values,
// the edges of each branch of math.Exp (overflow, subnormal results,
// underflow, the rounding of x·log2e), and random numbers, of moderate
// size and of any bits.
func expInputs() []float64 {
	xs := []float64{0, math.Copysign(0, -1), 1, -1, math.NaN(), math.Inf(1), math.Inf(-1),
		math.Float64frombits(0x7ff8000000000001), math.Float64frombits(0xfff0000000000001),
		7.09782712893384e+02, 709.78, 709.79, 710, -708.39, -708.4, -709.1, -744.4, -745.1, -745.2, -746,
		-1e10, 1e10, -1e300, 1e300, 5e-324, -5e-324, 1e-300, math.Ln2 / 2, -math.Ln2 / 2, 3 * math.Ln2 / 2,
		math.MaxFloat64, -math.MaxFloat64, 88.7, -87.3, 1e-9, -1e-9}
	// Both sides of every branch boundary, a few ulps apart.
	for _, e := range []float64{7.09782712893384e+02, -708.3964185322641, -744.4400719213812, -745.1332191019411} {
		x := e
		for range 8 {
			x = math.Nextafter(x, math.Inf(-1))
		}
		for range 16 {
			xs = append(xs, x)
			x = math.Nextafter(x, math.Inf(1))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		xs = append(xs, (rng.Float64()-0.5)*1600, (rng.Float64()-0.5)*40, rng.NormFloat64()*1e-3,
			math.Float64frombits(rng.Uint64()))
	}
	// Halfway cases of x·log2e's rounding: x = (k + 1/2)·ln2, nudged.
	for k := -1080.0; k < 1030; k++ {
		x := (k + 0.5) * math.Ln2
		xs = append(xs, x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)))
	}
	return xs
}

// TestExpF64 checks that ExpF64 gives math.Exp's bits at every input, in
// slices of every length up to 20 (the tails under a mask) and in place.
func TestExpF64(t *testing.T) { forEachImpl(t, testExpF64) }

func testExpF64(t *testing.T) {
	xs := expInputs()
	got := make([]float64, len(xs))
	ExpF64(got, xs)
	for i, x := range xs {
		if want := math.Exp(x); math.Float64bits(got[i]) != math.Float64bits(want) {
			t.Fatalf("ExpF64(%v [%#x]) = %v [%#x], math.Exp gives %v [%#x]", x, math.Float64bits(x), got[i], math.Float64bits(got[i]), want, math.Float64bits(want))
		}
	}
	for n := 0; n <= 20; n++ {
		buf := make([]float64, n+1)
		buf[n] = -7 // past the end: must stay
		copy(buf, xs[100:100+n])
		ExpF64(buf[:n], buf[:n])
		for i := range n {
			if want := math.Exp(xs[100+i]); math.Float64bits(buf[i]) != math.Float64bits(want) {
				t.Fatalf("length %d, in place: element %d is %v, want %v", n, i, buf[i], want)
			}
		}
		if buf[n] != -7 {
			t.Fatalf("length %d: the element after the slice became %v", n, buf[n])
		}
	}
}

// BenchmarkExpF64 times ExpF64 on a row of ten scores (the MLP's
// cross-entropy) and on 1,000.
func BenchmarkExpF64(b *testing.B) {
	for _, n := range []int{10, 1000} {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = -float64(i%17) / 3
		}
		dst := make([]float64, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				ExpF64(dst, xs)
			}
		})
		b.Run(fmt.Sprint(n, "/math.Exp"), func(b *testing.B) {
			for b.Loop() {
				expF64Go(dst, xs)
			}
		})
	}
}
