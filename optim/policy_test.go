package optim_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// policyFixtures is testdata/policies.json, made by
// testdata/policy_fixture.py with PyTorch 1.13.
type policyFixtures struct {
	Param    fixtureParam `json:"param"` // init, a and b only
	OneCycle []struct {
		Name      string             `json:"name"`
		Optimizer string             `json:"optimizer"`
		Config    map[string]float64 `json:"config"`
		OneCycle  map[string]any     `json:"one_cycle"`
		LR        []float64          `json:"lr"`
		Momentum  []*float64         `json:"momentum"`
		Params    [][]float64        `json:"params"`
	} `json:"one_cycle"`
	Plateau []struct {
		Name         string         `json:"name"`
		LR0          float64        `json:"lr0"`
		Plateau      map[string]any `json:"plateau"`
		Metrics      []float64      `json:"metrics"`
		LR           []float64      `json:"lr"`
		Best         []float64      `json:"best"`
		BadEpochs    []int          `json:"bad_epochs"`
		CooldownLeft []int          `json:"cooldown_left"`
	} `json:"plateau"`
}

func oneCycleConfig(m map[string]any) optim.OneCycleConfig {
	c := optim.OneCycleConfig{
		MaxLR: m["max_lr"].(float64), TotalSteps: int(m["total_steps"].(float64)), PctStart: m["pct_start"].(float64),
		DivFactor: m["div_factor"].(float64), FinalDivFactor: m["final_div_factor"].(float64),
		ThreePhase: m["three_phase"].(bool), CycleMomentum: m["cycle_momentum"].(bool),
		BaseMomentum: m["base_momentum"].(float64), MaxMomentum: m["max_momentum"].(float64),
	}
	if m["anneal_strategy"] == "linear" {
		c.Anneal = optim.AnnealLinear
	}
	return c
}

func plateauConfig(m map[string]any) optim.PlateauConfig {
	return optim.PlateauConfig{
		Maximize: m["mode"] == "max", Factor: m["factor"].(float64), Patience: int(m["patience"].(float64)),
		Threshold: m["threshold"].(float64), AbsThreshold: m["threshold_mode"] == "abs",
		Cooldown: int(m["cooldown"].(float64)), MinLR: m["min_lr"].(float64), Eps: m["eps"].(float64),
	}
}

// relClose reports whether got is within 1e-12 of want, relatively.
func relClose(got, want float64) bool { return math.Abs(got-want) <= 1e-12*math.Abs(want) }

// newCycleProblem returns the policy fixtures' problem: one float64
// parameter p with gradient a·p + b at every step.
func newCycleProblem(fx *policyFixtures) *problem {
	spec := fx.Param
	spec.Name, spec.Shape = "p", []int{len(spec.Init)}
	return newProblem([]fixtureParam{spec}, tensor.Float64)
}

func TestFixturesOneCycle(t *testing.T) {
	var fx policyFixtures
	readJSON(t, "policies.json", &fx)
	c := &closeness{rtol: rtol64, atol: atol64}
	for _, fc := range fx.OneCycle {
		t.Run(fc.Name, func(t *testing.T) {
			pr := newCycleProblem(&fx)
			opt, err := newOptimizer(fc.Optimizer, fc.Config, pr.params)
			if err != nil {
				t.Fatal(err)
			}
			cfg := oneCycleConfig(fc.OneCycle)
			oc, err := optim.NewOneCycle(opt, cfg)
			if err != nil {
				t.Fatal(err)
			}
			ms, hasMomentum := opt.(optim.MomentumSetter)
			for step := range cfg.TotalSteps {
				if lr := opt.LR(); !relClose(lr, fc.LR[step]) {
					t.Errorf("step %d: learning rate %.17g, PyTorch %.17g", step, lr, fc.LR[step])
				}
				if want := fc.Momentum[step]; want != nil {
					if !hasMomentum {
						t.Fatalf("%T is not a MomentumSetter", opt)
					}
					if m := ms.Momentum(); !relClose(m, *want) {
						t.Errorf("step %d: momentum %.17g, PyTorch %.17g", step, m, *want)
					}
				}
				pr.setGrads(step + 1)
				opt.Step()
				oc.Step()
				for i, w := range fc.Params[step] {
					c.check(t, fmt.Sprintf("step %d p[%d]", step, i), pr.params[0].Value.Data().Flat(i), w)
				}
			}
			// Past the cycle the last values hold.
			lastLR, lastM := oc.At(cfg.TotalSteps - 1)
			for range 3 {
				if lr := opt.LR(); lr != lastLR {
					t.Errorf("after %d steps: rate %v, want the last one, %v", oc.Steps(), lr, lastLR)
				}
				if hasMomentum && cfg.CycleMomentum && ms.Momentum() != lastM {
					t.Errorf("after %d steps: momentum %v, want the last one, %v", oc.Steps(), ms.Momentum(), lastM)
				}
				oc.Step()
			}
		})
	}
	t.Logf("parameters: largest error %.3g, %.3g of the tolerance at %s", c.maxAbs, c.maxFrac, c.where)
}

