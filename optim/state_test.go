package optim_test

import (
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// variants are optimizers with every kind of state buffer.
var variants = []struct {
	name string
	make func([]nn.Param) (optim.Optimizer, error)
}{
	{"sgd", func(p []nn.Param) (optim.Optimizer, error) {
		return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, WeightDecay: 0.01})
	}},
	{"momentum", func(p []nn.Param) (optim.Optimizer, error) {
		return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.1})
	}},
	{"nesterov", func(p []nn.Param) (optim.Optimizer, error) {
		return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
	}},
	{"adagrad", func(p []nn.Param) (optim.Optimizer, error) {
		c := optim.DefaultAdaGrad(0.1)
		c.LRDecay, c.InitialAccumulatorValue = 0.01, 0.1
		return optim.NewAdaGrad(p, c)
	}},
	{"rmsprop", func(p []nn.Param) (optim.Optimizer, error) { return optim.NewRMSProp(p, optim.DefaultRMSProp(0.01)) }},
	{"rmsprop_centered_momentum", func(p []nn.Param) (optim.Optimizer, error) {
		c := optim.DefaultRMSProp(0.01)
		c.Centered, c.Momentum = true, 0.5
		return optim.NewRMSProp(p, c)
	}},
	{"adam", func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdam(p, optim.DefaultAdam(0.05)) }},
	{"adam_amsgrad", func(p []nn.Param) (optim.Optimizer, error) {
		c := optim.DefaultAdam(0.05)
		c.AMSGrad, c.WeightDecay = true, 0.01
		return optim.NewAdam(p, c)
	}},
	{"adamw", func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdamW(p, optim.DefaultAdamW(0.05)) }},
}

// specs reads the fixture problem, whose "sometimes" parameter is skipped
// at some steps and "frozen" at all of them.
func specs(t testing.TB) []fixtureParam {
	var fx struct {
		Params []fixtureParam `json:"params"`
	}
	readJSON(t, "optimizers.json", &fx)
	return fx.Params
}

