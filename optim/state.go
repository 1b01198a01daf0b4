package optim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/baeum-ml/baeum/tensor"
)

// State is a snapshot of an optimizer: everything besides the parameters
// that its next Step depends on. Saved together with the parameters (and
// with a Scheduler's SchedulerState), it lets training resume exactly
// where it stopped: the resumed run computes the same numbers, bit for
// bit, as one that never stopped.
//
// The names follow PyTorch's state_dict: a buffer of parameter c1.weight
// is Tensors["c1.weight.exp_avg"], and hyper-parameters keep PyTorch's
// names, except that Adam's betas are beta1 and beta2.
type State struct {
	// Optimizer is the kind of optimizer: "sgd" (which includes the
	// momentum and Nesterov presets), "adagrad", "rmsprop", "adam" or
	// "adamw".
	Optimizer string
	// Hyper holds the hyper-parameters by name ("lr", "momentum",
	// "beta1", ...), with true and false stored as 1 and 0.
	Hyper map[string]float64
	// Steps holds, for each parameter that has been updated at least
	// once, how many updates it has received (PyTorch's per-parameter
	// "step"). A parameter that is absent has not been updated.
	Steps map[string]int
	// Tensors holds the per-parameter buffers, named
	// "<parameter name>.<buffer>", each with its parameter's shape. A
	// parameter has buffers only once it has been updated.
	Tensors map[string]*tensor.Tensor
}

// Clone returns a deep copy of s.
func (s State) Clone() State {
	c := State{Optimizer: s.Optimizer, Hyper: maps.Clone(s.Hyper), Steps: maps.Clone(s.Steps)}
	if s.Tensors != nil {
		c.Tensors = make(map[string]*tensor.Tensor, len(s.Tensors))
		for k, t := range s.Tensors {
			c.Tensors[k] = t.Clone()
		}
	}
	return c
}

// TensorNames returns the names of s.Tensors in sorted order, the order
// in which a file format that needs one should store them.
func (s State) TensorNames() []string { return slices.Sorted(maps.Keys(s.Tensors)) }

// slotUse says which parameters hold a buffer slot's buffer under the
// hyper-parameters in effect.
type slotUse uint8

const (
	// unused: none; the hyper-parameters do not use the slot.
	unused slotUse = iota
	// always: every parameter that has taken a step.
	always
	// optional: a parameter may hold it or not. A momentum buffer is made
	// at the parameter's first step with momentum on and kept while
	// momentum is off, and SetMomentum can turn momentum on or off at
	// any step, so with or without momentum a parameter may have taken
	// steps with or without the buffer.
	optional
)

// alwaysIf returns always if b, else unused.
func alwaysIf(b bool) slotUse {
	if b {
		return always
	}
	return unused
}

// export builds a State from the optimizer's steps and buffers; uses
// tells which buffer slots the current hyper-parameters use.
func (c *core) export(hyper map[string]float64, uses []slotUse) State {
	s := State{Optimizer: c.kind, Hyper: hyper, Steps: map[string]int{}, Tensors: map[string]*tensor.Tensor{}}
	for i, p := range c.params {
		if c.steps[i] == 0 {
			continue
		}
		s.Steps[p.Name] = c.steps[i]
		for slot, name := range c.slots {
			if uses[slot] != unused && c.bufs[slot][i] != nil {
				s.Tensors[p.Name+"."+name] = c.bufs[slot][i].Clone()
			}
		}
	}
	return s
}

// check validates s against the parameters, for the buffer slots the
// hyper-parameters s holds use: every step count must name a parameter,
// every parameter with a step count must have its buffers of slots used
// always, may have those of optional slots, and no others, each of its
// shape.
func (c *core) check(s State, uses []slotUse) error {
	for name, n := range s.Steps {
		if _, ok := c.index[name]; !ok {
			return fmt.Errorf("optim: %s state: step count for %q, which is not a parameter of this optimizer", c.kind, name)
		}
		if n < 0 {
			return fmt.Errorf("optim: %s state: negative step count %d for %q", c.kind, n, name)
		}
	}
	expected := 0
	for i, p := range c.params {
		if s.Steps[p.Name] == 0 {
			continue
		}
		shape := p.Value.Data().Shape()
		for slot, buf := range c.slots {
			if uses[slot] == unused {
				continue
			}
			key := p.Name + "." + buf
			t, ok := s.Tensors[key]
			switch {
			case t == nil && uses[slot] == optional:
				// No buffer (a nil one, PyTorch's None, included).
			case t == nil:
				return fmt.Errorf("optim: %s state: missing tensor %q (parameter %q has taken %d steps)", c.kind, key, p.Name, s.Steps[p.Name])
			case !tensor.EqualShapes(t.Shape(), shape):
				return fmt.Errorf("optim: %s state: tensor %q has shape %v, parameter %d %q has shape %v", c.kind, key, t.Shape(), i, p.Name, shape)
			}
			if ok {
				expected++
			}
		}
	}
	if len(s.Tensors) != expected {
		for _, key := range s.TensorNames() {
			if !c.expects(s, uses, key) {
				return fmt.Errorf("optim: %s state: unexpected tensor %q (want %s)", c.kind, key, c.describe(uses))
			}
		}
	}
	return nil
}

