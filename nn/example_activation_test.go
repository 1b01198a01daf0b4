package nn_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Softsign is x/(1+|x|), a new activation defined, as every activation
// can be, in one file: its type, its methods and the registration below.
type Softsign struct{}

// Forward applies the function.
func (Softsign) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Div(x, g.AddScalar(g.Abs(x), 1))
}

// Params returns nothing: activations have no parameters.
func (Softsign) Params() []nn.Param { return nil }

// String names the function.
func (Softsign) String() string { return "Softsign" }

// Softsign's S-shaped curve is tanh-like, so it borrows tanh's gain for
// initialization.
func init() {
	nn.RegisterActivation(nn.ActivationSpec{Name: "softsign", New: func() nn.Module { return Softsign{} }, Gain: "tanh"})
}

// Once registered, an activation can be chosen by name, as the command
// line's --activation does.
func ExampleRegisterActivation() {
	act, err := nn.Activation("softsign")
	if err != nil {
		panic(err)
	}
	g := autograd.NewInferenceGraph()
	y := act.Forward(g, g.Input(tensor.FromFloat64([]float64{-3, 0, 1}, 3)))
	spec, _ := nn.LookupActivation("softsign")
	fmt.Println(act, y.Data().Float64s(), spec.Gain)
	// Output:
	// Softsign [-0.75 0 0.5] tanh
}
