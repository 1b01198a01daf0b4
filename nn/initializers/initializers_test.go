package initializers

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

func stats(t *tensor.Tensor) (mean, std, maxAbs float64) {
	n := float64(t.Len())
	for i := 0; i < t.Len(); i++ {
		mean += t.Flat(i)
	}
	mean /= n
	for i := 0; i < t.Len(); i++ {
		d := t.Flat(i) - mean
		std += d * d
		maxAbs = math.Max(maxAbs, math.Abs(t.Flat(i)))
	}
	return mean, math.Sqrt(std / (n - 1)), maxAbs
}

func TestFans(t *testing.T) {
	if in, out := Fans([]int{84, 120}); in != 120 || out != 84 {
		t.Errorf("Linear fans %d, %d", in, out)
	}
	if in, out := Fans([]int{16, 6, 5, 5}); in != 150 || out != 400 {
		t.Errorf("Conv fans %d, %d, want 150 and 400", in, out)
	}
}

// TestSampleStatistics draws large tensors and checks their standard
// deviation against each initializer's formula. With n = 240,000 samples
// the sample standard deviation is within 1% of the truth with
// overwhelming probability (its relative standard error is √(1/2n) ≈
// 0.15%).
func TestSampleStatistics(t *testing.T) {
	const tol = 0.01
	rng := tensor.NewRNG(11)
	shape := []int{400, 150, 2, 2} // fan_in 600, fan_out 1600
	fanIn, fanOut := 600.0, 1600.0
	tests := []struct {
		name    string
		init    func(*tensor.Tensor)
		std     float64
		bound   float64 // for uniform: every |w| ≤ bound; 0 for normal
		wantMax bool
	}{
		{"normal", func(w *tensor.Tensor) { Normal(rng, w, 0, 0.05) }, 0.05, 0, false},
		{"uniform", func(w *tensor.Tensor) { Uniform(rng, w, -0.3, 0.3) }, 0.3 / math.Sqrt(3), 0.3, true},
		{"xavier uniform", func(w *tensor.Tensor) { XavierUniform(rng, w, 1) }, math.Sqrt(2 / (fanIn + fanOut)), math.Sqrt(6 / (fanIn + fanOut)), true},
		{"xavier normal, tanh gain", func(w *tensor.Tensor) { XavierNormal(rng, w, 5.0/3) }, 5.0 / 3 * math.Sqrt(2/(fanIn+fanOut)), 0, false},
		{"he normal fan in", func(w *tensor.Tensor) { HeNormal(rng, w, FanIn, math.Sqrt2) }, math.Sqrt(2 / fanIn), 0, false},
		{"he normal fan out", func(w *tensor.Tensor) { HeNormal(rng, w, FanOut, math.Sqrt2) }, math.Sqrt(2 / fanOut), 0, false},
		{"he uniform", func(w *tensor.Tensor) { HeUniform(rng, w, FanIn, math.Sqrt2) }, math.Sqrt(2 / fanIn), math.Sqrt(6 / fanIn), true},
		{"lecun normal", func(w *tensor.Tensor) { LeCunNormal(rng, w) }, math.Sqrt(1 / fanIn), 0, false},
		{"lecun uniform", func(w *tensor.Tensor) { LeCunUniform(rng, w) }, math.Sqrt(1 / fanIn), math.Sqrt(3 / fanIn), true},
	}
	for _, tt := range tests {
		w := tensor.New(tensor.Float64, shape...)
		tt.init(w)
		mean, std, maxAbs := stats(w)
		if math.Abs(std/tt.std-1) > tol {
			t.Errorf("%s: std %.5g, want %.5g", tt.name, std, tt.std)
		}
		if math.Abs(mean) > 5*tt.std/math.Sqrt(float64(w.Len())) {
			t.Errorf("%s: mean %.3g, want about 0", tt.name, mean)
		}
		if tt.wantMax && (maxAbs > tt.bound || maxAbs < 0.99*tt.bound) {
			t.Errorf("%s: max |w| %.5g, want just below the bound %.5g", tt.name, maxAbs, tt.bound)
		}
	}
	c := tensor.New(tensor.Float32, 3, 3)
	Constant(c, 0.7)
	if _, std, _ := stats(c); std != 0 || c.Flat(4) != float64(float32(0.7)) {
		t.Error("Constant did not set every element")
	}
}