func TestFixturesPlateau(t *testing.T) {
	var fx policyFixtures
	readJSON(t, "policies.json", &fx)
	for _, fc := range fx.Plateau {
		t.Run(fc.Name, func(t *testing.T) {
			opt := plainSGD(t, fc.LR0)
			p, err := optim.NewReduceLROnPlateau(opt, plateauConfig(fc.Plateau))
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range fc.Metrics {
				p.Step() // does nothing
				p.EndEpoch(m)
				st := p.PolicyState().Values
				if lr := opt.LR(); !relClose(lr, fc.LR[i]) {
					t.Errorf("epoch %d: learning rate %.17g, PyTorch %.17g", i+1, lr, fc.LR[i])
				}
				if st["best"] != fc.Best[i] || st["bad_epochs"] != float64(fc.BadEpochs[i]) || st["cooldown_left"] != float64(fc.CooldownLeft[i]) {
					t.Errorf("epoch %d: best %v, bad epochs %v, cooldown %v; PyTorch %v, %v, %v", i+1,
						st["best"], st["bad_epochs"], st["cooldown_left"], fc.Best[i], fc.BadEpochs[i], fc.CooldownLeft[i])
				}
			}
			if p.Epochs() != len(fc.Metrics) {
				t.Errorf("Epochs() = %d, want %d", p.Epochs(), len(fc.Metrics))
			}
		})
	}
}

