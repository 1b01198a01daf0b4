package nn

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
)

// Call runs m, the child of a container named name in its Children, on x:
// it returns m.Forward(g, x), and marks the boundary of m for Summarize,
// which gives each module run through Call its own row. Containers run
// their children through Call; outside a summary it costs one atomic load.
func Call(g *autograd.Graph, name string, m Module, x *autograd.Value) *autograd.Value {
	r := recorderOf(g)
	if r == nil {
		return m.Forward(g, x)
	}
	row := r.enter(name, m)
	y := m.Forward(g, x)
	r.exit(row, m, y)
	return y
}

// CallN runs m, the child named name, on several inputs: a MultiModule
// through ForwardN, any other Module through Forward on exactly one input
// (it panics otherwise). It marks the boundary of m as Call does.
func CallN(g *autograd.Graph, name string, m Module, xs []*autograd.Value) []*autograd.Value {
	r := recorderOf(g)
	if r == nil {
		return forwardN(g, name, m, xs)
	}
	row := r.enter(name, m)
	ys := forwardN(g, name, m, xs)
	r.exit(row, m, ys...)
	return ys
}

func forwardN(g *autograd.Graph, name string, m Module, xs []*autograd.Value) []*autograd.Value {
	if mm, ok := m.(MultiModule); ok {
		return mm.ForwardN(g, xs)
	}
	if len(xs) != 1 {
		panic(fmt.Sprintf("nn: %q (%v) takes one input, got %d", name, m, len(xs)))
	}
	return []*autograd.Value{m.Forward(g, xs[0])}
}

// ForwardOne runs a MultiModule on the single input x and returns its
// single output; it panics if m gives a different number of outputs. It is
// how a MultiModule implements Forward:
//
//	func (c *Cell) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
//		return nn.ForwardOne(g, c, x)
//	}
func ForwardOne(g *autograd.Graph, m MultiModule, x *autograd.Value) *autograd.Value {
	ys := m.ForwardN(g, []*autograd.Value{x})
	if len(ys) != 1 {
		panic(fmt.Sprintf("nn: %v gives %d outputs for one input; call ForwardN to get them all", m, len(ys)))
	}
	return ys[0]
}
