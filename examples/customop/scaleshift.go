package main

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// A layer with parameters and a fused operation of its own, added from
// outside the library in this one file.

// scaleShiftOp is y = x·γ + β for x (N, F) and per-feature γ, β (F): one
// node where Mul and Add would make two. Its gradients are g·γ for x, the
// column sums of g·x for γ and the column sums of g for β.
type scaleShiftOp struct{}

func (scaleShiftOp) Name() string { return "scale_shift" }

func (scaleShiftOp) Forward(c autograd.Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x, gamma, beta := in[0], in[1], in[2]
	y := c.Arena().EmptyLike(x)
	tensor.MulTo(y, x, gamma) // γ broadcasts over the rows
	tensor.AddTo(y, y, beta)
	return y
}

func (scaleShiftOp) Backward(c autograd.Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	t := c.Arena().EmptyLike(gout)
	if gin[0] != nil {
		tensor.MulTo(t, gout, c.Input(1))
		gin[0].AddScaled(1, t)
	}
	if gin[1] != nil {
		tensor.MulTo(t, gout, c.Input(0))
		tensor.AccumulateTo(gin[1], t) // sums over the broadcast rows
	}
	if gin[2] != nil {
		tensor.AccumulateTo(gin[2], gout)
	}
}

// ScaleShift learns a scale and a shift per feature, starting as the
// identity (γ = 1, β = 0).
type ScaleShift struct {
	Gamma, Beta *autograd.Value
}

// NewScaleShift returns a ScaleShift over features features.
func NewScaleShift(features int) *ScaleShift {
	return &ScaleShift{
		Gamma: autograd.NewParam("gamma", tensor.Ones(tensor.Float32, features)),
		Beta:  autograd.NewParam("beta", tensor.Zeros(tensor.Float32, features)),
	}
}

// Forward applies x·γ + β to x (N, F). The op has no state, so one value
// serves every call.
func (s *ScaleShift) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Apply(scaleShiftOp{}, x, s.Gamma, s.Beta)
}

// Params returns γ and β.
func (s *ScaleShift) Params() []nn.Param {
	return []nn.Param{{Name: "gamma", Value: s.Gamma}, {Name: "beta", Value: s.Beta}}
}

// String describes the layer.
func (s *ScaleShift) String() string { return fmt.Sprintf("ScaleShift(%d)", s.Gamma.Data().Len()) }
