package optim

import (
	"fmt"
	"math"
)

// PlateauConfig holds the settings of ReduceLROnPlateau, named after the
// arguments of PyTorch's ReduceLROnPlateau. DefaultPlateau returns
// PyTorch's defaults; start from it, as zero is a valid value for several
// fields.
type PlateauConfig struct {
	// Maximize watches for a metric that should grow, such as accuracy
	// (PyTorch's mode "max"); by default the metric, such as a loss,
	// should shrink (mode "min").
	Maximize bool
	// Factor multiplies the learning rate at each reduction, in [0, 1)
	// (default 0.1).
	Factor float64
	// Patience is the number of epochs without improvement that are
	// tolerated: the rate is reduced at the next one (default 10).
	Patience int
	// Threshold is how much better than the best so far a metric must be
	// to count as an improvement (default 1e-4): relative by default,
	// absolute with AbsThreshold.
	Threshold float64
	// AbsThreshold makes Threshold absolute, best ∓ Threshold (PyTorch's
	// threshold_mode "abs"), instead of relative, best·(1 ∓ Threshold)
	// ("rel").
	AbsThreshold bool
	// Cooldown is the number of epochs after a reduction during which
	// epochs without improvement are not counted (default 0).
	Cooldown int
	// MinLR is the lowest rate a reduction may reach (default 0).
	MinLR float64
	// Eps is the smallest change of rate worth making: a reduction by
	// less is skipped (default 1e-8).
	Eps float64
}

// DefaultPlateau returns PyTorch's default ReduceLROnPlateau settings:
// mode "min", factor 0.1, patience 10, relative threshold 1e-4, no
// cooldown, MinLR 0, Eps 1e-8.
func DefaultPlateau() PlateauConfig {
	return PlateauConfig{Factor: 0.1, Patience: 10, Threshold: 1e-4, Eps: 1e-8}
}

// Validate reports an error unless Factor lies in [0, 1), Patience and
// Cooldown are >= 0, and Threshold, MinLR and Eps are finite numbers >= 0.
func (c PlateauConfig) Validate() error {
	switch {
	case !(c.Factor >= 0 && c.Factor < 1):
		return fmt.Errorf("optim: ReduceLROnPlateau: factor %v must lie in [0, 1)", c.Factor)
	case c.Patience < 0:
		return fmt.Errorf("optim: ReduceLROnPlateau: patience %d must be >= 0", c.Patience)
	case c.Cooldown < 0:
		return fmt.Errorf("optim: ReduceLROnPlateau: cooldown %d must be >= 0", c.Cooldown)
	}
	return checkNonNeg("ReduceLROnPlateau", hp{"threshold", c.Threshold}, hp{"min_lr", c.MinLR}, hp{"eps", c.Eps})
}

