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
//
// Apply starts a whole model with one scheme. It does not guess from a
// parameter's name what the parameter is: each layer gives its parameters
// a role (nn.Weight, nn.RecurrentWeight, nn.Bias, nn.Scale, nn.Shift,
// nn.Other), and Apply draws weights, zeroes biases and shifts and sets
// scales to one accordingly — so a recurrent layer's weight_hh_l0 is
// treated as the weight it is.
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

// DefaultNegativeSlope is leaky_relu's slope when Gain is given no
// parameter: PyTorch's default, 0.01.
const DefaultNegativeSlope = nn.DefaultNegativeSlope

// Gain returns the recommended scale of the standard deviation for a
// nonlinearity, as torch.nn.init.calculate_gain(nonlinearity, param): 1
// for linear, identity, the convolutions and sigmoid; 5/3 for tanh; √2 for
// relu; √(2/(1+slope²)) for leaky_relu; 3/4 for selu.
//
// param is optional, as in PyTorch: leaky_relu's negative slope is param
// when it is given — Gain("leaky_relu", 0) is a slope of 0, the gain of
// relu, √2 — and DefaultNegativeSlope when it is not, Gain("leaky_relu").
// The other nonlinearities ignore it. More than one param panics.
func Gain(nonlinearity string, param ...float64) (float64, error) {
	if len(param) > 1 {
		panic(fmt.Sprintf("initializers: Gain(%q) takes at most one parameter, got %v", nonlinearity, param))
	}
	switch strings.ToLower(nonlinearity) {
	case "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid", "":
		return 1, nil
	case "tanh":
		return 5.0 / 3, nil
	case "relu":
		return math.Sqrt2, nil
	case "leaky_relu":
		slope := DefaultNegativeSlope
		if len(param) == 1 {
			slope = param[0]
		}
		return math.Sqrt(2 / (1 + slope*slope)), nil
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

// Apply re-initialises every parameter of m by its role (nn.Role), in
// the order of nn.Params:
//
//   - weights (nn.Weight, nn.RecurrentWeight) are drawn from the scheme —
//     Xavier and He with the gain of nonlinearity (see Gain);
//   - biases (nn.Bias) and shifts (nn.Shift, batch normalisation's β)
//     are set to 0, and scales (nn.Scale, its γ) to 1;
//   - parameters whose role is nn.Other keep their values.
//
// The default scheme changes nothing. nonlinearity is a name that Gain
// knows or that an activation is registered under in nn (leakyrelu is
// leaky_relu, with its default slope); only Xavier and He use it. An
// unknown scheme, or an unknown nonlinearity for a scheme that needs one,
// is an error and changes nothing. A parameter without a role, or a
// weight of fewer than two dimensions, is a mistake of the layer that owns
// it, and Apply panics naming it.
func Apply(rng *rand.Rand, m nn.Module, scheme Scheme, nonlinearity string) error {
	switch scheme {
	case Default, Xavier, He, LeCun, Normal1:
	default:
		return fmt.Errorf("initializers: unknown scheme %q (want default, xavier, he, lecun or normal)", scheme)
	}
	if scheme == Default {
		return nil
	}
	gain := 1.0
	if scheme == Xavier || scheme == He {
		if spec, ok := nn.LookupActivation(nonlinearity); ok && spec.Gain != "" {
			nonlinearity = spec.Gain
		}
		var err error
		if gain, err = Gain(nonlinearity); err != nil {
			return err
		}
	}
	params := nn.Params(m)
	for _, p := range params {
		switch p.Role {
		case nn.NoRole:
			panic(fmt.Sprintf("initializers: parameter %q (shape %v) has no role: its layer must set Param.Role", p.Name, p.Value.Shape()))
		case nn.Weight, nn.RecurrentWeight:
			if p.Value.Data().Dims() < 2 {
				panic(fmt.Sprintf("initializers: %s %q has shape %v; a weight needs at least two dimensions (out, in, …)", p.Role, p.Name, p.Value.Shape()))
			}
		}
	}
	for _, p := range params {
		t := p.Value.Data()
		switch p.Role {
		case nn.Bias, nn.Shift:
			Zeros(t)
		case nn.Scale:
			Constant(t, 1)
		case nn.Weight, nn.RecurrentWeight:
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
