package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBatchNormRows checks the batch-norm row kernels bit for bit against
// their Go twins, on lengths around the vector width, with values that
// round differently under a fused multiply-add, and against float64
// arithmetic loosely.
func TestBatchNormRows(t *testing.T) {
	needAVX512(t)
	rng := rand.New(rand.NewPCG(8, 8))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 3)
		}
		return x
	}
	for _, n := range []int{0, 1, 7, 15, 16, 17, 31, 33, 100, 784} {
		x, g, xh := fill(n), fill(n), fill(n)
		mean, is, ga, be := float32(0.3171), float32(1.7319), float32(0.913), float32(-0.271)
		y1, h1 := make([]float32, n), make([]float32, n)
		y2, h2 := make([]float32, n), make([]float32, n)
		batchNormRowAVX512Slice(y1, h1, x, mean, is, ga, be)
		batchNormRowGo(y2, h2, x, mean, is, ga, be)
		if !slices.Equal(y1, y2) || !slices.Equal(h1, h2) {
			t.Fatalf("BatchNormRow n=%d: the vector kernel differs from its Go twin", n)
		}
		for k, v := range x {
			h := (float64(v) - float64(mean)) * float64(is)
			if math.Abs(float64(h1[k])-h) > 1e-5*(1+math.Abs(h)) || math.Abs(float64(y1[k])-(float64(ga)*h+float64(be))) > 1e-5*(1+math.Abs(h)) {
				t.Fatalf("BatchNormRow n=%d [%d]: x̂ %v y %v for x %v", n, k, h1[k], y1[k], v)
			}
		}
		a, b0, b1 := float32(1.37), float32(0.0213), float32(-0.117)
		before := fill(n)
		for _, set := range []bool{false, true} {
			gx1, gx2 := slices.Clone(before), slices.Clone(before)
			batchNormGradRowAVX512Slice(gx1, g, xh, a, b0, b1, set)
			batchNormGradRowGo(gx2, g, xh, a, b0, b1, set)
			if !slices.Equal(gx1, gx2) {
				t.Fatalf("BatchNormGradRow n=%d set=%v: the vector kernel differs from its Go twin", n, set)
			}
			for k := range gx1 {
				want := float64(a)*float64(g[k]) - float64(b0) - float64(xh[k])*float64(b1)
				if !set {
					want += float64(before[k])
				}
				if math.Abs(float64(gx1[k])-want) > 1e-5*(1+math.Abs(want)) {
					t.Fatalf("BatchNormGradRow n=%d set=%v [%d] = %v, want %v", n, set, k, gx1[k], want)
				}
			}
		}
	}
}

func batchNormRowAVX512Slice(y, xhat, x []float32, mean, is, g, b float32) {
	if len(x) > 0 {
		batchNormRowAVX512(&y[0], &xhat[0], &x[0], len(x), mean, is, g, b)
	}
}

func batchNormGradRowAVX512Slice(gx, g, xhat []float32, a, b0, b1 float32, set bool) {
	if len(gx) > 0 {
		batchNormGradRowAVX512(&gx[0], &g[0], &xhat[0], len(gx), a, b0, b1, set)
	}
}