// ReduceLROnPlateau is PyTorch 1.13's ReduceLROnPlateau: it lowers the
// learning rate when a metric has stopped improving. Call EndEpoch after
// every epoch with the metric; Step does nothing.
//
// An epoch's metric is an improvement if it beats the best so far by the
// threshold (a NaN metric never is). After more than Patience epochs in a
// row without improvement the rate η becomes max(η·Factor, MinLR) — unless
// that changes it by Eps or less — and the count restarts, and for the
// next Cooldown epochs none is counted.
//
// On a Groups, the first group's rate is reduced and MinLR applies to it;
// the others follow in proportion (Groups.SetLR).
type ReduceLROnPlateau struct {
	opt      Optimizer
	cfg      PlateauConfig
	epochs   int     // EndEpoch calls so far (PyTorch's last_epoch)
	best     float64 // best metric so far; ±Inf before the first
	bad      int     // epochs without improvement since the last one
	cooldown int     // epochs of cooldown left
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau that has seen no
// epoch. It leaves the optimizer's learning rate as it is. It returns an
// error if the settings are invalid.
func NewReduceLROnPlateau(opt Optimizer, cfg PlateauConfig) (*ReduceLROnPlateau, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &ReduceLROnPlateau{opt: opt, cfg: cfg, best: cfg.worst()}, nil
}

// worst is the best value before any epoch: one that every number beats.
func (c PlateauConfig) worst() float64 {
	if c.Maximize {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

// Config returns the settings the policy was made with.
func (p *ReduceLROnPlateau) Config() PlateauConfig { return p.cfg }

// Best returns the best metric so far (+Inf, or -Inf when maximizing,
// before the first epoch).
func (p *ReduceLROnPlateau) Best() float64 { return p.best }

// Epochs returns how many times EndEpoch has been called (PyTorch's
// last_epoch).
func (p *ReduceLROnPlateau) Epochs() int { return p.epochs }

// Step does nothing: ReduceLROnPlateau acts at the end of epochs.
func (p *ReduceLROnPlateau) Step() {}

// EndEpoch records an epoch's metric and reduces the learning rate if it
// has not improved for more than Patience epochs.
func (p *ReduceLROnPlateau) EndEpoch(metric float64) {
	p.epochs++
	if p.better(metric) {
		p.best, p.bad = metric, 0
	} else {
		p.bad++
	}
	if p.cooldown > 0 {
		p.cooldown--
		p.bad = 0 // epochs in cooldown do not count
	}
	if p.bad > p.cfg.Patience {
		old := p.opt.LR()
		lr := old * p.cfg.Factor
		if p.cfg.MinLR > lr {
			lr = p.cfg.MinLR
		}
		if old-lr > p.cfg.Eps {
			p.opt.SetLR(lr)
		}
		p.cooldown, p.bad = p.cfg.Cooldown, 0
	}
}

// better is PyTorch's is_better, expression for expression.
func (p *ReduceLROnPlateau) better(a float64) bool {
	c := p.cfg
	switch {
	case !c.Maximize && !c.AbsThreshold:
		return a < p.best*(1-c.Threshold)
	case !c.Maximize:
		return a < p.best-c.Threshold
	case !c.AbsThreshold:
		return a > p.best*(c.Threshold+1)
	}
	return a > p.best+c.Threshold
}

// PolicyState returns the counters, the best metric and the settings as
// a PolicyState of kind "reduce_lr_on_plateau". The learning rate is not
// in it: it is in the optimizer's State.
func (p *ReduceLROnPlateau) PolicyState() PolicyState {
	v := p.settings()
	v["epochs"], v["best"], v["bad_epochs"], v["cooldown_left"] = float64(p.epochs), p.best, float64(p.bad), float64(p.cooldown)
	return PolicyState{Kind: "reduce_lr_on_plateau", Values: v}
}

func (p *ReduceLROnPlateau) settings() map[string]float64 {
	c := p.cfg
	return map[string]float64{
		"maximize": boolf(c.Maximize), "factor": c.Factor, "patience": float64(c.Patience),
		"threshold": c.Threshold, "abs_threshold": boolf(c.AbsThreshold), "cooldown": float64(c.Cooldown),
		"min_lr": c.MinLR, "eps": c.Eps,
	}
}

// LoadPolicyState restores the counters and the best metric. It leaves
// the learning rate alone: load the optimizer's State too. It returns an
// error, and changes nothing, unless s is a "reduce_lr_on_plateau" state
// of a policy with the same settings, whose counters are in range and
// whose best metric is not NaN.
func (p *ReduceLROnPlateau) LoadPolicyState(s PolicyState) error {
	r := readPolicy(s, "reduce_lr_on_plateau")
	epochs, best, bad, cooldown := r.count("epochs"), r.num("best"), r.count("bad_epochs"), r.count("cooldown_left")
	r.same(p.settings())
	switch {
	case r.err != nil:
	case math.IsNaN(best):
		r.fail("best metric is NaN")
	case bad > p.cfg.Patience:
		r.fail("bad_epochs %d exceeds the patience, %d", bad, p.cfg.Patience)
	case cooldown > p.cfg.Cooldown:
		r.fail("cooldown_left %d exceeds the cooldown, %d", cooldown, p.cfg.Cooldown)
	}
	if err := r.done(); err != nil {
		return err
	}
	p.epochs, p.best, p.bad, p.cooldown = epochs, best, bad, cooldown
	return nil
}
