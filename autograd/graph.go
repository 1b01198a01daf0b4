package autograd

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/baeum-ml/baeum/tensor"
)

// Value is a node of the computational graph: a tensor, the gradient of
// the output with respect to it (once Backward has run), and the operation
// and inputs that produced it.
type Value struct {
	data         *tensor.Tensor
	grad         *tensor.Tensor
	requiresGrad bool
	name         string

	graph   *Graph // nil for parameters
	op      Op     // nil for leaves
	kind    string // what a leaf is: "param", "input", "const", "var" or "detach"
	parents []*Value
	ins     []*tensor.Tensor // the inputs' tensors, as Forward saw them

	// gradStale says that grad's numbers are not the gradient: it is
	// logically zero (after ZeroGrad, or freshly taken from the arena)
	// and is cleared, or overwritten by an op that sets its gradients
	// (SetsGrads), before anything reads it.
	gradStale bool

	parentBuf [4]*Value
	inBuf     [4]*tensor.Tensor
	mark      uint64 // topological-sort visit stamp
}

// NewParam returns a trainable parameter: a leaf value that requires
// gradients and belongs to no graph, so it outlives every step. Its
// gradient is allocated on first use and accumulates until ZeroGrad.
func NewParam(name string, t *tensor.Tensor) *Value {
	return &Value{data: t, requiresGrad: true, name: name, kind: "param"}
}

// NewConst returns a leaf value that belongs to no graph and does not
// require gradients, such as a BatchNorm running statistic.
func NewConst(name string, t *tensor.Tensor) *Value {
	return &Value{data: t, name: name, kind: "const"}
}

// SetData replaces the tensor of a leaf that belongs to no graph (a
// parameter or constant), as when a model is converted to float64 or loaded
// from a checkpoint. The gradient is dropped, since its shape or type may
// no longer match.
func (v *Value) SetData(t *tensor.Tensor) {
	if v.graph != nil {
		panic("autograd: SetData on a value that belongs to a graph")
	}
	v.data, v.grad, v.gradStale = t, nil, false
}

// Data returns the value's tensor.
func (v *Value) Data() *tensor.Tensor { return v.data }

// Grad returns the gradient accumulated by Backward, with the value's
// shape, or nil if none has reached it.
func (v *Value) Grad() *tensor.Tensor {
	v.settle()
	return v.grad
}

// settle clears a stale gradient, so that it reads as zero.
func (v *Value) settle() {
	if v.gradStale {
		v.grad.Zero()
		v.gradStale = false
	}
}

// Shape returns the shape of the value's tensor.
func (v *Value) Shape() []int { return v.data.Shape() }

// Item returns the value of a one-element value.
func (v *Value) Item() float64 { return v.data.Item() }

// Name returns the value's name ("" for most intermediate values).
func (v *Value) Name() string { return v.name }

// SetName names the value, for graph drawings, and returns it.
func (v *Value) SetName(name string) *Value { v.name = name; return v }

// Op returns the name of the operation that produced the value: "param",
// "input", "const", "var" or "detach" for leaves.
func (v *Value) Op() string {
	if v.op != nil {
		return v.op.Name()
	}
	return v.kind
}

// Parents returns the values this one was computed from (none for leaves
// and for values computed without gradient tracking). An optional input
// that was not given, such as a missing bias, is a nil entry.
func (v *Value) Parents() []*Value { return v.parents }

// RequiresGrad reports whether gradients flow to this value.
func (v *Value) RequiresGrad() bool { return v.requiresGrad }

// ZeroGrad sets the gradient to zero, as PyTorch's zero_grad does before a
// new step's gradients are accumulated. The clearing is deferred: the
// next backward pass's first contribution overwrites the gradient when
// its op can (SetsGrads), and Grad clears it otherwise, so a training
// step does not write every gradient twice.
func (v *Value) ZeroGrad() {
	if v.grad != nil {
		v.gradStale = true
	}
}

// SetGrad replaces the gradient tensor (used when restoring state); t must
// have the value's shape.
func (v *Value) SetGrad(t *tensor.Tensor) {
	if t != nil && !t.SameShape(v.data) {
		panic(fmt.Sprintf("autograd: gradient of shape %v for value of shape %v", t.Shape(), v.data.Shape()))
	}
	v.grad, v.gradStale = t, false
}

// String describes the value: name, operation and shape.
func (v *Value) String() string {
	return fmt.Sprintf("%s(%s %v)", v.Op(), v.name, v.data.Shape())
}

// gradBuf returns v's gradient, making a zero one first if v has none.
// Backward functions add their contributions into it.
func (v *Value) gradBuf() *tensor.Tensor {
	v.rawGradBuf()
	v.settle()
	return v.grad
}

// rawGradBuf returns v's gradient tensor, which may be stale: a new one
// from the arena is not cleared but marked stale.
func (v *Value) rawGradBuf() *tensor.Tensor {
	if v.grad == nil {
		if v.graph != nil {
			v.grad = v.graph.arena.EmptyLike(v.data)
			v.gradStale = true
		} else {
			v.grad = tensor.New(v.data.DType(), v.data.Shape()...)
		}
	}
	return v.grad
}

