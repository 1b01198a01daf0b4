package nn

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
)

// The activation functions, as modules without parameters. Each is one
// graph operation, and the hidden-layer ones register themselves by name
// for Activation (see RegisterActivation): a new activation is one file
// with its type, its methods and an init function that registers it.

// Sigmoid is the logistic function 1/(1+e⁻ˣ). It squashes to (0, 1) and
// saturates for large |x|, where its gradient vanishes.
type Sigmoid struct{}

// Tanh is the hyperbolic tangent, a zero-centred sigmoid with range (-1, 1).
type Tanh struct{}

// ReLU is max(x, 0): cheap, and it does not saturate for x > 0.
type ReLU struct{}

// DefaultNegativeSlope is PyTorch's default slope of LeakyReLU for
// negative inputs.
const DefaultNegativeSlope = 0.01

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

func init() {
	RegisterActivation(ActivationSpec{Name: "sigmoid", New: func() Module { return Sigmoid{} }, Gain: "sigmoid"})
	RegisterActivation(ActivationSpec{Name: "tanh", New: func() Module { return Tanh{} }, Gain: "tanh"})
	RegisterActivation(ActivationSpec{Name: "relu", New: func() Module { return ReLU{} }, Gain: "relu"})
	RegisterActivation(ActivationSpec{Name: "leaky_relu", Aliases: []string{"leakyrelu"}, New: func() Module { return LeakyReLU{Slope: DefaultNegativeSlope} }, Gain: "leaky_relu"})
	RegisterActivation(ActivationSpec{Name: "elu", New: func() Module { return ELU{Alpha: 1} }})
}
