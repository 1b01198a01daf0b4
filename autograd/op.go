package autograd

import (
	"math/rand/v2"
	"reflect"

	"github.com/baeum-ml/baeum/tensor"
)

// Op is one differentiable operation: how its output is computed, the
// state its forward pass saves, and how the output's gradient flows back to
// its inputs — the three things PyTorch's torch.autograd.Function holds.
// Every operation of this package is an Op, and code outside it defines
// new ones the same way and records them with Graph.Apply:
//
//	// scale is y = k·x; its derivative is k.
//	type scale struct{ k float64 }
//
//	func (*scale) Name() string { return "scale" }
//
//	func (op *scale) Forward(c autograd.Ctx, in []*tensor.Tensor) *tensor.Tensor {
//		y := c.Arena().EmptyLike(in[0])
//		tensor.UnaryTo(tensor.OpMulScalar, y, in[0], op.k)
//		return y
//	}
//
//	func (op *scale) Backward(c autograd.Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
//		gin[0].AddScaled(op.k, gout)
//	}
//
//	y := g.Apply(&scale{k: 3}, x)
//
// The op value is the node's typed saved state: fields set by the caller
// before Apply (parameters such as a stride) or by Forward (tensors the
// backward pass needs) are there when Backward runs. Each call of Apply
// needs its own op value unless the op has no state; NewOp hands out op
// values that are recycled by Graph.Reset, so that a warm training step
// allocates nothing.
type Op interface {
	// Name names the operation in graph drawings and messages.
	Name() string
	// Forward computes the output from in, the tensors of the inputs given
	// to Apply in order (nil for an input given as nil, such as a missing
	// bias). Memory for the output and for saved state should come from
	// c.Arena(), which Graph.Reset recycles. The inputs must not be
	// changed.
	Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor
	// Backward adds to gin[i] the gradient of the loss with respect to
	// input i, given gout, the gradient with respect to the output (the
	// output's shape). gin[i] is nil when input i needs no gradient. It
	// adds rather than overwrites, because an input used by several
	// operations receives the sum of their contributions.
	Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor)
}

// SetsGrads is implemented by an Op whose Backward honours Ctx.Fresh:
// for every input i with Fresh(i) true, it sets gin[i] to its gradient,
// overwriting every element, instead of adding to it. The graph then
// hands such an op a gradient buffer that holds nothing yet without
// clearing it first, which saves a pass over the memory; other ops get
// cleared buffers, as before. The marker method does nothing.
type SetsGrads interface {
	Op
	SetsGrads()
}

// Ctx is what an Op sees of the node it computes: the graph's memory and
// mode, its inputs, and, in Backward, its output. It is a small value,
// passed by copy.
type Ctx struct{ v *Value }

// Arena returns the graph's arena, from which an op takes its output,
// saved tensors and scratch memory; all of it lives until Graph.Reset.
func (c Ctx) Arena() *tensor.Arena { return c.v.graph.arena }

// Input returns the tensor of input i (nil for an input given as nil).
func (c Ctx) Input(i int) *tensor.Tensor { return c.v.ins[i] }

// Fresh reports, in the Backward of an op that implements SetsGrads,
// whether gin[i] holds no contribution yet and is to be set rather than
// added to; its numbers are then meaningless. It is false for every
// input of other ops, and outside Backward.
func (c Ctx) Fresh(i int) bool {
	g := c.v.graph
	return g != nil && i < len(g.fresh) && g.fresh[i] && g.backing == c.v
}

// Output returns the output tensor: the one Forward returned. It is nil
// during Forward.
func (c Ctx) Output() *tensor.Tensor { return c.v.data }

// Training reports whether the graph runs in training mode (see
// Graph.Training).
func (c Ctx) Training() bool { return c.v.graph.Training }

// RNG returns the graph's random source for stochastic operations, or nil
// when none was set.
func (c Ctx) RNG() *rand.Rand { return c.v.graph.RNG }

// Apply computes op on the inputs and records the result in the graph: it
// calls op.Forward with the inputs' tensors and returns the output as a new
// value. When tracking is on and an input requires gradients, the output
// requires them too and Backward will call op.Backward. An input may be nil
// (an optional operand); it reaches Forward as a nil tensor.
func (g *Graph) Apply(op Op, in ...*Value) *Value {
	g.check(op, in)
	out := g.node()
	out.op = op
	var ts []*tensor.Tensor
	if len(in) <= len(out.inBuf) {
		ts = out.inBuf[:len(in)]
	} else {
		ts = make([]*tensor.Tensor, len(in))
	}
	for i, v := range in {
		ts[i] = nil
		if v != nil {
			ts[i] = v.data
		}
	}
	out.ins = ts
	out.data = op.Forward(Ctx{out}, ts)
	if out.data == nil {
		panic("autograd: " + op.Name() + ": Forward returned no tensor")
	}
	if g.noGrad {
		return out
	}
	for _, v := range in {
		if v != nil && v.requiresGrad {
			out.requiresGrad = true
		}
	}
	if out.requiresGrad {
		if len(in) <= len(out.parentBuf) {
			out.parents = out.parentBuf[:copy(out.parentBuf[:], in)]
		} else {
			out.parents = append([]*Value(nil), in...)
		}
		if g.local != nil {
			for i, p := range out.parents {
				if p != nil && p.graph == nil && p.requiresGrad {
					out.parents[i] = g.localOf(p)
				}
			}
		}
	}
	return out
}

// check panics if an operand belongs to a graph other than g. Operands that
// belong to no graph (parameters, constants) may be used in any graph.
func (g *Graph) check(op Op, in []*Value) {
	for _, v := range in {
		if v != nil && v.graph != nil && v.graph != g {
			panic("autograd: " + op.Name() + ": operand belongs to a different graph")
		}
	}
}

// NewOp returns a pointer to a zero T that stays valid until g.Reset, after
// which the graph hands it out again. Use it for the op values of Apply in
// code that runs every step, so that a warm step allocates nothing; a plain
// &T{} works too, at the cost of one small allocation per call.
func NewOp[T any](g *Graph) *T {
	key := reflect.TypeFor[T]()
	s, ok := g.slabs[key].(*slab[T])
	if !ok {
		if g.slabs == nil {
			g.slabs = make(map[reflect.Type]slabber)
		}
		s = new(slab[T])
		g.slabs[key] = s
	}
	return s.get()
}

// slab recycles values of one op type for a graph.
type slab[T any] struct {
	items []*T
	used  int
}

type slabber interface{ reset() }

func (s *slab[T]) get() *T {
	if s.used == len(s.items) {
		s.items = append(s.items, new(T))
	}
	p := s.items[s.used]
	s.used++
	return p
}

// reset zeroes the values handed out since the last reset, so that they
// hold no tensors of the finished step, and makes them available again.
func (s *slab[T]) reset() {
	var zero T
	for _, p := range s.items[:s.used] {
		*p = zero
	}
	s.used = 0
}
