package optim

import (
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// RMSPropConfig holds RMSProp's hyper-parameters. DefaultRMSProp returns
// PyTorch's defaults.
type RMSPropConfig struct {
	// LR is the learning rate η.
	LR float64
	// Alpha α is the decay factor of the running average of squared
	// gradients; 0.99 remembers about the last 100 steps.
	Alpha float64
	// Eps ε is added to the root-mean-square before dividing by it.
	Eps float64
	// WeightDecay λ adds λ·θ to every gradient (an L2 penalty).
	WeightDecay float64
	// Momentum μ, if non-zero, accumulates the scaled steps in a velocity.
	Momentum float64
	// Centered divides by an estimate of the gradient's standard deviation
	// (subtracting the square of the running average of gradients) rather
	// than by its root-mean-square.
	Centered bool
}

// DefaultRMSProp returns PyTorch's default RMSProp hyper-parameters with
// learning rate lr: α = 0.99, ε = 1e-8, no weight decay or momentum, not
// centered.
func DefaultRMSProp(lr float64) RMSPropConfig { return RMSPropConfig{LR: lr, Alpha: 0.99, Eps: 1e-8} }

// Validate reports whether the hyper-parameters are in range, with the
// same rules as PyTorch.
func (c RMSPropConfig) Validate() error {
	return checkNonNeg("rmsprop", hp{"learning rate", c.LR}, hp{"alpha", c.Alpha}, hp{"eps", c.Eps},
		hp{"weight decay", c.WeightDecay}, hp{"momentum", c.Momentum})
}

// RMSProp divides each coordinate's step by a running root-mean-square of
// its recent gradients, following torch.optim.RMSprop. For each parameter
// θ with gradient g,
//
//	g ← g + λθ                     (weight decay, if λ ≠ 0)
//	s ← αs + (1-α)g²
//	a ← αa + (1-α)g, r ← √(s - a²) (centered)   or   r ← √s
//	v ← μv + g/(r+ε), θ ← θ - ηv   (if μ > 0)   or   θ ← θ - η·g/(r+ε)
//
// with s, a and v starting at zero. Its state is s, "square_avg"; v,
// "momentum_buffer", from a parameter's first step with Momentum > 0 on
// (kept, unused, while SetMomentum has turned momentum off); and a,
// "grad_avg", when Centered.
type RMSProp struct {
	core
	cfg RMSPropConfig
}

// NewRMSProp returns an RMSProp optimizer over params. It returns an error
// if a hyper-parameter is out of range or the parameter list is empty, has
// a nil or unnamed parameter, or names a parameter twice.
func NewRMSProp(params []nn.Param, cfg RMSPropConfig) (*RMSProp, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := newCore("rmsprop", params, cfg.LR, "square_avg", "momentum_buffer", "grad_avg")
	if err != nil {
		return nil, err
	}
	return &RMSProp{core: c, cfg: cfg}, nil
}

// Config returns the hyper-parameters, with the current learning rate.
func (o *RMSProp) Config() RMSPropConfig {
	c := o.cfg
	c.LR = o.lr
	return c
}

// uses says which buffer slots these hyper-parameters use. The velocity
// is optional whatever the momentum: see SetMomentum.
func (c RMSPropConfig) uses() []slotUse { return []slotUse{always, optional, alwaysIf(c.Centered)} }

// Step updates every parameter that has a gradient.
func (o *RMSProp) Step() {
	c := o.cfg
	h := tensor.RMSPropHyper{LR: o.lr, Alpha: c.Alpha, Eps: c.Eps, WeightDecay: c.WeightDecay, Momentum: c.Momentum}
	for i := range o.params {
		p, g := o.grad(i)
		if p == nil {
			continue
		}
		var v, a *tensor.Tensor
		s := o.buf(0, i, p, 0)
		if c.Momentum > 0 {
			v = o.buf(1, i, p, 0)
		}
		if c.Centered {
			a = o.buf(2, i, p, 0)
		}
		o.steps[i]++
		tensor.RMSPropUpdate(p, g, s, v, a, h)
	}
}

// State returns a copy of the optimizer's state.
func (o *RMSProp) State() State {
	c := o.Config()
	return o.export(map[string]float64{
		"lr": c.LR, "alpha": c.Alpha, "eps": c.Eps, "weight_decay": c.WeightDecay,
		"momentum": c.Momentum, "centered": boolf(c.Centered),
	}, c.uses())
}

// LoadState replaces the optimizer's state, hyper-parameters included,
// with s. On error nothing has changed.
func (o *RMSProp) LoadState(s State) error {
	r := o.readHyper(s)
	c := RMSPropConfig{
		LR: r.num("lr"), Alpha: r.num("alpha"), Eps: r.num("eps"), WeightDecay: r.num("weight_decay"),
		Momentum: r.num("momentum"), Centered: r.flag("centered"),
	}
	if err := r.done(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return inState(err)
	}
	uses := c.uses()
	if err := o.check(s, uses); err != nil {
		return err
	}
	o.cfg, o.lr = c, c.LR
	o.load(s, uses)
	return nil
}

// Momentum returns the momentum μ; it is part of MomentumSetter.
func (o *RMSProp) Momentum() float64 { return o.cfg.Momentum }

// SetMomentum changes the momentum μ used by the following steps, as
// OneCycle does. A velocity that does not exist yet starts at zero. It
// panics if m is negative or not finite.
func (o *RMSProp) SetMomentum(m float64) {
	if err := o.checkMomentum(m); err != nil {
		panic(err.Error())
	}
	o.cfg.Momentum = m
}

func (o *RMSProp) checkMomentum(m float64) error {
	c := o.cfg
	c.Momentum = m
	return c.Validate()
}
