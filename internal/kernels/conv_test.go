package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// convNaive is the definition of a stride-1, unpadded convolution.
func convNaive(out, in, w, bias []float64, g ConvGeom, o int) {
	oh, ow := g.OutH(), g.OutW()
	for oc := 0; oc < o; oc++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				s := 0.0
				if bias != nil {
					s = bias[oc]
				}
				for c := 0; c < g.C; c++ {
					for i := 0; i < g.KH; i++ {
						for j := 0; j < g.KW; j++ {
							s += w[((oc*g.C+c)*g.KH+i)*g.KW+j] * in[(c*g.H+y+i)*g.W+x+j]
						}
					}
				}
				out[(oc*oh+y)*ow+x] = s
			}
		}
	}
}

// TestDirectConv checks the direct convolution kernels, assembly and Go
// twin, against the definition.
func TestDirectConv(t *testing.T) { forEachImpl(t, testDirectConv) }

func testDirectConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct {
		g ConvGeom
		o int
	}{
		{ConvGeom{C: 1, H: 32, W: 32, KH: 5, KW: 5, StrideH: 1, StrideW: 1}, 6},   // LeNet C1
		{ConvGeom{C: 6, H: 14, W: 14, KH: 5, KW: 5, StrideH: 1, StrideW: 1}, 16},  // LeNet C3
		{ConvGeom{C: 3, H: 9, W: 20, KH: 3, KW: 3, StrideH: 1, StrideW: 1}, 11},   // OW 18: two vectors, 11 channels
		{ConvGeom{C: 2, H: 5, W: 5, KH: 1, KW: 1, StrideH: 1, StrideW: 1}, 3},     // 1×1
		{ConvGeom{C: 4, H: 34, W: 34, KH: 3, KW: 3, StrideH: 1, StrideW: 1}, 8},   // OW 32 exactly
		{ConvGeom{C: 1, H: 18, W: 18, KH: 3, KW: 3, StrideH: 1, StrideW: 1}, 17},  // OW 16 exactly
		{ConvGeom{C: 2, H: 3, W: 30, KH: 3, KW: 3, StrideH: 1, StrideW: 1}, 9},    // one row of 28
		{ConvGeom{C: 2, H: 20, W: 28, KH: 13, KW: 13, StrideH: 1, StrideW: 1}, 5}, // rows of 16 in a wide input: not flat
		{ConvGeom{C: 5, H: 15, W: 16, KH: 3, KW: 3, StrideH: 1, StrideW: 1}, 13},  // 13 rows of 14 (cnn's 14×14, padded): pairs and a last row
		{ConvGeom{C: 3, H: 12, W: 21, KH: 4, KW: 4, StrideH: 1, StrideW: 1}, 9},   // even K, OW 18: window columns in pairs only
		{ConvGeom{C: 2, H: 9, W: 9, KH: 2, KW: 2, StrideH: 1, StrideW: 1}, 8},     // even K, OW 8
	} {
		g, o := tc.g, tc.o
		if DirectConv(g) != useAVX512 {
			t.Fatalf("DirectConv(%+v) = %v with useAVX512 %v", g, DirectConv(g), useAVX512)
		}
		ckk := g.C * g.KH * g.KW
		in32, w32, b32 := make([]float32, g.C*g.H*g.W), make([]float32, o*ckk), make([]float32, o)
		in64, w64, b64 := make([]float64, len(in32)), make([]float64, len(w32)), make([]float64, o)
		for i := range in32 {
			in32[i] = float32(rng.NormFloat64())
			in64[i] = float64(in32[i])
		}
		for i := range w32 {
			w32[i] = float32(rng.NormFloat64())
			w64[i] = float64(w32[i])
		}
		for i := range b32 {
			b32[i] = float32(rng.NormFloat64())
			b64[i] = float64(b32[i])
		}
		oh, ow := g.OutH(), g.OutW()
		wt := make([]float32, PackedConvWeights(g, o))
		bias8 := make([]float32, (o+7)/8*8)
		PackConvWeights(wt, bias8, w32, b32, g, o)
		// Guard values after the output catch stores past its end.
		out := make([]float32, o*oh*ow+16)
		for i := range out {
			out[i] = 12345
		}
		flat := make([]float32, FlatScratch(g, o))
		for i := range flat {
			flat[i] = float32(math.NaN())
		}
		ConvForwardDirect(out, in32, flat, wt, bias8, g, o)
		want := make([]float64, o*oh*ow)
		convNaive(want, in64, w64, b64, g, o)
		for i, v := range want {
			if math.Abs(float64(out[i])-v) > 1e-4*(1+math.Abs(v)) {
				t.Fatalf("%+v o=%d: forward[%d] = %v, want %v", g, o, i, out[i], v)
			}
		}
		for _, v := range out[len(want):] {
			if v != 12345 {
				t.Fatalf("%+v o=%d: wrote past the output", g, o)
			}
		}
		// The same sums another way: with the rows of 16 pixels or fewer
		// one at a time instead of in pairs, and by rows instead of the
		// flat layout. Each must give every pixel the same bits.
		for _, alt := range []struct {
			name string
			on   bool
			flag *bool
		}{
			{"one row at a time", !flatRows(g) && ow <= 16 && oh > 1, &rowPairs},
			{"by rows, not flat", flatRows(g), &flatChunks},
		} {
			if !alt.on {
				continue
			}
			other := make([]float32, len(out))
			*alt.flag = false
			ConvForwardDirect(other, in32, nil, wt, bias8, g, o)
			*alt.flag = true
			for i, v := range want {
				if math.Float32bits(other[i]) != math.Float32bits(out[i]) {
					t.Fatalf("%+v o=%d: [%d] = %v, %s %v (want %v)", g, o, i, out[i], alt.name, other[i], v)
				}
			}
		}
		// Weight gradient against the definition, accumulated onto ones.
		gr32, gr64 := make([]float32, o*oh*ow), make([]float64, o*oh*ow)
		for i := range gr32 {
			gr32[i] = float32(rng.NormFloat64())
			gr64[i] = float64(gr32[i])
		}
		gw := make([]float32, o*ckk)
		for i := range gw {
			gw[i] = 1
		}
		ConvWeightGradDirect(gw, in32, gr32, make([]float32, ConvWeightGradScratch(g, o)), g, o)
		for oc := 0; oc < o; oc++ {
			for c := 0; c < g.C; c++ {
				for i := 0; i < g.KH; i++ {
					for j := 0; j < g.KW; j++ {
						s := 1.0
						for y := 0; y < oh; y++ {
							for x := 0; x < ow; x++ {
								s += gr64[(oc*oh+y)*ow+x] * in64[(c*g.H+y+i)*g.W+x+j]
							}
						}
						got := gw[((oc*g.C+c)*g.KH+i)*g.KW+j]
						if math.Abs(float64(got)-s) > 1e-4*(1+math.Abs(s)) {
							t.Fatalf("%+v o=%d: weight grad [%d %d %d %d] = %v, want %v", g, o, oc, c, i, j, got, s)
						}
					}
				}
			}
		}
	}
}

