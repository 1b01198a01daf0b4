package kernels

import "testing"

// BenchmarkConvForwardDirect times the direct convolution of one image,
// on one thread, for the geometries of the built-in models: LeNet-5's C3,
// cnn's 14×14 stage and resnet's 7×7 stage.
func BenchmarkConvForwardDirect(b *testing.B) {
	for _, tc := range []struct {
		name string
		g    ConvGeom
		o    int
	}{
		{"lenet-c3", ConvGeom{C: 6, H: 14, W: 14, KH: 5, KW: 5, StrideH: 1, StrideW: 1}, 16},
		{"cnn-14", ConvGeom{C: 64, H: 14, W: 14, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, 64},
		{"resnet-7", ConvGeom{C: 64, H: 7, W: 7, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, 64},
		{"cnn-28", ConvGeom{C: 32, H: 28, W: 28, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, 32},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g, o := tc.g, tc.o
			if !DirectConvPadded(g) {
				b.Skip("no AVX-512")
			}
			in := make([]float32, g.C*g.H*g.W)
			for i := range in {
				in[i] = float32(i%7) - 3
			}
			w := make([]float32, o*g.C*g.KH*g.KW)
			for i := range w {
				w[i] = float32(i%5) - 2
			}
			wt := make([]float32, PackedConvWeights(g, o))
			bias8 := make([]float32, (o+7)/8*8)
			PackConvWeights(wt, bias8, w, nil, g, o)
			out := make([]float32, o*g.OutH()*g.OutW())
			u := g.unpadded()
			scratch := make([]float32, u.C*u.H*u.W+o*u.H*u.W)
			b.ReportMetric(0, "ns/op")
			b.ResetTimer()
			for range b.N {
				ConvForwardDirectPadded(out, in, scratch, wt, bias8, g, o)
			}
			flops := 2 * float64(o*g.C*g.KH*g.KW*g.OutH()*g.OutW()) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkPadImage times writing a 64-channel 14×14 image into its
// padded frame, with the vector row writer and with a copy a row.
func BenchmarkPadImage(b *testing.B) {
	g := ConvGeom{C: 64, H: 14, W: 14, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	src, dst := make([]float32, g.C*g.H*g.W), make([]float32, padLen(g))
	for _, impl := range []struct {
		name string
		avx  bool
	}{{"rows", false}, {"avx512", true}} {
		b.Run(impl.name, func(b *testing.B) {
			if impl.avx && !useAVX512 {
				b.Skip("no AVX-512")
			}
			saved := useAVX512
			useAVX512 = impl.avx
			defer func() { useAVX512 = saved }()
			for range b.N {
				padImage(dst, src, g)
			}
		})
	}
}
