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

// TestLSTMGrad checks LSTMGrad against the formulas in float64, and the
// assembly against its Go twin bit for bit, on rows with ragged tails.
func TestLSTMGrad(t *testing.T) { forEachImpl(t, testLSTMGrad) }

func testLSTMGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	sig := func(x float64) float32 { return float32(1 / (1 + math.Exp(-x))) }
	for _, n := range []int{0, 1, 5, 15, 16, 17, 33, 128, 130} {
		a := make([]float32, 4*n)
		for j := range a {
			a[j] = sig(2 * rng.NormFloat64())
			if j >= 2*n && j < 3*n { // g is a tanh
				a[j] = 2*a[j] - 1
			}
		}
		dh, dc0, cp, tc := randF32(rng, n), randF32(rng, n), randF32(rng, n), make([]float32, n)
		for j := range tc {
			tc[j] = float32(math.Tanh(rng.NormFloat64()))
		}
		// One guard element past every output.
		da := make([]float32, 4*n+1)
		dc := append(append([]float32(nil), dc0...), 7)
		da[4*n] = 7
		LSTMGrad(da[:4*n], dh, dc[:n], a, cp, tc)
		if da[4*n] != 7 || dc[n] != 7 {
			t.Fatalf("n=%d: wrote past the end", n)
		}
		for j := range n {
			i, f, g, o := float64(a[j]), float64(a[n+j]), float64(a[2*n+j]), float64(a[3*n+j])
			tt := float64(tc[j])
			dct := float64(dc0[j]) + float64(dh[j])*o*(1-tt*tt)
			want := []float64{dct * g * i * (1 - i), dct * float64(cp[j]) * f * (1 - f), dct * i * (1 - g*g), float64(dh[j]) * tt * o * (1 - o)}
			for q, w := range want {
				if got := float64(da[q*n+j]); math.Abs(got-w) > 1e-5*(1+math.Abs(w)) {
					t.Fatalf("n=%d: da[%d] = %v, want %v", n, q*n+j, got, w)
				}
			}
			if w := dct * f; math.Abs(float64(dc[j])-w) > 1e-5*(1+math.Abs(w)) {
				t.Fatalf("n=%d: dc[%d] = %v, want %v", n, j, dc[j], w)
			}
		}
		// The twin, bit for bit.
		goDa, goDc := make([]float32, 4*n), append([]float32(nil), dc0...)
		lstmGradGo(goDa, dh, goDc, a, cp, tc)
		for j := range goDa {
			if goDa[j] != da[j] {
				t.Fatalf("n=%d: da[%d] = %v, Go twin %v", n, j, da[j], goDa[j])
			}
		}
		for j := range goDc {
			if goDc[j] != dc[j] {
				t.Fatalf("n=%d: dc[%d] = %v, Go twin %v", n, j, dc[j], goDc[j])
			}
		}
	}
}
