package optim

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// MomentumSetter is implemented by optimizers with a momentum that can be
// changed during training, as OneCycle cycles it: SGD and RMSProp (their
// momentum μ), Adam and AdamW (β₁), and Groups.
type MomentumSetter interface {
	// Momentum returns the current momentum.
	Momentum() float64
	// SetMomentum changes the momentum used by the following steps. It
	// panics if m is out of range for the optimizer.
	SetMomentum(m float64)
}

// momentumChecker is implemented by this package's MomentumSetters: it
// says whether SetMomentum would accept m, so that a policy can refuse a
// bad setting when it is made rather than panic later.
type momentumChecker interface {
	checkMomentum(m float64) error
}

// Group is one parameter group of a Groups: an optimizer over its own
// parameters with its own hyper-parameters, and a name.
type Group struct {
	// Name identifies the group in the State of the Groups: its
	// hyper-parameters are saved as "<Name>.<hyper-parameter>". It is made
	// of ASCII letters, digits, '_' and '-'.
	Name string
	// Opt optimizes the group's parameters.
	Opt Optimizer
}

// Groups is one Optimizer made of several, each over its own parameters
// with its own hyper-parameters: PyTorch's parameter groups. The classic
// use is weight decay on the weights only:
//
//	decay, noDecay := optim.SplitDecay(model.Params())
//	wd, err := optim.NewAdamW(decay, optim.DefaultAdamW(1e-3))
//	...
//	cfg := optim.DefaultAdamW(1e-3)
//	cfg.WeightDecay = 0
//	nd, err := optim.NewAdamW(noDecay, cfg)
//	...
//	opt, err := optim.NewGroups(optim.Group{Name: "decay", Opt: wd}, optim.Group{Name: "no_decay", Opt: nd})
//
// Step and ZeroGrad act on every group, and each group computes exactly
// what its optimizer would alone. The learning rate of a Groups is the
// first group's; SetLR sets every group's rate in proportion to the rates
// they had when NewGroups was called, so that a Scheduler or another
// policy moves all groups together, as a PyTorch scheduler scales each
// group's own base rate. (Groups with equal rates get exactly the rate
// set; a schedule's additive part, such as Cosine's EtaMin or
// ReduceLROnPlateau's MinLR, is scaled too, where PyTorch applies it to
// each group unscaled.)
//
// Its State holds every group's state: step counts and buffers under the
// parameters' names (which are unique across groups) and hyper-parameters
// under "<group>.<name>" ("decay.weight_decay"). Its kind, State.Optimizer,
// records the grouping: each group's name, optimizer kind, number of
// parameters and a fingerprint of their names, as in
// "groups[decay=adamw(4 params, 1a2b3c4d),no_decay=adamw(4 params, 5e6f7a8b)]".
// LoadState refuses a state saved under another grouping and says how it
// differs.
type Groups struct {
	groups []Group
	bases  []float64 // each group's learning rate at NewGroups
	params []nn.Param
	owner  map[string]int // parameter name -> group
	desc   []groupDesc
}

// groupDesc is what State.Optimizer records of a group.
type groupDesc struct {
	name, kind string
	params     int
	names      string // fingerprint of the sorted parameter names
}

func (d groupDesc) String() string {
	return fmt.Sprintf("%s=%s(%d params, %s)", d.name, d.kind, d.params, d.names)
}

