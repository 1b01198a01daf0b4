package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// lenet5 builds the classic LeNet-5 layer stack for a 1×32×32 input.
func lenet5() *Sequential {
	rng := tensor.NewRNG(1)
	return NewSequential(
		Named{"c1", NewConv2D(rng, 1, 6, 5, 1, 0)}, Named{"a1", Tanh{}},
		Named{"s2", AvgPool2D{2, 2}},
		Named{"c3", NewConv2D(rng, 6, 16, 5, 1, 0)}, Named{"a3", Tanh{}},
		Named{"s4", AvgPool2D{2, 2}},
		Named{"c5", NewConv2D(rng, 16, 120, 5, 1, 0)}, Named{"a5", Tanh{}},
		Named{"flatten", Flatten{}},
		Named{"f6", NewLinear(rng, 120, 84)}, Named{"a6", Tanh{}},
		Named{"output", NewLinear(rng, 84, 10)},
	)
}

func TestLeNetSummaryAndNames(t *testing.T) {
	m := lenet5()
	s := Summarize(m, 1, 1, 32, 32)
	if s.Total != 61706 {
		t.Errorf("LeNet-5 has %d parameters, want 61,706", s.Total)
	}
	want := map[string]struct {
		out    []int
		params int
	}{
		"c1": {[]int{1, 6, 28, 28}, 156}, "s2": {[]int{1, 6, 14, 14}, 0},
		"c3": {[]int{1, 16, 10, 10}, 2416}, "s4": {[]int{1, 16, 5, 5}, 0},
		"c5": {[]int{1, 120, 1, 1}, 48120}, "f6": {[]int{1, 84}, 10164}, "output": {[]int{1, 10}, 850},
	}
	for _, r := range s.Rows {
		if w, ok := want[r.Name]; ok {
			if !tensor.EqualShapes(r.Output, w.out) || r.Params != w.params {
				t.Errorf("%s: output %v with %d params, want %v with %d", r.Name, r.Output, r.Params, w.out, w.params)
			}
			delete(want, r.Name)
		}
	}
	if len(want) != 0 {
		t.Errorf("summary lacks rows %v", want)
	}
	text := s.String()
	for _, w := range []string{"Total params: 61,706", "c3", "Conv2D(6→16, 5×5, stride 1, pad 0)", "(1, 16, 10, 10)", "2,416"} {
		if !strings.Contains(text, w) {
			t.Errorf("summary text lacks %q:\n%s", w, text)
		}
	}
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name+fmt.Sprint(p.Value.Data().Shape()))
	}
	got := strings.Join(names, " ")
	wantNames := "c1.weight[6 1 5 5] c1.bias[6] c3.weight[16 6 5 5] c3.bias[16] c5.weight[120 16 5 5] c5.bias[120] f6.weight[84 120] f6.bias[84] output.weight[10 84] output.bias[10]"
	if got != wantNames {
		t.Errorf("parameter names\n got %s\nwant %s", got, wantNames)
	}
}

// gradCheckModule checks a module's backward pass in float64 against
// central differences, for its input and all its parameters.
func gradCheckModule(t *testing.T, m Module, training bool, shape ...int) {
	t.Helper()
	Convert(m, tensor.Float64)
	x := autograd.NewParam("x", tensor.RandUniform(tensor.NewRNG(7), tensor.Float64, -1, 1, shape...))
	wrt := []*autograd.Value{x}
	for _, p := range m.Params() {
		wrt = append(wrt, p.Value)
	}
	var r *tensor.Tensor
	res := autograd.GradCheck(func(g *autograd.Graph) *autograd.Value {
		g.Training = training
		y := m.Forward(g, x)
		if r == nil {
			r = tensor.RandUniform(tensor.NewRNG(8), tensor.Float64, -1, 1, y.Shape()...)
		}
		return g.Sum(g.Mul(y, g.Input(r)))
	}, wrt...)
	if res.MaxError > 1e-6 {
		t.Errorf("%v: %s", m, res)
	}
}

