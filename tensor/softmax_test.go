package tensor

import (
	"math"
	"slices"
	"testing"
)

func TestSoftmaxRows(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		x := FromFloat64([]float64{1, 2, 3, 1000, 1000, -1000}, 2, 3).To(dt)
		p := New(dt, 2, 3)
		SoftmaxTo(p, x, 1)
		e := []float64{math.Exp(-2), math.Exp(-1), 1}
		s := e[0] + e[1] + e[2]
		want := []float64{e[0] / s, e[1] / s, e[2] / s, 0.5, 0.5, 0}
		lp := New(dt, 2, 3)
		LogSoftmaxTo(lp, x, -1)
		for i, w := range want {
			if math.Abs(p.Flat(i)-w) > 1e-6 {
				t.Errorf("%v softmax[%d] = %v, want %v", dt, i, p.Flat(i), w)
			}
			if w > 0 && math.Abs(lp.Flat(i)-math.Log(w)) > 1e-5 {
				t.Errorf("%v log_softmax[%d] = %v, want %v", dt, i, lp.Flat(i), math.Log(w))
			}
		}
		losses := CrossEntropyRows(nil, x, []int{2, 2})
		if math.Abs(losses[0]-(-math.Log(want[2]))) > 1e-6 || losses[1] < 1000 {
			t.Errorf("%v cross-entropy rows %v", dt, losses)
		}
		probs := New(dt, 2, 3)
		if total := SoftmaxCrossEntropy(probs, x, []int{2, 2}); math.Abs(total-(losses[0]+losses[1])) > 1e-9 {
			t.Errorf("%v summed cross-entropy %v, rows %v", dt, total, losses)
		}
		if !AllClose(probs, p, 1e-6, 1e-7) {
			t.Errorf("%v cross-entropy probabilities %v, softmax %v", dt, probs, p)
		}
	}
}

func TestArgMaxRows(t *testing.T) {
	nan := math.NaN()
	x := FromFloat64([]float64{1, 3, 3, 5, 2, nan, -1, -2, -3}, 3, 3)
	got := ArgMaxRows(nil, x)
	if want := []int{1, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("ArgMaxRows = %v, want %v (first maximum; NaN wins, as in PyTorch)", got, want)
	}
	if along := ArgMax(x, 1); !slices.Equal(along, got) {
		t.Errorf("ArgMax(x, 1) = %v, ArgMaxRows %v: one rule for both", along, got)
	}
	if cols := ArgMax(x, 0); !slices.Equal(cols, []int{1, 0, 1}) {
		t.Errorf("ArgMax(x, 0) = %v, want [1 0 1] (the NaN wins column 2)", cols)
	}
	if got32 := ArgMaxRows(make([]int, 0, 8), x.To(Float32)); !slices.Equal(got32, got) {
		t.Errorf("float32 ArgMaxRows = %v, float64 %v", got32, got)
	}
}

func TestSoftmaxBackward(t *testing.T) {
	// Against central differences of Σ w·softmax(x) and Σ w·log_softmax(x).
	x := FromFloat64([]float64{0.3, -1.2, 2.0, 0.5, 0.1, -0.4}, 2, 3)
	w := FromFloat64([]float64{0.7, -0.2, 1.1, 0.4, -0.9, 0.25}, 2, 3)
	for _, logOut := range []bool{false, true} {
		f := func(x *Tensor) float64 {
			y := New(Float64, 2, 3)
			softmaxTo("test", y, x, 1, logOut)
			s := 0.0
			for i := 0; i < 6; i++ {
				s += y.Flat(i) * w.Flat(i)
			}
			return s
		}
		y := New(Float64, 2, 3)
		softmaxTo("test", y, x, 1, logOut)
		gx := New(Float64, 2, 3)
		softmaxBackward("test", gx, w, y, 1, logOut)
		for i := 0; i < 6; i++ {
			xp, xm := x.Clone(), x.Clone()
			xp.SetFlat(i, x.Flat(i)+1e-6)
			xm.SetFlat(i, x.Flat(i)-1e-6)
			num := (f(xp) - f(xm)) / 2e-6
			if math.Abs(num-gx.Flat(i)) > 1e-6 {
				t.Errorf("log=%v: gradient[%d] = %v, numerical %v", logOut, i, gx.Flat(i), num)
			}
		}
	}
}
