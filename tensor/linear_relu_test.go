package tensor

import (
	"math"
	"testing"
)

// TestLinearReLUTo checks LinearReLUTo against LinearTo then ReLU, and
// ReLUGradBiasTo against UnaryGradSetTo then AccumulateTo, to the bit,
// in float32 (the fused kernels) and float64 (the plain passes), with a
// bias and without; and that shapes that do not fit panic.
func TestLinearReLUTo(t *testing.T) {
	rng := NewRNG(3)
	for _, dt := range []DType{Float32, Float64} {
		x := RandNormal(rng, dt, 0, 1, 64, 200)
		w := RandNormal(rng, dt, 0, 0.1, 70, 200)
		b := RandNormal(rng, dt, 0, 0.1, 70)
		g := RandNormal(rng, dt, 0, 1, 64, 70)
		g.SetFlat(5, math.Copysign(0, -1))
		for _, bias := range []*Tensor{b, nil} {
			want := New(dt, 64, 70)
			LinearTo(want, x, w, bias)
			UnaryTo(OpReLU, want, want, 0)
			got := New(dt, 64, 70)
			LinearReLUTo(got, x, w, bias)
			sameBitsT(t, dt.String()+" LinearReLUTo", got, want, true)

			wantGx := New(dt, 64, 70)
			UnaryGradSetTo(OpReLU, wantGx, g, want, want, 0)
			wantGb := b.Clone()
			AccumulateTo(wantGb, wantGx)
			gx, gb := Full(dt, math.NaN(), 64, 70), b.Clone()
			ReLUGradBiasTo(gx, g, got, gb)
			sameBitsT(t, dt.String()+" ReLUGradBiasTo's gradient", gx, wantGx, true)
			sameBitsT(t, dt.String()+" ReLUGradBiasTo's bias gradient", gb, wantGb, false)
			gx2 := New(dt, 64, 70)
			ReLUGradBiasTo(gx2, g, got, nil)
			sameBitsT(t, dt.String()+" ReLUGradBiasTo without a bias", gx2, wantGx, true)
		}
	}
	panics := map[string]func(){
		"LinearReLUTo, a bias of the wrong length": func() {
			LinearReLUTo(New(Float32, 2, 3), New(Float32, 2, 4), New(Float32, 3, 4), New(Float32, 4))
		},
		"LinearReLUTo, a destination of the wrong shape": func() {
			LinearReLUTo(New(Float32, 2, 4), New(Float32, 2, 4), New(Float32, 3, 4), nil)
		},
		"ReLUGradBiasTo, an output of another shape": func() {
			ReLUGradBiasTo(New(Float32, 2, 3), New(Float32, 2, 3), New(Float32, 3, 2), nil)
		},
		"ReLUGradBiasTo, a bias gradient of the wrong length": func() {
			ReLUGradBiasTo(New(Float32, 2, 3), New(Float32, 2, 3), New(Float32, 2, 3), New(Float32, 2))
		},
	}
	for what, fn := range panics {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", what)
				}
			}()
			fn()
		}()
	}
}

func sameBitsT(t *testing.T, what string, got, want *Tensor, masked bool) {
	t.Helper()
	zeros := 0
	for i := range want.Len() {
		if math.Float64bits(got.Flat(i)) != math.Float64bits(want.Flat(i)) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got.Flat(i), want.Flat(i))
		}
		if want.Flat(i) == 0 {
			zeros++
		}
	}
	if masked && (zeros == 0 || zeros == want.Len()) {
		t.Fatalf("%s: %d zeros of %d: the case does not test the ReLU", what, zeros, want.Len())
	}
}
