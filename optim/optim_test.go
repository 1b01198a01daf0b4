package optim_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

func TestNew(t *testing.T) {
	if got, want := optim.Names(), []string{"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	pr := newProblem(specs(t), tensor.Float32)
	want := map[string]struct {
		kind  string
		hyper map[string]float64
	}{
		"sgd":      {"sgd", map[string]float64{"lr": 0.5, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": 0}},
		"momentum": {"sgd", map[string]float64{"lr": 0.5, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": 0}},
		"Nesterov": {"sgd", map[string]float64{"lr": 0.5, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": 1}},
		"adagrad": {"adagrad", map[string]float64{"lr": 0.5, "lr_decay": 0, "weight_decay": 0,
			"initial_accumulator_value": 0, "eps": 1e-10}},
		"rmsprop": {"rmsprop", map[string]float64{"lr": 0.5, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0,
			"momentum": 0, "centered": 0}},
		"ADAM":  {"adam", map[string]float64{"lr": 0.5, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "amsgrad": 0}},
		"adamw": {"adamw", map[string]float64{"lr": 0.5, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01, "amsgrad": 0}},
	}
	for name, w := range want {
		opt, err := optim.New(name, pr.params, 0.5)
		if err != nil {
			t.Fatalf("New(%q): %v", name, err)
		}
		if st := opt.State(); st.Optimizer != w.kind || !equalMaps(st.Hyper, w.hyper) {
			t.Errorf("New(%q): state %q %v, want %q %v", name, st.Optimizer, st.Hyper, w.kind, w.hyper)
		}
	}
	_, err := optim.New("lbfgs", pr.params, 0.1)
	if err == nil || !strings.Contains(err.Error(), `unknown optimizer "lbfgs"; valid names are sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw`) {
		t.Errorf("New(lbfgs) error: %v", err)
	}
	for _, lr := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		if _, err := optim.New("adam", pr.params, lr); err == nil || !strings.Contains(err.Error(), "invalid learning rate") {
			t.Errorf("New(adam, lr %v) error: %v", lr, err)
		}
	}
}

func TestConstructorErrors(t *testing.T) {
	p := func(name string) nn.Param {
		return nn.Param{Name: name, Value: autograd.NewParam(name, tensor.New(tensor.Float32, 2))}
	}
	a := p("a")
	params := func(ps ...nn.Param) []nn.Param { return ps }
	tests := []struct {
		name string
		make func() error
		want string
	}{
		{"empty", func() error { _, err := optim.NewSGD(nil, optim.SGDConfig{LR: 1}); return err }, "sgd: empty parameter list"},
		{"nil value", func() error { _, err := optim.NewAdam(params(nn.Param{Name: "w"}), optim.DefaultAdam(1)); return err },
			`adam: parameter 0 ("w") has no value`},
		{"no name", func() error {
			_, err := optim.NewAdam(params(a, nn.Param{Value: a.Value}), optim.DefaultAdam(1))
			return err
		},
			"adam: parameter 1 has no name"},
		{"same name", func() error { _, err := optim.NewAdamW(params(a, p("b"), p("a")), optim.DefaultAdamW(1)); return err },
			`adamw: two parameters are named "a"`},
		{"same value", func() error {
			_, err := optim.NewRMSProp(params(a, nn.Param{Name: "alias", Value: a.Value}), optim.DefaultRMSProp(1))
			return err
		}, `rmsprop: parameters "a" and "alias" are the same value`},
		{"sgd momentum", func() error { _, err := optim.NewSGD(params(a), optim.SGDConfig{LR: 1, Momentum: -0.5}); return err },
			"sgd: invalid momentum -0.5"},
		{"sgd weight decay", func() error {
			_, err := optim.NewSGD(params(a), optim.SGDConfig{LR: 1, WeightDecay: math.NaN()})
			return err
		},
			"sgd: invalid weight decay NaN"},
		{"nesterov without momentum", func() error { _, err := optim.NewSGD(params(a), optim.SGDConfig{LR: 1, Nesterov: true}); return err },
			"Nesterov momentum needs momentum > 0 and dampening 0"},
		{"nesterov with dampening", func() error {
			_, err := optim.NewSGD(params(a), optim.SGDConfig{LR: 1, Momentum: 0.9, Dampening: 0.1, Nesterov: true})
			return err
		}, "Nesterov momentum needs momentum > 0 and dampening 0"},
		{"adagrad eps", func() error { _, err := optim.NewAdaGrad(params(a), optim.AdaGradConfig{LR: 1, Eps: -1}); return err },
			"adagrad: invalid eps -1"},
		{"adagrad lr", func() error { _, err := optim.NewAdaGrad(params(a), optim.DefaultAdaGrad(-1)); return err },
			"adagrad: invalid learning rate -1"},
		{"rmsprop alpha", func() error {
			_, err := optim.NewRMSProp(params(a), optim.RMSPropConfig{LR: 1, Alpha: -0.9})
			return err
		},
			"rmsprop: invalid alpha -0.9"},
		{"adam beta2", func() error {
			c := optim.DefaultAdam(1)
			c.Beta2 = 1.5
			_, err := optim.NewAdam(params(a), c)
			return err
		}, "adam: invalid beta2 1.5"},
	}
	for _, tc := range tests {
		if err := tc.make(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// Parameters whose gradient is nil are skipped and keep no state; a
// gradient of zeros is a step like any other.
func TestSkipsNilGradients(t *testing.T) {
	w := autograd.NewParam("w", tensor.FromFloat64([]float64{1, 2}))
	b := autograd.NewParam("b", tensor.FromFloat64([]float64{3}))
	opt, err := optim.New("adam", []nn.Param{{Name: "w", Value: w}, {Name: "b", Value: b}}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	w.SetGrad(tensor.FromFloat64([]float64{0.5, -0.5}))
	opt.Step()
	if b.Data().Item() != 3 {
		t.Errorf("b moved without a gradient: %v", b.Data())
	}
	st := opt.State()
	if st.Steps["w"] != 1 || st.Steps["b"] != 0 || st.Tensors["b.exp_avg"] != nil {
		t.Errorf("state after a step with b.Grad() nil: %v %v", st.Steps, st.TensorNames())
	}
	opt.ZeroGrad()
	if g := w.Grad().Float64s(); g[0] != 0 || g[1] != 0 {
		t.Errorf("ZeroGrad left %v", g)
	}
	if b.Grad() != nil {
		t.Error("ZeroGrad made a gradient for b")
	}
}

func TestSetLR(t *testing.T) {
	pr := newProblem(specs(t), tensor.Float32)
	opt, err := optim.New("momentum", pr.params, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	opt.SetLR(0.25)
	if opt.LR() != 0.25 || opt.State().Hyper["lr"] != 0.25 || opt.(*optim.SGD).Config().LR != 0.25 {
		t.Errorf("after SetLR(0.25): LR %v, state %v", opt.LR(), opt.State().Hyper)
	}
	defer func() {
		if recover() == nil {
			t.Error("SetLR(-1) did not panic")
		}
	}()
	opt.SetLR(-1)
}

func TestParamChangedDTypePanics(t *testing.T) {
	w := autograd.NewParam("w", tensor.FromFloat64([]float64{1, 2}))
	opt, err := optim.New("adam", []nn.Param{{Name: "w", Value: w}}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	w.SetGrad(tensor.FromFloat64([]float64{1, 1}))
	opt.Step()
	w.SetData(w.Data().To(tensor.Float32))
	w.SetGrad(tensor.FromFloat32([]float32{1, 1}))
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), `parameter "w" changed from float64 [2] to float32 [2]`) {
			t.Errorf("panic %v", r)
		}
	}()
	opt.Step()
}

// Step, clipping and the scheduler allocate nothing once every buffer
// exists.
func TestStepAllocatesNothing(t *testing.T) {
	sp := specs(t)
	for _, v := range variants {
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			pr := newProblem(sp, dtype)
			opt := mustOpt(t, v.make, pr.params)
			sch := mustSched(t, opt, optim.Sequential{
				Schedules:  []optim.Schedule{optim.Linear{StartFactor: 0.1, EndFactor: 1, Iters: 5}, optim.Chain{optim.Cosine{TMax: 100}, optim.Constant{}}},
				Milestones: []int{5},
			})
			pr.setGrads(1)
			opt.Step() // allocates the buffers
			if n := testing.AllocsPerRun(100, func() {
				optim.ClipGradNorm(pr.params, 1)
				optim.ClipGradValue(pr.params, 1)
				opt.Step()
				sch.Step()
				opt.ZeroGrad()
			}); n != 0 {
				t.Errorf("%s %v: %v allocations per step", v.name, dtype, n)
			}
		}
	}
}

// Groups and every policy allocate nothing per step either: Groups.Step,
// SetLR and SetMomentum, and each policy's Step and EndEpoch.
func TestPoliciesAllocateNothing(t *testing.T) {
	sp := specs(t)
	groups := []groupSpec{
		{"sgd", []string{"layer.weight", "frozen"}, momentumSGD},
		{"adam", []string{"layer.bias", "sometimes"}, adamW(0.1)},
	}
	// Patience 0 and Eps 0: the plateau sets a lower rate at every epoch
	// of a constant metric.
	plateau := optim.PlateauConfig{Factor: 0.5}
	policies := []struct {
		name string
		make func(optim.Optimizer) (optim.Policy, error)
	}{
		{"scheduler", func(o optim.Optimizer) (optim.Policy, error) { return optim.NewScheduler(o, optim.Cosine{TMax: 50}) }},
		{"one_cycle", func(o optim.Optimizer) (optim.Policy, error) {
			return optim.NewOneCycle(o, optim.DefaultOneCycle(0.05, 150))
		}},
		{"plateau", func(o optim.Optimizer) (optim.Policy, error) { return optim.NewReduceLROnPlateau(o, plateau) }},
	}
	for _, pc := range policies {
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			pr := newProblem(sp, dtype)
			g := mustGroups(t, pr.params, groups)
			pol, err := pc.make(g)
			if err != nil {
				t.Fatal(err)
			}
			pr.setGrads(1)
			g.Step() // allocates the buffers
			lr := g.LR()
			if n := testing.AllocsPerRun(100, func() {
				g.Step()
				pol.Step()
				pol.EndEpoch(1)
				g.ZeroGrad()
			}); n != 0 {
				t.Errorf("%s over groups, %v: %v allocations per step", pc.name, dtype, n)
			}
			if g.LR() == lr {
				t.Errorf("%s over groups, %v: the rate stayed %v", pc.name, dtype, lr)
			}
		}
	}
}

func TestClipEdgeCases(t *testing.T) {
	w := autograd.NewParam("w", tensor.FromFloat32([]float32{1, 2}))
	params := []nn.Param{{Name: "w", Value: w}}
	if n := optim.ClipGradNorm(params, 1); n != 0 {
		t.Errorf("norm without gradients = %v, want 0", n)
	}
	w.SetGrad(tensor.FromFloat32([]float32{3, 4}))
	if n := optim.ClipGradNorm(params, 10); n != 5 {
		t.Errorf("norm = %v, want 5", n)
	}
	if g := w.Grad().F32(); g[0] != 3 || g[1] != 4 {
		t.Errorf("a norm below the maximum changed the gradient to %v", g)
	}
	w.SetGrad(tensor.FromFloat32([]float32{float32(math.Inf(1)), 1}))
	if n := optim.ClipGradNorm(params, 1); !math.IsInf(n, 1) {
		t.Errorf("norm = %v, want +Inf", n)
	}
	for _, f := range []func(){
		func() { optim.ClipGradNormP(params, 1, 0) },
		func() { optim.ClipGradNormP(params, 1, math.NaN()) },
		func() { optim.ClipGradValue(params, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}