// overW returns the optimizer newOpt makes with cfg over one float64
// parameter "w".
func overW[C, O any](t testing.TB, newOpt func([]nn.Param, C) (O, error), cfg C) O {
	t.Helper()
	opt, err := newOpt([]nn.Param{{Name: "w", Value: autograd.NewParam("w", tensor.New(tensor.Float64, 1))}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

func plainSGD(t testing.TB, lr float64) *optim.SGD {
	t.Helper()
	return overW(t, optim.NewSGD, optim.SGDConfig{LR: lr})
}

// A NaN metric is never an improvement, as in PyTorch.
func TestPlateauNaN(t *testing.T) {
	opt := plainSGD(t, 1)
	cfg := optim.DefaultPlateau()
	cfg.Patience = 1
	p, err := optim.NewReduceLROnPlateau(opt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []float64{1, math.NaN(), math.NaN()} {
		p.EndEpoch(m)
	}
	if opt.LR() != 0.1 || p.Best() != 1 {
		t.Errorf("after 1, NaN, NaN: rate %v, best %v; want 0.1, 1", opt.LR(), p.Best())
	}
}

// TestPolicyResume saves a policy's state (through JSON, as a checkpoint
// does) after k steps with the optimizer's, loads both into fresh ones
// over a copy of the parameters, and continues: rates, momenta and
// parameters must equal an uninterrupted run's bit for bit.
func TestPolicyResume(t *testing.T) {
	const n = 20
	var fx policyFixtures
	readJSON(t, "policies.json", &fx)
	// An epoch ends every third step, at steps 2, 5, ..., 17; its metric
	// improves at the first and fifth. After k = 7 steps (two epochs) a
	// plateau policy with patience 1 has a best metric and a bad epoch to
	// carry over, one with patience 0 a best metric and a cooldown:
	// without any one of them the resumed run reduces the rate at other
	// epochs than the uninterrupted one.
	metric := func(step int) float64 { return []float64{1, 1, 1.5, 1.2, 0.5, 0.5}[step/3] }
	plateau := func(patience int) optim.PlateauConfig {
		c := optim.DefaultPlateau()
		c.Patience, c.Cooldown, c.Factor = patience, 1, 0.5
		return c
	}
	cases := []struct {
		name   string
		opt    func([]nn.Param) (optim.Optimizer, error)
		policy func(optim.Optimizer) (optim.Policy, error)
	}{
		{"one_cycle_sgd", func(p []nn.Param) (optim.Optimizer, error) {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.1})
		}, func(o optim.Optimizer) (optim.Policy, error) {
			return optim.NewOneCycle(o, optim.DefaultOneCycle(0.1, 15))
		}},
		// Momentum 0 at step 0 and on from step 1: after k = 1 steps the
		// state has a step count but no velocity.
		{"one_cycle_sgd_momentum_from_zero", func(p []nn.Param) (optim.Optimizer, error) {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Dampening: 0.5})
		}, func(o optim.Optimizer) (optim.Policy, error) {
			c := optim.DefaultOneCycle(0.1, 15)
			c.BaseMomentum, c.MaxMomentum = 0.9, 0
			return optim.NewOneCycle(o, c)
		}},
		// Momentum 0 at the peak, step 7, and on again after it: after
		// k = 7 steps the state holds a velocity that momentum 0 does not
		// use, and the steps after need it.
		{"one_cycle_rmsprop_momentum_through_zero", func(p []nn.Param) (optim.Optimizer, error) {
			return optim.NewRMSProp(p, optim.DefaultRMSProp(0.01))
		}, func(o optim.Optimizer) (optim.Policy, error) {
			c := optim.DefaultOneCycle(0.01, 16)
			c.PctStart, c.BaseMomentum, c.MaxMomentum = 0.5, 0, 0.9
			return optim.NewOneCycle(o, c)
		}},
		{"one_cycle_sgd_momentum_through_zero", func(p []nn.Param) (optim.Optimizer, error) {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.5})
		}, func(o optim.Optimizer) (optim.Policy, error) {
			c := optim.DefaultOneCycle(0.1, 16)
			c.PctStart, c.BaseMomentum, c.MaxMomentum = 0.5, 0, 0.9
			return optim.NewOneCycle(o, c)
		}},
		{"one_cycle_adam_three_phase", func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdam(p, optim.DefaultAdam(0.01)) },
			func(o optim.Optimizer) (optim.Policy, error) {
				c := optim.DefaultOneCycle(0.05, 18)
				c.ThreePhase, c.Anneal = true, optim.AnnealLinear
				return optim.NewOneCycle(o, c)
			}},
		{"plateau_rmsprop", func(p []nn.Param) (optim.Optimizer, error) { return optim.NewRMSProp(p, optim.DefaultRMSProp(0.01)) },
			func(o optim.Optimizer) (optim.Policy, error) { return optim.NewReduceLROnPlateau(o, plateau(1)) }},
		{"plateau_cooldown_adam", func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdam(p, optim.DefaultAdam(0.01)) },
			func(o optim.Optimizer) (optim.Policy, error) { return optim.NewReduceLROnPlateau(o, plateau(0)) }},
		{"scheduler", func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdamW(p, optim.DefaultAdamW(0.01)) },
			func(o optim.Optimizer) (optim.Policy, error) {
				return optim.NewScheduler(o, optim.Cosine{TMax: 12, EtaMin: 1e-4})
			}},
	}
	for _, tc := range cases {
		for _, k := range []int{1, 7} {
			t.Run(fmt.Sprintf("%s/k=%d", tc.name, k), func(t *testing.T) {
				type run struct {
					pr  *problem
					opt optim.Optimizer
					pol optim.Policy
				}
				start := func() run {
					pr := newCycleProblem(&fx)
					opt, err := tc.opt(pr.params)
					if err != nil {
						t.Fatal(err)
					}
					pol, err := tc.policy(opt)
					if err != nil {
						t.Fatal(err)
					}
					return run{pr, opt, pol}
				}
				// train runs steps [from, to) and returns the rate (and
				// momentum) of each.
				train := func(r run, from, to int) (lrs []float64) {
					for step := from; step < to; step++ {
						lrs = append(lrs, r.opt.LR())
						if ms, ok := r.opt.(optim.MomentumSetter); ok {
							lrs = append(lrs, ms.Momentum())
						}
						r.pr.setGrads(step + 1)
						r.opt.Step()
						r.pol.Step()
						if step%3 == 2 {
							r.pol.EndEpoch(metric(step))
						}
					}
					return lrs
				}
				a := start()
				lrA := train(a, 0, n)

				b := start()
				train(b, 0, k)
				js, err := json.Marshal(b.pol.PolicyState())
				if err != nil {
					t.Fatal(err)
				}
				var saved optim.PolicyState
				if err := json.Unmarshal(js, &saved); err != nil {
					t.Fatal(err)
				}
				ostate := b.opt.State()

				c := start()
				pc, pb := c.pr.params[0].Value.Data(), b.pr.params[0].Value.Data()
				pc.CopyFrom(pb)
				if err := c.opt.LoadState(ostate); err != nil {
					t.Fatal(err)
				}
				if err := c.pol.LoadPolicyState(saved); err != nil {
					t.Fatalf("%v\n%s", err, js)
				}
				lrC := append(lrA[:len(lrA)*k/n:len(lrA)*k/n], train(c, k, n)...)
				for i := range lrA {
					if lrA[i] != lrC[i] {
						t.Errorf("value %d: resumed %v, uninterrupted %v", i, lrC[i], lrA[i])
					}
				}
				if pa := a.pr.params[0].Value.Data(); !tensor.Equal(pa, pc) {
					t.Errorf("parameters: resumed %v, uninterrupted %v", pc, pa)
				}
			})
		}
	}
}