func TestGain(t *testing.T) {
	for name, want := range map[string]float64{"linear": 1, "sigmoid": 1, "tanh": 5.0 / 3, "relu": math.Sqrt2, "leaky_relu": math.Sqrt(2 / (1 + 1e-4))} {
		if got, err := Gain(name, 0); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("Gain(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := Gain("swish", 0); err == nil {
		t.Error("unknown nonlinearity accepted")
	}
}

// trainSteps runs plain gradient descent on a 2-layer tanh network for a
// few steps and returns the hidden layer's weight matrix.
func trainSteps(net *nn.Sequential, steps int) *tensor.Tensor {
	rng := tensor.NewRNG(2)
	x := tensor.RandNormal(rng, tensor.Float64, 0, 1, 16, 3)
	labels := make([]int, 16)
	for i := range labels {
		if x.At(i, 0)+x.At(i, 1) > 0 {
			labels[i] = 1
		}
	}
	g := autograd.NewGraph()
	for range steps {
		nn.ZeroGrad(net)
		g.CrossEntropy(net.Forward(g, g.Input(x)), labels, autograd.ReduceMean).Backward()
		for _, p := range net.Params() {
			p.Value.Data().AddScaled(-0.5, p.Value.Grad())
		}
		g.Reset()
	}
	return net.Params()[0].Value.Data()
}

func twoLayer(rng uint64) *nn.Sequential {
	r := tensor.NewRNG(rng)
	net := nn.NewSequential(nn.Named{Name: "hidden", Module: nn.NewLinear(r, 3, 4)}, nn.Named{Name: "act", Module: nn.Tanh{}}, nn.Named{Name: "out", Module: nn.NewLinear(r, 4, 2)})
	nn.Convert(net, tensor.Float64)
	return net
}

// TestSymmetry shows why constant initialization fails: every hidden unit
// starts equal, receives the same gradient, and so stays equal to every
// other after training — while random initialization makes them differ.
func TestSymmetry(t *testing.T) {
	net := twoLayer(1)
	for _, p := range net.Params() {
		Constant(p.Value.Data(), 0.3)
	}
	w := trainSteps(net, 20)
	for unit := 1; unit < 4; unit++ {
		for j := 0; j < 3; j++ {
			if w.At(unit, j) != w.At(0, j) {
				t.Fatalf("constant init: hidden unit %d differs from unit 0 after training (%v vs %v)", unit, w.At(unit, j), w.At(0, j))
			}
		}
	}
	if w.At(0, 0) == 0.3 {
		t.Fatal("constant init: the weights did not change, so the test shows nothing")
	}
	net = twoLayer(1)
	if err := Apply(tensor.NewRNG(3), net, Xavier, "tanh"); err != nil {
		t.Fatal(err)
	}
	w = trainSteps(net, 20)
	for unit := 1; unit < 4; unit++ {
		if w.At(unit, 0) == w.At(0, 0) {
			t.Errorf("random init: hidden units 0 and %d are identical", unit)
		}
	}
}

func TestApply(t *testing.T) {
	net := twoLayer(4)
	if err := Apply(tensor.NewRNG(5), net, He, "relu"); err != nil {
		t.Fatal(err)
	}
	for _, p := range net.Params() {
		if p.Value.Data().Dims() == 1 {
			if _, std, maxAbs := stats(p.Value.Data()); std != 0 || maxAbs != 0 {
				t.Errorf("%s not zeroed", p.Name)
			}
		}
	}
	if err := Apply(tensor.NewRNG(5), net, "glorot", "relu"); err == nil {
		t.Error("unknown scheme accepted")
	}
}
