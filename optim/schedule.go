package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for each step of training as a
// function of the base (initial) learning rate: LR(base, 0) is the rate of
// the first optimizer step, LR(base, t) the rate after t calls of
// Scheduler.Step. Schedules are pure functions of their arguments, so a
// schedule's position is just the number t.
//
// The schedules here are the closed forms of PyTorch's StepLR,
// ExponentialLR, CosineAnnealingLR and LinearLR; Sequential and Chain
// combine them as SequentialLR and ChainedScheduler do, for example to
// warm up linearly and then anneal:
//
//	optim.Sequential{
//		Schedules:  []optim.Schedule{optim.Linear{StartFactor: 0.1, EndFactor: 1, Iters: 5}, optim.Cosine{TMax: 95}},
//		Milestones: []int{5},
//	}
type Schedule interface {
	// LR returns the learning rate at step t >= 0 for base rate base.
	LR(base float64, t int) float64
}

// Validator is implemented by schedules whose fields can be out of range.
// NewScheduler calls it.
type Validator interface {
	Validate() error
}

// Constant keeps the learning rate at its base value.
type Constant struct{}

// LR returns base.
func (Constant) LR(base float64, t int) float64 { return base }

// StepDecay multiplies the learning rate by Gamma every StepSize steps:
// η_t = η·γ^⌊t/StepSize⌋, PyTorch's StepLR.
type StepDecay struct {
	StepSize int
	Gamma    float64
}

// LR returns base·Gamma^⌊t/StepSize⌋.
func (s StepDecay) LR(base float64, t int) float64 {
	return base * math.Pow(s.Gamma, float64(t/s.StepSize))
}

// Validate reports an error unless StepSize > 0 and Gamma >= 0.
func (s StepDecay) Validate() error {
	if s.StepSize <= 0 {
		return fmt.Errorf("optim: StepDecay: step size %d must be positive", s.StepSize)
	}
	return checkGamma("StepDecay", s.Gamma)
}

// Exponential multiplies the learning rate by Gamma every step:
// η_t = η·γ^t, PyTorch's ExponentialLR.
type Exponential struct {
	Gamma float64
}

// LR returns base·Gamma^t.
func (s Exponential) LR(base float64, t int) float64 { return base * math.Pow(s.Gamma, float64(t)) }

// Validate reports an error unless Gamma >= 0.
func (s Exponential) Validate() error { return checkGamma("Exponential", s.Gamma) }

func checkGamma(name string, g float64) error {
	if !(g >= 0) || math.IsInf(g, 0) {
		return fmt.Errorf("optim: %s: gamma %v must be a finite number >= 0", name, g)
	}
	return nil
}

// Cosine anneals the learning rate from its base value down to EtaMin
// along half a cosine wave over TMax steps, PyTorch's CosineAnnealingLR:
//
//	η_t = η_min + (η - η_min)·(1 + cos(πt/T_max))/2
//
// Past TMax it follows the cosine back up, as PyTorch does; schedule
// training to stop at TMax, or follow Cosine with another schedule in a
// Sequential.
type Cosine struct {
	TMax   int
	EtaMin float64
}

// LR returns the annealed learning rate at step t.
func (s Cosine) LR(base float64, t int) float64 {
	return s.EtaMin + (base-s.EtaMin)*(1+math.Cos(math.Pi*float64(t)/float64(s.TMax)))/2
}

// Validate reports an error unless TMax > 0 and EtaMin >= 0.
func (s Cosine) Validate() error {
	if s.TMax <= 0 {
		return fmt.Errorf("optim: Cosine: TMax %d must be positive", s.TMax)
	}
	return checkNonNeg("Cosine", hp{"EtaMin", s.EtaMin})
}

// Linear scales the learning rate by a factor that moves linearly from
// StartFactor to EndFactor over Iters steps and then stays at EndFactor,
// PyTorch's LinearLR:
//
//	η_t = η·(start + (end - start)·min(t, Iters)/Iters)
//
// With StartFactor < 1 = EndFactor it is a linear warm-up. Both factors
// must lie in [0, 1], as in PyTorch.
type Linear struct {
	StartFactor, EndFactor float64
	Iters                  int
}

// LR returns the linearly scaled learning rate at step t.
func (s Linear) LR(base float64, t int) float64 {
	return base * (s.StartFactor + (s.EndFactor-s.StartFactor)*float64(min(s.Iters, t))/float64(s.Iters))
}

// Validate reports an error unless both factors lie in [0, 1] and Iters > 0.
func (s Linear) Validate() error {
	for _, f := range []float64{s.StartFactor, s.EndFactor} {
		if !(f >= 0 && f <= 1) {
			return fmt.Errorf("optim: Linear: factor %v must lie in [0, 1]", f)
		}
	}
	if s.Iters <= 0 {
		return fmt.Errorf("optim: Linear: Iters %d must be positive", s.Iters)
	}
	return nil
}

// Sequential runs Schedules one after another, switching at the
// Milestones, as PyTorch's SequentialLR does: Schedules[0] covers steps
// before Milestones[0], Schedules[k] starts afresh (at its own step 0)
// at Milestones[k-1]. Every schedule sees the same base learning rate.
type Sequential struct {
	Schedules  []Schedule
	Milestones []int
}