// LoadPolicyState alone moves the optimizer's rate and momentum to where
// the saved policy had them. (TestPolicyResume cannot tell: the
// optimizer's State holds them too.)
func TestLoadPolicyStateSetsOptimizer(t *testing.T) {
	for name, newPolicy := range map[string]func(optim.Optimizer) (optim.Policy, error){
		"one_cycle": func(o optim.Optimizer) (optim.Policy, error) {
			return optim.NewOneCycle(o, optim.DefaultOneCycle(0.1, 10))
		},
		"scheduler": func(o optim.Optimizer) (optim.Policy, error) { return optim.NewScheduler(o, optim.Cosine{TMax: 10}) },
	} {
		sgd := optim.SGDConfig{LR: 0.1, Momentum: 0.9}
		src, dst := overW(t, optim.NewSGD, sgd), overW(t, optim.NewSGD, sgd)
		ps, err := newPolicy(src)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			ps.Step()
		}
		pd, err := newPolicy(dst)
		if err != nil {
			t.Fatal(err)
		}
		if err := pd.LoadPolicyState(ps.PolicyState()); err != nil {
			t.Fatal(err)
		}
		if dst.LR() != src.LR() || dst.Momentum() != src.Momentum() {
			t.Errorf("%s: rate %v and momentum %v after LoadPolicyState, want %v and %v", name, dst.LR(), dst.Momentum(), src.LR(), src.Momentum())
		}
	}
}

