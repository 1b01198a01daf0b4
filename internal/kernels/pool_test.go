package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestAvgPool2x2FastPath compares the 2×2 loops with the general ones (a
// 2×2 window given as stride 2 but with a 1-pixel border trimmed by using
// a geometry the fast path does not take).
func TestAvgPool2x2FastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	g := ConvGeom{C: 3, H: 8, W: 6, KH: 2, KW: 2, StrideH: 2, StrideW: 2}
	src := make([]float64, g.C*g.H*g.W)
	for i := range src {
		src[i] = rng.NormFloat64()
	}
	fast := make([]float64, g.C*g.OutH()*g.OutW())
	AvgPool(fast, src, g)
	for c := 0; c < g.C; c++ {
		for y := 0; y < g.OutH(); y++ {
			for x := 0; x < g.OutW(); x++ {
				s := 0.0
				for i := 0; i < 2; i++ {
					for j := 0; j < 2; j++ {
						s += src[(c*g.H+2*y+i)*g.W+2*x+j]
					}
				}
				if got := fast[(c*g.OutH()+y)*g.OutW()+x]; got != s/4 {
					t.Fatalf("avg pool [%d %d %d] = %v, want %v", c, y, x, got, s/4)
				}
			}
		}
	}
	gout := make([]float64, len(fast))
	for i := range gout {
		gout[i] = rng.NormFloat64()
	}
	gin := make([]float64, len(src))
	AvgPoolBackward(gin, gout, g)
	for i, v := range gin {
		c, rest := i/(g.H*g.W), i%(g.H*g.W)
		y, x := rest/g.W, rest%g.W
		if want := gout[(c*g.OutH()+y/2)*g.OutW()+x/2] / 4; v != want {
			t.Fatalf("avg pool backward [%d] = %v, want %v", i, v, want)
		}
	}
}
