package initializers

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
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
	// want: torch.nn.init.calculate_gain(nonlinearity, *param) in PyTorch.
	tests := []struct {
		nonlinearity string
		param        []float64
		want         float64
	}{
		{"linear", nil, 1},
		{"conv2d", nil, 1},
		{"sigmoid", nil, 1},
		{"tanh", nil, 5.0 / 3},
		{"relu", nil, 1.4142135623730951},
		{"relu", []float64{0.3}, 1.4142135623730951}, // relu has no parameter
		{"leaky_relu", []float64{0}, 1.4142135623730951},
		{"leaky_relu", nil, 1.4141428569978354},
		{"leaky_relu", []float64{0.01}, 1.4141428569978354},
		{"leaky_relu", []float64{0.2}, 1.3867504905630728},
		{"selu", nil, 0.75},
	}
	for _, tt := range tests {
		if got, err := Gain(tt.nonlinearity, tt.param...); err != nil || got != tt.want {
			t.Errorf("Gain(%s, %v) = %v, %v; want %v", tt.nonlinearity, tt.param, got, err, tt.want)
		}
	}
	if _, err := Gain("swish"); err == nil {
		t.Error("unknown nonlinearity accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("two parameters accepted")
		}
	}()
	Gain("leaky_relu", 0.1, 0.2)
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

// leaf is a layer of one parameter with a given role and shape.
type leaf struct{ p nn.Param }

func (l leaf) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return x }
func (l leaf) Params() []nn.Param                                           { return []nn.Param{l.p} }

func newLeaf(name string, role nn.Role, v float64, shape ...int) leaf {
	t := tensor.New(tensor.Float64, shape...)
	t.Fill(v)
	return leaf{nn.Param{Name: name, Value: autograd.NewParam(name, t), Role: role}}
}

// TestApplyByRole checks that Apply treats each parameter by its role,
// whatever its name: an LSTM-style weight_hh_l0 is a weight too.
func TestApplyByRole(t *testing.T) {
	bn := nn.NewBatchNorm1d(3)
	bn.Weight.Data().Fill(5)
	bn.Bias.Data().Fill(5)
	net := nn.NewSequential(
		nn.Named{Name: "rnn", Module: nn.NewSequential(
			nn.Named{Name: "ih", Module: newLeaf("weight_ih_l0", nn.Weight, 7, 64, 32)},
			nn.Named{Name: "hh", Module: newLeaf("weight_hh_l0", nn.RecurrentWeight, 7, 64, 16)},
			nn.Named{Name: "b", Module: newLeaf("bias_ih_l0", nn.Bias, 7, 8)},
		)},
		nn.Named{Name: "bn", Module: bn},
		nn.Named{Name: "temperature", Module: newLeaf("t", nn.Other, 7, 2)},
	)
	if err := Apply(tensor.NewRNG(1), net, Xavier, "leaky_relu"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		fixed float64 // the value every element must have, or NaN for drawn weights
	}{
		{"rnn.ih.weight_ih_l0", math.NaN()},
		{"rnn.hh.weight_hh_l0", math.NaN()},
		{"rnn.b.bias_ih_l0", 0},
		{"bn.weight", 1},
		{"bn.bias", 0},
		{"temperature.t", 7},
	}
	params := map[string]*tensor.Tensor{}
	for _, p := range net.Params() {
		params[p.Name] = p.Value.Data()
	}
	for _, tt := range tests {
		w, ok := params[tt.name]
		if !ok {
			t.Errorf("no parameter %s", tt.name)
			continue
		}
		mean, std, maxAbs := stats(w)
		if math.IsNaN(tt.fixed) {
			// Xavier uniform with leaky_relu's gain: U(-bound, bound), whose
			// standard deviation is bound/√3 (within 10% for 1,024 draws or more).
			bound := math.Sqrt(2/(1+1e-4)) * math.Sqrt(6/float64(w.Shape()[0]+w.Shape()[1]))
			if want := bound / math.Sqrt(3); math.Abs(std-want) > 0.1*want || maxAbs > bound {
				t.Errorf("%s: std %v, max |w| %v; want a Xavier draw within %v, std %v", tt.name, std, maxAbs, bound, want)
			}
		} else if std != 0 || mean != tt.fixed {
			t.Errorf("%s: mean %v, std %v; want every element %v", tt.name, mean, std, tt.fixed)
		}
	}
}

func TestApplyRefusesLayerMistakes(t *testing.T) {
	for _, tt := range []struct {
		m    nn.Module
		want string
	}{
		{nn.NewSequential(nn.Named{Name: "x", Module: newLeaf("w", nn.NoRole, 0, 2, 2)}), `"x.w" (shape [2 2]) has no role`},
		{nn.NewSequential(nn.Named{Name: "x", Module: newLeaf("w", nn.Weight, 0, 2)}), `weight "x.w" has shape [2]`},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tt.want) {
					t.Errorf("panic %v, want one mentioning %s", r, tt.want)
				}
			}()
			Apply(tensor.NewRNG(1), tt.m, He, "relu")
		}()
	}
}

