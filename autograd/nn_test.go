package autograd

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

func TestGradCheckNNOps(t *testing.T) {
	x := randParam(21, "x", -1, 1, 4, 5)
	w := randParam(22, "w", -1, 1, 3, 5)
	b := randParam(23, "b", -1, 1, 3)
	img := randParam(24, "img", -1, 1, 2, 3, 7, 7)
	filt := randParam(25, "filt", -0.5, 0.5, 4, 3, 3, 3)
	fb := randParam(26, "fb", -0.5, 0.5, 4)
	// Pooling inputs: distinct values, so max pooling has no ties.
	pin := NewParam("pin", tensor.New(tensor.Float64, 2, 2, 6, 6))
	perm := tensor.NewRNG(27).Perm(pin.data.Len())
	for i, p := range perm {
		pin.data.SetFlat(i, float64(p)/float64(len(perm))-0.5)
	}
	mask := tensor.FromFloat64([]float64{2, 0, 2, 2, 0, 2, 0, 0, 2, 2, 2, 0, 2, 0, 2, 2, 0, 2, 2, 0}, 4, 5)
	gamma := randParam(28, "gamma", 0.5, 1.5, 3)
	beta := randParam(29, "beta", -0.5, 0.5, 3)
	bn2 := randParam(30, "bn2", -1, 1, 6, 3)
	bn4 := randParam(31, "bn4", -1, 1, 4, 3, 2, 2)
	state := func() *BatchNormState {
		return &BatchNormState{RunningMean: tensor.Full(tensor.Float64, 0.1, 3), RunningVar: tensor.Full(tensor.Float64, 0.9, 3), Momentum: 0.1, Eps: 1e-5}
	}
	logits := randParam(32, "logits", -2, 2, 5, 4)
	labels := []int{0, 3, 1, 1, 2}
	pred := randParam(33, "pred", -1, 1, 3, 4)
	target := randParam(34, "target", -1, 1, 3, 4)
	prob := randParam(35, "prob", 0.1, 0.9, 3, 4)
	y01 := NewParam("y01", tensor.FromFloat64([]float64{0, 1, 1, 0, 1, 0, 0, 1, 0.3, 0.7, 1, 0}, 3, 4))

	tests := []struct {
		name string
		f    func(g *Graph) *Value
		wrt  []*Value
	}{
		{"linear", func(g *Graph) *Value { return weighted(g, g.Linear(x, w, b)) }, []*Value{x, w, b}},
		{"linear without bias", func(g *Graph) *Value { return weighted(g, g.Linear(x, w, nil)) }, []*Value{x, w}},
		{"conv2d stride 1", func(g *Graph) *Value { return weighted(g, g.Conv2D(img, filt, fb, 1, 0)) }, []*Value{img, filt, fb}},
		{"conv2d stride 2 pad 1", func(g *Graph) *Value { return weighted(g, g.Conv2D(img, filt, fb, 2, 1)) }, []*Value{img, filt, fb}},
		{"conv2d without bias", func(g *Graph) *Value { return weighted(g, g.Conv2D(img, filt, nil, 1, 2)) }, []*Value{img, filt}},
		{"avgpool 2/2", func(g *Graph) *Value { return weighted(g, g.AvgPool2D(pin, 2, 2)) }, []*Value{pin}},
		{"avgpool overlapping 3/2", func(g *Graph) *Value { return weighted(g, g.AvgPool2D(pin, 3, 2)) }, []*Value{pin}},
		{"maxpool 2/2", func(g *Graph) *Value { return weighted(g, g.MaxPool2D(pin, 2, 2)) }, []*Value{pin}},
		{"maxpool overlapping 3/1", func(g *Graph) *Value { return weighted(g, g.MaxPool2D(pin, 3, 1)) }, []*Value{pin}},
		{"dropout", func(g *Graph) *Value { return weighted(g, g.Dropout(x, mask)) }, []*Value{x}},
		{"batchnorm1d training", func(g *Graph) *Value { return weighted(g, g.BatchNorm(bn2, gamma, beta, state(), true)) }, []*Value{bn2, gamma, beta}},
		{"batchnorm2d training", func(g *Graph) *Value { return weighted(g, g.BatchNorm(bn4, gamma, beta, state(), true)) }, []*Value{bn4, gamma, beta}},
		{"batchnorm2d eval", func(g *Graph) *Value { return weighted(g, g.BatchNorm(bn4, gamma, beta, state(), false)) }, []*Value{bn4, gamma, beta}},
		{"cross entropy mean", func(g *Graph) *Value { return g.CrossEntropy(logits, labels, ReduceMean) }, []*Value{logits}},
		{"cross entropy sum", func(g *Graph) *Value { return g.CrossEntropy(logits, labels, ReduceSum) }, []*Value{logits}},
		{"nll of log softmax", func(g *Graph) *Value { return g.NLLLoss(g.LogSoftmax(logits, 1), labels, ReduceMean) }, []*Value{logits}},
		{"nll sum", func(g *Graph) *Value { return g.NLLLoss(logits, labels, ReduceSum) }, []*Value{logits}},
		{"mse mean", func(g *Graph) *Value { return g.MSELoss(pred, target, ReduceMean) }, []*Value{pred, target}},
		{"mse sum", func(g *Graph) *Value { return g.MSELoss(pred, target, ReduceSum) }, []*Value{pred, target}},
		{"bce mean", func(g *Graph) *Value { return g.BCELoss(prob, y01, ReduceMean) }, []*Value{prob, y01}},
		{"bce sum", func(g *Graph) *Value { return g.BCELoss(prob, y01, ReduceSum) }, []*Value{prob}},
		{"bce with logits", func(g *Graph) *Value { return g.BCEWithLogitsLoss(pred, y01, ReduceMean) }, []*Value{pred, y01}},
		{"bce with logits sum", func(g *Graph) *Value {
			return g.BCEWithLogitsLoss(logits, NewConst("y", tensor.Full(tensor.Float64, 0.25, 5, 4)), ReduceSum)
		}, []*Value{logits}},
		{"a small network", func(g *Graph) *Value {
			h := g.Tanh(g.Conv2D(img, filt, fb, 1, 1))
			h = g.AvgPool2D(h, 2, 2)
			return g.CrossEntropy(g.Reshape(g.Sum(h, 2, 3), 2, 4), []int{1, 3}, ReduceMean)
		}, []*Value{img, filt, fb}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := GradCheck(tt.f, tt.wrt...)
			if res.MaxError > gradTol || math.IsNaN(res.MaxError) {
				t.Errorf("%s", res)
			}
		})
	}
}

