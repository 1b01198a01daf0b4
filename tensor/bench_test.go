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
