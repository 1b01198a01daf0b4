package optim

import (
	"fmt"

	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// AdamConfig holds the hyper-parameters of Adam and AdamW. DefaultAdam and
// DefaultAdamW return PyTorch's defaults.
type AdamConfig struct {
	// LR is the learning rate η.
	LR float64
	// Beta1 β₁ is the decay factor of the running average of gradients
	// (the momentum); Beta2 β₂ that of squared gradients.
	Beta1, Beta2 float64
	// Eps ε is added to the root-mean-square before dividing by it.
	Eps float64
	// WeightDecay λ is an L2 penalty added to the gradient (Adam) or, for
	// AdamW, a decay of the weights themselves applied apart from the
	// gradient: θ ← θ(1 - ηλ).
	WeightDecay float64
	// AMSGrad divides by the largest second-moment estimate seen so far
	// rather than by the current one.
	AMSGrad bool
}

// DefaultAdam returns PyTorch's default Adam hyper-parameters with learning
// rate lr: β = (0.9, 0.999), ε = 1e-8, no weight decay, no AMSGrad.
func DefaultAdam(lr float64) AdamConfig {
	return AdamConfig{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// DefaultAdamW returns PyTorch's default AdamW hyper-parameters with
// learning rate lr: those of Adam and weight decay 0.01.
func DefaultAdamW(lr float64) AdamConfig {
	c := DefaultAdam(lr)
	c.WeightDecay = 0.01
	return c
}

// Validate reports whether the hyper-parameters are in range, with the
// same rules as PyTorch.
func (c AdamConfig) Validate() error { return c.validate("adam") }

func (c AdamConfig) validate(kind string) error {
	if err := checkNonNeg(kind, hp{"learning rate", c.LR}, hp{"eps", c.Eps}, hp{"weight decay", c.WeightDecay}); err != nil {
		return err
	}
	for i, b := range []float64{c.Beta1, c.Beta2} {
		if !(b >= 0 && b < 1) {
			return fmt.Errorf("optim: %s: invalid beta%d %v (want 0 <= beta < 1)", kind, i+1, b)
		}
	}
	return nil
}

// Adam keeps running averages of each coordinate's gradient (the first
// moment, a momentum) and squared gradient (the second moment, as in
// RMSProp), corrects both for their start at zero, and steps by their
// ratio, following torch.optim.Adam and torch.optim.AdamW. At step t, for
// each parameter θ with gradient g,
//
//	g ← g + λθ (Adam)   or   θ ← θ(1 - ηλ) (AdamW)
//	m ← β₁m + (1-β₁)g
//	v ← β₂v + (1-β₂)g²
//	v̂ ← max(v̂, v) (AMSGrad)   or   v̂ ← v
//	θ ← θ - η/(1-β₁ᵗ) · m / (√v̂/√(1-β₂ᵗ) + ε)
//
// with m and v starting at zero. Its state is m, "exp_avg"; v,
// "exp_avg_sq"; and, with AMSGrad, v̂, "max_exp_avg_sq".
type Adam struct {
	core
	cfg AdamConfig
}

// NewAdam returns an Adam optimizer over params, whose weight decay is an
// L2 penalty added to the gradient. It returns an error if a
// hyper-parameter is out of range or the parameter list is empty, has a
// nil or unnamed parameter, or names a parameter twice.
func NewAdam(params []nn.Param, cfg AdamConfig) (*Adam, error) { return newAdam("adam", params, cfg) }

// NewAdamW returns an AdamW optimizer over params: Adam with decoupled
// weight decay, which shrinks the weights directly instead of adding to
// the gradient, so that the decay is not rescaled by the second moment
// (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"). It
// returns an error under the same conditions as NewAdam.
func NewAdamW(params []nn.Param, cfg AdamConfig) (*Adam, error) { return newAdam("adamw", params, cfg) }

func newAdam(kind string, params []nn.Param, cfg AdamConfig) (*Adam, error) {
	if err := cfg.validate(kind); err != nil {
		return nil, err
	}
	c, err := newCore(kind, params, cfg.LR, "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
	if err != nil {
		return nil, err
	}
	return &Adam{core: c, cfg: cfg}, nil
}

// Decoupled reports whether this is AdamW, whose weight decay is decoupled
// from the gradient.
func (o *Adam) Decoupled() bool { return o.kind == "adamw" }

// Config returns the hyper-parameters, with the current learning rate.
func (o *Adam) Config() AdamConfig {
	c := o.cfg
	c.LR = o.lr
	return c
}

// uses says which buffer slots these hyper-parameters use.
func (c AdamConfig) uses() []slotUse { return []slotUse{always, always, alwaysIf(c.AMSGrad)} }

// Step updates every parameter that has a gradient.
func (o *Adam) Step() {
	c := o.cfg
	h := tensor.AdamHyper{LR: o.lr, Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps,
		WeightDecay: c.WeightDecay, Decoupled: o.Decoupled()}
	for i := range o.params {
		p, g := o.grad(i)
		if p == nil {
			continue
		}
		var vmax *tensor.Tensor
		m := o.buf(0, i, p, 0)
		v := o.buf(1, i, p, 0)
		if c.AMSGrad {
			vmax = o.buf(2, i, p, 0)
		}
		o.steps[i]++
		h.Step = o.steps[i]
		tensor.AdamUpdate(p, g, m, v, vmax, h)
	}
}

// State returns a copy of the optimizer's state.
func (o *Adam) State() State {
	c := o.Config()
	return o.export(map[string]float64{
		"lr": c.LR, "beta1": c.Beta1, "beta2": c.Beta2, "eps": c.Eps,
		"weight_decay": c.WeightDecay, "amsgrad": boolf(c.AMSGrad),
	}, c.uses())
}

// LoadState replaces the optimizer's state, hyper-parameters included,
// with s. On error nothing has changed.
func (o *Adam) LoadState(s State) error {
	r := o.readHyper(s)
	c := AdamConfig{
		LR: r.num("lr"), Beta1: r.num("beta1"), Beta2: r.num("beta2"), Eps: r.num("eps"),
		WeightDecay: r.num("weight_decay"), AMSGrad: r.flag("amsgrad"),
	}
	if err := r.done(); err != nil {
		return err
	}
	if err := c.validate(o.kind); err != nil {
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

// Momentum returns β₁, the decay factor of the running average of
// gradients, which plays the part of momentum; it is part of
// MomentumSetter.
func (o *Adam) Momentum() float64 { return o.cfg.Beta1 }

// SetMomentum changes β₁ for the following steps, as OneCycle does (as
// PyTorch's OneCycleLR sets betas[0]). The bias correction of each step
// uses the β₁ in effect at that step, as in PyTorch. It panics unless
// 0 <= m < 1.
func (o *Adam) SetMomentum(m float64) {
	if err := o.checkMomentum(m); err != nil {
		panic(err.Error())
	}
	o.cfg.Beta1 = m
}

func (o *Adam) checkMomentum(m float64) error {
	c := o.cfg
	c.Beta1 = m
	return c.validate(o.kind)
}
