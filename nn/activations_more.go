package nn

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
)

// GELU is x·Φ(x), Φ the standard normal distribution function: the
// activation of BERT and GPT, a ReLU whose corner is smoothed by how
// likely x is to be positive. Approximate is "" for the exact form with
// erf or "tanh" for ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as PyTorch's
// GELU(approximate=…).
type GELU struct{ Approximate string }

// SiLU is x·σ(x) (also called swish): smooth, non-monotonic just below
// zero, and close to ReLU for large |x|.
type SiLU struct{}

// Softplus is log(1 + e^(βx))/β, a smooth ReLU whose derivative is the
// sigmoid σ(βx); where βx > Threshold it is x itself, as PyTorch's
// Softplus(beta, threshold). A zero Beta means 1 and a zero Threshold
// means 20, PyTorch's defaults.
type Softplus struct{ Beta, Threshold float64 }

// Forward applies the function. It panics for an Approximate other than
// "" or "tanh".
func (a GELU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	switch a.Approximate {
	case "", "none":
		return g.GELU(x, false)
	case "tanh":
		return g.GELU(x, true)
	}
	panic(fmt.Sprintf("nn: GELU approximation %q (want \"\" or \"tanh\")", a.Approximate))
}

// Forward applies the function.
func (SiLU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.SiLU(x) }

// Forward applies the function.
func (a Softplus) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	beta, threshold := a.params()
	return g.Softplus(x, beta, threshold)
}

// params returns β and the threshold with the defaults filled in.
func (a Softplus) params() (beta, threshold float64) {
	beta, threshold = a.Beta, a.Threshold
	if beta == 0 {
		beta = 1
	}
	if threshold == 0 {
		threshold = 20
	}
	return beta, threshold
}

// Params returns nothing: activations have no parameters.
func (GELU) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (SiLU) Params() []Param { return nil }

// Params returns nothing: activations have no parameters.
func (Softplus) Params() []Param { return nil }

// String names the function.
func (a GELU) String() string {
	if a.Approximate == "tanh" {
		return "GELU(tanh)"
	}
	return "GELU"
}

// String names the function.
func (SiLU) String() string { return "SiLU" }

// String names the function with its parameters.
func (a Softplus) String() string {
	beta, threshold := a.params()
	return fmt.Sprintf("Softplus(beta=%g, threshold=%g)", beta, threshold)
}

func init() {
	RegisterActivation(ActivationSpec{Name: "gelu", New: func() Module { return GELU{} }})
	RegisterActivation(ActivationSpec{Name: "gelu_tanh", New: func() Module { return GELU{Approximate: "tanh"} }})
	RegisterActivation(ActivationSpec{Name: "silu", New: func() Module { return SiLU{} }})
	RegisterActivation(ActivationSpec{Name: "softplus", New: func() Module { return Softplus{} }})
}
