package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps returns the distance between a float32 result and the exact value
// in units of the float32 spacing at the exact value.
func ulps(got float32, exact float64) float64 {
	if exact == 0 {
		return math.Abs(float64(got)) / math.SmallestNonzeroFloat32
	}
	e := float32(exact)
	spacing := math.Abs(float64(math.Nextafter32(e, float32(math.Inf(1))) - e))
	return math.Abs(float64(got)-exact) / spacing
}

func TestActivationAccuracy(t *testing.T) { forEachImpl(t, testActivationAccuracy) }

func testActivationAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := []float32{0, -0, 1, -1, 0.5, 0.624, 0.626, -0.626, 9, 9.2, -20, 20, 80, -80, -100, 88, 1e-6, -1e-6, 3e-39}
	for range 200000 {
		inputs = append(inputs, float32((rng.Float64()*2-1)*30))
	}
	tests := []struct {
		name    string
		f       func(dst, src []float32)
		exact   func(float64) float64
		maxUlps float64
	}{
		{"exp", Exp, math.Exp, 3},
		{"tanh", Tanh, math.Tanh, 3},
		{"sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 4},
	}
	for _, tt := range tests {
		out := make([]float32, len(inputs))
		tt.f(out, inputs)
		worst, at := 0.0, float32(0)
		for i, x := range inputs {
			want := tt.exact(float64(x))
			if math.Abs(want) < 1.2e-38 && math.Abs(float64(out[i])) < 1.2e-38 {
				continue // below the normal range results may be flushed
			}
			if u := ulps(out[i], want); u > worst {
				worst, at = u, x
			}
		}
		if worst > tt.maxUlps {
			t.Errorf("%s: worst error %.2f ulps at x = %v, want ≤ %v", tt.name, worst, at, tt.maxUlps)
		}
	}
	special := make([]float32, 3)
	Exp(special, []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())})
	if !math.IsInf(float64(special[0]), 1) || special[1] != 0 || special[2] == special[2] {
		t.Errorf("exp(+inf, -inf, NaN) = %v", special)
	}
}

func TestActivationGrads(t *testing.T) { forEachImpl(t, testActivationGrads) }

func testActivationGrads(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 15, 16, 17, 100, 1000} {
		g, y, gx := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range g {
			g[i], y[i], gx[i] = float32(rng.NormFloat64()), float32(rng.Float64()*2-1), float32(rng.NormFloat64())
		}
		for _, tc := range []struct {
			name string
			f    func(gx, g, y []float32)
			d    func(y float64) float64
		}{{"tanh", TanhGrad, func(y float64) float64 { return 1 - y*y }}, {"sigmoid", SigmoidGrad, func(y float64) float64 { return y * (1 - y) }}} {
			got := append([]float32(nil), gx...)
			tc.f(got, g, y)
			for i := range got {
				want := float64(gx[i]) + float64(g[i])*tc.d(float64(y[i]))
				if math.Abs(float64(got[i])-want) > 1e-6*(1+math.Abs(want)) {
					t.Fatalf("%s grad n=%d [%d] = %v, want %v", tc.name, n, i, got[i], want)
				}
			}
		}
	}
}

func BenchmarkTanh(b *testing.B) {
	x := make([]float32, 64*6*28*28)
	for i := range x {
		x[i] = float32(i%200)/50 - 2
	}
	dst := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		Tanh(dst, x)
	}
}
