// Package initializers sets the starting weights of a network.
//
// Where training starts matters. If every weight starts equal (constant
// initialization), every unit of a layer computes the same output and gets
// the same gradient, so they stay identical forever: the layer might as
// well have one unit. Random weights break that symmetry — but their spread
// matters too. Too large, and sigmoid or tanh units saturate near their
// flat ends, where gradients vanish; too small, and activations shrink
// layer by layer until everything is near zero. The fix is to scale the
// spread to the number of connections:
//
//   - LeCun: Var(w) = 1/fan_in, which keeps each layer's output variance
//     near its input's for linear or tanh-like units.
//   - Xavier/Glorot: Var(w) = 2/(fan_in + fan_out), a compromise that keeps
//     the variance of both activations (forward) and gradients (backward)
//     steady, for tanh and sigmoid.
//   - He/Kaiming: Var(w) = 2/fan_in (in fan-in mode), because ReLU zeroes
//     half of its inputs and so halves the variance; the factor 2 restores
//     it.
//
// fan_in and fan_out count the inputs and outputs of one unit: for a
// Linear weight (out, in) they are in and out; for a convolution weight
// (out, in, kh, kw) they are in·kh·kw and out·kh·kw. A gain scales the
// standard deviation for the nonlinearity that follows (Gain).
//
// Every function draws from an explicit random source and fills the
// tensor in place, with the formulas of PyTorch's torch.nn.init.
package initializers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Fans returns the fan-in and fan-out of a weight of the given shape:
// (out, in) for Linear, (out, in, k…) for convolutions. It panics for
// shapes of fewer than two dimensions.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf("initializers: fan in and fan out need at least two dimensions, got shape %v", shape))
	}
	field := 1
	for _, d := range shape[2:] {
		field *= d
	}
	return shape[1] * field, shape[0] * field
}

// Gain returns the recommended scale of the standard deviation for a
// nonlinearity, as torch.nn.init.calculate_gain: 1 for linear, identity,
// conv and sigmoid; 5/3 for tanh; √2 for relu; √(2/(1+slope²)) for
// leaky_relu (slope = param, default 0.01); 3/4 for selu.
func Gain(nonlinearity string, param float64) (float64, error) {
	switch strings.ToLower(nonlinearity) {
	case "linear", "identity", "conv1d", "conv2d", "sigmoid", "":
		return 1, nil
	case "tanh":
		return 5.0 / 3, nil
	case "relu":
		return math.Sqrt2, nil
	case "leaky_relu":
		if param == 0 {
			param = 0.01
		}
		return math.Sqrt(2 / (1 + param*param)), nil
	case "selu":
		return 0.75, nil
	}
	return 0, fmt.Errorf("initializers: unknown nonlinearity %q", nonlinearity)
}

// Constant sets every element of t to v.
func Constant(t *tensor.Tensor, v float64) { t.Fill(v) }

// Zeros sets every element of t to 0 (the usual start for biases).
func Zeros(t *tensor.Tensor) { t.Fill(0) }

// Normal fills t with samples of N(mean, std²).
func Normal(rng *rand.Rand, t *tensor.Tensor, mean, std float64) {
	for i := 0; i < t.Len(); i++ {
		t.SetFlat(i, mean+std*rng.NormFloat64())
	}
}

// Uniform fills t with samples of U(lo, hi).
func Uniform(rng *rand.Rand, t *tensor.Tensor, lo, hi float64) {
	for i := 0; i < t.Len(); i++ {
		t.SetFlat(i, lo+(hi-lo)*rng.Float64())
	}
}

// XavierUniform fills t from U(-a, a) with a = gain·√(6/(fan_in+fan_out)),
// whose variance is gain²·2/(fan_in+fan_out).
func XavierUniform(rng *rand.Rand, t *tensor.Tensor, gain float64) {
	in, out := Fans(t.Shape())
	a := gain * math.Sqrt(6/float64(in+out))
	Uniform(rng, t, -a, a)
}

