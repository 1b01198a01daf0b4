package kernels

import (
	"math"
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

// TestAvgPool2x2Vector compares the float32 loops (AVX-512 or Go) with the
// float64 ones on widths with whole vectors and tails.
func TestAvgPool2x2Vector(t *testing.T) { forEachImpl(t, testAvgPool2x2Vector) }

func testAvgPool2x2Vector(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, hw := range [][2]int{{28, 28}, {10, 10}, {2, 2}, {4, 34}, {6, 64}, {2, 66}} {
		g := ConvGeom{C: 3, H: hw[0], W: hw[1], KH: 2, KW: 2, StrideH: 2, StrideW: 2}
		n := g.C * g.H * g.W
		src32, src64 := make([]float32, n), make([]float64, n)
		for i := range src32 {
			src32[i] = float32(rng.NormFloat64())
			src64[i] = float64(src32[i])
		}
		m := g.C * g.OutH() * g.OutW()
		out32, out64 := make([]float32, m+8), make([]float64, m)
		AvgPool(out32, src32, g)
		AvgPool(out64, src64, g)
		for i := range out64 {
			if d := float64(out32[i]) - out64[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("%v: pool[%d] = %v, want %v", hw, i, out32[i], out64[i])
			}
		}
		for _, v := range out32[m:] {
			if v != 0 {
				t.Fatalf("%v: wrote past the output", hw)
			}
		}
		g32, g64 := make([]float32, m), make([]float64, m)
		for i := range g32 {
			g32[i] = float32(rng.NormFloat64())
			g64[i] = float64(g32[i])
		}
		back32, back64 := make([]float32, n+8), make([]float64, n)
		for i := range back64 {
			back32[i], back64[i] = 1, 1
		}
		AvgPoolBackward(back32, g32, g)
		AvgPoolBackward(back64, g64, g)
		for i := range back64 {
			if d := float64(back32[i]) - back64[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("%v: pool grad[%d] = %v, want %v", hw, i, back32[i], back64[i])
			}
		}
		for _, v := range back32[n:] {
			if v != 0 {
				t.Fatalf("%v: gradient written past the input", hw)
			}
		}
	}
}

// TestMaxPool2x2FastPath checks the 2×2 loops against the general window
// search (maxIndex) on images with ties, NaNs and odd sizes: the same
// outputs bit for bit and the gradient sent to the same pixels.
func TestMaxPool2x2FastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, hw := range [][2]int{{8, 6}, {7, 9}, {2, 2}, {28, 28}, {3, 2}} {
		g := ConvGeom{C: 3, H: hw[0], W: hw[1], KH: 2, KW: 2, StrideH: 2, StrideW: 2}
		src := make([]float32, g.C*g.H*g.W)
		for i := range src {
			switch r := rng.IntN(10); {
			case r == 0:
				src[i] = float32(math.NaN())
			default:
				src[i] = float32(rng.IntN(4)) // ties are common
			}
		}
		oh, ow := g.OutH(), g.OutW()
		got, want := make([]float32, g.C*oh*ow), make([]float32, g.C*oh*ow)
		gout := make([]float32, len(got))
		for i := range gout {
			gout[i] = float32(i + 1)
		}
		MaxPool(got, src, g)
		gotG, wantG := make([]float32, len(src)), make([]float32, len(src))
		MaxPoolBackward(gotG, gout, src, g)
		for c := 0; c < g.C; c++ {
			img := src[c*g.H*g.W : (c+1)*g.H*g.W]
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					k := maxIndex(img, g, y, x)
					want[(c*oh+y)*ow+x] = img[k]
					wantG[c*g.H*g.W+k] += gout[(c*oh+y)*ow+x]
				}
			}
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%v: MaxPool[%d] = %v, want %v", hw, i, got[i], want[i])
			}
		}
		for i := range gotG {
			if gotG[i] != wantG[i] {
				t.Fatalf("%v: MaxPoolBackward[%d] = %v, want %v", hw, i, gotG[i], wantG[i])
			}
		}
	}
}

// TestMaxPool2x2Twins runs the float32 2×2 max pool, forward and
// backward, on planes of many widths (groups of 16 windows and ragged
// tails, odd widths that leave a column out) with ties and NaNs, and
// checks the assembly against its Go twin bit for bit and the twin
// against maxIndex's choice.
func TestMaxPool2x2Twins(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for _, ow := range []int{1, 5, 7, 14, 16, 17, 33, 40} {
		for _, extra := range []int{0, 1} {
			oh, w := 3, 2*ow+extra
			src := make([]float32, 2*oh*w)
			for i := range src {
				src[i] = float32(rng.IntN(5)) // ties
				if rng.IntN(17) == 0 {
					src[i] = float32(math.NaN())
				}
			}
			gdst := randF32(rng, oh*ow)
			g0 := randF32(rng, len(src))
			want, wantG := make([]float32, oh*ow), append([]float32(nil), g0...)
			maxPool2x2Go(want, src, oh, ow, w)
			maxPool2x2GradGo(wantG, gdst, src, oh, ow, w)
			geom := ConvGeom{C: 1, H: 2 * oh, W: w, KH: 2, KW: 2, StrideH: 2, StrideW: 2}
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					k := maxIndex(src, geom, y, x)
					if v := src[k]; math.Float32bits(v) != math.Float32bits(want[y*ow+x]) && !(v != v && want[y*ow+x] != want[y*ow+x]) {
						t.Fatalf("ow=%d: window (%d,%d) gives %v, maxIndex picks %v", ow, y, x, want[y*ow+x], v)
					}
					if wantG[k] != g0[k]+gdst[y*ow+x] {
						t.Fatalf("ow=%d: window (%d,%d)'s gradient did not reach the picked element", ow, y, x)
					}
				}
			}
			if !useAVX512 && asmKernels {
				continue
			}
			got, gotG := make([]float32, oh*ow+1), append(append([]float32(nil), g0...), 5)
			got[oh*ow] = 5
			maxPool2x2AVX512(&got[0], &src[0], oh, ow, w)
			maxPool2x2GradAVX512(&gotG[0], &gdst[0], &src[0], oh, ow, w)
			if got[oh*ow] != 5 || gotG[len(src)] != 5 {
				t.Fatalf("ow=%d: wrote past the end", ow)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("ow=%d w=%d [%d]: %v, Go twin %v", ow, w, i, got[i], want[i])
				}
			}
			for i := range wantG {
				if math.Float32bits(gotG[i]) != math.Float32bits(wantG[i]) {
					t.Fatalf("ow=%d w=%d gradient [%d]: %v, Go twin %v", ow, w, i, gotG[i], wantG[i])
				}
			}
		}
	}
}
