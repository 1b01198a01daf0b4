package kernels

import (
	"math/rand/v2"
	"testing"
)

// im2colNaive is the definition of Im2col, pixel by pixel.
func im2colNaive(dst, src []float64, g ConvGeom) {
	oh, ow := g.OutH(), g.OutW()
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := (c*g.KH+i)*g.KW + j
				for y := 0; y < oh; y++ {
					for x := 0; x < ow; x++ {
						iy, ix := y*g.StrideH-g.PadH+i, x*g.StrideW-g.PadW+j
						v := 0.0
						if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
							v = src[(c*g.H+iy)*g.W+ix]
						}
						dst[row*oh*ow+y*ow+x] = v
					}
				}
			}
		}
	}
}

// TestIm2colVectorPaths checks the float32 paths (the AVX-512 row kernels
// or their Go twins) against the float64 loops on shapes whose widths
// exercise whole vectors and tails.
func TestIm2colVectorPaths(t *testing.T) { forEachImpl(t, testIm2colVectorPaths) }

func testIm2colVectorPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, g := range []ConvGeom{
		{C: 1, H: 32, W: 32, KH: 5, KW: 5, StrideH: 1, StrideW: 1},
		{C: 6, H: 14, W: 14, KH: 5, KW: 5, StrideH: 1, StrideW: 1},
		{C: 2, H: 40, W: 37, KH: 3, KW: 4, StrideH: 1, StrideW: 1},
		{C: 1, H: 3, W: 17, KH: 1, KW: 1, StrideH: 1, StrideW: 1},
	} {
		n := g.C * g.KH * g.KW * g.OutH() * g.OutW()
		src32, src64 := make([]float32, g.C*g.H*g.W), make([]float64, g.C*g.H*g.W)
		for i := range src32 {
			src32[i] = float32(rng.NormFloat64())
			src64[i] = float64(src32[i])
		}
		got, want := make([]float32, n), make([]float64, n)
		Im2col(got, src32, g)
		Im2col(want, src64, g)
		col32, col64 := make([]float32, n), make([]float64, n)
		for i := range got {
			if float64(got[i]) != want[i] {
				t.Fatalf("%+v: Im2col[%d] = %v, want %v", g, i, got[i], want[i])
			}
			col32[i] = float32(i%7) - 3
			col64[i] = float64(col32[i])
		}
		back32, back64 := make([]float32, len(src32)), make([]float64, len(src32))
		Col2im(back32, col32, g)
		Col2im(back64, col64, g)
		for i := range back32 {
			if float64(back32[i]) != back64[i] {
				t.Fatalf("%+v: Col2im[%d] = %v, want %v", g, i, back32[i], back64[i])
			}
		}
	}
}

func TestIm2colFastAndGeneralPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, g := range []ConvGeom{
		{C: 1, H: 32, W: 32, KH: 5, KW: 5, StrideH: 1, StrideW: 1},
		{C: 6, H: 14, W: 14, KH: 5, KW: 5, StrideH: 1, StrideW: 1},
		{C: 2, H: 7, W: 6, KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 2},
		{C: 3, H: 5, W: 5, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
	} {
		src := make([]float64, g.C*g.H*g.W)
		for i := range src {
			src[i] = rng.NormFloat64()
		}
		n := g.C * g.KH * g.KW * g.OutH() * g.OutW()
		got, want := make([]float64, n), make([]float64, n)
		Im2col(got, src, g)
		im2colNaive(want, src, g)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%+v: Im2col[%d] = %v, want %v", g, i, got[i], want[i])
			}
		}
		// Col2im is the adjoint: ⟨im2col x, y⟩ = ⟨x, col2im y⟩.
		y := make([]float64, n)
		for i := range y {
			y[i] = rng.NormFloat64()
		}
		back := make([]float64, len(src))
		Col2im(back, y, g)
		var lhs, rhs float64
		for i := range y {
			lhs += got[i] * y[i]
		}
		for i := range src {
			rhs += src[i] * back[i]
		}
		if d := lhs - rhs; d > 1e-9 || d < -1e-9 {
			t.Errorf("%+v: adjoint mismatch %v vs %v", g, lhs, rhs)
		}
	}
}

// col2imNaive is the definition of Col2im, entry by entry.
func col2imNaive(dst, col []float64, g ConvGeom) {
	oh, ow := g.OutH(), g.OutW()
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				row := (c*g.KH+i)*g.KW + j
				for y := 0; y < oh; y++ {
					for x := 0; x < ow; x++ {
						iy, ix := y*g.StrideH-g.PadH+i, x*g.StrideW-g.PadW+j
						if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
							dst[(c*g.H+iy)*g.W+ix] += col[row*oh*ow+y*ow+x]
						}
					}
				}
			}
		}
	}
}

// TestIm2colRandomGeometries checks Im2col and Col2im against their
// definitions on random windows, strides and paddings, including windows
// wider than the image that reach past both of its sides, in both
// precisions, with and without the padded-scratch paths.
func TestIm2colRandomGeometries(t *testing.T) { forEachImpl(t, testIm2colRandomGeometries) }

func testIm2colRandomGeometries(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 400; trial++ {
		g := ConvGeom{C: 1 + rng.IntN(3), H: 1 + rng.IntN(9), W: 1 + rng.IntN(9),
			KH: 1 + rng.IntN(7), KW: 1 + rng.IntN(7), StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3),
			PadH: rng.IntN(4), PadW: rng.IntN(4)}
		if g.KH > g.H+2*g.PadH || g.KW > g.W+2*g.PadW {
			continue
		}
		src := make([]float64, g.C*g.H*g.W)
		src32 := make([]float32, len(src))
		for i := range src {
			src32[i] = float32(rng.NormFloat64())
			src[i] = float64(src32[i])
		}
		n := g.C * g.KH * g.KW * g.OutH() * g.OutW()
		got, want, got32 := make([]float64, n), make([]float64, n), make([]float32, n)
		for i := range got {
			got[i], got32[i] = 99, 99 // Im2col must overwrite every entry
		}
		Im2col(got, src, g)
		Im2col(got32, src32, g)
		im2colNaive(want, src, g)
		pad32 := make([]float32, n)
		scratch := make([]float32, PadScratch(g))
		Im2colPad(pad32, src32, scratch, g)
		for i := range got {
			if got[i] != want[i] || float64(got32[i]) != want[i] || float64(pad32[i]) != want[i] {
				t.Fatalf("%+v: Im2col[%d] = %v (float32 %v, padded scratch %v), want %v", g, i, got[i], got32[i], pad32[i], want[i])
			}
		}
		col, col32 := make([]float64, n), make([]float32, n)
		for i := range col {
			col32[i] = float32(rng.IntN(9) - 4)
			col[i] = float64(col32[i])
		}
		back, back32, wantBack := make([]float64, len(src)), make([]float32, len(src)), make([]float64, len(src))
		Col2im(back, col, g)
		Col2im(back32, col32, g)
		col2imNaive(wantBack, col, g)
		backPad := make([]float32, len(src))
		for i := range backPad {
			backPad[i] = 1 // Col2imPad adds onto dst
			wantBack[i]++
		}
		Col2imPad(backPad, col32, scratch, g)
		for i := range back {
			if back[i] != wantBack[i]-1 || float64(back32[i]) != wantBack[i]-1 || float64(backPad[i]) != wantBack[i] {
				t.Fatalf("%+v: Col2im[%d] = %v (float32 %v, padded scratch %v − 1), want %v", g, i, back[i], back32[i], backPad[i], wantBack[i]-1)
			}
		}
	}
}