// expects reports whether key names a used buffer of a parameter that
// has a step count in s.
func (c *core) expects(s State, uses []slotUse, key string) bool {
	for slot, buf := range c.slots {
		if name, ok := strings.CutSuffix(key, "."+buf); ok && uses[slot] != unused {
			if _, isParam := c.index[name]; isParam && s.Steps[name] > 0 {
				return true
			}
		}
	}
	return false
}

// describe says which tensor names a state needs and allows.
func (c *core) describe(uses []slotUse) string {
	var bufs []string
	for slot, buf := range c.slots {
		switch uses[slot] {
		case always:
			bufs = append(bufs, "<param>."+buf)
		case optional:
			bufs = append(bufs, "optionally <param>."+buf)
		}
	}
	if len(bufs) == 0 {
		return "no tensors with these hyper-parameters"
	}
	return strings.Join(bufs, " and ") + " for each parameter with a step count"
}

// load copies the steps and buffers of s, which check has accepted, into
// the optimizer, converting buffers to their parameter's dtype. Buffers
// that s does not hold are dropped, so they start afresh.
func (c *core) load(s State, uses []slotUse) {
	for i, p := range c.params {
		c.steps[i] = s.Steps[p.Name]
		for slot, buf := range c.slots {
			src := s.Tensors[p.Name+"."+buf]
			if c.steps[i] == 0 || uses[slot] == unused || src == nil {
				c.bufs[slot][i] = nil
				continue
			}
			data := p.Value.Data()
			b := c.bufs[slot][i]
			if b == nil || b.DType() != data.DType() || b.Len() != data.Len() {
				b = tensor.New(data.DType(), data.Shape()...)
				c.bufs[slot][i] = b
			}
			b.CopyFrom(src)
		}
	}
}

// reader reads named numbers out of a saved state — an optimizer's
// hyper-parameters, a policy's values — collecting the first error.
type reader struct {
	kind string // whose state: "adam", "one_cycle", ...
	noun string // what the numbers are called in errors
	m    map[string]float64
	read []string
	err  error
}

// readHyper reads the hyper-parameters of s, a State of this optimizer's
// kind.
func (c *core) readHyper(s State) *reader {
	r := &reader{kind: c.kind, noun: "hyper-parameter", m: s.Hyper}
	if s.Optimizer != c.kind {
		r.err = fmt.Errorf("optim: state is for optimizer %q, this one is %q", s.Optimizer, c.kind)
	}
	return r
}

// fail records an error about the state, unless one is recorded already.
func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("optim: %s state: "+format, append([]any{r.kind}, args...)...)
	}
}

// num returns number key.
func (r *reader) num(key string) float64 {
	if r.err != nil {
		return 0
	}
	v, ok := r.m[key]
	if !ok {
		r.fail("missing %s %q", r.noun, key)
		return 0
	}
	r.read = append(r.read, key)
	return v
}

// flag returns boolean key, stored as 0 or 1.
func (r *reader) flag(key string) bool {
	v := r.num(key)
	if r.err == nil && v != 0 && v != 1 {
		r.fail("%s %q is %v, want 0 (false) or 1 (true)", r.noun, key, v)
	}
	return v == 1
}

// count returns key, which must be a whole number >= 0.
func (r *reader) count(key string) int {
	v := r.num(key)
	if r.err == nil && !(v >= 0 && v <= 1<<53 && v == math.Trunc(v)) {
		r.fail("%q is %v, want a whole number >= 0", key, v)
	}
	return int(v)
}

// same reads the settings a policy was built with, saved in the state,
// and records an error unless they equal own, this policy's.
func (r *reader) same(own map[string]float64) {
	for _, key := range slices.Sorted(maps.Keys(own)) {
		v := r.num(key)
		if r.err == nil && v != own[key] && !(math.IsNaN(v) && math.IsNaN(own[key])) {
			r.fail("%s is %v in the state but %v in this policy; build the policy with the saved settings, or start it afresh", key, v, own[key])
		}
	}
}

// done returns the first error, or an error naming a number that was not
// read.
func (r *reader) done() error {
	if r.err != nil || len(r.read) == len(r.m) {
		return r.err
	}
	for _, k := range slices.Sorted(maps.Keys(r.m)) {
		if !slices.Contains(r.read, k) {
			return fmt.Errorf("optim: %s state: unknown %s %q (known: %s)", r.kind, r.noun, k, strings.Join(r.read, ", "))
		}
	}
	return nil
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// hp is a named hyper-parameter value, for checkNonNeg.
type hp struct {
	name string
	v    float64
}

// checkNonNeg returns an error naming the first value that is not a finite
// number >= 0.
func checkNonNeg(kind string, vals ...hp) error {
	for _, h := range vals {
		if !(h.v >= 0) || math.IsInf(h.v, 0) {
			return fmt.Errorf("optim: %s: invalid %s %v (want a finite number >= 0)", kind, h.name, h.v)
		}
	}
	return nil
}

// inState marks a validation error as coming from a State being loaded.
func inState(err error) error { return fmt.Errorf("%w, in the state being loaded", err) }
