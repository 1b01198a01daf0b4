package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestConv2DPoolSameBits checks that Conv2DPoolTo gives, bit for bit, a
// convolution, then its activation, then its pooling run one after
// another, for every activation and both poolings, on one thread and on
// three: LeNet-5's C1 and C3 (direct kernels on AVX-512), a padded 3×3
// with 3×3 windows of stride 2 over an odd size, no bias, a strided
// convolution and a large image (im2col), float64, and a NaN in the
// input, which must reach the output.
func TestConv2DPoolSameBits(t *testing.T) {
	rng := NewRNG(7)
	for _, tc := range []struct {
		name            string
		n, c, o, size   int
		kh, stride, pad int
		k, pstride      int
		dtype           DType
		bias            bool
	}{
		{"LeNet-5 C1", 5, 1, 6, 32, 5, 1, 0, 2, 2, Float32, true},
		{"LeNet-5 C3", 5, 6, 16, 14, 5, 1, 0, 2, 2, Float32, true},
		{"3×3 pad 1, 3×3 pool of stride 2, odd size", 3, 4, 9, 13, 3, 1, 1, 3, 2, Float32, true},
		{"no bias", 3, 3, 8, 12, 3, 1, 1, 2, 2, Float32, false},
		{"strided: im2col", 3, 3, 8, 15, 3, 2, 1, 2, 2, Float32, true},
		{"large image: im2col", 2, 2, 4, 70, 3, 1, 1, 2, 2, Float32, true},
		{"float64", 3, 3, 5, 10, 3, 1, 1, 2, 2, Float64, true},
	} {
		x := RandNormal(rng, tc.dtype, 0, 1, tc.n, tc.c, tc.size, tc.size)
		x.SetFlat(tc.c*tc.size*tc.size+3*tc.size+4, math.NaN()) // second image, away from the border
		w := RandNormal(rng, tc.dtype, 0, 0.3, tc.o, tc.c, tc.kh, tc.kh)
		var b *Tensor
		if tc.bias {
			b = RandNormal(rng, tc.dtype, 0, 0.5, tc.o)
		}
		conv := AppendConv2DShape(nil, x.Shape(), w.Shape(), tc.stride, tc.pad)
		pooled := AppendPool2DShape(nil, conv, tc.k, tc.pstride)
		for _, act := range []Activation{NoActivation, ActReLU, ActTanh, ActSigmoid} {
			for _, kind := range []PoolKind{MaxPool, AvgPool} {
				for _, threads := range []int{1, 3} {
					name := fmt.Sprintf("%s, %v, %v, %d threads", tc.name, act, kind, threads)
					old := SetThreads(threads)
					y := New(tc.dtype, conv...)
					Conv2DTo(y, x, w, b, tc.stride, tc.pad, nil)
					if op, ok := act.unaryOp(); ok {
						UnaryTo(op, y, y, 0)
					}
					want := New(tc.dtype, pooled...)
					Pool2DTo(kind, want, y, tc.k, tc.pstride)
					got := Full(tc.dtype, 42, pooled...)
					ar := NewArena()
					Conv2DPoolTo(got, x, w, b, tc.stride, tc.pad, act, kind, tc.k, tc.pstride, ar)
					SetThreads(old)
					sameBitsT(t, name, got, want, false)
					nan := false
					for i := range got.Len() {
						nan = nan || math.IsNaN(got.Flat(i))
					}
					if !nan {
						t.Errorf("%s: the NaN in the input reached no output", name)
					}
				}
			}
		}
	}
}

// TestConv2DPoolChecks: wrong operands panic with a message that names
// the operation and what was wrong, as every tensor function does.
func TestConv2DPoolChecks(t *testing.T) {
	x := New(Float32, 2, 1, 8, 8)
	w := New(Float32, 3, 1, 3, 3)
	good := New(Float32, 2, 3, 3, 3) // 6×6, pooled 2×2
	for _, tc := range []struct {
		name string
		run  func()
		want string
	}{
		{"wrong output shape", func() { Conv2DPoolTo(New(Float32, 2, 3, 6, 6), x, w, nil, 1, 0, ActReLU, MaxPool, 2, 2, nil) }, "conv2d pool of"},
		{"float64 filters", func() { Conv2DPoolTo(good, x, New(Float64, 3, 1, 3, 3), nil, 1, 0, ActReLU, MaxPool, 2, 2, nil) }, "float64 filters"},
		{"bias of 2", func() { Conv2DPoolTo(good, x, w, New(Float32, 2), 1, 0, ActReLU, MaxPool, 2, 2, nil) }, "bias"},
		{"unknown activation", func() { Conv2DPoolTo(good, x, w, nil, 1, 0, Activation(9), MaxPool, 2, 2, nil) }, "Activation(9)"},
		{"pool of 0", func() { Conv2DPoolTo(good, x, w, nil, 1, 0, ActReLU, MaxPool, 0, 2, nil) }, "0×0 windows"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, []string{tc.want}, tc.run) })
	}
	if a, ok := ActivationOf(OpExp); ok || a != NoActivation {
		t.Errorf("ActivationOf(exp) = %v, %v: exp has no fused activation", a, ok)
	}
}