func TestNNOpValues(t *testing.T) {
	g := NewGraph()
	in := func(shape []int, v ...float64) *Value { return g.Input(tensor.FromFloat64(v, shape...)) }
	near := func(name string, got *Value, want ...float64) {
		t.Helper()
		if got.data.Len() != len(want) {
			t.Fatalf("%s: %d values, want %d", name, got.data.Len(), len(want))
		}
		for i, w := range want {
			if math.Abs(got.data.Flat(i)-w) > 1e-9 {
				t.Errorf("%s[%d] = %v, want %v", name, i, got.data.Flat(i), w)
			}
		}
	}
	// y = x·wᵀ + b, by hand: [1 2]·[[1 0] [1 1]]ᵀ + [0.5 -1] = [1.5 2].
	near("linear", g.Linear(in([]int{1, 2}, 1, 2), in([]int{2, 2}, 1, 0, 1, 1), in([]int{2}, 0.5, -1)), 1.5, 2)
	// A 3×3 image with a 2×2 filter of ones: sums of each window, plus 1.
	near("conv2d", g.Conv2D(in([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9), in([]int{1, 1, 2, 2}, 1, 1, 1, 1), in([]int{1}, 1), 1, 0), 13, 17, 25, 29)
	// Padding 1, stride 2: windows at the corners see zeros.
	near("conv2d pad", g.Conv2D(in([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9), in([]int{1, 1, 2, 2}, 1, 1, 1, 1), nil, 2, 1), 1, 5, 11, 28)
	pin := in([]int{1, 1, 4, 4}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
	near("avgpool", g.AvgPool2D(pin, 2, 2), 3.5, 5.5, 11.5, 13.5)
	near("maxpool", g.MaxPool2D(pin, 2, 2), 6, 8, 14, 16)
	near("maxpool 3/1", g.MaxPool2D(pin, 3, 1), 11, 12, 15, 16)
	near("softmax", g.Softmax(in([]int{1, 3}, 0, math.Log(2), math.Log(5)), 1), 0.125, 0.25, 0.625)
	near("log softmax stable", g.LogSoftmax(in([]int{1, 2}, 1000, 1000), 1), -math.Ln2, -math.Ln2)
	// Cross-entropy of uniform logits over 4 classes is ln 4 whatever the label.
	near("cross entropy", g.CrossEntropy(in([]int{2, 4}, 0, 0, 0, 0, 5, 5, 5, 5), []int{1, 2}, ReduceMean), math.Log(4))
	near("cross entropy extreme", g.CrossEntropy(in([]int{1, 2}, 1000, -1000), []int{1}, ReduceSum), 2000)
	near("mse", g.MSELoss(in([]int{2}, 1, 2), in([]int{2}, 3, 2), ReduceMean), 2)
	near("bce", g.BCELoss(in([]int{2}, 0.5, 0.9), in([]int{2}, 1, 0), ReduceSum), math.Ln2-math.Log(0.1))
	near("bce clamps log(0)", g.BCELoss(in([]int{1}, 0), in([]int{1}, 1), ReduceMean), 100)
	near("bce with logits stable", g.BCEWithLogitsLoss(in([]int{2}, 800, -800), in([]int{2}, 0, 1), ReduceMean), 800)
	near("nll", g.NLLLoss(in([]int{2, 2}, -1, -2, -3, -4), []int{1, 0}, ReduceMean), 2.5)
	// Batch norm in training normalises each channel to mean 0, variance 1.
	st := &BatchNormState{RunningMean: tensor.New(tensor.Float64, 1), RunningVar: tensor.Ones(tensor.Float64, 1), Momentum: 0.1, Eps: 0}
	one := NewConst("one", tensor.Ones(tensor.Float64, 1))
	zero := NewConst("zero", tensor.New(tensor.Float64, 1))
	near("batchnorm", g.BatchNorm(in([]int{4, 1}, 1, 2, 3, 4), one, zero, st, true), -3/math.Sqrt(5), -1/math.Sqrt(5), 1/math.Sqrt(5), 3/math.Sqrt(5))
	if m, v := st.RunningMean.Flat(0), st.RunningVar.Flat(0); math.Abs(m-0.25) > 1e-12 || math.Abs(v-(0.9+0.1*5.0/3)) > 1e-12 {
		t.Errorf("running statistics %v, %v; want 0.25, %v", m, v, 0.9+0.1*5.0/3)
	}
}
