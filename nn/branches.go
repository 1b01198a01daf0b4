package nn

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Branches runs several modules on the same input and joins their
// outputs with Join: Concat{Axis: 1} stacks them as channels, as the
// parallel convolutions of an Inception block do; Add sums them. With a
// nil Join it is a fork: ForwardN returns every branch's outputs, in
// order, for the next module to take.
//
// Branches is a MultiModule: given several inputs, every branch gets all
// of them (see CallN). The join has no parameters and is not a child;
// the branches are, under their names.
type Branches struct {
	// Join combines the branches' outputs into one; nil returns them as
	// they are.
	Join     MultiModule
	branches []Named
}

// NewBranches returns branches joined by join (Add{}, Concat{Axis: 1} or
// nil). Names must be unique and non-empty, without dots.
func NewBranches(join MultiModule, branches ...Named) *Branches {
	if len(branches) == 0 {
		panic("nn: Branches needs at least one branch")
	}
	checkChildren("Branches", branches)
	b := &Branches{Join: join, branches: branches}
	nameValues(b)
	return b
}

// Forward runs every branch on x and returns the joined output. It panics
// if there is no join and more than one output.
func (b *Branches) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return ForwardOne(g, b, x)
}

// ForwardN runs every branch on xs and joins their outputs.
func (b *Branches) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	outs := make([]*autograd.Value, 0, len(b.branches))
	for _, c := range b.branches {
		if _, multi := c.Module.(MultiModule); !multi && len(xs) == 1 {
			outs = append(outs, Call(g, c.Name, c.Module, xs[0]))
			continue
		}
		outs = append(outs, CallN(g, c.Name, c.Module, xs)...)
	}
	if b.Join == nil {
		return outs
	}
	return b.Join.ForwardN(g, outs)
}

// Children returns the branches.
func (b *Branches) Children() []Named { return b.branches }

// Params lists every branch's parameters with dotted names.
func (b *Branches) Params() []Param { return Params(b) }

// String describes the branches and their join.
func (b *Branches) String() string {
	join := "none"
	if b.Join != nil {
		join = fmt.Sprint(b.Join)
	}
	return fmt.Sprintf("Branches(%s; join %s)", listChildren(b.branches), join)
}

// Parallel runs its i-th child on its i-th input and returns their
// outputs in order: the multi-input counterpart of Sequential, for
// networks whose inputs (an image and a vector, say) each need their own
// layers before they meet.
type Parallel struct {
	children []Named
}

// NewParallel returns a Parallel of named children. Names must be unique
// and non-empty, without dots.
func NewParallel(children ...Named) *Parallel {
	checkChildren("Parallel", children)
	p := &Parallel{children: children}
	nameValues(p)
	return p
}

// Forward runs a Parallel of one child on x. It panics for more children:
// they need ForwardN.
func (p *Parallel) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return ForwardOne(g, p, x)
}

// ForwardN runs child i on xs[i]. It panics unless there is one input per
// child.
func (p *Parallel) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	if len(xs) != len(p.children) {
		panic(fmt.Sprintf("nn: Parallel of %d modules got %d inputs", len(p.children), len(xs)))
	}
	outs := make([]*autograd.Value, 0, len(p.children))
	for i, c := range p.children {
		outs = append(outs, CallN(g, c.Name, c.Module, xs[i:i+1])...)
	}
	return outs
}

// Children returns the named children.
func (p *Parallel) Children() []Named { return p.children }

// Params lists every child's parameters with dotted names.
func (p *Parallel) Params() []Param { return Params(p) }

// String lists the children.
func (p *Parallel) String() string { return "Parallel(" + listChildren(p.children) + ")" }

// Add joins several values into their element-wise sum. They must all
// have the same shape. It has no parameters.
type Add struct{}

// Forward returns x: the sum of one value.
func (Add) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return x }

// ForwardN returns the sum of xs.
func (Add) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	if len(xs) == 0 {
		panic("nn: Add of no values")
	}
	y := xs[0]
	for _, x := range xs[1:] {
		if !tensor.EqualShapes(x.Shape(), xs[0].Shape()) {
			panic(fmt.Sprintf("nn: Add of values of shapes %v", shapes(xs)))
		}
		y = g.Add(y, x)
	}
	return []*autograd.Value{y}
}

// Params returns nothing: a join has no parameters.
func (Add) Params() []Param { return nil }

// String names the join.
func (Add) String() string { return "Add" }

// Concat joins several values into one along Axis, which for images
// (N, C, H, W) is 1, the channels. The other dimensions must agree. It
// has no parameters.
type Concat struct{ Axis int }

// Forward returns x: the concatenation of one value.
func (Concat) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return x }

// ForwardN concatenates xs along Axis.
func (c Concat) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	if len(xs) == 0 {
		panic("nn: Concat of no values")
	}
	if len(xs) == 1 {
		return xs
	}
	return []*autograd.Value{g.Concat(c.Axis, xs...)}
}

// Params returns nothing: a join has no parameters.
func (Concat) Params() []Param { return nil }

// String describes the join.
func (c Concat) String() string { return fmt.Sprintf("Concat(axis %d)", c.Axis) }

func shapes(xs []*autograd.Value) [][]int {
	out := make([][]int, len(xs))
	for i, x := range xs {
		out[i] = x.Shape()
	}
	return out
}