// TestApplyNames checks how Apply reads its nonlinearity: an activation's
// registered alias means the same gain as its name, and a scheme without
// a gain does not need one.
func TestApplyNames(t *testing.T) {
	draw := func(scheme Scheme, nonlinearity string) (*tensor.Tensor, error) {
		net := twoLayer(9)
		err := Apply(tensor.NewRNG(10), net, scheme, nonlinearity)
		return net.Params()[0].Value.Data(), err
	}
	a, errA := draw(He, "leaky_relu")
	b, errB := draw(He, "leakyrelu")
	if errA != nil || errB != nil || a.Flat(0) != b.Flat(0) {
		t.Errorf("leaky_relu and leakyrelu: %v, %v; %v vs %v", errA, errB, a.Flat(0), b.Flat(0))
	}
	if _, err := draw(LeCun, "elu"); err != nil {
		t.Errorf("LeCun with elu: %v", err)
	}
	if _, err := draw(He, "elu"); err == nil || !strings.Contains(err.Error(), "elu") {
		t.Errorf("He with elu, which has no gain: %v", err)
	}
}

// TestApplyDrawsAsBefore pins every parameter, bit for bit, of LeNet-5 and
// the MLP built and initialised as models.New and the train command do:
// the hashes were made before Apply dispatched on roles, so a change in
// which numbers are drawn, or in what order, fails here.
func TestApplyDrawsAsBefore(t *testing.T) {
	tests := []struct {
		model, scheme, act, hash string
	}{
		{"lenet5", "default", "tanh", "ed416b5b40a8a4a8"},
		{"lenet5", "xavier", "tanh", "d96551717c01bd51"},
		{"lenet5", "xavier", "relu", "593daff2482956ba"},
		{"lenet5", "xavier", "leaky_relu", "e1dc65b9697f3fa7"},
		{"lenet5", "he", "tanh", "bbad6a288a77807d"},
		{"lenet5", "he", "relu", "011cce5a3c357ac8"},
		{"lenet5", "he", "leaky_relu", "af8c5fa4c6d7d2a3"},
		{"lenet5", "lecun", "tanh", "47c14168c7d0405b"},
		{"lenet5", "normal", "tanh", "915f98ba91c4a046"},
		{"mlp", "default", "relu", "0c07d21db97e30b2"},
		{"mlp", "xavier", "tanh", "096822f1833e7f71"},
		{"mlp", "xavier", "relu", "75502afde8e079f3"},
		{"mlp", "xavier", "leaky_relu", "759f20fe976acb93"},
		{"mlp", "he", "tanh", "9e4df008c907038c"},
		{"mlp", "he", "relu", "c4ac780b601b3aab"},
		{"mlp", "he", "leaky_relu", "44efdcc3fc5b1552"},
		{"mlp", "lecun", "relu", "3e39f1540a80cfc0"},
		{"mlp", "normal", "relu", "8f8101bde5ba0fa3"},
	}
	for _, tt := range tests {
		rng := tensor.NewRNG(42)
		act, err := nn.Activation(tt.act)
		if err != nil {
			t.Fatal(err)
		}
		var m *nn.Sequential
		if tt.model == "lenet5" { // as models.LeNet5
			m = nn.NewSequential(
				nn.Named{Name: "c1", Module: nn.NewConv2D(rng, 1, 6, 5, 1, 0)}, nn.Named{Name: "c1_act", Module: act},
				nn.Named{Name: "s2", Module: nn.AvgPool2D{K: 2, Stride: 2}},
				nn.Named{Name: "c3", Module: nn.NewConv2D(rng, 6, 16, 5, 1, 0)}, nn.Named{Name: "c3_act", Module: act},
				nn.Named{Name: "s4", Module: nn.AvgPool2D{K: 2, Stride: 2}},
				nn.Named{Name: "c5", Module: nn.NewConv2D(rng, 16, 120, 5, 1, 0)}, nn.Named{Name: "c5_act", Module: act},
				nn.Named{Name: "flatten", Module: nn.Flatten{}},
				nn.Named{Name: "f6", Module: nn.NewLinear(rng, 120, 84)}, nn.Named{Name: "f6_act", Module: act},
				nn.Named{Name: "output", Module: nn.NewLinear(rng, 84, 10)},
			)
		} else { // as models.MLP with the default hidden sizes
			m = nn.NewSequential(
				nn.Named{Name: "fc1", Module: nn.NewLinear(rng, 784, 256)}, nn.Named{Name: "fc1_act", Module: act},
				nn.Named{Name: "fc2", Module: nn.NewLinear(rng, 256, 128)}, nn.Named{Name: "fc2_act", Module: act},
				nn.Named{Name: "output", Module: nn.NewLinear(rng, 128, 10)},
			)
		}
		if err := Apply(rng, m, Scheme(tt.scheme), tt.act); err != nil {
			t.Fatal(err)
		}
		h := fnv.New64a()
		for _, p := range m.Params() {
			h.Write([]byte(p.Name))
			d := p.Value.Data()
			for i := 0; i < d.Len(); i++ {
				h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(d.Flat(i)))))
			}
		}
		if got := fmt.Sprintf("%016x", h.Sum64()); got != tt.hash {
			t.Errorf("%s, %s, %s: parameters hash to %s, want %s", tt.model, tt.scheme, tt.act, got, tt.hash)
		}
	}
}
