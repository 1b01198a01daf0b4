package optim

import (
	"encoding/json"
	"fmt"
	"math"
)

// Policy drives an optimizer's hyper-parameters during training: a
// Scheduler follows a Schedule step by step, OneCycle also cycles the
// momentum, and ReduceLROnPlateau watches a metric at the end of each
// epoch. A training loop calls
//
//	opt.Step()
//	policy.Step()              // after every optimizer step
//	...
//	policy.EndEpoch(valLoss)   // after every epoch
//
// and saves PolicyState in a checkpoint beside the optimizer's State.
type Policy interface {
	// Step is called after every optimizer step.
	Step()
	// EndEpoch is called after every epoch with the monitored value,
	// such as the validation loss.
	EndEpoch(metric float64)
	// PolicyState returns everything needed to resume the policy.
	PolicyState() PolicyState
	// LoadPolicyState restores a saved state into a policy built with
	// the same settings and sets the optimizer's hyper-parameters it
	// drives accordingly. It returns an error, and changes nothing, for
	// a state of another kind of policy, of one built with other
	// settings, or with bad values.
	LoadPolicyState(s PolicyState) error
}

// PolicyState is a policy's state for a checkpoint: its kind
// ("scheduler", "one_cycle", "reduce_lr_on_plateau") and named numbers,
// with true and false stored as 1 and 0, counts as whole numbers. Besides
// the policy's position it holds the settings it was built with, so that
// loading it into a policy built differently is refused rather than
// silently resumed on another course.
//
// It is JSON-serialisable as {"kind": ..., "values": {...}}; values that
// JSON numbers cannot hold (ReduceLROnPlateau's best value starts at ±∞)
// are written as the strings "+Inf", "-Inf" and "NaN".
type PolicyState struct {
	Kind   string             `json:"kind"`
	Values map[string]float64 `json:"values"`
}

// MarshalJSON writes s as {"kind": ..., "values": {...}}, infinities and
// NaN as strings.
func (s PolicyState) MarshalJSON() ([]byte, error) {
	vals := make(map[string]any, len(s.Values))
	for k, v := range s.Values {
		switch {
		case math.IsNaN(v):
			vals[k] = "NaN"
		case math.IsInf(v, 1):
			vals[k] = "+Inf"
		case math.IsInf(v, -1):
			vals[k] = "-Inf"
		default:
			vals[k] = v
		}
	}
	return json.Marshal(struct {
		Kind   string         `json:"kind"`
		Values map[string]any `json:"values"`
	}{s.Kind, vals})
}

// UnmarshalJSON reads what MarshalJSON writes. A value must be a number
// or one of the strings "+Inf", "-Inf" and "NaN".
func (s *PolicyState) UnmarshalJSON(b []byte) error {
	var raw struct {
		Kind   string                     `json:"kind"`
		Values map[string]json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("optim: policy state: %w", err)
	}
	vals := make(map[string]float64, len(raw.Values))
	for k, r := range raw.Values {
		var v float64
		if err := json.Unmarshal(r, &v); err == nil && string(r) != "null" {
			vals[k] = v
			continue
		}
		var str string
		_ = json.Unmarshal(r, &str)
		switch str {
		case "NaN":
			vals[k] = math.NaN()
		case "+Inf", "Inf":
			vals[k] = math.Inf(1)
		case "-Inf":
			vals[k] = math.Inf(-1)
		default:
			return fmt.Errorf("optim: policy state: value %q is %s; want a number or \"+Inf\", \"-Inf\" or \"NaN\"", k, r)
		}
	}
	s.Kind, s.Values = raw.Kind, vals
	return nil
}

// Every Policy of this package.
var (
	_ Policy = (*Scheduler)(nil)
	_ Policy = (*OneCycle)(nil)
	_ Policy = (*ReduceLROnPlateau)(nil)
)

// EndEpoch does nothing: a Scheduler counts optimizer steps. It makes
// Scheduler a Policy.
func (s *Scheduler) EndEpoch(metric float64) {}

// PolicyState returns the scheduler's State as a PolicyState of kind
// "scheduler", with values "steps" and "base_lr".
func (s *Scheduler) PolicyState() PolicyState {
	st := s.State()
	return PolicyState{Kind: "scheduler", Values: map[string]float64{"steps": float64(st.Steps), "base_lr": st.BaseLR}}
}

// LoadPolicyState loads a state that PolicyState returned, as LoadState
// does. It returns an error, and changes nothing, for another kind of
// state or bad values.
func (s *Scheduler) LoadPolicyState(ps PolicyState) error {
	r := readPolicy(ps, "scheduler")
	st := SchedulerState{Steps: r.count("steps"), BaseLR: r.num("base_lr")}
	if err := r.done(); err != nil {
		return err
	}
	return s.LoadState(st)
}

// readPolicy reads the values of s, a PolicyState of this kind.
func readPolicy(s PolicyState, kind string) *reader {
	r := &reader{kind: kind, noun: "value", m: s.Values}
	if s.Kind != kind {
		r.err = fmt.Errorf("optim: policy state is for %q, this policy is %q", s.Kind, kind)
	}
	return r
}