func TestLayerGradients(t *testing.T) {
	rng := tensor.NewRNG(3)
	gradCheckModule(t, NewLinear(rng, 5, 4), true, 3, 5)
	gradCheckModule(t, NewConv2D(rng, 2, 3, 3, 1, 0), true, 2, 2, 6, 6)
	gradCheckModule(t, NewConv2D(rng, 2, 3, 3, 2, 1), true, 2, 2, 7, 7)
	gradCheckModule(t, AvgPool2D{2, 2}, true, 2, 2, 6, 6)
	gradCheckModule(t, AvgPool2D{3, 2}, true, 2, 2, 7, 7)
	gradCheckModule(t, MaxPool2D{2, 2}, true, 2, 2, 6, 6)
	gradCheckModule(t, MaxPool2D{3, 2}, true, 2, 2, 7, 7)
	gradCheckModule(t, NewBatchNorm1d(4), true, 5, 4)
	gradCheckModule(t, NewBatchNorm2d(3), true, 4, 3, 2, 2)
	gradCheckModule(t, NewBatchNorm2d(3), false, 4, 3, 2, 2)
	gradCheckModule(t, Sequence(NewLinear(rng, 4, 6), Tanh{}, NewLinear(rng, 6, 3), Sigmoid{}), true, 2, 4)
	gradCheckModule(t, Sequence(NewConv2D(rng, 1, 2, 3, 1, 1), ELU{1}, MaxPool2D{2, 2}, Flatten{}, NewLinear(rng, 8, 2), LogSoftmax{1}), true, 2, 1, 4, 4)
}

func TestDropout(t *testing.T) {
	g := autograd.NewGraph()
	x := g.Input(tensor.Ones(tensor.Float64, 1000, 10))
	d := Dropout{P: 0.3}
	if y := d.Forward(g, x); y != x {
		t.Error("dropout outside training changed its input")
	}
	g.Training = true
	g.RNG = tensor.NewRNG(5)
	y := d.Forward(g, x)
	zeros, sum := 0, 0.0
	for i := 0; i < y.Data().Len(); i++ {
		v := y.Data().Flat(i)
		if v == 0 {
			zeros++
		} else if math.Abs(v-1/0.7) > 1e-12 {
			t.Fatalf("kept element %v, want 1/(1-p)", v)
		}
		sum += v
	}
	if frac := float64(zeros) / 10000; math.Abs(frac-0.3) > 0.02 {
		t.Errorf("dropped fraction %v, want about 0.3", frac)
	}
	if mean := sum / 10000; math.Abs(mean-1) > 0.05 {
		t.Errorf("mean after dropout %v, want about 1 (inverted scaling)", mean)
	}
}

func TestBatchNormTrainThenEval(t *testing.T) {
	bn := NewBatchNorm1d(2)
	g := autograd.NewGraph()
	g.Training = true
	x := tensor.FromFloat32([]float32{1, 10, 3, 20, 5, 30}, 3, 2)
	for i := 0; i < 200; i++ {
		bn.Forward(g, g.Input(x))
		g.Reset()
	}
	// The running statistics converge to the batch's mean and unbiased variance.
	if m, v := bn.State.RunningMean.Flat(1), bn.State.RunningVar.Flat(1); math.Abs(m-20) > 1e-3 || math.Abs(v-100) > 1e-2 {
		t.Errorf("running mean %v var %v, want 20 and 100", m, v)
	}
	if n := bn.Batches.Item(); n != 200 {
		t.Errorf("num_batches_tracked = %v, want 200", n)
	}
	g.Training = false
	y := bn.Forward(g, g.Input(x))
	// Eval uses running statistics: (30-20)/√(100+ε) ≈ 1.
	if v := y.Data().At(2, 1); math.Abs(v-1) > 1e-4 {
		t.Errorf("eval output %v, want about 1", v)
	}
	names := []string{}
	for _, b := range Buffers(NewSequential(Named{"bn", bn})) {
		names = append(names, b.Name)
	}
	if got := strings.Join(names, ","); got != "bn.running_mean,bn.running_var,bn.num_batches_tracked" {
		t.Errorf("buffer names %s", got)
	}
}

func TestSequentialNamesMustBeUnique(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("repeated child name accepted")
		}
	}()
	NewSequential(Named{"a", Tanh{}}, Named{"a", ReLU{}})
}

