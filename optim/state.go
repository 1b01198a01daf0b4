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

// export builds a State from the optimizer's steps and buffers; active
// tells which buffer slots the current hyper-parameters use.
func (c *core) export(hyper map[string]float64, active []bool) State {
	s := State{Optimizer: c.kind, Hyper: hyper, Steps: map[string]int{}, Tensors: map[string]*tensor.Tensor{}}
	for i, p := range c.params {
		if c.steps[i] == 0 {
			continue
		}
		s.Steps[p.Name] = c.steps[i]
		for slot, name := range c.slots {
			if active[slot] && c.bufs[slot][i] != nil {
				s.Tensors[p.Name+"."+name] = c.bufs[slot][i].Clone()
			}
		}
	}
	return s
}

// check validates s against the parameters, for buffer slots active
// under the hyper-parameters s holds: every step count must name a
// parameter, every parameter with a step count must have exactly its
// active buffers, of its shape.
func (c *core) check(s State, active []bool) error {
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
			if !active[slot] {
				continue
			}
			key := p.Name + "." + buf
			t, ok := s.Tensors[key]
			switch {
			case !ok || t == nil:
				return fmt.Errorf("optim: %s state: missing tensor %q (parameter %q has taken %d steps)", c.kind, key, p.Name, s.Steps[p.Name])
			case !tensor.EqualShapes(t.Shape(), shape):
				return fmt.Errorf("optim: %s state: tensor %q has shape %v, parameter %d %q has shape %v", c.kind, key, t.Shape(), i, p.Name, shape)
			}
			expected++
		}
	}
	if len(s.Tensors) != expected {
		for _, key := range s.TensorNames() {
			if !c.expects(s, active, key) {
				return fmt.Errorf("optim: %s state: unexpected tensor %q (want %s)", c.kind, key, c.describe(s, active))
			}
		}
	}
	return nil
}

// expects reports whether key names an active buffer of a parameter that
// has a step count in s.
func (c *core) expects(s State, active []bool, key string) bool {
	for slot, buf := range c.slots {
		if name, ok := strings.CutSuffix(key, "."+buf); ok && active[slot] {
			if _, isParam := c.index[name]; isParam && s.Steps[name] > 0 {
				return true
			}
		}
	}
	return false
}

// describe says which tensor names a state with these step counts needs.
func (c *core) describe(s State, active []bool) string {
	var bufs []string
	for slot, buf := range c.slots {
		if active[slot] {
			bufs = append(bufs, "<param>."+buf)
		}
	}
	if len(bufs) == 0 {
		return "no tensors with these hyper-parameters"
	}
	return strings.Join(bufs, " and ") + " for each parameter with a step count"
}

// load copies the steps and buffers of s, which check has accepted, into
// the optimizer, converting buffers to their parameter's dtype. Buffers of
// parameters that s has not seen are dropped, so they start afresh.
func (c *core) load(s State, active []bool) {
	for i, p := range c.params {
		c.steps[i] = s.Steps[p.Name]
		for slot, buf := range c.slots {
			if c.steps[i] == 0 || !active[slot] {
				c.bufs[slot][i] = nil
				continue
			}
			data := p.Value.Data()
			b := c.bufs[slot][i]
			if b == nil || b.DType() != data.DType() || b.Len() != data.Len() {
				b = tensor.New(data.DType(), data.Shape()...)
				c.bufs[slot][i] = b
			}
			b.CopyFrom(s.Tensors[p.Name+"."+buf])
		}
	}
}

// hyperReader reads named hyper-parameters out of a State, collecting the
// first error.
type hyperReader struct {
	kind string
	m    map[string]float64
	read []string
	err  error
}

func (c *core) readHyper(s State) *hyperReader {
	r := &hyperReader{kind: c.kind, m: s.Hyper}
	if s.Optimizer != c.kind {
		r.err = fmt.Errorf("optim: state is for optimizer %q, this one is %q", s.Optimizer, c.kind)
	}
	return r
}

// num returns hyper-parameter key.
func (r *hyperReader) num(key string) float64 {
	if r.err != nil {
		return 0
	}
	v, ok := r.m[key]
	if !ok {
		r.err = fmt.Errorf("optim: %s state: missing hyper-parameter %q", r.kind, key)
		return 0
	}
	r.read = append(r.read, key)
	return v
}

// flag returns boolean hyper-parameter key, stored as 0 or 1.
func (r *hyperReader) flag(key string) bool {
	v := r.num(key)
	if r.err == nil && v != 0 && v != 1 {
		r.err = fmt.Errorf("optim: %s state: hyper-parameter %q is %v, want 0 (false) or 1 (true)", r.kind, key, v)
	}
	return v == 1
}

// done returns the first error, or an error naming a hyper-parameter that
// was not read.
func (r *hyperReader) done() error {
	if r.err != nil || len(r.read) == len(r.m) {
		return r.err
	}
	for _, k := range slices.Sorted(maps.Keys(r.m)) {
		if !slices.Contains(r.read, k) {
			return fmt.Errorf("optim: %s state: unknown hyper-parameter %q (known: %s)", r.kind, k, strings.Join(r.read, ", "))
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
