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
// The schedules here are PyTorch's StepLR, ExponentialLR,
// CosineAnnealingLR and LinearLR, in closed form (LR) and in the
// step-by-step form that PyTorch's schedulers run (Chainable), which a
// Scheduler uses at one update per step; Sequential and Chain combine them
// as SequentialLR and ChainedScheduler do, for example to
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

// Chainable is implemented by schedules that can update a learning rate
// they did not set themselves, as PyTorch's schedulers do in their
// "chainable form" (get_lr): Chain needs it, and a Scheduler steps such a
// schedule with Update, exactly as PyTorch steps its scheduler. Every
// schedule of this package implements it.
//
// Applied alone, starting from the base rate, Update follows LR:
// Update(base, base, 0) is LR(base, 0) and Update(base, LR(base, t-1), t)
// is LR(base, t), up to rounding. In a Chain the rate it is given has been
// changed by the other schedules too, and for a schedule that does not just
// scale the rate (Cosine with a non-zero EtaMin, or past TMax) the result
// is not the product of closed forms.
type Chainable interface {
	Schedule
	// Update returns the learning rate after the schedule's own change at
	// step t >= 0, given the rate lr in effect just before it and the
	// base rate. Step 0 is the change PyTorch makes when a scheduler is
	// created.
	Update(base, lr float64, t int) float64
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

// Update returns lr unchanged.
func (Constant) Update(base, lr float64, t int) float64 { return lr }

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

// Update multiplies lr by Gamma at every multiple t > 0 of StepSize.
func (s StepDecay) Update(base, lr float64, t int) float64 {
	if t == 0 || t%s.StepSize != 0 {
		return lr
	}
	return lr * s.Gamma
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

// Update multiplies lr by Gamma at every step t > 0.
func (s Exponential) Update(base, lr float64, t int) float64 {
	if t == 0 {
		return lr
	}
	return lr * s.Gamma
}

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
//
// In a Chain, Cosine moves the rate it is given along the cosine as
// PyTorch's recursive form does: each step scales its distance from EtaMin
// by the ratio of successive cosine factors, and at the step after each
// trough (t = TMax+1, 3·TMax+1, ...), where that ratio is undefined, it
// adds (η - η_min)·(1 - cos(π/T_max))/2 of the base rate η, which restarts
// the rise from whatever rate the chain holds.
type Cosine struct {
	TMax   int
	EtaMin float64
}

// LR returns the annealed learning rate at step t.
func (s Cosine) LR(base float64, t int) float64 {
	return s.EtaMin + (base-s.EtaMin)*(1+math.Cos(math.Pi*float64(t)/float64(s.TMax)))/2
}

// Update moves lr one step along the cosine, as CosineAnnealingLR.get_lr
// does (the expressions and their order are PyTorch's).
func (s Cosine) Update(base, lr float64, t int) float64 {
	T := float64(s.TMax)
	switch {
	case t == 0:
		return lr
	case (t-1-s.TMax)%(2*s.TMax) == 0: // leaving a trough
		return lr + (base-s.EtaMin)*(1-math.Cos(math.Pi/T))/2
	}
	return (1+math.Cos(math.Pi*float64(t)/T))/(1+math.Cos(math.Pi*float64(t-1)/T))*(lr-s.EtaMin) + s.EtaMin
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

// Update scales lr by StartFactor at step 0 and by the ratio of successive
// factors up to step Iters, as LinearLR.get_lr does. Where the previous
// factor is 0 (StartFactor 0, at step 1; PyTorch divides by zero there) it
// returns LR(base, t), which is right for a Linear that is the whole
// schedule (Chain refuses one that is not).
func (s Linear) Update(base, lr float64, t int) float64 {
	switch {
	case t == 0:
		return lr * s.StartFactor
	case t > s.Iters:
		return lr
	}
	d := float64(s.Iters)*s.StartFactor + float64(t-1)*(s.EndFactor-s.StartFactor)
	if d == 0 {
		return s.LR(base, t)
	}
	return lr * (1 + (s.EndFactor-s.StartFactor)/d)
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
	k, start := s.at(t)
	return s.Schedules[k].LR(base, t-start)
}

// at returns the index of the schedule in effect at step t and the step
// at which it started.
func (s Sequential) at(t int) (k, start int) {
	for k < len(s.Milestones) && t >= s.Milestones[k] {
		start = s.Milestones[k]
		k++
	}
	return k, start
}

// Update does what SequentialLR.step does: at step 0 it resets the rate to
// the base rate and lets the first schedule change it; at a milestone it
// sets the next schedule's closed-form rate LR(base, 0); between
// milestones the schedule in effect updates lr (a schedule that is not
// Chainable sets its LR instead).
func (s Sequential) Update(base, lr float64, t int) float64 {
	k, start := s.at(t)
	switch {
	case t == 0:
		lr = base
	case k > 0 && t == start:
		return s.Schedules[k].LR(base, 0)
	}
	if c, ok := s.Schedules[k].(Chainable); ok {
		return c.Update(base, lr, t-start)
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

// Chain applies its schedules one on top of the other, as PyTorch's
// ChainedScheduler does: at every step each schedule in turn updates the
// learning rate the one before it left (see Chainable). For schedules that
// multiply the learning rate by a factor the result is the product of
// their factors: Chain{Linear{...}, Exponential{...}} warms up while it
// decays. Cosine is not such a factor when EtaMin is non-zero, nor past
// TMax: it restarts its rise from each trough, where the factors of the
// other schedules so far are lost (as in PyTorch). Every schedule of a
// chain must be Chainable, and a Linear in it must start above factor 0:
// once a factor has made the rate 0, no later factor can bring the others
// back (PyTorch's LinearLR divides by zero there).
type Chain []Schedule

// LR returns the learning rate of the chained schedules at step t, by
// replaying their updates from step 0, which costs t updates (a Scheduler
// takes one update per step instead).
func (c Chain) LR(base float64, t int) float64 { return replay(c, base, t) }

// Update lets every schedule of the chain update lr in turn.
func (c Chain) Update(base, lr float64, t int) float64 {
	for _, s := range c {
		lr = s.(Chainable).Update(base, lr, t)
	}
	return lr
}

// Validate reports an error unless every schedule in the chain is valid
// and Chainable.
func (c Chain) Validate() error {
	if err := validateAll("Chain", c); err != nil {
		return err
	}
	for i, s := range c {
		if _, ok := s.(Chainable); !ok {
			return fmt.Errorf("optim: Chain: schedule %d (%T) is not Chainable: it has no Update method", i, s)
		}
		if l, ok := s.(Linear); ok && l.StartFactor == 0 {
			return fmt.Errorf("optim: Chain: schedule %d: a Linear from factor 0 cannot be chained (the rate would stay 0); start above 0, or warm up with Sequential", i)
		}
	}
	return nil
}

// replay returns the rate of s at step t from base rate base: for a
// Chainable schedule by t+1 updates from the base rate, as PyTorch's
// scheduler reaches it, and otherwise by LR.
func replay(s Schedule, base float64, t int) float64 {
	c, ok := s.(Chainable)
	if !ok {
		return s.LR(base, t)
	}
	lr := c.Update(base, base, 0)
	for i := 1; i <= t; i++ {
		lr = c.Update(base, lr, i)
	}
	return lr
}

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
//
// A Chainable schedule (every schedule of this package) is stepped as
// PyTorch steps its scheduler, by one Update per step; others by LR.
//
// A Scheduler is a Policy whose EndEpoch does nothing; as a Policy it is
// stepped after every optimizer step.
type Scheduler struct {
	opt   Optimizer
	sched Schedule
	base  float64
	t     int
	lr    float64 // the rate at step t
}

// NewScheduler returns a scheduler at position 0 that takes the
// optimizer's current learning rate as the base rate and sets the rate to
// that of step 0 (s.LR(base, 0)). It returns an error if s is nil or
// reports itself invalid (see Validator).
func NewScheduler(opt Optimizer, s Schedule) (*Scheduler, error) {
	if err := validateAll("NewScheduler", []Schedule{s}); err != nil {
		return nil, err
	}
	sc := &Scheduler{opt: opt, sched: s, base: opt.LR()}
	sc.lr = replay(s, sc.base, 0)
	sc.opt.SetLR(sc.lr)
	return sc, nil
}

// Step advances the schedule by one and sets the optimizer's learning rate.
func (s *Scheduler) Step() {
	s.t++
	if c, ok := s.sched.(Chainable); ok {
		s.lr = c.Update(s.base, s.lr, s.t)
	} else {
		s.lr = s.sched.LR(s.base, s.t)
	}
	s.opt.SetLR(s.lr)
}

// Steps returns how many times Step has been called (PyTorch's
// last_epoch): the schedule's position.
func (s *Scheduler) Steps() int { return s.t }

// LR returns the learning rate the scheduler last set.
func (s *Scheduler) LR() float64 { return s.lr }

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
	lr := replay(s.sched, st.BaseLR, st.Steps)
	if !(lr >= 0) {
		return fmt.Errorf("optim: scheduler state: learning rate at step %d would be %v", st.Steps, lr)
	}
	s.t, s.base, s.lr = st.Steps, st.BaseLR, lr
	s.opt.SetLR(lr)
	return nil
}
