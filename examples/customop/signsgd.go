package main

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// An optimizer that baeum does not have, added from outside the library in
// this one file. It works with optim.Scheduler and with any training loop
// written against optim.Optimizer.

// SignSGD moves every weight by the learning rate against the sign of its
// gradient, ignoring the gradient's size (Bernstein et al. 2018):
// p ← p - lr·sign(∂L/∂p).
type SignSGD struct {
	params []nn.Param
	lr     float64
	signs  []*tensor.Tensor // one scratch tensor per parameter
}

// NewSignSGD returns a SignSGD optimizer over params.
func NewSignSGD(params []nn.Param, lr float64) (*SignSGD, error) {
	if !(lr >= 0) || math.IsInf(lr, 0) {
		return nil, fmt.Errorf("signsgd: learning rate %v must be finite and non-negative", lr)
	}
	o := &SignSGD{params: params, lr: lr, signs: make([]*tensor.Tensor, len(params))}
	for i, p := range params {
		o.signs[i] = tensor.New(p.Value.Data().DType(), p.Value.Data().Shape()...)
	}
	return o, nil
}

// Step moves each parameter that has a gradient against its sign.
func (o *SignSGD) Step() {
	for i, p := range o.params {
		g := p.Value.Grad()
		if g == nil {
			continue
		}
		tensor.UnaryTo(tensor.OpSign, o.signs[i], g, 0)
		p.Value.Data().AddScaled(-o.lr, o.signs[i])
	}
}

// ZeroGrad zeroes every parameter's gradient.
func (o *SignSGD) ZeroGrad() {
	for _, p := range o.params {
		p.Value.ZeroGrad()
	}
}

// LR returns the learning rate.
func (o *SignSGD) LR() float64 { return o.lr }

// SetLR sets the learning rate; a Scheduler calls it.
func (o *SignSGD) SetLR(lr float64) {
	if !(lr >= 0) {
		panic(fmt.Sprintf("signsgd: learning rate %v", lr))
	}
	o.lr = lr
}

// Params returns the parameters being optimized.
func (o *SignSGD) Params() []nn.Param { return o.params }

// State returns the learning rate: SignSGD keeps nothing else.
func (o *SignSGD) State() optim.State {
	return optim.State{Optimizer: "signsgd", Hyper: map[string]float64{"lr": o.lr}}
}

// LoadState restores a state saved by State.
func (o *SignSGD) LoadState(s optim.State) error {
	if s.Optimizer != "signsgd" {
		return fmt.Errorf("signsgd: cannot load the state of a %q optimizer", s.Optimizer)
	}
	lr, ok := s.Hyper["lr"]
	if !ok || !(lr >= 0) {
		return fmt.Errorf("signsgd: state without a valid learning rate")
	}
	o.lr = lr
	return nil
}