// NewGroups returns an optimizer over the groups, in the order given. It
// returns an error if there are no groups, a group has a bad or repeated
// name, a nil optimizer or no parameters, two groups share a parameter
// (by name or by value), or the first group's learning rate is 0 while
// another's is not (SetLR scales every rate by its ratio to the first).
func NewGroups(groups ...Group) (*Groups, error) {
	if len(groups) == 0 {
		return nil, fmt.Errorf("optim: NewGroups: no groups")
	}
	g := &Groups{groups: slices.Clone(groups), owner: map[string]int{}}
	seenName := map[string]bool{}
	seenValue := map[*autograd.Value]string{}
	for i, gr := range groups {
		if err := checkGroupName(gr.Name); err != nil {
			return nil, fmt.Errorf("optim: NewGroups: group %d: %w", i, err)
		}
		if seenName[gr.Name] {
			return nil, fmt.Errorf("optim: NewGroups: two groups are named %q", gr.Name)
		}
		seenName[gr.Name] = true
		if gr.Opt == nil {
			return nil, fmt.Errorf("optim: NewGroups: group %q has no optimizer", gr.Name)
		}
		ps := gr.Opt.Params()
		if len(ps) == 0 {
			return nil, fmt.Errorf("optim: NewGroups: group %q has no parameters", gr.Name)
		}
		names := make([]string, len(ps))
		for j, p := range ps {
			if other, dup := g.owner[p.Name]; dup {
				return nil, fmt.Errorf("optim: NewGroups: parameter %q is in groups %q and %q", p.Name, groups[other].Name, gr.Name)
			}
			if other, dup := seenValue[p.Value]; dup {
				return nil, fmt.Errorf("optim: NewGroups: parameters %q and %q (group %q) are the same value", other, p.Name, gr.Name)
			}
			g.owner[p.Name] = i
			seenValue[p.Value] = p.Name
			names[j] = p.Name
		}
		g.params = append(g.params, ps...)
		g.bases = append(g.bases, gr.Opt.LR())
		g.desc = append(g.desc, groupDesc{name: gr.Name, kind: gr.Opt.State().Optimizer, params: len(ps), names: fingerprint(names)})
	}
	if g.bases[0] == 0 {
		for i, b := range g.bases {
			if b != 0 {
				return nil, fmt.Errorf("optim: NewGroups: the first group, %q, has learning rate 0 but group %q has %v; "+
					"SetLR scales each group's rate by its ratio to the first group's, so put a group with a non-zero rate first",
					groups[0].Name, groups[i].Name, b)
			}
		}
	}
	return g, nil
}

func checkGroupName(name string) error {
	if name == "" {
		return fmt.Errorf("empty group name")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("group name %q has %q; use ASCII letters, digits, '_' and '-'", name, r)
		}
	}
	return nil
}

