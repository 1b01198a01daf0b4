package autograd

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

func scalarParam(name string, v float64) *Value {
	return NewParam(name, tensor.FromFloat64([]float64{v}))
}

func TestBackwardAccumulatesAndZeroes(t *testing.T) {
	w := scalarParam("w", 3)
	g := NewGraph()
	x := g.Input(tensor.FromFloat64([]float64{2}))
	// y = w·x + w² : dy/dw = x + 2w = 8, with w used twice.
	y := g.Add(g.Mul(w, x), g.Mul(w, w))
	g.Sum(y).Backward()
	if got := w.Grad().Item(); got != 8 {
		t.Fatalf("dy/dw = %v, want 8", got)
	}
	// A second backward pass (a new graph) adds to the gradient, as in PyTorch.
	g.Reset()
	x = g.Input(tensor.FromFloat64([]float64{2}))
	g.Sum(g.Mul(w, x)).Backward()
	if got := w.Grad().Item(); got != 10 {
		t.Fatalf("accumulated gradient = %v, want 10", got)
	}
	w.ZeroGrad()
	if got := w.Grad().Item(); got != 0 {
		t.Fatalf("after ZeroGrad gradient = %v", got)
	}
	if x.Grad() != nil {
		t.Error("an input that does not require gradients received one")
	}
}

func TestNoGradRecordsNothing(t *testing.T) {
	w := scalarParam("w", 3)
	g := NewInferenceGraph()
	y := g.Mul(w, g.Input(tensor.FromFloat64([]float64{2})))
	if y.RequiresGrad() || len(y.Parents()) != 0 {
		t.Fatalf("no-grad result requires grad %v with %d parents", y.RequiresGrad(), len(y.Parents()))
	}
	if y.Item() != 6 {
		t.Fatalf("no-grad forward = %v, want 6", y.Item())
	}
	defer func() {
		if recover() == nil {
			t.Error("Backward in no-grad mode did not panic")
		}
	}()
	y.Backward()
}

func TestDetach(t *testing.T) {
	a := NewParam("a", tensor.FromFloat64([]float64{0.5, -1}))
	g := NewGraph()
	e := g.Exp(a)
	// d/da Σ a·stop(eᵃ) = eᵃ: no gradient flows through the detached factor.
	g.Sum(g.Mul(a, e.Detach())).Backward()
	for i := 0; i < 2; i++ {
		if got, want := a.Grad().Flat(i), math.Exp(a.Data().Flat(i)); math.Abs(got-want) > 1e-12 {
			t.Errorf("grad[%d] = %v, want %v", i, got, want)
		}
	}
}

func TestBackwardNeedsScalar(t *testing.T) {
	w := NewParam("w", tensor.Ones(tensor.Float64, 2))
	g := NewGraph()
	y := g.MulScalar(w, 2)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "[2]") {
			t.Errorf("panic %v, want one naming the shape [2]", r)
		}
	}()
	y.Backward()
}

func TestShapeMismatchPanicsNamingShapes(t *testing.T) {
	g := NewGraph()
	a := g.Input(tensor.New(tensor.Float32, 2, 3))
	b := g.Input(tensor.New(tensor.Float32, 3, 2))
	for name, f := range map[string]func(){
		"add":    func() { g.Add(a, b) },
		"matmul": func() { g.MatMul(a, a) },
		"linear": func() { g.Linear(a, b, nil) },
	} {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.Contains(msg, "[2 3]") {
					t.Errorf("%s: panic %q does not name shape [2 3]", name, msg)
				}
			}()
			f()
		}()
	}
}

