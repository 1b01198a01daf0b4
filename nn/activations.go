package nn

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
)

// The activation functions, as modules without parameters. Each is one
// graph operation.

// Sigmoid is the logistic function 1/(1+e⁻ˣ). It squashes to (0, 1) and
// saturates for large |x|, where its gradient vanishes.
type Sigmoid struct{}

// Tanh is the hyperbolic tangent, a zero-centred sigmoid with range (-1, 1).
type Tanh struct{}

// ReLU is max(x, 0): cheap, and it does not saturate for x > 0.
type ReLU struct{}

// LeakyReLU is x for x > 0 and Slope·x otherwise, so that negative inputs
// still pass a small gradient (PyTorch's default slope is 0.01).
type LeakyReLU struct{ Slope float64 }

// ELU is x for x > 0 and Alpha·(eˣ-1) otherwise: smooth, with negative
// outputs that push mean activations towards zero.
type ELU struct{ Alpha float64 }

// Softmax turns scores along Axis into probabilities that sum to 1.
type Softmax struct{ Axis int }

// LogSoftmax is the logarithm of Softmax, computed stably; pair it with
// autograd's NLLLoss.
type LogSoftmax struct{ Axis int }

// Forward applies the function.
func (Sigmoid) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Sigmoid(x) }

// Forward applies the function.
func (Tanh) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Tanh(x) }

// Forward applies the function.
func (ReLU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.ReLU(x) }

// Forward applies the function.
func (a LeakyReLU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.LeakyReLU(x, a.Slope)
}

// Forward applies the function.
func (a ELU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.ELU(x, a.Alpha) }

// Forward applies the function.
func (a Softmax) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Softmax(x, a.Axis)
}

// Forward applies the function.
func (a LogSoftmax) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.LogSoftmax(x, a.Axis)
}

// Params returns nothing: activations have no parameters.
func (Sigmoid) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (Tanh) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (ReLU) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (LeakyReLU) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (ELU) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (Softmax) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (LogSoftmax) Params() []Param { return nil }

// String names the function.
func (Sigmoid) String() string { return "Sigmoid" }

// String names the function.
func (Tanh) String() string { return "Tanh" }

// String names the function.
func (ReLU) String() string { return "ReLU" }

// String names the function.
func (a LeakyReLU) String() string { return fmt.Sprintf("LeakyReLU(%g)", a.Slope) }

// String names the function.
func (a ELU) String() string { return fmt.Sprintf("ELU(%g)", a.Alpha) }

// String names the function.
func (a Softmax) String() string { return fmt.Sprintf("Softmax(axis %d)", a.Axis) }

// String names the function.
func (a LogSoftmax) String() string { return fmt.Sprintf("LogSoftmax(axis %d)", a.Axis) }

// Activation returns the activation module for a name: sigmoid, tanh,
// relu, leaky_relu (slope 0.01), elu (alpha 1) or identity (nil module
// means none).
func Activation(name string) (Module, error) {
	switch name {
	case "sigmoid":
		return Sigmoid{}, nil
	case "tanh":
		return Tanh{}, nil
	case "relu":
		return ReLU{}, nil
	case "leaky_relu", "leakyrelu":
		return LeakyReLU{Slope: 0.01}, nil
	case "elu":
		return ELU{Alpha: 1}, nil
	}
	return nil, fmt.Errorf("unknown activation %q (want sigmoid, tanh, relu, leaky_relu or elu)", name)
}
