package nn

import (
	"fmt"
	"strings"
	"sync"
)

// ActivationSpec describes a named activation function: what Activation
// builds for the name, and which gain initializers use with it.
type ActivationSpec struct {
	// Name is the name Activation knows it by, in PyTorch's spelling
	// ("leaky_relu").
	Name string
	// Aliases are other accepted spellings ("leakyrelu").
	Aliases []string
	// New returns the activation with its default settings.
	New func() Module
	// Gain is the nonlinearity whose gain initializers.Gain returns for
	// it, with its default parameter, or "" when PyTorch's
	// calculate_gain knows none (ELU).
	Gain string
}

var activations = struct {
	sync.RWMutex
	byName map[string]*ActivationSpec
	order  []string
}{byName: map[string]*ActivationSpec{}}

// RegisterActivation adds an activation to the table that Activation
// reads. The file that defines an activation registers it in an init
// function, so adding an activation touches one file. It panics if spec
// has no name or constructor, or if a name is taken.
func RegisterActivation(spec ActivationSpec) {
	if spec.Name == "" || spec.New == nil {
		panic(fmt.Sprintf("nn: RegisterActivation needs a name and a constructor, got %+v", spec))
	}
	activations.Lock()
	defer activations.Unlock()
	names := append([]string{spec.Name}, spec.Aliases...)
	for _, n := range names {
		if _, taken := activations.byName[n]; taken {
			panic(fmt.Sprintf("nn: activation %q is registered twice", n))
		}
	}
	s := spec
	for _, n := range names {
		activations.byName[n] = &s
	}
	activations.order = append(activations.order, spec.Name)
}

// LookupActivation returns the spec registered under name or one of its
// aliases.
func LookupActivation(name string) (ActivationSpec, bool) {
	activations.RLock()
	defer activations.RUnlock()
	s, ok := activations.byName[name]
	if !ok {
		return ActivationSpec{}, false
	}
	return *s, true
}

// ActivationNames lists the registered activations' names (not their
// aliases) in the order they were registered.
func ActivationNames() []string {
	activations.RLock()
	defer activations.RUnlock()
	return append([]string(nil), activations.order...)
}

// Activation returns a new activation module for a registered name, with
// its default settings: sigmoid, tanh, relu, leaky_relu (slope 0.01), elu
// (alpha 1), gelu (exact), gelu_tanh, silu and softplus (beta 1,
// threshold 20) are built in.
func Activation(name string) (Module, error) {
	if s, ok := LookupActivation(name); ok {
		return s.New(), nil
	}
	names := ActivationNames()
	want := strings.Join(names, ", ")
	if n := len(names); n > 1 {
		want = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	return nil, fmt.Errorf("unknown activation %q (want %s)", name, want)
}
