package optim

import (
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// AdaGradConfig holds AdaGrad's hyper-parameters. DefaultAdaGrad returns
// PyTorch's defaults.
type AdaGradConfig struct {
	// LR is the learning rate η.
	LR float64
	// LRDecay δ divides the learning rate of step t by 1 + (t-1)δ.
	LRDecay float64
	// WeightDecay λ adds λ·θ to every gradient (an L2 penalty).
	WeightDecay float64
	// InitialAccumulatorValue is the starting value of the sum of squared
	// gradients.
	InitialAccumulatorValue float64
	// Eps ε is added to the square root of the sum before dividing by it.
	Eps float64
}

// DefaultAdaGrad returns PyTorch's default AdaGrad hyper-parameters with
// learning rate lr: no decay of either kind, a zero accumulator and
// ε = 1e-10.
func DefaultAdaGrad(lr float64) AdaGradConfig { return AdaGradConfig{LR: lr, Eps: 1e-10} }

// Validate reports whether the hyper-parameters are in range, with the
// same rules as PyTorch.
func (c AdaGradConfig) Validate() error {
	return checkNonNeg("adagrad", hp{"learning rate", c.LR}, hp{"lr_decay", c.LRDecay}, hp{"weight decay", c.WeightDecay},
		hp{"initial_accumulator_value", c.InitialAccumulatorValue}, hp{"eps", c.Eps})
}

// AdaGrad scales each coordinate's step by the inverse square root of the
// sum of all its squared gradients so far, following torch.optim.Adagrad.
// At step t, for each parameter θ with gradient g,
//
//	g ← g + λθ                  (weight decay, if λ ≠ 0)
//	s ← s + g²                  (s starts at InitialAccumulatorValue)
//	θ ← θ - η/(1+(t-1)δ) · g/(√s + ε)
//
// Its state is s, named "sum".
type AdaGrad struct {
	core
	cfg AdaGradConfig
}

// NewAdaGrad returns an AdaGrad optimizer over params. It returns an error
// if a hyper-parameter is out of range or the parameter list is empty, has
// a nil or unnamed parameter, or names a parameter twice.
func NewAdaGrad(params []nn.Param, cfg AdaGradConfig) (*AdaGrad, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := newCore("adagrad", params, cfg.LR, "sum")
	if err != nil {
		return nil, err
	}
	return &AdaGrad{core: c, cfg: cfg}, nil
}

// Config returns the hyper-parameters, with the current learning rate.
func (o *AdaGrad) Config() AdaGradConfig {
	c := o.cfg
	c.LR = o.lr
	return c
}

// Step updates every parameter that has a gradient.
func (o *AdaGrad) Step() {
	c := o.cfg
	h := tensor.AdaGradHyper{LR: o.lr, LRDecay: c.LRDecay, WeightDecay: c.WeightDecay, Eps: c.Eps}
	for i := range o.params {
		p, g := o.grad(i)
		if p == nil {
			continue
		}
		s := o.buf(0, i, p, c.InitialAccumulatorValue)
		o.steps[i]++
		h.Step = o.steps[i]
		tensor.AdaGradUpdate(p, g, s, h)
	}
}

// State returns a copy of the optimizer's state.
func (o *AdaGrad) State() State {
	c := o.Config()
	return o.export(map[string]float64{
		"lr": c.LR, "lr_decay": c.LRDecay, "weight_decay": c.WeightDecay,
		"initial_accumulator_value": c.InitialAccumulatorValue, "eps": c.Eps,
	}, []slotUse{always})
}

// LoadState replaces the optimizer's state, hyper-parameters included,
// with s. On error nothing has changed.
func (o *AdaGrad) LoadState(s State) error {
	r := o.readHyper(s)
	c := AdaGradConfig{
		LR: r.num("lr"), LRDecay: r.num("lr_decay"), WeightDecay: r.num("weight_decay"),
		InitialAccumulatorValue: r.num("initial_accumulator_value"), Eps: r.num("eps"),
	}
	if err := r.done(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return inState(err)
	}
	uses := []slotUse{always}
	if err := o.check(s, uses); err != nil {
		return err
	}
	o.cfg, o.lr = c, c.LR
	o.load(s, uses)
	return nil
}
