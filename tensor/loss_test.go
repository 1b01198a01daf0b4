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

// TestSquaredErrorBackwardWithoutMask: without a mask the gradient keeps
// MSELoss's arithmetic to the bit — 2s·(a - b) computed in the tensors'
// dtype, as SubTo and AddScaled compute it — so that routing MSELoss
// through the masked kernel changes no float32 result.
func TestSquaredErrorBackwardWithoutMask(t *testing.T) {
	for _, dt := range []DType{Float64, Float32} {
		rng := NewRNG(9)
		a, b := RandNormal(rng, dt, 0, 2, 5, 7), RandNormal(rng, dt, 0, 2, 5, 7)
		ga, gb := RandNormal(rng, dt, 0, 1, 5, 7), RandNormal(rng, dt, 0, 1, 5, 7)
		wantA, wantB := ga.Clone(), gb.Clone()
		const s = 0.37 / 35
		d := New(dt, 5, 7)
		SubTo(d, a, b)
		wantA.AddScaled(2*s, d)
		wantB.AddScaled(-2*s, d)
		MaskedSquaredErrorBackward(ga, gb, a, b, nil, s)
		if !AllClose(ga, wantA, 0, 0) || !AllClose(gb, wantB, 0, 0) {
			t.Errorf("%v: gradient without a mask is not 2s·(a-b) to the bit:\n%v\n%v", dt, ga, wantA)
		}
	}
}

// TestSoftmaxCrossEntropyKeepsItsArithmetic pins the plain cross-entropy
// to the bit, through both entry points, against its formula written out:
// the loss log Σ e^x - x[label] summed in float64, the softmax e^(x-lse)
// rounded to the dtype, and the gradient s·probs - s·onehot(label) computed
// in the dtype with s rounded to it. (Comparing CrossEntropy with
// CrossEntropyWith alone would not notice a change to the loop they share.)
func TestSoftmaxCrossEntropyKeepsItsArithmetic(t *testing.T) {
	const n, c, s = 64, 10, 0.3 // s is not a float32: its rounding shows
	labels, labels64 := make([]int, n), make([]int64, n)
	for i := range labels {
		labels[i] = (i * 7) % c
		labels64[i] = int64(labels[i])
	}
	for _, dt := range []DType{Float64, Float32} {
		x := RandNormal(NewRNG(13), dt, 0, 3, n, c)
		wantProbs, wantGrad := New(dt, n, c), RandNormal(NewRNG(14), dt, 0, 1, n, c)
		var wantTotal float64
		xs := x.Float64s()
		for i, l := range labels {
			row := xs[i*c : (i+1)*c]
			m, ls := logSumExp(row, c, 1)
			wantTotal += m + ls - row[l]
			for k, v := range row {
				wantProbs.Set(math.Exp(v-(m+ls)), i, k) // rounded to dt once
			}
		}
		if dt == Float64 {
			for i, l := range labels {
				for k := 0; k < c; k++ {
					wantGrad.f64[i*c+k] += s * wantProbs.f64[i*c+k]
				}
				wantGrad.f64[i*c+l] -= s
			}
		} else {
			st := float32(s)
			for i, l := range labels {
				for k := 0; k < c; k++ {
					wantGrad.f32[i*c+k] += st * wantProbs.f32[i*c+k]
				}
				wantGrad.f32[i*c+l] -= st
			}
		}
		probs, probsWith := New(dt, n, c), New(dt, n, c)
		total := SoftmaxCrossEntropy(probs, x, labels)
		totalWith, weight := SoftmaxCrossEntropyWith(nil, probsWith, x, labels64, CrossEntropyOptions{})
		if total != wantTotal || totalWith != wantTotal || weight != n {
			t.Errorf("%v: totals %v and %v (weight %v), want %v and %d", dt, total, totalWith, weight, wantTotal, n)
		}
		if !AllClose(probs, wantProbs, 0, 0) || !AllClose(probsWith, wantProbs, 0, 0) {
			t.Errorf("%v: softmax differs from e^(x - lse)", dt)
		}
		g, gWith := RandNormal(NewRNG(14), dt, 0, 1, n, c), RandNormal(NewRNG(14), dt, 0, 1, n, c)
		SoftmaxCrossEntropyBackward(g, probs, labels, s)
		SoftmaxCrossEntropyWithBackward(gWith, probs, labels64, CrossEntropyOptions{}, s, nil)
		if !AllClose(g, wantGrad, 0, 0) || !AllClose(gWith, wantGrad, 0, 0) {
			t.Errorf("%v: gradient is not s·(probs - onehot) to the bit:\n%v\n%v\nwant %v", dt, g, gWith, wantGrad)
		}
	}
}