func TestPolicyStateJSON(t *testing.T) {
	s := optim.PolicyState{Kind: "k", Values: map[string]float64{"a": 0.1, "b": math.Inf(1), "c": math.Inf(-1), "d": math.NaN(), "e": 3}}
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"kind":"k","values":{"a":0.1,"b":"+Inf","c":"-Inf","d":"NaN","e":3}}`; string(js) != want {
		t.Errorf("json %s, want %s", js, want)
	}
	var back optim.PolicyState
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.Kind != "k" || back.Values["a"] != 0.1 || !math.IsInf(back.Values["b"], 1) || !math.IsInf(back.Values["c"], -1) ||
		!math.IsNaN(back.Values["d"]) || back.Values["e"] != 3 {
		t.Errorf("round trip gave %+v", back)
	}
	for _, bad := range []string{`"lots"`, `null`, `[1]`} {
		if err := json.Unmarshal([]byte(`{"kind":"k","values":{"a":`+bad+`}}`), &back); err == nil || !strings.Contains(err.Error(), `value "a" is `+bad) {
			t.Errorf("value %s: error %v", bad, err)
		}
	}
	// A fresh plateau's best is +Inf, and survives JSON.
	p, err := optim.NewReduceLROnPlateau(plainSGD(t, 0.1), optim.DefaultPlateau())
	if err != nil {
		t.Fatal(err)
	}
	js, err = json.Marshal(p.PolicyState())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if err := p.LoadPolicyState(back); err != nil || !math.IsInf(p.Best(), 1) {
		t.Errorf("fresh plateau through JSON: %v, best %v", err, p.Best())
	}
}

func TestLoadPolicyStateErrors(t *testing.T) {
	newOC := func() (optim.Optimizer, optim.Policy) {
		opt := plainSGD(t, 0.1)
		oc, err := optim.NewOneCycle(opt, optim.DefaultOneCycle(0.1, 10))
		if err != nil {
			t.Fatal(err)
		}
		return opt, oc
	}
	newPlateau := func() (optim.Optimizer, optim.Policy) {
		opt := plainSGD(t, 0.1)
		cfg := optim.DefaultPlateau()
		cfg.Patience, cfg.Cooldown = 3, 2
		p, err := optim.NewReduceLROnPlateau(opt, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return opt, p
	}
	newSched := func() (optim.Optimizer, optim.Policy) {
		opt := plainSGD(t, 0.1)
		return opt, mustSched(t, opt, optim.Cosine{TMax: 10})
	}
	edit := func(make func() (optim.Optimizer, optim.Policy), f func(map[string]float64)) optim.PolicyState {
		_, p := make()
		p.Step()
		p.EndEpoch(1)
		s := p.PolicyState()
		f(s.Values)
		return s
	}
	tests := []struct {
		name string
		make func() (optim.Optimizer, optim.Policy)
		s    optim.PolicyState
		want string
	}{
		{"kind", newOC, edit(newPlateau, func(map[string]float64) {}), `policy state is for "reduce_lr_on_plateau", this policy is "one_cycle"`},
		{"settings", newOC, edit(newOC, func(v map[string]float64) { v["total_steps"] = 20 }), "total_steps is 20 in the state but 10 in this policy"},
		{"flag", newOC, edit(newOC, func(v map[string]float64) { v["three_phase"] = 1 }), "three_phase is 1 in the state but 0"},
		{"negative steps", newOC, edit(newOC, func(v map[string]float64) { v["steps"] = -1 }), `"steps" is -1, want a whole number >= 0`},
		{"fractional steps", newOC, edit(newOC, func(v map[string]float64) { v["steps"] = 1.5 }), `"steps" is 1.5`},
		{"missing", newOC, edit(newOC, func(v map[string]float64) { delete(v, "max_lr") }), `missing value "max_lr"`},
		{"unknown", newOC, edit(newOC, func(v map[string]float64) { v["warmup"] = 1 }), `unknown value "warmup"`},
		{"plateau settings", newPlateau, edit(newPlateau, func(v map[string]float64) { v["maximize"] = 1 }), "maximize is 1 in the state but 0"},
		{"plateau NaN best", newPlateau, edit(newPlateau, func(v map[string]float64) { v["best"] = math.NaN() }), "best metric is NaN"},
		{"plateau bad epochs", newPlateau, edit(newPlateau, func(v map[string]float64) { v["bad_epochs"] = 4 }), "bad_epochs 4 exceeds the patience, 3"},
		{"plateau cooldown", newPlateau, edit(newPlateau, func(v map[string]float64) { v["cooldown_left"] = 3 }), "cooldown_left 3 exceeds the cooldown, 2"},
		{"scheduler kind", newSched, edit(newOC, func(map[string]float64) {}), `policy state is for "one_cycle", this policy is "scheduler"`},
		{"scheduler steps", newSched, edit(newSched, func(v map[string]float64) { v["steps"] = 0.5 }), `"steps" is 0.5`},
		{"scheduler base", newSched, edit(newSched, func(v map[string]float64) { v["base_lr"] = -1 }), "invalid learning rate -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt, p := tc.make()
			p.Step()
			before, lr := p.PolicyState(), opt.LR()
			err := p.LoadPolicyState(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			after := p.PolicyState()
			for k, v := range before.Values {
				if after.Values[k] != v {
					t.Errorf("%s changed from %v to %v", k, v, after.Values[k])
				}
			}
			if opt.LR() != lr {
				t.Errorf("rate changed from %v to %v", lr, opt.LR())
			}
		})
	}
}

func TestPolicyConfigErrors(t *testing.T) {
	oc := func(f func(*optim.OneCycleConfig)) optim.OneCycleConfig {
		c := optim.DefaultOneCycle(0.1, 10)
		f(&c)
		return c
	}
	ocTests := []struct {
		opt  optim.Optimizer
		cfg  optim.OneCycleConfig
		want string
	}{
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.TotalSteps = 0 }), "total steps 0 must be positive"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.PctStart = 1.5 }), "PctStart 1.5 must lie in [0, 1]"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.PctStart = math.NaN() }), "PctStart NaN"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.PctStart = 0.1 }), "warm-up of one point"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.Anneal = 7 }), "unknown anneal strategy Anneal(7)"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.MaxLR = math.Inf(1) }), "invalid learning rate +Inf"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.DivFactor = 0 }), "DivFactor 0 must be a finite number > 0"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.FinalDivFactor = -1 }), "FinalDivFactor -1"},
		{plainSGD(t, 1), oc(func(c *optim.OneCycleConfig) { c.BaseMomentum = -0.5 }), "BaseMomentum -0.5"},
		{overW(t, optim.NewAdam, optim.DefaultAdam(0.1)), oc(func(c *optim.OneCycleConfig) { c.MaxMomentum = 1 }), "MaxMomentum 1: optim: adam: invalid beta1 1"},
		{overW(t, optim.NewAdaGrad, optim.DefaultAdaGrad(0.1)), optim.DefaultOneCycle(0.1, 10), "optimizer *optim.AdaGrad has no momentum to cycle"},
	}
	for _, tc := range ocTests {
		if _, err := optim.NewOneCycle(tc.opt, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewOneCycle(%+v): error %v, want one containing %q", tc.cfg, err, tc.want)
		}
	}
	// Without momentum cycling AdaGrad is fine.
	cfg := optim.DefaultOneCycle(0.1, 10)
	cfg.CycleMomentum = false
	if _, err := optim.NewOneCycle(overW(t, optim.NewAdaGrad, optim.DefaultAdaGrad(0.1)), cfg); err != nil {
		t.Error(err)
	}

	pl := func(f func(*optim.PlateauConfig)) optim.PlateauConfig {
		c := optim.DefaultPlateau()
		f(&c)
		return c
	}
	plTests := []struct {
		cfg  optim.PlateauConfig
		want string
	}{
		{pl(func(c *optim.PlateauConfig) { c.Factor = 1 }), "factor 1 must lie in [0, 1)"},
		{pl(func(c *optim.PlateauConfig) { c.Factor = -0.1 }), "factor -0.1"},
		{pl(func(c *optim.PlateauConfig) { c.Patience = -1 }), "patience -1"},
		{pl(func(c *optim.PlateauConfig) { c.Cooldown = -2 }), "cooldown -2"},
		{pl(func(c *optim.PlateauConfig) { c.Threshold = math.NaN() }), "invalid threshold NaN"},
		{pl(func(c *optim.PlateauConfig) { c.MinLR = -1 }), "invalid min_lr -1"},
		{pl(func(c *optim.PlateauConfig) { c.Eps = math.Inf(1) }), "invalid eps +Inf"},
	}
	for _, tc := range plTests {
		if _, err := optim.NewReduceLROnPlateau(plainSGD(t, 1), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewReduceLROnPlateau(%+v): error %v, want one containing %q", tc.cfg, err, tc.want)
		}
	}
}

func TestSetMomentum(t *testing.T) {
	sgd := overW(t, optim.NewSGD, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
	rms := overW(t, optim.NewRMSProp, optim.DefaultRMSProp(0.1))
	adam := overW(t, optim.NewAdamW, optim.DefaultAdamW(0.1))
	tests := []struct {
		ms    optim.MomentumSetter
		good  float64
		bad   float64
		want  string
		hyper string
	}{
		{sgd, 0.5, 0, "Nesterov momentum needs momentum > 0", "momentum"},
		{rms, 0.5, -1, "invalid momentum -1", "momentum"},
		{adam, 0.5, 1, "invalid beta1 1", "beta1"},
	}
	for _, tc := range tests {
		tc.ms.SetMomentum(tc.good)
		if tc.ms.Momentum() != tc.good || tc.ms.(optim.Optimizer).State().Hyper[tc.hyper] != tc.good {
			t.Errorf("%T: SetMomentum(%v) gave Momentum %v, state %v", tc.ms, tc.good, tc.ms.Momentum(), tc.ms.(optim.Optimizer).State().Hyper)
		}
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%T: SetMomentum(%v) panicked with %v, want %q", tc.ms, tc.bad, r, tc.want)
				}
			}()
			tc.ms.SetMomentum(tc.bad)
		}()
		if tc.ms.Momentum() != tc.good {
			t.Errorf("%T: a refused SetMomentum changed the momentum to %v", tc.ms, tc.ms.Momentum())
		}
	}
}
