package optim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// pick returns the parameters with the given names, in that order.
func pick(params []nn.Param, names ...string) []nn.Param {
	var out []nn.Param
	for _, n := range names {
		i := slices.IndexFunc(params, func(p nn.Param) bool { return p.Name == n })
		out = append(out, params[i])
	}
	return out
}

func adamW(wd float64) func([]nn.Param) (optim.Optimizer, error) {
	return func(p []nn.Param) (optim.Optimizer, error) {
		c := optim.DefaultAdamW(0.05)
		c.WeightDecay = wd
		return optim.NewAdamW(p, c)
	}
}

func momentumSGD(p []nn.Param) (optim.Optimizer, error) {
	return optim.NewSGD(p, optim.SGDConfig{LR: 0.02, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01})
}

// groupSpec makes the groups of a test: names, parameter names and
// optimizers.
type groupSpec struct {
	name   string
	params []string
	make   func([]nn.Param) (optim.Optimizer, error)
}

var decaySplit = []groupSpec{
	{"decay", []string{"layer.weight", "sometimes"}, adamW(0.1)},
	{"no_decay", []string{"layer.bias", "frozen"}, adamW(0)},
}

func mustGroups(t testing.TB, params []nn.Param, specs []groupSpec) *optim.Groups {
	t.Helper()
	var gs []optim.Group
	for _, s := range specs {
		gs = append(gs, optim.Group{Name: s.name, Opt: mustOpt(t, s.make, pick(params, s.params...))})
	}
	g, err := optim.NewGroups(gs...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// A group with weight decay and one without compute exactly what two
// separate optimizers compute, under a schedule too; so do groups of
// different kinds with different rates (without a schedule: with one,
// the rate of the second group, set in proportion to the first's, can
// differ from its own schedule's in the last bit).
func TestGroupsMatchSeparate(t *testing.T) {
	const n = 7
	sp := specs(t)
	for _, tc := range []struct {
		specs []groupSpec
		sched optim.Schedule
	}{
		{decaySplit, optim.Cosine{TMax: n}},
		{[]groupSpec{
			{"sgd", []string{"layer.weight", "frozen"}, momentumSGD},
			{"adam", []string{"layer.bias", "sometimes"}, adamW(0)},
		}, optim.Constant{}},
	} {
		specs, sched := tc.specs, tc.sched
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(specs[0].name+"/"+dtype.String(), func(t *testing.T) {
				a := newProblem(sp, dtype)
				var sepOpts []optim.Optimizer
				var sepScheds []*optim.Scheduler
				for _, s := range specs {
					o := mustOpt(t, s.make, pick(a.params, s.params...))
					sepOpts = append(sepOpts, o)
					sepScheds = append(sepScheds, mustSched(t, o, sched))
				}
				b := newProblem(sp, dtype)
				g := mustGroups(t, b.params, specs)
				gs := mustSched(t, g, sched)
				for step := 1; step <= n; step++ {
					a.setGrads(step)
					b.setGrads(step)
					for i, o := range sepOpts {
						o.Step()
						sepScheds[i].Step()
					}
					g.Step()
					gs.Step()
					for i, gr := range g.Groups() {
						if gr.Opt.LR() != sepOpts[i].LR() {
							t.Errorf("step %d: group %q rate %v, separate optimizer %v", step, gr.Name, gr.Opt.LR(), sepOpts[i].LR())
						}
					}
				}
				for i, p := range a.params {
					if !tensor.Equal(p.Value.Data(), b.params[i].Value.Data()) {
						t.Errorf("%s: groups %v, separate %v", p.Name, b.params[i].Value.Data(), p.Value.Data())
					}
				}
				g.ZeroGrad()
				for _, p := range g.Params() {
					if gr := p.Value.Grad(); gr != nil && tensor.Norm(gr, 2) != 0 {
						t.Errorf("%s: gradient %v after ZeroGrad", p.Name, gr)
					}
				}
			})
		}
	}
}

func TestGroupsParamsAndLR(t *testing.T) {
	pr := newProblem(specs(t), tensor.Float64)
	sgd := func(lr float64) func([]nn.Param) (optim.Optimizer, error) {
		return func(p []nn.Param) (optim.Optimizer, error) { return optim.NewSGD(p, optim.SGDConfig{LR: lr}) }
	}
	g := mustGroups(t, pr.params, []groupSpec{
		{"a", []string{"frozen", "layer.weight"}, sgd(0.1)},
		{"b", []string{"layer.bias"}, sgd(0.02)},
		{"c", []string{"sometimes"}, sgd(0.1)},
	})
	var names []string
	for _, p := range g.Params() {
		names = append(names, p.Name)
	}
	if want := []string{"frozen", "layer.weight", "layer.bias", "sometimes"}; !slices.Equal(names, want) {
		t.Errorf("Params() = %v, want %v", names, want)
	}
	rates := func() []float64 {
		var r []float64
		for _, gr := range g.Groups() {
			r = append(r, gr.Opt.LR())
		}
		return r
	}
	g.SetLR(0.05)
	if r := rates(); !slices.Equal(r, []float64{0.05, 0.01, 0.05}) || g.LR() != 0.05 {
		t.Errorf("after SetLR(0.05): LR %v, group rates %v, want 0.05, [0.05 0.01 0.05]", g.LR(), r)
	}
	g.SetLR(0.1) // back to the start, exactly
	if r := rates(); !slices.Equal(r, []float64{0.1, 0.02, 0.1}) {
		t.Errorf("after SetLR(0.1): group rates %v, want [0.1 0.02 0.1]", r)
	}
}

// TestGroupsStateRoundTrip runs k steps, saves the state, loads it into
// fresh groups over a copy of the parameters and continues: the result
// equals an uninterrupted run bit for bit.
func TestGroupsStateRoundTrip(t *testing.T) {
	const k, n = 3, 7
	sp := specs(t)
	nested := func(p []nn.Param) (optim.Optimizer, error) {
		a, err := optim.NewRMSProp(pick(p, "sometimes"), optim.RMSPropConfig{LR: 0.01, Alpha: 0.9, Eps: 1e-8, Momentum: 0.5, Centered: true})
		if err != nil {
			return nil, err
		}
		b, err := optim.NewAdaGrad(pick(p, "frozen"), optim.DefaultAdaGrad(0.01))
		if err != nil {
			return nil, err
		}
		return optim.NewGroups(optim.Group{Name: "rms", Opt: a}, optim.Group{Name: "ada", Opt: b})
	}
	for name, specs := range map[string][]groupSpec{
		"decay": decaySplit,
		"mixed_nested": {
			{"sgd", []string{"layer.weight"}, momentumSGD},
			{"adam", []string{"layer.bias"}, adamW(0)},
			{"inner", []string{"sometimes", "frozen"}, nested},
		},
	} {
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(name+"/"+dtype.String(), func(t *testing.T) {
				a := newProblem(sp, dtype)
				ga := mustGroups(t, a.params, specs)
				for step := 1; step <= n; step++ {
					a.setGrads(step)
					ga.Step()
				}
				b := newProblem(sp, dtype)
				gb := mustGroups(t, b.params, specs)
				for step := 1; step <= k; step++ {
					b.setGrads(step)
					gb.Step()
				}
				saved := gb.State()
				for key := range saved.Hyper {
					if g, _, ok := strings.Cut(key, "."); !ok || !slices.ContainsFunc(specs, func(s groupSpec) bool { return s.name == g }) {
						t.Errorf("hyper-parameter %q is not under a group's name", key)
					}
				}
				c := newProblem(sp, dtype)
				for i, p := range c.params {
					p.Value.Data().CopyFrom(b.params[i].Value.Data())
				}
				gc := mustGroups(t, c.params, specs)
				if err := gc.LoadState(saved); err != nil {
					t.Fatal(err)
				}
				for step := k + 1; step <= n; step++ {
					c.setGrads(step)
					gc.Step()
				}
				for i, p := range a.params {
					if !tensor.Equal(p.Value.Data(), c.params[i].Value.Data()) {
						t.Errorf("%s: resumed %v, uninterrupted %v", p.Name, c.params[i].Value.Data(), p.Value.Data())
					}
				}
				sa, sc := ga.State(), gc.State()
				if sa.Optimizer != sc.Optimizer || !equalSteps(sa.Steps, sc.Steps) || !slices.Equal(sa.TensorNames(), sc.TensorNames()) {
					t.Errorf("states differ: %s %v %v vs %s %v %v", sa.Optimizer, sa.Steps, sa.TensorNames(), sc.Optimizer, sc.Steps, sc.TensorNames())
				}
				for key, ta := range sa.Tensors {
					if !tensor.Equal(ta, sc.Tensors[key]) {
						t.Errorf("state tensor %s differs", key)
					}
				}
			})
		}
	}
}