func TestForwardValues(t *testing.T) {
	g := NewGraph()
	in := func(v ...float64) *Value { return g.Input(tensor.FromFloat64(v)) }
	tests := []struct {
		name string
		got  *Value
		want []float64
	}{
		{"add", g.Add(in(1, 2), in(3, 4)), []float64{4, 6}},
		{"sub", g.Sub(in(1, 2), in(3, 5)), []float64{-2, -3}},
		{"mul", g.Mul(in(1, 2), in(3, 4)), []float64{3, 8}},
		{"div", g.Div(in(1, 2), in(4, 8)), []float64{0.25, 0.25}},
		{"pow", g.Pow(in(2, 3), in(3, 2)), []float64{8, 9}},
		{"max", g.Maximum(in(1, 5), in(2, 3)), []float64{2, 5}},
		{"min", g.Minimum(in(1, 5), in(2, 3)), []float64{1, 3}},
		{"exp log", g.Log(g.Exp(in(0.5, 2))), []float64{0.5, 2}},
		{"sqrt", g.Sqrt(in(4, 9)), []float64{2, 3}},
		{"relu", g.ReLU(in(-1, 2)), []float64{0, 2}},
		{"leaky", g.LeakyReLU(in(-1, 2), 0.01), []float64{-0.01, 2}},
		{"elu", g.ELU(in(-1, 2), 1), []float64{math.Exp(-1) - 1, 2}},
		{"sigmoid", g.Sigmoid(in(0, math.Log(3))), []float64{0.5, 0.75}},
		{"tanh", g.Tanh(in(0, math.Atanh(0.5))), []float64{0, 0.5}},
		{"sum", g.Sum(in(1, 2, 3)), []float64{6}},
		{"mean", g.Mean(in(1, 2, 3)), []float64{2}},
		{"variance", g.Variance(in(1, 2, 3, 4), 1), []float64{5.0 / 3}},
		{"max axis", g.Max(in(1, 7, 3), 0), []float64{7}},
		{"matmul", g.MatMul(g.Reshape(in(1, 2, 3, 4), 2, 2), g.Reshape(in(5, 6, 7, 8), 2, 2)), []float64{19, 22, 43, 50}},
	}
	for _, tt := range tests {
		for i, w := range tt.want {
			if got := tt.got.Data().Flat(i); math.Abs(got-w) > 1e-12 {
				t.Errorf("%s[%d] = %v, want %v", tt.name, i, got, w)
			}
		}
	}
}

func TestSteadyStateStepAllocatesNothing(t *testing.T) {
	rng := tensor.NewRNG(1)
	w1 := NewParam("w1", tensor.RandNormal(rng, tensor.Float32, 0, 0.1, 16, 8))
	b1 := NewParam("b1", tensor.New(tensor.Float32, 16))
	w2 := NewParam("w2", tensor.RandNormal(rng, tensor.Float32, 0, 0.1, 3, 16))
	filt := NewParam("f", tensor.RandNormal(rng, tensor.Float32, 0, 0.1, 2, 1, 3, 3))
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 4, 8)
	imgs := tensor.RandNormal(rng, tensor.Float32, 0, 1, 4, 1, 6, 6)
	labels := []int{0, 1, 2, 1}
	g := NewGraph()
	step := func() {
		h := g.Tanh(g.Linear(g.Input(x), w1, b1))
		c := g.AvgPool2D(g.Sigmoid(g.Conv2D(g.Input(imgs), filt, nil, 1, 1)), 2, 2)
		logits := g.Add(g.Linear(h, w2, nil), g.Reshape(g.Sum(c, 1, 2, 3), 4, 1))
		g.CrossEntropy(logits, labels, ReduceMean).Backward()
		g.Reset()
	}
	step()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := testing.AllocsPerRun(50, step)
	runtime.ReadMemStats(&after)
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / 51
	if n > 16 || bytes > 4096 {
		t.Errorf("steady-state step allocates %v times, %.0f bytes; want at most 16 small allocations (no tensor data)", n, bytes)
	}
}

func TestBackwardOnAParameterAloneSeedsOne(t *testing.T) {
	p := scalarParam("p", 3)
	p.Backward()
	if got := p.Grad().Item(); got != 1 {
		t.Fatalf("dp/dp = %v, want 1", got)
	}
	p.Backward() // gradients accumulate until zeroed, as for any parameter
	if got := p.Grad().Item(); got != 2 {
		t.Fatalf("after a second Backward the gradient is %v, want 2", got)
	}
}
