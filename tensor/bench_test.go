package tensor

import (
	"fmt"
	"testing"
)

// BenchmarkMatMul times float32 square matrix products; the GFLOP/s metric
// counts 2n³ operations per product.
func BenchmarkMatMul(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := NewRNG(1)
			x := RandNormal(rng, Float32, 0, 1, n, n)
			y := RandNormal(rng, Float32, 0, 1, n, n)
			dst := New(Float32, n, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				MatMulTo(dst, x, y, false, false)
			}
			b.ReportMetric(2*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkAddBroadcast(b *testing.B) {
	rng := NewRNG(1)
	x := RandNormal(rng, Float32, 0, 1, 64, 256)
	bias := RandNormal(rng, Float32, 0, 1, 256)
	dst := New(Float32, 64, 256)
	b.ReportAllocs()
	for b.Loop() {
		AddTo(dst, x, bias)
	}
}

// BenchmarkBatchNorm times batch normalisation in training, forward and
// backward, on the output of the cnn model's second convolution at batch
// 64: (64, 32, 28, 28).
func BenchmarkBatchNorm(b *testing.B) {
	x := RandNormal(NewRNG(1), Float32, 0, 1, 64, 32, 28, 28)
	y, xh, gx := New(Float32, x.Shape()...), New(Float32, x.Shape()...), New(Float32, x.Shape()...)
	is, gamma, beta := New(Float32, 32), Full(Float32, 1, 32), New(Float32, 32)
	gg, gb := New(Float32, 32), New(Float32, 32)
	st := &BatchNormStats{RunningMean: New(Float32, 32), RunningVar: Full(Float32, 1, 32), Momentum: 0.1, Eps: 1e-5}
	b.ReportAllocs()
	for b.Loop() {
		BatchNormTo(y, xh, is, x, gamma, beta, st, true)
		BatchNormBackward(gx, gg, gb, x, xh, is, gamma, true)
	}
}
