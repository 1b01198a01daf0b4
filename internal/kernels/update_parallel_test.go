package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestParallelUpdate checks that SGDMomentum and Adam split among 2 and 3
// workers give the serial update's bits, including the leftover elements
// past the last whole line, and that a warm split update allocates
// nothing.
func TestParallelUpdate(t *testing.T) { forEachImpl(t, testParallelUpdate) }

func testParallelUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	for _, n := range []int{parallelUpdateMin - 1, 2*parallelUpdateMin + 7, 3*parallelUpdateMin + 16*5 + 3} {
		p, g, m, v := fill(n), fill(n), fill(n), fill(n)
		for i := range v {
			v[i] *= v[i] // a second moment is not negative
		}
		wantP, wantM := slices.Clone(p), slices.Clone(m)
		sgdMomentumSerial(wantP, g, wantM, 0.1, 0.9, 0.8)
		adamP, adamM, adamV := slices.Clone(p), slices.Clone(m), slices.Clone(v)
		adamSerial(adamP, g, adamM, adamV, 0.9, 0.1, 0.999, 0.001, -0.01, 0.3, 1e-8, 0.999)
		for _, threads := range []int{2, 3} {
			prev := SetThreads(threads)
			gotP, gotM := slices.Clone(p), slices.Clone(m)
			SGDMomentum(gotP, g, gotM, 0.1, 0.9, 0.8)
			if !slices.Equal(gotP, wantP) || !slices.Equal(gotM, wantM) {
				t.Errorf("SGDMomentum of %d on %d workers differs from the serial update", n, threads)
			}
			aP, aM, aV := slices.Clone(p), slices.Clone(m), slices.Clone(v)
			Adam(aP, g, aM, aV, 0.9, 0.1, 0.999, 0.001, -0.01, 0.3, 1e-8, 0.999)
			if !slices.Equal(aP, adamP) || !slices.Equal(aM, adamM) || !slices.Equal(aV, adamV) {
				t.Errorf("Adam of %d on %d workers differs from the serial update", n, threads)
			}
			if allocs := testing.AllocsPerRun(10, func() { SGDMomentum(gotP, g, gotM, 0.1, 0.9, 0.8) }); allocs != 0 {
				t.Errorf("SGDMomentum of %d on %d workers: %v allocations", n, threads, allocs)
			}
			SetThreads(prev)
		}
	}
	// Split or not, as the size and thread count say.
	prev := SetThreads(2)
	defer SetThreads(prev)
	if parallelUpdate(updateSGDMomentum, make([]float32, parallelUpdateMin), nil, nil, nil, [8]float32{}) {
		t.Error("a parameter of parallelUpdateMin elements was split in two")
	}
	if !parallelUpdate(updateSGDMomentum, make([]float32, 128*256), make([]float32, 128*256), make([]float32, 128*256), nil, [8]float32{}) {
		t.Error("the MLP's second weight, 128×256, was not split in two")
	}
	SetThreads(1)
	if parallelUpdate(updateSGDMomentum, make([]float32, 4*parallelUpdateMin), nil, nil, nil, [8]float32{}) {
		t.Error("an update was split on one thread")
	}
}