// fingerprint returns a short hash of a set of names, for State.Optimizer.
func fingerprint(names []string) string {
	h := fnv.New32a()
	for _, n := range slices.Sorted(slices.Values(names)) {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%08x", h.Sum32())
}

// SplitDecay splits params into those that weight decay should shrink and
// those it should not, keeping their order: parameters with Role
// nn.Bias, nn.Scale or nn.Shift (biases and normalisation parameters) do
// not decay; all others do, those with nn.NoRole or nn.Other included, as
// they would in an optimizer without groups.
func SplitDecay(params []nn.Param) (decay, noDecay []nn.Param) {
	for _, p := range params {
		switch p.Role {
		case nn.Bias, nn.Scale, nn.Shift:
			noDecay = append(noDecay, p)
		default:
			decay = append(decay, p)
		}
	}
	return decay, noDecay
}

// Groups returns the groups, in order. The slice belongs to the Groups:
// do not modify it.
func (g *Groups) Groups() []Group { return g.groups }

// Step steps every group's optimizer.
func (g *Groups) Step() {
	for _, gr := range g.groups {
		gr.Opt.Step()
	}
}

// ZeroGrad sets the gradient of every group's parameters to zero.
func (g *Groups) ZeroGrad() {
	for _, gr := range g.groups {
		gr.Opt.ZeroGrad()
	}
}

// LR returns the first group's learning rate.
func (g *Groups) LR() float64 { return g.groups[0].Opt.LR() }

// SetLR sets the first group's learning rate to lr and every other
// group's to lr times the ratio of its rate to the first group's when
// NewGroups was called. It panics if lr is negative or NaN.
func (g *Groups) SetLR(lr float64) {
	for i, gr := range g.groups {
		gr.Opt.SetLR(g.scaled(i, lr))
	}
}

// scaled returns group i's rate when the first group's is lr.
func (g *Groups) scaled(i int, lr float64) float64 {
	b0, b := g.bases[0], g.bases[i]
	if b == b0 || b0 == 0 {
		return lr
	}
	return b * (lr / b0)
}

// Params returns the parameters of all groups, group by group.
func (g *Groups) Params() []nn.Param { return g.params }

// kind is the State.Optimizer of a Groups.
func (g *Groups) kind() string {
	parts := make([]string, len(g.desc))
	for i, d := range g.desc {
		parts[i] = d.String()
	}
	return "groups[" + strings.Join(parts, ",") + "]"
}

// State returns a copy of every group's state, merged: see Groups.
func (g *Groups) State() State {
	s := State{Optimizer: g.kind(), Hyper: map[string]float64{}, Steps: map[string]int{}, Tensors: map[string]*tensor.Tensor{}}
	for _, gr := range g.groups {
		st := gr.Opt.State()
		for k, v := range st.Hyper {
			s.Hyper[gr.Name+"."+k] = v
		}
		maps.Copy(s.Steps, st.Steps)
		maps.Copy(s.Tensors, st.Tensors)
	}
	return s
}

// LoadState replaces every group's state with its part of s, which must
// come from a Groups with the same grouping: the same group names in the
// same order, optimizers of the same kinds, and the same parameters in
// each group. On error nothing has changed.
func (g *Groups) LoadState(s State) error {
	if err := g.checkKind(s.Optimizer); err != nil {
		return err
	}
	parts := make([]State, len(g.groups))
	for i := range g.groups {
		parts[i] = State{Optimizer: g.desc[i].kind, Hyper: map[string]float64{}, Steps: map[string]int{}, Tensors: map[string]*tensor.Tensor{}}
	}
	index := make(map[string]int, len(g.groups))
	for i, gr := range g.groups {
		index[gr.Name] = i
	}
	for k, v := range s.Hyper {
		name, key, ok := strings.Cut(k, ".")
		i, known := index[name]
		if !ok || !known {
			return fmt.Errorf("optim: groups state: hyper-parameter %q does not name a group (want <group>.<name>, groups [%s])", k, strings.Join(groupNames(g.desc), " "))
		}
		parts[i].Hyper[key] = v
	}
	for name, n := range s.Steps {
		i, ok := g.owner[name]
		if !ok {
			return fmt.Errorf("optim: groups state: step count for %q, which is not a parameter of any group", name)
		}
		parts[i].Steps[name] = n
	}
	for key, t := range s.Tensors {
		dot := strings.LastIndexByte(key, '.')
		i, ok := -1, false
		if dot > 0 {
			i, ok = g.owner[key[:dot]]
		}
		if !ok {
			return fmt.Errorf("optim: groups state: tensor %q does not belong to a parameter of any group (want <parameter>.<buffer>)", key)
		}
		parts[i].Tensors[key] = t
	}
	// Keep what the groups hold now, to undo the groups already loaded
	// should a later one refuse its part.
	before := make([]State, len(g.groups)-1)
	for j := range before {
		before[j] = g.groups[j].Opt.State()
	}
	for i, gr := range g.groups {
		if err := gr.Opt.LoadState(parts[i]); err != nil {
			for j := range i {
				_ = g.groups[j].Opt.LoadState(before[j])
			}
			return fmt.Errorf("optim: group %q: %w", gr.Name, err)
		}
	}
	return nil
}

// groupNames returns the names of the groups ds describes, in order.
func groupNames(ds []groupDesc) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.name
	}
	return out
}

