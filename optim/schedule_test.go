package optim_test

import (
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

func TestScheduleValues(t *testing.T) {
	tests := []struct {
		s    optim.Schedule
		want []float64 // learning rates at t = 0, 1, … for base 1
	}{
		{optim.Constant{}, []float64{1, 1, 1}},
		{optim.StepDecay{StepSize: 2, Gamma: 0.1}, []float64{1, 1, 0.1, 0.1, 0.01}},
		{optim.Exponential{Gamma: 0.5}, []float64{1, 0.5, 0.25, 0.125}},
		{optim.Cosine{TMax: 2}, []float64{1, 0.5, 0, 0.5, 1}},
		{optim.Cosine{TMax: 2, EtaMin: 0.5}, []float64{1, 0.75, 0.5}},
		{optim.Linear{StartFactor: 0.25, EndFactor: 1, Iters: 3}, []float64{0.25, 0.5, 0.75, 1, 1}},
		{optim.Sequential{
			Schedules:  []optim.Schedule{optim.Linear{StartFactor: 0.5, EndFactor: 1, Iters: 2}, optim.Cosine{TMax: 2}},
			Milestones: []int{2},
		}, []float64{0.5, 0.75, 1, 0.5, 0, 0.5}},
		{optim.Chain{optim.Linear{StartFactor: 0.5, EndFactor: 1, Iters: 1}, optim.Exponential{Gamma: 0.5}}, []float64{0.5, 0.5, 0.25}},
		// Past its trough the cosine restarts from the base rate, dropping
		// the exponential's factor so far (PyTorch's ChainedScheduler); the
		// product of closed forms would give 0.0625 and 0.0625 at t = 3, 4.
		{optim.Chain{optim.Cosine{TMax: 2}, optim.Exponential{Gamma: 0.5}}, []float64{1, 0.25, 0, 0.25, 0.25}},
		// A Linear from factor 0 steps from a zero rate (where PyTorch's
		// LinearLR divides by zero) by its closed form.
		{optim.Linear{StartFactor: 0, EndFactor: 1, Iters: 4}, []float64{0, 0.25, 0.5, 0.75, 1, 1}},
	}
	pr := newProblem(specs(t), tensor.Float64)
	for _, tc := range tests {
		opt := mustOpt(t, variants[0].make, pr.params)
		opt.SetLR(1)
		sch := mustSched(t, opt, tc.s)
		for step, want := range tc.want {
			if got := tc.s.LR(1, step); math.Abs(got-want) > 1e-15 {
				t.Errorf("%#v.LR(1, %d) = %v, want %v", tc.s, step, got, want)
			}
			if step > 0 {
				sch.Step()
			}
			if got := opt.LR(); math.Abs(got-want) > 1e-15 {
				t.Errorf("%#v: Scheduler at step %d: rate %v, want %v", tc.s, step, got, want)
			}
		}
	}
}

// closedOnly is a schedule with LR alone, which a Scheduler steps by LR
// and a Chain refuses.
type closedOnly struct{}

func (closedOnly) LR(base float64, t int) float64 { return base / float64(t+1) }

func TestScheduleNotChainable(t *testing.T) {
	pr := newProblem(specs(t), tensor.Float64)
	opt := mustOpt(t, variants[0].make, pr.params)
	sch := mustSched(t, opt, optim.Sequential{Schedules: []optim.Schedule{optim.Exponential{Gamma: 0.5}, closedOnly{}}, Milestones: []int{2}})
	for step, want := range []float64{1, 0.5, 1, 0.5, 1.0 / 3} {
		if step > 0 {
			sch.Step()
		}
		if got := opt.LR() / sch.BaseLR(); math.Abs(got-want) > 1e-15 {
			t.Errorf("step %d: rate %v×base, want %v×base", step, got, want)
		}
	}
}

func TestScheduleValidate(t *testing.T) {
	tests := []struct {
		s    optim.Schedule
		want string
	}{
		{nil, "schedule 0 is nil"},
		{optim.StepDecay{Gamma: 0.1}, "step size 0 must be positive"},
		{optim.StepDecay{StepSize: 1, Gamma: -1}, "StepDecay: gamma -1"},
		{optim.Exponential{Gamma: math.NaN()}, "Exponential: gamma NaN"},
		{optim.Cosine{}, "Cosine: TMax 0 must be positive"},
		{optim.Cosine{TMax: 1, EtaMin: -1}, "invalid EtaMin -1"},
		{optim.Linear{StartFactor: 1.5, EndFactor: 1, Iters: 1}, "Linear: factor 1.5 must lie in [0, 1]"},
		{optim.Linear{StartFactor: 0.5, EndFactor: 1}, "Linear: Iters 0 must be positive"},
		{optim.Sequential{Schedules: []optim.Schedule{optim.Constant{}}, Milestones: []int{3}}, "1 schedules need 0 milestones, got 1"},
		{optim.Sequential{Schedules: []optim.Schedule{optim.Constant{}, optim.Constant{}, optim.Constant{}}, Milestones: []int{3, 3}},
			"milestones [3 3] must be positive and increasing"},
		{optim.Sequential{Schedules: []optim.Schedule{optim.Constant{}, optim.Cosine{}}, Milestones: []int{3}},
			"Sequential: schedule 1: optim: Cosine: TMax 0"},
		{optim.Chain{optim.Constant{}, nil}, "Chain: schedule 1 is nil"},
		{optim.Chain{optim.Constant{}, closedOnly{}}, "Chain: schedule 1 (optim_test.closedOnly) is not Chainable"},
		{optim.Chain{optim.Exponential{Gamma: 0.5}, optim.Linear{StartFactor: 0, EndFactor: 1, Iters: 4}}, "Chain: schedule 1: a Linear from factor 0 cannot be chained"},
	}
	pr := newProblem(specs(t), tensor.Float32)
	for _, tc := range tests {
		opt := mustOpt(t, variants[0].make, pr.params)
		_, err := optim.NewScheduler(opt, tc.s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewScheduler(%#v) error %v, want one containing %q", tc.s, err, tc.want)
		}
		if opt.LR() != 0.1 {
			t.Errorf("a rejected schedule changed the learning rate to %v", opt.LR())
		}
	}
}

// countingSchedule is a Chainable factor of 1 that counts its updates.
type countingSchedule struct{ updates *int }

func (countingSchedule) LR(base float64, t int) float64 { return base }

func (c countingSchedule) Update(base, lr float64, t int) float64 {
	*c.updates++
	return lr
}

// A Scheduler must take one update per step, not replay the schedule from
// step 0 (which would make a training run quadratic in its steps).
func TestSchedulerStepsInConstantWork(t *testing.T) {
	pr := newProblem(specs(t), tensor.Float32)
	opt := mustOpt(t, variants[0].make, pr.params)
	n := 0
	sch, err := optim.NewScheduler(opt, optim.Chain{countingSchedule{&n}, optim.Exponential{Gamma: 0.9}, countingSchedule{&n}})
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	for range 50 {
		sch.Step()
	}
	if n != 100 {
		t.Errorf("50 steps made %d updates of the two counting schedules, want 100 (one each per step)", n)
	}
}
