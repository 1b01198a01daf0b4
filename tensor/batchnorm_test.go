package tensor

import (
	"math"
	"testing"
)

// TestBatchNormFloat32Statistics checks the float32 path's statistics
// (row sums in float32, rows in float64) and gradient sums against the
// float64 path on data far from zero, where a careless variance loses
// its digits to cancellation.
func TestBatchNormFloat32Statistics(t *testing.T) {
	const n, c, h, w = 5, 3, 7, 9
	rng := NewRNG(11)
	x := RandNormal(rng, Float64, 0, 1, n, c, h, w)
	for i := range x.Len() {
		ch := (i / (h * w)) % c
		x.SetFlat(i, x.Flat(i)*float64(ch+1)*0.5+1000*float64(ch)) // means 0, 1000, 2000
	}
	gout := RandNormal(rng, Float64, 0, 1, n, c, h, w)
	gamma, beta := RandUniform(rng, Float64, 0.5, 1.5, c), RandUniform(rng, Float64, -1, 1, c)
	type result struct{ y, invstd, mean, vr, gx, gg, gb *Tensor }
	run := func(d DType) result {
		st := &BatchNormStats{RunningMean: New(d, c), RunningVar: Full(d, 1, c), Momentum: 1, Eps: 1e-5}
		xd := x.To(d)
		y, xhat, invstd := New(d, n, c, h, w), New(d, n, c, h, w), New(d, c)
		BatchNormTo(y, xhat, invstd, xd, gamma.To(d), beta.To(d), st, true)
		gx, gg, gb := New(d, n, c, h, w), New(d, c), New(d, c)
		BatchNormBackward(gx, gg, gb, gout.To(d), xhat, invstd, gamma.To(d), true)
		return result{y, invstd, st.RunningMean, st.RunningVar, gx, gg, gb}
	}
	r64, r32 := run(Float64), run(Float32)
	for _, c := range []struct {
		name       string
		got, want  *Tensor
		rtol, atol float64
	}{
		{"mean", r32.mean, r64.mean, 1e-6, 1e-4},
		{"variance", r32.vr, r64.vr, 2e-4, 1e-6},
		{"1/σ", r32.invstd, r64.invstd, 2e-4, 1e-6},
		{"output", r32.y, r64.y, 1e-3, 1e-3},
		{"γ's gradient", r32.gg, r64.gg, 1e-3, 1e-3},
		{"β's gradient", r32.gb, r64.gb, 1e-5, 1e-4},
		{"input gradient", r32.gx, r64.gx, 1e-3, 1e-3},
	} {
		if !AllClose(c.got, c.want, c.rtol, c.atol) {
			worst := 0.0
			for i := range c.want.Len() {
				worst = math.Max(worst, math.Abs(c.got.Flat(i)-c.want.Flat(i)))
			}
			t.Errorf("%s: float32 differs from float64 by up to %g", c.name, worst)
		}
	}
}