func TestGroupsLoadStateErrors(t *testing.T) {
	sp := specs(t)
	src := newProblem(sp, tensor.Float64)
	g := mustGroups(t, src.params, decaySplit)
	for step := 1; step <= 3; step++ {
		src.setGrads(step)
		g.Step()
	}
	good := g.State()
	edit := func(f func(*optim.State)) optim.State {
		s := good.Clone()
		f(&s)
		return s
	}
	plain := mustOpt(t, adamW(0), newProblem(sp, tensor.Float64).params).State()
	tests := []struct {
		name  string
		specs []groupSpec
		s     optim.State
		want  string
	}{
		{"names", []groupSpec{{"w", decaySplit[0].params, adamW(0.1)}, {"b", decaySplit[1].params, adamW(0)}}, good,
			"the state has groups [decay no_decay], this optimizer [w b]"},
		{"order", []groupSpec{decaySplit[1], decaySplit[0]}, good, "the state has groups [decay no_decay], this optimizer [no_decay decay]"},
		{"kind", []groupSpec{decaySplit[0], {"no_decay", decaySplit[1].params, momentumSGD}}, good,
			`group "no_decay" is adamw in the state, sgd in this optimizer`},
		{"count", []groupSpec{{"decay", []string{"layer.weight"}, adamW(0.1)}, {"no_decay", []string{"layer.bias", "frozen", "sometimes"}, adamW(0)}}, good,
			`group "decay" has 2 parameters in the state, 1 in this optimizer`},
		{"members", []groupSpec{{"decay", []string{"layer.weight", "frozen"}, adamW(0.1)}, {"no_decay", []string{"layer.bias", "sometimes"}, adamW(0)}}, good,
			`group "decay" holds other parameters in the state than in this optimizer`},
		{"plain", decaySplit, plain, `state is for optimizer "adamw", this one is groups[decay=adamw(2 params, `},
		{"hyper", decaySplit, edit(func(s *optim.State) { s.Hyper["lr"] = 0.1 }), `hyper-parameter "lr" does not name a group`},
		{"step", decaySplit, edit(func(s *optim.State) { s.Steps["other"] = 1 }), `step count for "other", which is not a parameter of any group`},
		{"tensor", decaySplit, edit(func(s *optim.State) { s.Tensors["other.exp_avg"] = s.Tensors["layer.bias.exp_avg"] }),
			`tensor "other.exp_avg" does not belong to a parameter of any group`},
		{"second group refuses", decaySplit, edit(func(s *optim.State) { s.Hyper["no_decay.beta1"] = 2 }),
			`optim: group "no_decay": optim: adamw: invalid beta1 2`},
		{"first group refuses", decaySplit, edit(func(s *optim.State) { delete(s.Tensors, "layer.weight.exp_avg") }),
			`optim: group "decay": optim: adamw state: missing tensor "layer.weight.exp_avg"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr := newProblem(sp, tensor.Float64)
			g := mustGroups(t, pr.params, tc.specs)
			pr.setGrads(1)
			g.Step()
			before := g.State()
			err := g.LoadState(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			after := g.State()
			if !equalMaps(before.Hyper, after.Hyper) || !equalSteps(before.Steps, after.Steps) || !slices.Equal(before.TensorNames(), after.TensorNames()) {
				t.Errorf("a refused state changed %v %v into %v %v", before.Hyper, before.Steps, after.Hyper, after.Steps)
			}
			for key, tb := range before.Tensors {
				if !tensor.Equal(tb, after.Tensors[key]) {
					t.Errorf("a refused state changed tensor %s", key)
				}
			}
		})
	}
}

func TestNewGroupsErrors(t *testing.T) {
	pr := newProblem(specs(t), tensor.Float64)
	opt := func(lr float64, names ...string) optim.Optimizer {
		o, err := optim.NewSGD(pick(pr.params, names...), optim.SGDConfig{LR: lr})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	same := nn.Param{Name: "alias", Value: pr.params[0].Value}
	alias, err := optim.NewSGD([]nn.Param{same}, optim.SGDConfig{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		groups []optim.Group
		want   string
	}{
		{nil, "no groups"},
		{[]optim.Group{{Name: "", Opt: opt(0.1, "frozen")}}, "group 0: empty group name"},
		{[]optim.Group{{Name: "a.b", Opt: opt(0.1, "frozen")}}, `group name "a.b" has '.'`},
		{[]optim.Group{{Name: "a", Opt: opt(0.1, "frozen")}, {Name: "a", Opt: opt(0.1, "sometimes")}}, `two groups are named "a"`},
		{[]optim.Group{{Name: "a"}}, `group "a" has no optimizer`},
		{[]optim.Group{{Name: "a", Opt: opt(0.1, "frozen")}, {Name: "b", Opt: opt(0.1, "frozen", "sometimes")}}, `parameter "frozen" is in groups "a" and "b"`},
		{[]optim.Group{{Name: "a", Opt: opt(0.1, "layer.weight")}, {Name: "b", Opt: alias}}, `parameters "layer.weight" and "alias" (group "b") are the same value`},
		{[]optim.Group{{Name: "a", Opt: opt(0, "frozen")}, {Name: "b", Opt: opt(0.1, "sometimes")}}, `the first group, "a", has learning rate 0 but group "b" has 0.1`},
		{[]optim.Group{{Name: "a", Opt: emptyOpt{}}}, `group "a" has no parameters`},
	}
	for _, tc := range tests {
		if _, err := optim.NewGroups(tc.groups...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewGroups(%v): error %v, want one containing %q", tc.groups, err, tc.want)
		}
	}
	if _, err := optim.NewGroups(optim.Group{Name: "frozen", Opt: opt(0, "frozen")}, optim.Group{Name: "also-0", Opt: opt(0, "sometimes")}); err != nil {
		t.Errorf("groups that all have rate 0: %v", err)
	}
}

// emptyOpt is an Optimizer over no parameters.
type emptyOpt struct{}

func (emptyOpt) Step()                       {}
func (emptyOpt) ZeroGrad()                   {}
func (emptyOpt) LR() float64                 { return 0.1 }
func (emptyOpt) SetLR(float64)               {}
func (emptyOpt) Params() []nn.Param          { return nil }
func (emptyOpt) State() optim.State          { return optim.State{Optimizer: "empty"} }
func (emptyOpt) LoadState(optim.State) error { return nil }

func TestSplitDecay(t *testing.T) {
	var params []nn.Param
	for i, r := range []nn.Role{nn.Weight, nn.Bias, nn.NoRole, nn.Scale, nn.Shift, nn.RecurrentWeight, nn.Other} {
		name := fmt.Sprintf("p%d", i)
		params = append(params, nn.Param{Name: name, Value: autograd.NewParam(name, tensor.New(tensor.Float32, 1)), Role: r})
	}
	decay, noDecay := optim.SplitDecay(params)
	names := func(ps []nn.Param) (out []string) {
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if got, want := names(decay), []string{"p0", "p2", "p5", "p6"}; !slices.Equal(got, want) {
		t.Errorf("decay %v, want %v", got, want)
	}
	if got, want := names(noDecay), []string{"p1", "p3", "p4"}; !slices.Equal(got, want) {
		t.Errorf("no decay %v, want %v", got, want)
	}
}

func TestGroupsMomentum(t *testing.T) {
	pr := newProblem(specs(t), tensor.Float64)
	ada := func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdaGrad(p, optim.DefaultAdaGrad(0.1)) }
	adam := func(p []nn.Param) (optim.Optimizer, error) { return optim.NewAdam(p, optim.DefaultAdam(0.1)) }
	g := mustGroups(t, pr.params, []groupSpec{
		{"ada", []string{"frozen"}, ada},
		{"sgd", []string{"layer.weight"}, momentumSGD},
		{"adam", []string{"layer.bias", "sometimes"}, adam},
	})
	if g.Momentum() != 0.9 {
		t.Errorf("Momentum() = %v, want the first momentum group's, 0.9", g.Momentum())
	}
	g.SetMomentum(0.8)
	for _, gr := range g.Groups()[1:] {
		if m := gr.Opt.(optim.MomentumSetter).Momentum(); m != 0.8 {
			t.Errorf("group %q: momentum %v after SetMomentum(0.8)", gr.Name, m)
		}
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `group "adam"`) {
				t.Errorf("SetMomentum(1) panicked with %v, want the adam group refusing it", r)
			}
		}()
		g.SetMomentum(1) // fine for SGD, not for Adam's β₁
	}()
	if m := g.Groups()[1].Opt.(optim.MomentumSetter).Momentum(); m != 0.8 {
		t.Errorf("a refused SetMomentum changed the SGD group's momentum to %v", m)
	}
	if _, err := optim.NewOneCycle(g, optim.DefaultOneCycle(0.1, 10)); err != nil {
		t.Errorf("OneCycle over groups with momentum: %v", err)
	}
	if g.Momentum() != 0.95 {
		t.Errorf("OneCycle set momentum %v, want 0.95", g.Momentum())
	}
	noMomentum := mustGroups(t, pr.params, []groupSpec{{"a", []string{"frozen"}, ada}, {"b", []string{"sometimes"}, ada}})
	if _, err := optim.NewOneCycle(noMomentum, optim.DefaultOneCycle(0.1, 10)); err == nil || !strings.Contains(err.Error(), "no momentum to cycle") {
		t.Errorf("OneCycle over groups without momentum: error %v", err)
	}
}
