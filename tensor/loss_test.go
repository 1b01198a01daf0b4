package tensor

import (
	"math"
	"strings"
	"testing"
)

func TestMaskSpan(t *testing.T) {
	x := New(Float64, 2, 3, 4)
	tests := []struct {
		mask []int
		span int
	}{
		{[]int{2, 3, 4}, 1},
		{[]int{2, 3}, 4},
		{[]int{2, 3, 1}, 4},
		{[]int{2, 1}, 12},
		{[]int{2}, 12},
		{[]int{2, 1, 1, 1}, 12},
	}
	for _, tt := range tests {
		if got := maskSpan("test", x, New(Float64, tt.mask...)); got != tt.span {
			t.Errorf("mask %v over %v: span %d, want %d", tt.mask, x.Shape(), got, tt.span)
		}
	}
	for _, bad := range [][]int{{3, 2}, {1, 3}, {2, 3, 4, 2}, {4}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "does not fit") {
					t.Errorf("mask %v over %v: panic %v, want one saying it does not fit", bad, x.Shape(), r)
				}
			}()
			maskSpan("test", x, New(Float64, bad...))
		}()
	}
}

// TestSoftmaxCrossEntropyWith checks the per-row losses, the mean's weight
// and the gradient on numbers worked out by hand: with logits (0, ln 3)
// the softmax is (1/4, 3/4).
func TestSoftmaxCrossEntropyWith(t *testing.T) {
	for _, dt := range []DType{Float64, Float32} {
		x := FromFloat64([]float64{0, math.Log(3), 0, math.Log(3), 5, 5}, 3, 2).To(dt)
		o := CrossEntropyOptions{Weight: []float64{2, 0.5}, LabelSmoothing: 0.5}
		losses, probs := New(dt, 3), New(dt, 3, 2)
		total, weight := SoftmaxCrossEntropyWith(losses, probs, x, []int64{0, 1, -100}, o)
		// Row 0, label 0: 0.5·2·ln 4 + 0.25·(2·ln 4 + 0.5·ln(4/3)).
		l0 := math.Log(4) + 0.25*(2*math.Log(4)+0.5*math.Log(4.0/3))
		// Row 1, label 1: 0.5·0.5·ln(4/3) + the same smoothing term.
		l1 := 0.25*math.Log(4.0/3) + 0.25*(2*math.Log(4)+0.5*math.Log(4.0/3))
		for i, want := range []float64{l0, l1, 0} {
			if math.Abs(losses.Flat(i)-want) > 1e-6 {
				t.Errorf("%v row %d: loss %v, want %v", dt, i, losses.Flat(i), want)
			}
		}
		if math.Abs(total-(l0+l1)) > 1e-6 || weight != 2.5 {
			t.Errorf("%v: total %v weight %v, want %v and 2.5", dt, total, weight, l0+l1)
		}
		// Row 0's gradient: p·((1-ε)·w₀ + (ε/C)·Σw) - (1-ε)·w₀·onehot(0) - (ε/C)·w
		// = (1/4, 3/4)·(1 + 0.625) - (1, 0) - (0.5, 0.125).
		g := New(dt, 3, 2)
		SoftmaxCrossEntropyWithBackward(g, probs, []int64{0, 1, -100}, o, 1, nil)
		want := []float64{0.25*1.625 - 1.5, 0.75*1.625 - 0.125}
		for k, w := range want {
			if math.Abs(g.At(0, k)-w) > 1e-6 {
				t.Errorf("%v: d/dx[0,%d] = %v, want %v", dt, k, g.At(0, k), w)
			}
		}
		if g.At(2, 0) != 0 || g.At(2, 1) != 0 {
			t.Errorf("%v: the ignored row has gradient %v, %v", dt, g.At(2, 0), g.At(2, 1))
		}
		// Per-row scales multiply each row's gradient.
		g2 := New(dt, 3, 2)
		SoftmaxCrossEntropyWithBackward(g2, probs, []int64{0, 1, -100}, o, 1, FromFloat64([]float64{2, 0, 7}, 3).To(dt))
		if math.Abs(g2.At(0, 1)-2*g.At(0, 1)) > 1e-6 || g2.At(1, 0) != 0 {
			t.Errorf("%v: row scales 2, 0 give %v", dt, g2)
		}
	}
}

// TestBCEWithLogitsWithPosWeight checks one element by hand: x = 0, y = 1,
// p = 3 gives 3·ln 2, and the gradient (1-y) - (1+(p-1)y)·σ(-x) = -1.5.
func TestBCEWithLogitsWithPosWeight(t *testing.T) {
	x := FromFloat64([]float64{0, 0}, 1, 2)
	y := FromFloat64([]float64{1, 1}, 1, 2)
	o := BCEOptions{PosWeight: []float64{3, 1}}
	total, weight := BCEWithLogitsWith(nil, x, y, o)
	if want := 4 * math.Ln2; math.Abs(total-want) > 1e-12 || weight != 2 {
		t.Errorf("total %v weight %v, want %v and 2", total, weight, want)
	}
	gx := New(Float64, 1, 2)
	BCEWithLogitsWithBackward(gx, nil, x, y, o, 1, nil)
	if gx.Flat(0) != -1.5 || gx.Flat(1) != -0.5 {
		t.Errorf("gradient %v, want [-1.5 -0.5]", gx)
	}
}