// checkKind compares the kind of a saved state with this grouping's and
// says how they differ.
func (g *Groups) checkKind(saved string) error {
	own := g.kind()
	if saved == own {
		return nil
	}
	theirs, ok := parseGroupsKind(saved)
	if !ok {
		return fmt.Errorf("optim: state is for optimizer %q, this one is %s", saved, own)
	}
	if tn, on := groupNames(theirs), groupNames(g.desc); !slices.Equal(tn, on) {
		return fmt.Errorf("optim: groups state: the state has groups [%s], this optimizer [%s]", strings.Join(tn, " "), strings.Join(on, " "))
	}
	for i, d := range g.desc {
		t := theirs[i]
		switch {
		case t.kind != d.kind:
			return fmt.Errorf("optim: groups state: group %q is %s in the state, %s in this optimizer", d.name, t.kind, d.kind)
		case t.params != d.params:
			return fmt.Errorf("optim: groups state: group %q has %d parameters in the state, %d in this optimizer", d.name, t.params, d.params)
		case t.names != d.names:
			return fmt.Errorf("optim: groups state: group %q holds other parameters in the state than in this optimizer (%d each, with other names: fingerprint %s, here %s)",
				d.name, d.params, t.names, d.names)
		}
	}
	return fmt.Errorf("optim: state is for optimizer %q, this one is %s", saved, own)
}

// parseGroupsKind reads the groups a Groups' kind describes.
func parseGroupsKind(s string) ([]groupDesc, bool) {
	body, ok := strings.CutPrefix(s, "groups[")
	if !ok {
		return nil, false
	}
	body, ok = strings.CutSuffix(body, "]")
	if !ok {
		return nil, false
	}
	var items []string
	depth, start := 0, 0
	for i, r := range body {
		switch r {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, body[start:i])
				start = i + 1
			}
		}
	}
	items = append(items, body[start:])
	var out []groupDesc
	for _, it := range items {
		name, rest, ok := strings.Cut(it, "=")
		open := strings.LastIndexByte(rest, '(')
		if !ok || open < 0 || !strings.HasSuffix(rest, ")") {
			return nil, false
		}
		count, names, ok := strings.Cut(rest[open+1:len(rest)-1], " params, ")
		n, err := strconv.Atoi(count)
		if !ok || err != nil {
			return nil, false
		}
		out = append(out, groupDesc{name: name, kind: rest[:open], params: n, names: names})
	}
	return out, true
}

// Momentum returns the momentum of the first group whose optimizer has
// one (see MomentumSetter), or 0 if none has.
func (g *Groups) Momentum() float64 {
	for _, gr := range g.groups {
		if m, ok := momentumOf(gr.Opt); ok {
			return m.Momentum()
		}
	}
	return 0
}

// SetMomentum sets the momentum of every group whose optimizer has one;
// the others are left alone. It panics, changing nothing, if m is out of
// range for one of them.
func (g *Groups) SetMomentum(m float64) {
	if err := g.checkMomentum(m); err != nil {
		panic(err.Error())
	}
	for _, gr := range g.groups {
		if ms, ok := momentumOf(gr.Opt); ok {
			ms.SetMomentum(m)
		}
	}
}

func (g *Groups) checkMomentum(m float64) error {
	for _, gr := range g.groups {
		if ms, ok := momentumOf(gr.Opt); ok {
			if err := checkMomentum(ms, m); err != nil {
				return fmt.Errorf("optim: group %q: %w", gr.Name, err)
			}
		}
	}
	return nil
}

// momentumOf returns opt as a MomentumSetter if it has a momentum: if it
// implements MomentumSetter and, for a Groups, one of its groups does.
func momentumOf(opt Optimizer) (MomentumSetter, bool) {
	ms, ok := opt.(MomentumSetter)
	if g, isGroups := opt.(*Groups); isGroups {
		ok = slices.ContainsFunc(g.groups, func(gr Group) bool { _, has := momentumOf(gr.Opt); return has })
	}
	return ms, ok
}

// checkMomentum says whether ms accepts momentum m: by its own rules for
// this package's optimizers, else m must be a finite number >= 0.
func checkMomentum(ms MomentumSetter, m float64) error {
	if c, ok := ms.(momentumChecker); ok {
		return c.checkMomentum(m)
	}
	if !(m >= 0) || math.IsInf(m, 0) {
		return fmt.Errorf("optim: invalid momentum %v (want a finite number >= 0)", m)
	}
	return nil
}