// LR returns the learning rate of the schedule in effect at step t.
func (s Sequential) LR(base float64, t int) float64 {
	k, start := 0, 0
	for k < len(s.Milestones) && t >= s.Milestones[k] {
		start = s.Milestones[k]
		k++
	}
	return s.Schedules[k].LR(base, t-start)
}

// Validate reports an error unless there is one schedule more than there
// are milestones, the milestones are positive and increasing, and every
// schedule is valid.
func (s Sequential) Validate() error {
	if len(s.Schedules) != len(s.Milestones)+1 {
		return fmt.Errorf("optim: Sequential: %d schedules need %d milestones, got %d", len(s.Schedules), len(s.Schedules)-1, len(s.Milestones))
	}
	for i, m := range s.Milestones {
		if m <= 0 || (i > 0 && m <= s.Milestones[i-1]) {
			return fmt.Errorf("optim: Sequential: milestones %v must be positive and increasing", s.Milestones)
		}
	}
	return validateAll("Sequential", s.Schedules)
}

// Chain applies its schedules one on top of the other, each taking the
// previous one's learning rate as its base, at the same step t, like
// PyTorch's ChainedScheduler. For schedules that multiply the learning rate
// by a factor (all but Cosine with a non-zero EtaMin) the result is the
// product of their factors: Chain{Linear{...}, Exponential{...}} warms up
// while it decays.
type Chain []Schedule

// LR returns the learning rate of the chained schedules at step t.
func (c Chain) LR(base float64, t int) float64 {
	for _, s := range c {
		base = s.LR(base, t)
	}
	return base
}

// Validate reports an error unless every schedule in the chain is valid.
func (c Chain) Validate() error { return validateAll("Chain", c) }

func validateAll(name string, ss []Schedule) error {
	for i, s := range ss {
		if s == nil {
			return fmt.Errorf("optim: %s: schedule %d is nil", name, i)
		}
		if v, ok := s.(Validator); ok {
			if err := v.Validate(); err != nil {
				return fmt.Errorf("optim: %s: schedule %d: %w", name, i, err)
			}
		}
	}
	return nil
}

// Scheduler drives an optimizer's learning rate along a Schedule. Call
// Step once after each optimizer step (or once per epoch, if the schedule
// counts epochs), as in PyTorch:
//
//	sched, err := optim.NewScheduler(opt, optim.Cosine{TMax: steps})
//	for range steps {
//		... forward, backward ...
//		opt.Step()
//		sched.Step()
//	}
type Scheduler struct {
	opt   Optimizer
	sched Schedule
	base  float64
	t     int
}

// NewScheduler returns a scheduler at position 0 that takes the
// optimizer's current learning rate as the base rate and sets the rate to
// s.LR(base, 0). It returns an error if s is nil or reports itself invalid
// (see Validator).
func NewScheduler(opt Optimizer, s Schedule) (*Scheduler, error) {
	if err := validateAll("NewScheduler", []Schedule{s}); err != nil {
		return nil, err
	}
	sc := &Scheduler{opt: opt, sched: s, base: opt.LR()}
	sc.apply()
	return sc, nil
}

func (s *Scheduler) apply() { s.opt.SetLR(s.sched.LR(s.base, s.t)) }

// Step advances the schedule by one and sets the optimizer's learning rate.
func (s *Scheduler) Step() {
	s.t++
	s.apply()
}

// Steps returns how many times Step has been called (PyTorch's
// last_epoch): the schedule's position.
func (s *Scheduler) Steps() int { return s.t }

// LR returns the learning rate the scheduler last set.
func (s *Scheduler) LR() float64 { return s.sched.LR(s.base, s.t) }

// BaseLR returns the base learning rate the schedule scales.
func (s *Scheduler) BaseLR() float64 { return s.base }

// SchedulerState is the position of a Scheduler, for saving with a
// checkpoint beside the optimizer's State.
type SchedulerState struct {
	// Steps is the number of Step calls so far.
	Steps int
	// BaseLR is the base learning rate.
	BaseLR float64
}

// State returns the scheduler's position and base learning rate.
func (s *Scheduler) State() SchedulerState { return SchedulerState{Steps: s.t, BaseLR: s.base} }

// LoadState moves the scheduler to the saved position and sets the
// optimizer's learning rate accordingly. It returns an error, and changes
// nothing, if the step count is negative or the base rate is not a finite
// number >= 0.
func (s *Scheduler) LoadState(st SchedulerState) error {
	if st.Steps < 0 {
		return fmt.Errorf("optim: scheduler state: negative step count %d", st.Steps)
	}
	if err := checkLR("scheduler state", st.BaseLR); err != nil {
		return err
	}
	if lr := s.sched.LR(st.BaseLR, st.Steps); !(lr >= 0) {
		return fmt.Errorf("optim: scheduler state: learning rate at step %d would be %v", st.Steps, lr)
	}
	s.t, s.base = st.Steps, st.BaseLR
	s.apply()
	return nil
}
