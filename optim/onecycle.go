package optim

import (
	"fmt"
	"math"
)

// Anneal is the shape of OneCycle's rises and falls.
type Anneal int

const (
	// AnnealCos follows half a cosine wave: PyTorch's anneal_strategy
	// "cos", the default.
	AnnealCos Anneal = iota
	// AnnealLinear follows a straight line: anneal_strategy "linear".
	AnnealLinear
)

// String returns PyTorch's name of the strategy, "cos" or "linear".
func (a Anneal) String() string {
	switch a {
	case AnnealCos:
		return "cos"
	case AnnealLinear:
		return "linear"
	}
	return fmt.Sprintf("Anneal(%d)", int(a))
}

// OneCycleConfig holds the settings of OneCycle, named after the
// arguments of PyTorch's OneCycleLR. DefaultOneCycle returns PyTorch's
// defaults; start from it, as zero is a valid value for several fields.
type OneCycleConfig struct {
	// MaxLR is the peak learning rate (of the first group, for Groups).
	MaxLR float64
	// TotalSteps is the number of optimizer steps in the cycle.
	TotalSteps int
	// PctStart is the fraction of the cycle spent raising the rate,
	// in [0, 1]. PyTorch's default is 0.3.
	PctStart float64
	// Anneal is the shape of the rises and falls (default AnnealCos).
	Anneal Anneal
	// DivFactor sets the starting rate, MaxLR/DivFactor (default 25).
	DivFactor float64
	// FinalDivFactor sets the final rate, MaxLR/DivFactor/FinalDivFactor
	// (default 1e4).
	FinalDivFactor float64
	// ThreePhase uses a third phase: up to MaxLR over PctStart of the
	// cycle, symmetrically back down to the starting rate, then down to
	// the final rate (the original paper's form), instead of going
	// straight from MaxLR to the final rate (fastai's, the default).
	ThreePhase bool
	// CycleMomentum cycles the momentum inversely to the rate between
	// MaxMomentum and BaseMomentum (PyTorch's default: true). The
	// optimizer must then be a MomentumSetter: SGD, RMSProp, Adam or
	// AdamW (whose β₁ is cycled), or Groups holding one of them.
	CycleMomentum bool
	// BaseMomentum is the momentum at the peak rate (default 0.85);
	// MaxMomentum the momentum at the start (default 0.95).
	BaseMomentum, MaxMomentum float64
}

// DefaultOneCycle returns PyTorch's default OneCycleLR settings for a
// cycle of totalSteps steps peaking at maxLR: PctStart 0.3, cosine
// annealing, DivFactor 25, FinalDivFactor 1e4, two phases, momentum
// cycled between 0.85 and 0.95.
func DefaultOneCycle(maxLR float64, totalSteps int) OneCycleConfig {
	return OneCycleConfig{MaxLR: maxLR, TotalSteps: totalSteps, PctStart: 0.3, DivFactor: 25, FinalDivFactor: 1e4,
		CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95}
}

// Validate reports an error unless TotalSteps > 0, MaxLR is a finite
// number >= 0, PctStart lies in [0, 1], both divisors are finite and
// positive, Anneal is known, and PctStart·TotalSteps is not 1 (the
// warm-up would be a single point, where PyTorch divides by zero).
func (c OneCycleConfig) Validate() error {
	switch {
	case c.TotalSteps <= 0:
		return fmt.Errorf("optim: OneCycle: total steps %d must be positive", c.TotalSteps)
	case !(c.PctStart >= 0 && c.PctStart <= 1):
		return fmt.Errorf("optim: OneCycle: PctStart %v must lie in [0, 1]", c.PctStart)
	case c.Anneal != AnnealCos && c.Anneal != AnnealLinear:
		return fmt.Errorf("optim: OneCycle: unknown anneal strategy %v (want AnnealCos or AnnealLinear)", c.Anneal)
	case c.PctStart*float64(c.TotalSteps)-1 == 0:
		return fmt.Errorf("optim: OneCycle: PctStart %v of %d steps is a warm-up of one point, which has no slope; choose another PctStart",
			c.PctStart, c.TotalSteps)
	}
	if err := checkLR("OneCycle", c.MaxLR); err != nil {
		return err
	}
	for _, d := range []hp{{"DivFactor", c.DivFactor}, {"FinalDivFactor", c.FinalDivFactor}} {
		if !(d.v > 0) || math.IsInf(d.v, 0) {
			return fmt.Errorf("optim: OneCycle: %s %v must be a finite number > 0", d.name, d.v)
		}
	}
	return nil
}

// OneCycle is PyTorch 1.13's OneCycleLR (Smith & Topin, "Super-Convergence:
// Very Fast Training of Neural Networks Using Large Learning Rates"): the
// learning rate rises from MaxLR/DivFactor to MaxLR over the first
// PctStart of the cycle and then falls to MaxLR/DivFactor/FinalDivFactor,
// far below where it started, while the momentum, if cycled, moves the
// other way, from MaxMomentum down to BaseMomentum at the peak and back.
// Call Step after every optimizer step; EndEpoch does nothing.
//
// The rates and momenta are PyTorch's, computed by the same expressions:
// step t of the cycle, 0 <= t < TotalSteps, gets the values OneCycleLR
// gives at its last_epoch t. Where PyTorch raises an error for stepping
// beyond the cycle, OneCycle holds the final values: every step from
// TotalSteps-1 on gets the rate and momentum of step TotalSteps-1. (PyTorch
// allows one step more, to last_epoch = TotalSteps, whose values are
// extrapolated past the end of the cycle — for linear annealing a negative
// rate — and never used if training stops after TotalSteps optimizer
// steps.)
//
// On a Groups, MaxLR is the first group's peak and the others' follow in
// proportion (Groups.SetLR), and every group with a momentum cycles it.
type OneCycle struct {
	opt    Optimizer
	mom    MomentumSetter // nil unless the momentum is cycled
	cfg    OneCycleConfig
	phases []cyclePhase
	t      int
}

