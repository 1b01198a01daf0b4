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
//
// Sequential is also a MultiModule: ForwardN passes a slice of values
// from child to child (see CallN), so a chain can start with Parallel,
// fork with Branches or end in a join.
type Sequential struct {
	children []Named
}

// NewSequential returns a Sequential of named children. Names must be
// unique and non-empty, without dots; the parameters' values are renamed
// to their dotted names so that graph drawings show them.
func NewSequential(children ...Named) *Sequential {
	checkChildren("Sequential", children)
	s := &Sequential{children: children}
	nameValues(s)
	return s
}

// Sequence returns a Sequential whose children are named "0", "1", …,
// like torch.nn.Sequential without names.
func Sequence(mods ...Module) *Sequential {
	return NewSequential(numbered(mods)...)
}

// numbered names modules "0", "1", ….
func numbered(mods []Module) []Named {
	named := make([]Named, len(mods))
	for i, m := range mods {
		named[i] = Named{Name: fmt.Sprint(i), Module: m}
	}
	return named
}

// Forward runs the children in order.
func (s *Sequential) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	for _, c := range s.children {
		x = Call(g, c.Name, c.Module, x)
	}
	return x
}

// ForwardN runs the children in order on a slice of values: each child
// gets every output of the one before.
func (s *Sequential) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	for _, c := range s.children {
		xs = CallN(g, c.Name, c.Module, xs)
	}
	return xs
}

// Params lists every child's parameters with dotted names.
func (s *Sequential) Params() []Param { return Params(s) }

// Children returns the named children.
func (s *Sequential) Children() []Named { return s.children }

// String lists the children.
func (s *Sequential) String() string { return "Sequential(" + listChildren(s.children) + ")" }

// listChildren formats children as "name: module, …".
func listChildren(children []Named) string {
	var b strings.Builder
	for i, c := range children {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %v", c.Name, c.Module)
	}
	return b.String()
}