// Graph records the operations of one forward pass and owns the memory of
// its intermediate values. Reset it after each step to recycle that memory.
// A Graph is not safe for concurrent use; give each goroutine its own.
type Graph struct {
	arena   *tensor.Arena
	nodes   []*Value // every node ever made, reused from the start after Reset
	used    int
	noGrad  bool
	order   []*Value
	gin     []*tensor.Tensor         // the gradient buffers handed to one op's Backward
	fresh   []bool                   // which of them the op sets rather than adds to (Ctx.Fresh)
	backing *Value                   // the node whose Backward is running
	slabs   map[reflect.Type]slabber // recycled op values, by type (NewOp)

	// RNG is the source of randomness for stochastic operations such as
	// dropout. It is nil until set.
	RNG *rand.Rand

	// Training tells layers whose behaviour differs between training and
	// inference (dropout, batch normalisation) which one to do.
	Training bool

	// ReleaseIntermediates lets containers (nn.Sequential, nn.Residual)
	// give each intermediate value's memory back to the graph's arena
	// once the next layer has read it (Release), in a graph that tracks
	// no gradients. Inference on a large batch then holds a few
	// activations instead of all of them. Set it only when no module
	// keeps a value it was given for use after it returns: baeum's own
	// layers never do, and the benchmark and infer.Predictor set it.
	ReleaseIntermediates bool

	// Packs, when not nil, holds parameters' weight matrices packed for
	// the GEMM kernels: in a graph that tracks no gradients and is not
	// training, Linear multiplies by a parameter's packed copy, packing
	// it on first use, instead of packing the weights at every call (see
	// WeightPacks). infer.Predictor and the benchmark's inference set it.
	Packs *WeightPacks

	// Unfused keeps every layer a container runs its own node:
	// nn.Sequential then does not run a Linear layer and the ReLU after
	// it as one op (LinearReLU), nor fold a batch norm into the
	// convolution before it at inference. The fused Linear and ReLU give
	// the same bits, the folded batch norm the same numbers to float32
	// rounding; a drawing of the graph that teaches backpropagation
	// layer by layer sets it.
	Unfused bool

	// local, when not nil, holds the graph's own stand-in for each
	// parameter its operations used (SetLocalGrads).
	local map[*Value]*Value
}

// SetLocalGrads, on, makes the graph keep its own gradient of each
// parameter its operations use, instead of adding to the parameter's
// (Value.Grad): the operations record a stand-in for the parameter, with
// the same tensor, that belongs to the graph. Several graphs can then run
// forward and backward passes over one model at once, each on a share of
// a batch, without touching the parameters' shared state; LocalGrad reads
// each graph's gradients. The stand-ins outlive Reset.
func (g *Graph) SetLocalGrads(on bool) {
	switch {
	case on && g.local == nil:
		g.local = make(map[*Value]*Value)
	case !on:
		g.local = nil
	}
}

// LocalGrad returns the gradient of parameter p that this graph's
// backward passes have accumulated since ZeroLocalGrads (see
// SetLocalGrads), or nil when none reached it.
func (g *Graph) LocalGrad(p *Value) *tensor.Tensor {
	s := g.local[p]
	if s == nil || s.grad == nil || s.gradStale {
		return nil
	}
	return s.grad
}

// ZeroLocalGrads sets the graph's own gradients of the parameters to
// zero, deferred as Value.ZeroGrad defers it.
func (g *Graph) ZeroLocalGrads() {
	for _, s := range g.local {
		s.ZeroGrad()
	}
}

// localOf returns the graph's stand-in for parameter p, following p's
// tensor if it was replaced (SetData) since.
func (g *Graph) localOf(p *Value) *Value {
	s := g.local[p]
	if s == nil {
		s = &Value{requiresGrad: true, name: p.name, kind: p.kind}
		g.local[p] = s
	}
	if s.data != p.data {
		if s.grad != nil && (s.grad.DType() != p.data.DType() || !s.grad.SameShape(p.data)) {
			s.grad, s.gradStale = nil, false
		}
		s.data = p.data
	}
	return s
}

// NewGraph returns an empty graph that records operations for
// backpropagation.
func NewGraph() *Graph { return &Graph{arena: tensor.NewArena()} }

// NewInferenceGraph returns a graph in no-grad mode with Training off: it
// records nothing, and is what prediction uses.
func NewInferenceGraph() *Graph {
	g := NewGraph()
	g.noGrad = true
	return g
}

// SetNoGrad turns gradient tracking off (true) or on. With it off, every
// operation still computes its result but records no edges, so nothing can
// be backpropagated and nothing is kept for it.
func (g *Graph) SetNoGrad(off bool) { g.noGrad = off }

// NoGrad reports whether gradient tracking is off.
func (g *Graph) NoGrad() bool { return g.noGrad }

// Arena returns the graph's arena, from which operations take the tensors
// that live until Reset.
func (g *Graph) Arena() *tensor.Arena { return g.arena }

