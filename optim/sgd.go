package optim

import (
	"fmt"

	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// SGDConfig holds the hyper-parameters of stochastic gradient descent.
// Its zero value, with a learning rate set, is PyTorch's default: plain
// gradient descent.
type SGDConfig struct {
	// LR is the learning rate η.
	LR float64
	// Momentum μ is the decay factor of the velocity; 0 turns momentum off.
	// 0.9 is the usual value.
	Momentum float64
	// Dampening τ scales down the gradient as it enters the velocity:
	// v ← μv + (1-τ)g. PyTorch's default, and the usual value, is 0.
	Dampening float64
	// WeightDecay λ adds λ·θ to every gradient (an L2 penalty λ/2·‖θ‖²).
	WeightDecay float64
	// Nesterov evaluates the momentum step "ahead" (Nesterov's accelerated
	// gradient, NAG). It needs Momentum > 0 and Dampening = 0.
	Nesterov bool
}

// Validate reports whether the hyper-parameters are in range: PyTorch's
// rules, and every value must also be finite and the dampening
// non-negative.
func (c SGDConfig) Validate() error {
	err := checkNonNeg("sgd", hp{"learning rate", c.LR}, hp{"momentum", c.Momentum},
		hp{"dampening", c.Dampening}, hp{"weight decay", c.WeightDecay})
	if err != nil {
		return err
	}
	if c.Nesterov && (c.Momentum <= 0 || c.Dampening != 0) {
		return fmt.Errorf("optim: sgd: Nesterov momentum needs momentum > 0 and dampening 0, got momentum %v and dampening %v", c.Momentum, c.Dampening)
	}
	return nil
}

// SGD is stochastic gradient descent, with optional momentum, Nesterov
// momentum and weight decay, following torch.optim.SGD. For each
// parameter θ with gradient g, one step does
//
//	g ← g + λθ                      (weight decay, if λ ≠ 0)
//	v ← g if v does not exist yet, else μv + (1-τ)g   (if μ ≠ 0)
//	g ← g + μv (Nesterov) or g ← v   (if μ ≠ 0)
//	θ ← θ - ηg
//
// Its state is the velocity v, named "momentum_buffer", which a parameter
// has from its first step with momentum on (kept, unused, while
// SetMomentum has turned momentum off).
type SGD struct {
	core
	cfg SGDConfig
}

// NewSGD returns an SGD optimizer over params. It returns an error if a
// hyper-parameter is out of range or the parameter list is empty, has a
// nil or unnamed parameter, or names a parameter twice.
func NewSGD(params []nn.Param, cfg SGDConfig) (*SGD, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := newCore("sgd", params, cfg.LR, "momentum_buffer")
	if err != nil {
		return nil, err
	}
	return &SGD{core: c, cfg: cfg}, nil
}

// Config returns the hyper-parameters, with the current learning rate.
func (o *SGD) Config() SGDConfig {
	c := o.cfg
	c.LR = o.lr
	return c
}

// sgdUses is SGD's one buffer slot, the velocity: optional whatever the
// momentum, as SetMomentum can turn momentum on or off at any step.
var sgdUses = []slotUse{optional}

// Step updates every parameter that has a gradient.
func (o *SGD) Step() {
	h := tensor.SGDHyper{LR: o.lr, Momentum: o.cfg.Momentum, Dampening: o.cfg.Dampening,
		WeightDecay: o.cfg.WeightDecay, Nesterov: o.cfg.Nesterov}
	for i := range o.params {
		p, g := o.grad(i)
		if p == nil {
			continue
		}
		h.Step = o.steps[i] + 1
		var v *tensor.Tensor
		if h.Momentum != 0 {
			if o.bufs[0][i] == nil {
				// A velocity that does not exist yet starts as the
				// gradient, which SGDUpdate does at its step 1: also
				// after steps without momentum (PyTorch's
				// momentum_buffer is None then) or a State without it.
				h.Step = 1
			}
			v = o.buf(0, i, p, 0)
		}
		o.steps[i]++
		tensor.SGDUpdate(p, g, v, h)
	}
}

// State returns a copy of the optimizer's state.
func (o *SGD) State() State {
	c := o.Config()
	return o.export(map[string]float64{
		"lr": c.LR, "momentum": c.Momentum, "dampening": c.Dampening,
		"weight_decay": c.WeightDecay, "nesterov": boolf(c.Nesterov),
	}, sgdUses)
}

// LoadState replaces the optimizer's state, hyper-parameters included,
// with s. On error nothing has changed.
func (o *SGD) LoadState(s State) error {
	r := o.readHyper(s)
	c := SGDConfig{
		LR: r.num("lr"), Momentum: r.num("momentum"), Dampening: r.num("dampening"),
		WeightDecay: r.num("weight_decay"), Nesterov: r.flag("nesterov"),
	}
	if err := r.done(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return inState(err)
	}
	if err := o.check(s, sgdUses); err != nil {
		return err
	}
	o.cfg, o.lr = c, c.LR
	o.load(s, sgdUses)
	return nil
}

// Momentum returns the momentum μ; it is part of MomentumSetter.
func (o *SGD) Momentum() float64 { return o.cfg.Momentum }

// SetMomentum changes the momentum μ used by the following steps, as
// OneCycle does. Turning momentum on after steps without it starts each
// velocity that does not exist yet from the gradient, and one that does
// from where it stopped, as PyTorch does. It panics if the value is
// invalid for this optimizer (negative, not finite, or not positive under
// Nesterov momentum).
func (o *SGD) SetMomentum(m float64) {
	if err := o.checkMomentum(m); err != nil {
		panic(err.Error())
	}
	o.cfg.Momentum = m
}

func (o *SGD) checkMomentum(m float64) error {
	c := o.cfg
	c.Momentum = m
	return c.Validate()
}