// TestDirectConvGeometry checks that the direct kernels refuse the
// geometries they do not handle, on every machine.
func TestDirectConvGeometry(t *testing.T) {
	for _, g := range []ConvGeom{
		{C: 1, H: 8, W: 8, KH: 3, KW: 3, StrideH: 2, StrideW: 2},
		{C: 1, H: 8, W: 8, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{C: 1, H: 8, W: 8, KH: 3, KW: 2, StrideH: 1, StrideW: 1},
		{C: 1, H: 8, W: 40, KH: 3, KW: 3, StrideH: 1, StrideW: 1}, // OW 38
	} {
		if DirectConv(g) {
			t.Errorf("DirectConv(%+v) = true", g)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ConvForwardDirect(%+v) did not panic", g)
				}
			}()
			out := make([]float32, g.OutH()*g.OutW())
			wt := make([]float32, PackedConvWeights(g, 1))
			ConvForwardDirect(out, make([]float32, g.H*g.W), nil, wt, make([]float32, 8), g, 1)
		}()
	}
}

// TestDirectConvPadded checks ConvForwardDirectPadded, assembly and Go
// twin, against the definition on the image padded with zeros: the 3×3
// convolutions with padding 1 of the cnn and resnet models (28 and 14
// pixels wide, 32 and 64 channels), a padding of 2, a channel count
// that does not fill the groups of eight, and no padding at all. A
// scratch holding garbage must not leak into the result.
func TestDirectConvPadded(t *testing.T) { forEachImpl(t, testDirectConvPadded) }

