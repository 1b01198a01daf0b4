package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestLinearPacked checks LinearPackedTo against LinearTo, bit for bit,
// with and without a bias, at batch sizes that choose either micro-kernel,
// on one and two workers; that changing the weights after packing does
// not change the packed product; and that a product too small for the
// blocked GEMM is refused.
func TestLinearPacked(t *testing.T) {
	rng := NewRNG(7)
	w := RandNormal(rng, Float32, 0, 0.1, 256, 784)
	b := RandNormal(rng, Float32, 0, 0.1, 256)
	p := PackWeights(w)
	if out, in := p.Shape(); out != 256 || in != 784 {
		t.Fatalf("Shape() = %d, %d", out, in)
	}
	for _, threads := range []int{1, 2} {
		old := SetThreads(threads)
		for _, n := range []int{1, 7, 64, 300, 1000} {
			x := RandNormal(rng, Float32, 0, 1, n, 784)
			for _, bias := range []*Tensor{b, nil} {
				name := fmt.Sprintf("%d threads, %d rows, bias %v", threads, n, bias != nil)
				if !PackedServes(p, n) {
					t.Fatalf("%s: not served", name)
				}
				got, want := Full(Float32, math.NaN(), n, 256), New(Float32, n, 256)
				LinearPackedTo(got, x, p, bias)
				LinearTo(want, x, w, bias)
				for i := range want.f32 {
					if math.Float32bits(got.f32[i]) != math.Float32bits(want.f32[i]) {
						t.Fatalf("%s: [%d] = %v, LinearTo %v", name, i, got.f32[i], want.f32[i])
					}
				}
				LinearReLUPackedTo(got, x, p, bias)
				UnaryTo(OpReLU, want, want, 0)
				for i := range want.f32 {
					if math.Float32bits(got.f32[i]) != math.Float32bits(want.f32[i]) {
						t.Fatalf("%s: with ReLU [%d] = %v, LinearTo and ReLU %v", name, i, got.f32[i], want.f32[i])
					}
				}
			}
		}
		SetThreads(old)
	}
	x := RandNormal(rng, Float32, 0, 1, 64, 784)
	want := New(Float32, 64, 256)
	LinearTo(want, x, w, b)
	w.Fill(3)
	got := New(Float32, 64, 256)
	LinearPackedTo(got, x, p, b)
	for i := range want.f32 {
		if got.f32[i] != want.f32[i] {
			t.Fatal("the packed product changed with the weights after packing")
		}
	}
	small := PackWeights(RandNormal(rng, Float32, 0, 1, 2, 3))
	if PackedServes(small, 2) {
		t.Error("a 2×2×3 product is served by packed weights")
	}
	defer func() {
		if recover() == nil {
			t.Error("LinearPackedTo of a product it cannot serve did not panic")
		}
	}()
	LinearPackedTo(New(Float32, 2, 2), New(Float32, 2, 3), small, nil)
}
