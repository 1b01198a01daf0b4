package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSumAndSGD(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 200, 1000} {
		x := make([]float32, n)
		want := 0.0
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			want += float64(x[i])
		}
		if got := SumF32(x); math.Abs(float64(got)-want) > 1e-5*float64(n+1) {
			t.Errorf("SumF32 n=%d = %v, want %v", n, got, want)
		}
		p, g, v := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range p {
			p[i], g[i], v[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		p0, v0 := append([]float32(nil), p...), append([]float32(nil), v...)
		SGDMomentum(p, g, v, 0.1, 0.9, 1)
		for i := range p {
			wv := 0.9*float64(v0[i]) + float64(g[i])
			wp := float64(p0[i]) - 0.1*wv
			if math.Abs(float64(v[i])-wv) > 1e-6 || math.Abs(float64(p[i])-wp) > 1e-6 {
				t.Fatalf("SGDMomentum n=%d [%d]: p %v v %v, want %v %v", n, i, p[i], v[i], wp, wv)
			}
		}
	}
}