func testDirectConvPadded(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, tc := range []struct {
		g ConvGeom
		o int
	}{
		{ConvGeom{C: 32, H: 28, W: 28, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, 32},
		{ConvGeom{C: 64, H: 14, W: 14, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, 64},
		{ConvGeom{C: 3, H: 9, W: 17, KH: 5, KW: 5, StrideH: 1, StrideW: 1, PadH: 2, PadW: 2}, 11},
		{ConvGeom{C: 5, H: 7, W: 7, KH: 3, KW: 3, StrideH: 1, StrideW: 1}, 4},
		{ConvGeom{C: 64, H: 7, W: 7, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, 64}, // resnet's last stage
		{ConvGeom{C: 16, H: 1, W: 9, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, 9},  // one row
	} {
		g, o := tc.g, tc.o
		if DirectConvPadded(g) != useAVX512 {
			t.Fatalf("DirectConvPadded(%+v) = %v with useAVX512 %v", g, DirectConvPadded(g), useAVX512)
		}
		u := g.unpadded()
		ckk := g.C * g.KH * g.KW
		in32, w32, b32 := make([]float32, g.C*g.H*g.W), make([]float32, o*ckk), make([]float32, o)
		for _, s := range [][]float32{in32, w32, b32} {
			for i := range s {
				s[i] = float32(rng.NormFloat64())
			}
		}
		// The definition, on the padded image in float64.
		pad64 := make([]float64, u.C*u.H*u.W)
		for c := 0; c < g.C; c++ {
			for y := 0; y < g.H; y++ {
				for x := 0; x < g.W; x++ {
					pad64[(c*u.H+y+g.PadH)*u.W+x+g.PadW] = float64(in32[(c*g.H+y)*g.W+x])
				}
			}
		}
		w64, b64 := make([]float64, len(w32)), make([]float64, o)
		for i, v := range w32 {
			w64[i] = float64(v)
		}
		for i, v := range b32 {
			b64[i] = float64(v)
		}
		want := make([]float64, o*g.OutH()*g.OutW())
		convNaive(want, pad64, w64, b64, u, o)

		wt := make([]float32, PackedConvWeights(g, o))
		bias8 := make([]float32, (o+7)/8*8)
		PackConvWeights(wt, bias8, w32, b32, g, o)
		scratch := make([]float32, DirectPaddedScratch(g, o))
		for i := range scratch {
			scratch[i] = float32(math.NaN())
		}
		out := make([]float32, len(want))
		ConvForwardDirectPadded(out, in32, scratch, wt, bias8, g, o)
		for i, v := range want {
			if math.Abs(float64(out[i])-v) > 1e-4*(1+math.Abs(v)) {
				t.Fatalf("%+v o=%d: output [%d] = %v, want %v", g, o, i, out[i], v)
			}
		}
	}
	g := ConvGeom{C: 1, H: 8, W: 8, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}
	if DirectConvPadded(g) {
		t.Errorf("DirectConvPadded(%+v) = true for stride 2", g)
	}
}