func mustOpt(t testing.TB, make func([]nn.Param) (optim.Optimizer, error), p []nn.Param) optim.Optimizer {
	t.Helper()
	opt, err := make(p)
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

func mustSched(t testing.TB, opt optim.Optimizer, s optim.Schedule) *optim.Scheduler {
	t.Helper()
	sch, err := optim.NewScheduler(opt, s)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestStateRoundTrip runs k steps, exports the optimizer and scheduler
// state, imports it into fresh ones over a copy of the parameters, and
// continues: the result must equal an uninterrupted run bit for bit.
func TestStateRoundTrip(t *testing.T) {
	const k, n = 3, 7
	sched := optim.Sequential{
		Schedules:  []optim.Schedule{optim.Linear{StartFactor: 0.5, EndFactor: 1, Iters: 2}, optim.Cosine{TMax: 6, EtaMin: 1e-3}},
		Milestones: []int{2},
	}
	sp := specs(t)
	for _, v := range variants {
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(v.name+"/"+dtype.String(), func(t *testing.T) {
				// Uninterrupted.
				a := newProblem(sp, dtype)
				optA := mustOpt(t, v.make, a.params)
				schA := mustSched(t, optA, sched)
				for step := 1; step <= n; step++ {
					a.setGrads(step)
					optA.Step()
					schA.Step()
				}

				// Interrupted after k steps.
				b := newProblem(sp, dtype)
				optB := mustOpt(t, v.make, b.params)
				schB := mustSched(t, optB, sched)
				for step := 1; step <= k; step++ {
					b.setGrads(step)
					optB.Step()
					schB.Step()
				}
				saved, savedSched := optB.State(), schB.State()

				c := newProblem(sp, dtype) // fresh parameters, values copied
				for i, p := range c.params {
					p.Value.Data().CopyFrom(b.params[i].Value.Data())
				}
				optC := mustOpt(t, v.make, c.params)
				if err := optC.LoadState(saved); err != nil {
					t.Fatal(err)
				}
				schC := mustSched(t, optC, sched) // a new scheduler takes the loaded LR as its base…
				if err := schC.LoadState(savedSched); err != nil {
					t.Fatal(err) // …until its own state is loaded
				}
				// Training on with B must not reach into C's state.
				b.setGrads(k + 1)
				optB.Step()
				for step := k + 1; step <= n; step++ {
					c.setGrads(step)
					optC.Step()
					schC.Step()
				}
				for i, p := range a.params {
					want, got := p.Value.Data(), c.params[i].Value.Data()
					if !tensor.Equal(got, want) {
						t.Errorf("%s: resumed %v, uninterrupted %v", p.Name, got, want)
					}
				}
				if optC.LR() != optA.LR() || schC.Steps() != schA.Steps() {
					t.Errorf("resumed LR %v at step %d, uninterrupted %v at %d", optC.LR(), schC.Steps(), optA.LR(), schA.Steps())
				}
				sa, sc := optA.State(), optC.State()
				for key, ta := range sa.Tensors {
					if tc := sc.Tensors[key]; tc == nil || !tensor.Equal(ta, tc) {
						t.Errorf("state %s differs", key)
					}
				}
				if len(sa.Tensors) != len(sc.Tensors) || !equalSteps(sa.Steps, sc.Steps) {
					t.Errorf("states differ: %v %v vs %v %v", sa.Steps, sa.TensorNames(), sc.Steps, sc.TensorNames())
				}
			})
		}
	}
}

func equalSteps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A state is loaded converted to the parameters' dtype, so float32
// training can resume from a state saved in float64 and vice versa.
func TestStateConvertsDType(t *testing.T) {
	sp := specs(t)
	a := newProblem(sp, tensor.Float64)
	optA := mustOpt(t, variants[6].make, a.params)
	a.setGrads(1)
	optA.Step()
	b := newProblem(sp, tensor.Float32)
	optB := mustOpt(t, variants[6].make, b.params)
	if err := optB.LoadState(optA.State()); err != nil {
		t.Fatal(err)
	}
	st := optB.State()
	if got := st.Tensors["layer.weight.exp_avg"]; got.DType() != tensor.Float32 {
		t.Errorf("loaded buffer is %v, want float32", got.DType())
	}
	b.setGrads(2)
	optB.Step() // must not panic on a dtype mismatch
}

func TestLoadStateErrors(t *testing.T) {
	sp := specs(t)
	pr := newProblem(sp, tensor.Float64)
	adam := func() optim.Optimizer {
		c := optim.DefaultAdam(0.05)
		c.AMSGrad = true
		return mustOpt(t, func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdam(p, c) }, pr.params)
	}
	src := adam()
	for step := 1; step <= 2; step++ {
		pr.setGrads(step)
		src.Step()
	}
	good := src.State()
	tests := []struct {
		name   string
		change func(s *optim.State)
		want   string
	}{
		{"kind", func(s *optim.State) { s.Optimizer = "sgd" }, `state is for optimizer "sgd", this one is "adam"`},
		{"missing hyper", func(s *optim.State) { delete(s.Hyper, "beta2") }, `missing hyper-parameter "beta2"`},
		{"unknown hyper", func(s *optim.State) { s.Hyper["momentum"] = 0.9 }, `unknown hyper-parameter "momentum"`},
		{"bad lr", func(s *optim.State) { s.Hyper["lr"] = -1 }, `invalid learning rate -1`},
		{"bad beta", func(s *optim.State) { s.Hyper["beta1"] = 1 }, `invalid beta1 1`},
		{"bad flag", func(s *optim.State) { s.Hyper["amsgrad"] = 0.5 }, `"amsgrad" is 0.5, want 0 (false) or 1 (true)`},
		{"unknown param", func(s *optim.State) { s.Steps["conv.weight"] = 1 }, `step count for "conv.weight", which is not a parameter`},
		{"negative steps", func(s *optim.State) { s.Steps["layer.bias"] = -2 }, `negative step count -2 for "layer.bias"`},
		{"missing tensor", func(s *optim.State) { delete(s.Tensors, "layer.bias.exp_avg_sq") }, `missing tensor "layer.bias.exp_avg_sq"`},
		{"nil tensor", func(s *optim.State) { s.Tensors["layer.bias.exp_avg_sq"] = nil }, `missing tensor "layer.bias.exp_avg_sq"`},
		{"shape", func(s *optim.State) { s.Tensors["layer.weight.exp_avg"] = tensor.New(tensor.Float64, 3, 2) },
			`tensor "layer.weight.exp_avg" has shape [3 2], parameter 0 "layer.weight" has shape [2 3]`},
		{"unexpected tensor", func(s *optim.State) { s.Tensors["layer.weight.momentum_buffer"] = tensor.New(tensor.Float64, 2, 3) },
			`unexpected tensor "layer.weight.momentum_buffer"`},
		{"tensor of a param without steps", func(s *optim.State) { s.Tensors["frozen.exp_avg"] = tensor.New(tensor.Float64, 2) },
			`unexpected tensor "frozen.exp_avg"`},
		{"buffer the hyper-parameters do not use", func(s *optim.State) { s.Hyper["amsgrad"] = 0 },
			`unexpected tensor "layer.bias.max_exp_avg_sq"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := adam()
			before := dst.State()
			s := good.Clone()
			tc.change(&s)
			err := dst.LoadState(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadState error %v, want one containing %q", err, tc.want)
			}
			after := dst.State()
			if !equalMaps(before.Hyper, after.Hyper) || len(after.Steps) != len(before.Steps) || len(after.Tensors) != len(before.Tensors) {
				t.Errorf("a failed LoadState changed the optimizer: %+v", after)
			}
		})
	}
	// A state from a kind of optimizer with other hyper-parameter names.
	sgd := mustOpt(t, variants[1].make, pr.params)
	if err := sgd.LoadState(good); err == nil {
		t.Error("SGD loaded an Adam state")
	}
	// An empty state resets an optimizer to its start, with its
	// hyper-parameters given.
	empty := optim.State{Optimizer: "adam", Hyper: good.Hyper}
	dst := adam()
	if err := dst.LoadState(good); err != nil {
		t.Fatal(err)
	}
	if err := dst.LoadState(empty); err != nil {
		t.Fatal(err)
	}
	if st := dst.State(); len(st.Steps) != 0 || len(st.Tensors) != 0 {
		t.Errorf("after loading an empty state: %v %v", st.Steps, st.TensorNames())
	}
}

func TestSchedulerLoadStateErrors(t *testing.T) {
	pr := newProblem(specs(t), tensor.Float64)
	opt := mustOpt(t, variants[0].make, pr.params)
	sch := mustSched(t, opt, optim.Exponential{Gamma: 0.5})
	for _, st := range []optim.SchedulerState{{Steps: -1, BaseLR: 0.1}, {Steps: 1, BaseLR: math.NaN()}, {Steps: 1, BaseLR: -1}} {
		if err := sch.LoadState(st); err == nil {
			t.Errorf("LoadState(%+v) accepted", st)
		}
	}
	if err := sch.LoadState(optim.SchedulerState{Steps: 3, BaseLR: 0.8}); err != nil {
		t.Fatal(err)
	}
	if opt.LR() != 0.1 || sch.LR() != 0.1 || sch.BaseLR() != 0.8 || sch.Steps() != 3 {
		t.Errorf("after LoadState: optimizer LR %v, scheduler LR %v, base %v, steps %d", opt.LR(), sch.LR(), sch.BaseLR(), sch.Steps())
	}
}