func TestActivationByName(t *testing.T) {
	tests := []struct {
		name, module, gain string
	}{
		{"sigmoid", "Sigmoid", "sigmoid"},
		{"tanh", "Tanh", "tanh"},
		{"relu", "ReLU", "relu"},
		{"leaky_relu", "LeakyReLU(0.01)", "leaky_relu"},
		{"leakyrelu", "LeakyReLU(0.01)", "leaky_relu"},
		{"elu", "ELU(1)", ""},
	}
	for _, tt := range tests {
		m, err := Activation(tt.name)
		if err != nil || fmt.Sprint(m) != tt.module {
			t.Errorf("Activation(%q) = %v, %v; want %s", tt.name, m, err, tt.module)
		}
		if spec, ok := LookupActivation(tt.name); !ok || spec.Gain != tt.gain {
			t.Errorf("LookupActivation(%q) gain %q, %v; want %q", tt.name, spec.Gain, ok, tt.gain)
		}
	}
	if got := strings.Join(ActivationNames()[:5], " "); got != "sigmoid tanh relu leaky_relu elu" {
		t.Errorf("built-in activations %s", got)
	}
	if _, err := Activation("swish"); err == nil || !strings.Contains(err.Error(), "swish") || !strings.Contains(err.Error(), "relu, leaky_relu, elu") {
		t.Errorf("unknown activation error %v", err)
	}
}

func TestRegisterActivationRefusesMistakes(t *testing.T) {
	for _, spec := range []ActivationSpec{
		{Name: "relu", New: func() Module { return ReLU{} }},
		{Name: "fresh", Aliases: []string{"leakyrelu"}, New: func() Module { return ReLU{} }},
		{Name: "nameless"},
		{New: func() Module { return ReLU{} }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterActivation(%+v) accepted", spec)
				}
			}()
			RegisterActivation(spec)
		}()
	}
	if _, ok := LookupActivation("fresh"); ok {
		t.Error("a refused registration left its name behind")
	}
}

// TestSummaryMultiplyAdds checks the multiply-adds per example against
// counts worked out by hand: each output number of a Linear costs In of
// them, each of a Conv2D InC·K·K, whatever the stride and padding, and
// layers without weights cost none.
func TestSummaryMultiplyAdds(t *testing.T) {
	rng := tensor.NewRNG(1)
	mlp := Sequence(NewLinear(rng, 784, 256), ReLU{}, NewLinear(rng, 256, 128), ReLU{}, NewLinear(rng, 128, 10))
	// 784·256 + 256·128 + 128·10
	if got, want := Summarize(mlp, 64, 784).MultiplyAdds, 200704+32768+1280; got != want {
		t.Errorf("MLP: %d multiply-adds per example, want %d", got, want)
	}
	// A 3×3 convolution of 3 channels to 8, stride 2, padding 1, on 9×9
	// images: 8 outputs of 5×5, each 3·3·3 = 27 multiply-adds; then max
	// pooling to 2×2 and a Linear of 8·2·2 = 32 inputs to 5 outputs.
	cnn := Sequence(NewConv2D(rng, 3, 8, 3, 2, 1), MaxPool2D{K: 2, Stride: 2}, Flatten{}, NewLinear(rng, 32, 5))
	s := Summarize(cnn, 2, 3, 9, 9)
	if got, want := s.MultiplyAdds, 8*5*5*27+32*5; got != want {
		t.Errorf("CNN: %d multiply-adds per example, want %d", got, want)
	}
	if got := []int{s.Rows[0].MultiplyAdds, s.Rows[1].MultiplyAdds, s.Rows[2].MultiplyAdds, s.Rows[3].MultiplyAdds}; !slices.Equal(got, []int{5400, 0, 0, 160}) {
		t.Errorf("CNN rows: multiply-adds %v, want [5400 0 0 160]", got)
	}
	// An LSTM of 28 inputs and 128 units costs 4·128·(28 + 128) = 79,872
	// multiply-adds a step: 28 steps, whether it returns every step's
	// output or only its last state, batch-first or not.
	for _, cfg := range []RecurrentConfig{
		{InputSize: 28, HiddenSize: 128, BatchFirst: true},
		{InputSize: 28, HiddenSize: 128, BatchFirst: true, Last: true},
		{InputSize: 28, HiddenSize: 128, Last: true},
	} {
		shape := []int{28, 3, 28} // time first
		if cfg.BatchFirst {
			shape = []int{3, 28, 28}
		}
		if got, want := Summarize(NewLSTM(rng, cfg), shape...).MultiplyAdds, 28*79872; got != want {
			t.Errorf("LSTM %+v: %d multiply-adds per example, want %d", cfg, got, want)
		}
	}
}
