package nn

import (
	"fmt"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
)

// Sequential runs its children one after another, each on the output of
// the one before. Parameter names are the child's name, a dot and the
// child's own parameter name ("c1.weight"), as in a PyTorch module with
// named submodules.
type Sequential struct {
	children []Named
}

// NewSequential returns a Sequential of named children. Names must be
// unique and non-empty; the parameters' values are renamed to their dotted
// names so that graph drawings show them.
func NewSequential(children ...Named) *Sequential {
	seen := map[string]bool{}
	for _, c := range children {
		if c.Name == "" || strings.Contains(c.Name, ".") || seen[c.Name] {
			panic(fmt.Sprintf("nn: Sequential child name %q is empty, dotted or repeated", c.Name))
		}
		seen[c.Name] = true
	}
	s := &Sequential{children: children}
	for _, p := range s.Params() {
		p.Value.SetName(p.Name)
	}
	return s
}

// Sequence returns a Sequential whose children are named "0", "1", …,
// like torch.nn.Sequential without names.
func Sequence(mods ...Module) *Sequential {
	named := make([]Named, len(mods))
	for i, m := range mods {
		named[i] = Named{Name: fmt.Sprint(i), Module: m}
	}
	return NewSequential(named...)
}

// Forward runs the children in order.
func (s *Sequential) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	for _, c := range s.children {
		x = c.Module.Forward(g, x)
	}
	return x
}

// Params lists every child's parameters with dotted names.
func (s *Sequential) Params() []Param {
	var out []Param
	for _, c := range s.children {
		for _, p := range c.Module.Params() {
			out = append(out, Param{Name: c.Name + "." + p.Name, Value: p.Value})
		}
	}
	return out
}

// Children returns the named children.
func (s *Sequential) Children() []Named { return s.children }

// String lists the children.
func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(")
	for i, c := range s.children {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %v", c.Name, c.Module)
	}
	b.WriteString(")")
	return b.String()
}
