package optim

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/kernels"
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
//	v ← g at the first step, else μv + (1-τ)g   (if μ ≠ 0)
//	g ← g + μv (Nesterov) or g ← v   (if μ ≠ 0)
//	θ ← θ - ηg
//
// Its state is the velocity v, named "momentum_buffer", kept only when
// Momentum is non-zero.
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

// Step updates every parameter that has a gradient.
func (o *SGD) Step() {
	lr, wd, mom, damp, nest := o.lr, o.cfg.WeightDecay, o.cfg.Momentum, o.cfg.Dampening, o.cfg.Nesterov
	for i := range o.params {
		p, g := o.grad(i)
		if p == nil {
			continue
		}
		var v *tensor.Tensor
		if mom != 0 {
			v = o.buf(0, i, p, 0)
		}
		first := o.steps[i] == 0
		o.steps[i]++
		switch {
		case p.DType() == tensor.Float64:
			sgd(p.F64(), g.F64(), bufF64(v), lr, wd, mom, 1-damp, nest, first)
		case v != nil && wd == 0 && !nest && !first:
			// The common case, with the vector kernel.
			kernels.SGDMomentum(p.F32(), g.F32(), v.F32(), float32(lr), float32(mom), float32(1-damp))
		default:
			sgd(p.F32(), g.F32(), bufF32(v), float32(lr), float32(wd), float32(mom), float32(1-damp), nest, first)
		}
	}
}

// sgd is SGD's update of one parameter p with gradient g and velocity v
// (nil without momentum); keep is 1-τ, the share of the gradient that
// enters the velocity. Scalars are computed in float64 and rounded to the
// parameter's type once, as PyTorch does.
func sgd[T tensor.Float](p, g, v []T, lr, wd, mom, keep T, nesterov, first bool) {
	g = g[:len(p)]
	if v == nil {
		for i, d := range g {
			if wd != 0 {
				d += wd * p[i]
			}
			p[i] -= lr * d
		}
		return
	}
	v = v[:len(p)]
	for i, d := range g {
		if wd != 0 {
			d += wd * p[i]
		}
		if first {
			v[i] = d
		} else {
			v[i] = v[i]*mom + keep*d
		}
		if nesterov {
			d += mom * v[i]
		} else {
			d = v[i]
		}
		p[i] -= lr * d
	}
}

// State returns a copy of the optimizer's state.
func (o *SGD) State() State {
	c := o.Config()
	return o.export(map[string]float64{
		"lr": c.LR, "momentum": c.Momentum, "dampening": c.Dampening,
		"weight_decay": c.WeightDecay, "nesterov": boolf(c.Nesterov),
	}, []bool{c.Momentum != 0})
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
	active := []bool{c.Momentum != 0}
	if err := o.check(s, active); err != nil {
		return err
	}
	o.cfg, o.lr = c, c.LR
	o.load(s, active)
	return nil
}

func bufF64(t *tensor.Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.F64()
}

func bufF32(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.F32()
}