// cyclePhase is one of PyTorch's _schedule_phases.
type cyclePhase struct {
	end                        float64 // last step of the phase
	startLR, endLR             float64
	startMomentum, endMomentum float64
}

// NewOneCycle returns a OneCycle at step 0 that sets the optimizer's
// learning rate (and momentum) to those of step 0. It returns an error if
// the settings are invalid, or the momentum is to be cycled but the
// optimizer has none or refuses BaseMomentum or MaxMomentum.
func NewOneCycle(opt Optimizer, cfg OneCycleConfig) (*OneCycle, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	oc := &OneCycle{opt: opt, cfg: cfg}
	if cfg.CycleMomentum {
		ms, ok := momentumOf(opt)
		if !ok {
			return nil, fmt.Errorf("optim: OneCycle: optimizer %T has no momentum to cycle; set CycleMomentum to false", opt)
		}
		for _, m := range []hp{{"BaseMomentum", cfg.BaseMomentum}, {"MaxMomentum", cfg.MaxMomentum}} {
			if err := checkMomentum(ms, m.v); err != nil {
				return nil, fmt.Errorf("optim: OneCycle: %s %v: %w", m.name, m.v, err)
			}
		}
		oc.mom = ms
	}
	initial := cfg.MaxLR / cfg.DivFactor
	final := initial / cfg.FinalDivFactor
	T, p := float64(cfg.TotalSteps), cfg.PctStart
	lo, hi := cfg.BaseMomentum, cfg.MaxMomentum
	if cfg.ThreePhase {
		oc.phases = []cyclePhase{
			{p*T - 1, initial, cfg.MaxLR, hi, lo},
			{2*p*T - 2, cfg.MaxLR, initial, lo, hi},
			{T - 1, initial, final, hi, hi},
		}
	} else {
		oc.phases = []cyclePhase{
			{p*T - 1, initial, cfg.MaxLR, hi, lo},
			{T - 1, cfg.MaxLR, final, lo, hi},
		}
	}
	oc.apply()
	return oc, nil
}

// Config returns the settings the OneCycle was made with.
func (oc *OneCycle) Config() OneCycleConfig { return oc.cfg }

// Steps returns how many times Step has been called: the position in the
// cycle (PyTorch's last_epoch).
func (oc *OneCycle) Steps() int { return oc.t }

// Step advances the cycle by one step and sets the optimizer's learning
// rate and momentum.
func (oc *OneCycle) Step() {
	oc.t++
	oc.apply()
}

// EndEpoch does nothing: OneCycle counts optimizer steps.
func (oc *OneCycle) EndEpoch(metric float64) {}

// At returns the learning rate and momentum of step t (those of step
// TotalSteps-1 for every t beyond it); the momentum is 0 if it is not
// cycled.
func (oc *OneCycle) At(t int) (lr, momentum float64) {
	step := float64(min(max(t, 0), oc.cfg.TotalSteps-1))
	anneal := annealCos
	if oc.cfg.Anneal == AnnealLinear {
		anneal = annealLinear
	}
	start := 0.0
	for i, ph := range oc.phases {
		if step <= ph.end || i == len(oc.phases)-1 {
			pct := (step - start) / (ph.end - start)
			lr = anneal(ph.startLR, ph.endLR, pct)
			if oc.cfg.CycleMomentum {
				momentum = anneal(ph.startMomentum, ph.endMomentum, pct)
			}
			break
		}
		start = ph.end
	}
	return max(lr, 0), momentum // the max guards against a rounding below 0
}

// annealCos and annealLinear are OneCycleLR's _annealing_cos and
// _annealing_linear, expression for expression.
func annealCos(start, end, pct float64) float64 {
	cosOut := math.Cos(math.Pi*pct) + 1
	return end + (start-end)/2.0*cosOut
}

func annealLinear(start, end, pct float64) float64 { return (end-start)*pct + start }

// apply sets the optimizer's rate and momentum to those of the current step.
func (oc *OneCycle) apply() {
	lr, m := oc.At(oc.t)
	oc.opt.SetLR(lr)
	if oc.mom != nil {
		oc.mom.SetMomentum(m)
	}
}

// PolicyState returns the position in the cycle and the settings, as a
// PolicyState of kind "one_cycle".
func (oc *OneCycle) PolicyState() PolicyState {
	v := oc.settings()
	v["steps"] = float64(oc.t)
	return PolicyState{Kind: "one_cycle", Values: v}
}

func (oc *OneCycle) settings() map[string]float64 {
	c := oc.cfg
	return map[string]float64{
		"max_lr": c.MaxLR, "total_steps": float64(c.TotalSteps), "pct_start": c.PctStart,
		"anneal_linear": boolf(c.Anneal == AnnealLinear), "div_factor": c.DivFactor,
		"final_div_factor": c.FinalDivFactor, "three_phase": boolf(c.ThreePhase),
		"cycle_momentum": boolf(c.CycleMomentum), "base_momentum": c.BaseMomentum, "max_momentum": c.MaxMomentum,
	}
}

// LoadPolicyState moves the cycle to the saved position and sets the
// optimizer's rate and momentum accordingly. It returns an error, and
// changes nothing, unless s is a "one_cycle" state of a OneCycle with the
// same settings.
func (oc *OneCycle) LoadPolicyState(s PolicyState) error {
	r := readPolicy(s, "one_cycle")
	t := r.count("steps")
	r.same(oc.settings())
	if err := r.done(); err != nil {
		return err
	}
	oc.t = t
	oc.apply()
	return nil
}