// XavierNormal fills t from N(0, σ²) with σ = gain·√(2/(fan_in+fan_out)).
func XavierNormal(rng *rand.Rand, t *tensor.Tensor, gain float64) {
	in, out := Fans(t.Shape())
	Normal(rng, t, 0, gain*math.Sqrt(2/float64(in+out)))
}

// Mode selects which fan He initialization preserves the variance of.
type Mode int

const (
	// FanIn preserves the variance of activations in the forward pass.
	FanIn Mode = iota
	// FanOut preserves the variance of gradients in the backward pass.
	FanOut
)

func fan(t *tensor.Tensor, mode Mode) float64 {
	in, out := Fans(t.Shape())
	if mode == FanOut {
		return float64(out)
	}
	return float64(in)
}

// HeUniform (Kaiming uniform) fills t from U(-b, b) with
// b = gain·√(3/fan), so that Var = gain²/fan; with gain √2 (ReLU) that is
// 2/fan.
func HeUniform(rng *rand.Rand, t *tensor.Tensor, mode Mode, gain float64) {
	b := gain * math.Sqrt(3/fan(t, mode))
	Uniform(rng, t, -b, b)
}

// HeNormal (Kaiming normal) fills t from N(0, σ²) with σ = gain/√fan; with
// gain √2 (ReLU) σ = √(2/fan).
func HeNormal(rng *rand.Rand, t *tensor.Tensor, mode Mode, gain float64) {
	Normal(rng, t, 0, gain/math.Sqrt(fan(t, mode)))
}

// LeCunNormal fills t from N(0, 1/fan_in).
func LeCunNormal(rng *rand.Rand, t *tensor.Tensor) { HeNormal(rng, t, FanIn, 1) }

// LeCunUniform fills t from U(-b, b) with b = √(3/fan_in), variance
// 1/fan_in.
func LeCunUniform(rng *rand.Rand, t *tensor.Tensor) { HeUniform(rng, t, FanIn, 1) }

// Scheme is a named way to initialise a whole model; see Apply.
type Scheme string

// The schemes that Apply and the command line know.
const (
	Default Scheme = "default" // keep each layer's own default
	Xavier  Scheme = "xavier"  // Xavier/Glorot uniform, gain for the activation
	He      Scheme = "he"      // He/Kaiming normal, fan-in mode, gain for the activation
	LeCun   Scheme = "lecun"   // LeCun normal
	Normal1 Scheme = "normal"  // N(0, 0.01²): small random weights, the classic naive start
)

// Schemes lists the valid scheme names.
var Schemes = []Scheme{Default, Xavier, He, LeCun, Normal1}

// Apply re-initialises every weight of m (parameters whose name ends in
// "weight" and that have at least two dimensions) with the scheme, using
// the gain of the given nonlinearity, and sets biases to zero. Batch
// normalisation weights (one dimension) are left at 1.
func Apply(rng *rand.Rand, m nn.Module, scheme Scheme, nonlinearity string) error {
	gain, err := Gain(nonlinearity, 0)
	if err != nil {
		return err
	}
	switch scheme {
	case Default, Xavier, He, LeCun, Normal1:
	default:
		return fmt.Errorf("initializers: unknown scheme %q (want default, xavier, he, lecun or normal)", scheme)
	}
	if scheme == Default {
		return nil
	}
	for _, p := range m.Params() {
		t := p.Value.Data()
		switch {
		case strings.HasSuffix(p.Name, "bias") && t.Dims() == 1:
			Zeros(t)
		case strings.HasSuffix(p.Name, "weight") && t.Dims() >= 2:
			switch scheme {
			case Xavier:
				XavierUniform(rng, t, gain)
			case He:
				HeNormal(rng, t, FanIn, gain)
			case LeCun:
				LeCunNormal(rng, t)
			case Normal1:
				Normal(rng, t, 0, 0.01)
			}
		}
	}
	return nil
}