// Reset forgets every node recorded since the last Reset and takes back
// their memory. Values and tensors from this graph must not be used
// afterwards; parameters are untouched.
func (g *Graph) Reset() {
	for _, v := range g.nodes[:g.used] {
		*v = Value{}
	}
	g.used = 0
	for _, s := range g.slabs {
		s.reset()
	}
	g.arena.Reset()
}

// Release gives the memory of v, a value this graph computed, back to the
// graph's arena before Reset, when the graph tracks no gradients (an
// inference pass) and ReleaseIntermediates is set: a later operation of
// the pass reuses it. v must not be
// used afterwards; its data is gone (Data returns nil). A value that is
// a view of another's memory, a leaf, or one of another graph is left as
// it is.
func (g *Graph) Release(v *Value) {
	if !g.noGrad || !g.ReleaseIntermediates || v == nil || v.graph != g || v.op == nil {
		return
	}
	if g.arena.Release(v.data) {
		v.data = nil
	}
}

// Len reports how many values the graph has recorded since Reset.
func (g *Graph) Len() int { return g.used }

// node returns a fresh Value owned by the graph.
func (g *Graph) node() *Value {
	if g.used == len(g.nodes) {
		g.nodes = append(g.nodes, &Value{})
	}
	v := g.nodes[g.used]
	g.used++
	v.graph = g
	return v
}

// Input wraps t as a leaf that does not require gradients (data, labels).
func (g *Graph) Input(t *tensor.Tensor) *Value {
	v := g.node()
	v.data, v.kind = t, "input"
	return v
}

// Var wraps t as a leaf that requires gradients and lives only until
// Reset; its gradient comes from the graph's arena.
func (g *Graph) Var(t *tensor.Tensor) *Value {
	v := g.node()
	v.data, v.kind, v.requiresGrad = t, "var", !g.noGrad
	return v
}

// Detach returns a leaf that shares v's data but is cut off from its
// history: no gradient flows through it back to v.
func (v *Value) Detach() *Value {
	g := v.graph
	if g == nil {
		return NewConst(v.name, v.data)
	}
	d := g.node()
	d.data, d.kind, d.name = v.data, "detach", v.name
	return d
}

// epoch numbers topological sorts, so that a node's mark tells whether the
// current sort has visited it without clearing marks between sorts.
var epoch atomic.Uint64

// Backward computes the gradient of v, which must hold a single number
// (a loss), with respect to every value it depends on that requires
// gradients, and adds it to their Grad. Call it once per forward pass.
func (v *Value) Backward() {
	if v.data.Len() != 1 {
		panic(fmt.Sprintf("autograd: Backward needs a scalar output, got shape %v", v.data.Shape()))
	}
	if !v.requiresGrad {
		panic("autograd: Backward on a value that does not require gradients (no parameter or Var reaches it, or the graph is in no-grad mode)")
	}
	g := v.graph
	if g == nil {
		gv := v.gradBuf() // a parameter on its own: dv/dv = 1
		tensor.UnaryTo(tensor.OpAddScalar, gv, gv, 1)
		return
	}
	order := g.topoSort(v)
	v.gradBuf().Fill(1) // dv/dv = 1
	for i := len(order) - 1; i >= 0; i-- {
		if n := order[i]; n.op != nil && n.grad != nil {
			g.backward(n)
		}
	}
}

// backward hands node v's gradient to its op, with the gradient buffers of
// the inputs that need one (nil for the others), in a slice the graph
// reuses from node to node.
func (g *Graph) backward(v *Value) {
	g.gin, g.fresh = g.gin[:0], g.fresh[:0]
	_, sets := v.op.(SetsGrads)
	for i, p := range v.parents {
		var gp *tensor.Tensor
		fresh := false
		if p != nil && p.requiresGrad {
			gp = p.rawGradBuf()
			// An op that sets its gradients may overwrite a stale buffer,
			// unless the value is also another of its inputs (then the
			// two gradients share the buffer and must add).
			fresh = sets && p.gradStale && !slices.Contains(v.parents[:i], p) && !slices.Contains(v.parents[i+1:], p)
			if !fresh {
				p.settle()
			}
		}
		g.gin = append(g.gin, gp)
		g.fresh = append(g.fresh, fresh)
	}
	g.backing = v
	v.op.Backward(Ctx{v}, v.grad, g.gin)
	g.backing = nil
	for i, p := range v.parents {
		if g.fresh[i] {
			p.gradStale = false
		}
	}
}

// topoSort returns the nodes that v depends on through values requiring
// gradients, each after all of its parents: a depth-first search that
// appends a node once every parent has been appended.
func (g *Graph) topoSort(v *Value) []*Value {
	stamp := epoch.Add(1)
	g.order = g.order[:0]
	g.visit(v, stamp)
	return g.order
}

func (g *Graph) visit(v *Value, stamp uint64) {
	if v.mark == stamp {
		return
	}
	v.mark = stamp
	for _, p := range v.parents {
		if p != nil && p.requiresGrad {
			g.visit(p, stamp)
		}
	}
	g.order = append(g.order, v)
}
