package nn

import (
	"fmt"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
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
	in, release := x, releases(g)
	for i := 0; i < len(s.children); i++ {
		var y *autograd.Value
		if f, n := foldConvBatchNorm(g, s.children[i:], x); n > 0 {
			y, i = f, i+n-1
		} else if f, n := foldConvPool(g, s.children[i:], x); n > 0 {
			y, i = f, i+n-1
		} else if f := foldLinearReLU(g, s.children[i:], x); f != nil {
			y, i = f, i+1
		} else {
			y = Call(g, s.children[i].Name, s.children[i].Module, x)
		}
		if release && x != in {
			releaseUnlessShared(g, x, y, in)
		}
		x = y
	}
	return x
}

// releases reports whether containers give their intermediate values'
// memory back as they go (Graph.Release): in inference (a graph that
// tracks no gradients, not training, and records no summary) whose
// caller said, with Graph.ReleaseIntermediates, that nothing reads a
// value once the next layer has run.
func releases(g *autograd.Graph) bool {
	return g.ReleaseIntermediates && inferencePass(g)
}

// inferencePass reports whether g runs inference in a way that lets
// containers change how they compute, folding layers or releasing
// values: it tracks no gradients, is not training, and records no
// summary.
func inferencePass(g *autograd.Graph) bool {
	return g.NoGrad() && !g.Training && recorderOf(g) == nil
}

// releaseUnlessShared releases v unless its memory is also that of one of
// the values still in use (a child that returns a view of its input, as
// Flatten does, or the input itself, as Dropout does in inference).
func releaseUnlessShared(g *autograd.Graph, v *autograd.Value, live ...*autograd.Value) {
	for _, l := range live {
		if l == v || tensor.SharesMemory(l.Data(), v.Data()) {
			return
		}
	}
	g.Release(v)
}

// foldConvBatchNorm runs, in inference (a graph that tracks no
// gradients, not training, and records no summary), a convolution
// followed by a 2-D batch norm, and by a ReLU if one comes next, as one
// convolution with the batch norm folded into it (see
// autograd.Graph.Conv2DBatchNorm), with a max pool that comes next
// pooling each image as it is done (autograd.Graph.Conv2DBatchNormMaxPool),
// and reports how many children it ran;
// 0 when the children do not start so, or when the graph is not an
// inference graph.
func foldConvBatchNorm(g *autograd.Graph, cs []Named, x *autograd.Value) (*autograd.Value, int) {
	f, n := foldable(g, cs)
	if n == 0 {
		return nil, 0
	}
	if f.pool.K > 0 {
		return g.Conv2DBatchNormMaxPool(x, f.conv.Weight, f.conv.Bias, f.bn.Weight, f.bn.Bias, &f.bn.State, f.relu, f.stride, f.pad, f.pool.K, f.pool.Stride), n
	}
	return g.Conv2DBatchNorm(x, f.conv.Weight, f.conv.Bias, f.bn.Weight, f.bn.Bias, &f.bn.State, f.relu, f.stride, f.pad), n
}

// foldLinearReLU runs a Linear layer followed by a ReLU as one op
// (autograd.Graph.LinearReLU) and returns its output: in an inference
// pass whose graph packs its weights (Graph.Packs), and in a graph that
// tracks gradients and records no summary (training, or gradients of an
// input). It returns nil when the children do not start so or the graph
// is neither.
func foldLinearReLU(g *autograd.Graph, cs []Named, x *autograd.Value) *autograd.Value {
	packed := g.Packs != nil && inferencePass(g)
	tracked := !g.NoGrad() && recorderOf(g) == nil
	if len(cs) < 2 || g.Unfused || !(packed || tracked) {
		return nil
	}
	l, ok := cs[0].Module.(*Linear)
	if _, relu := cs[1].Module.(ReLU); !ok || !relu {
		return nil
	}
	return g.LinearReLU(x, l.Weight, l.Bias)
}

// fold is a convolution, batch norm and maybe ReLU that run as one.
type fold struct {
	conv        *Conv2D
	bn          *BatchNorm
	relu        bool
	stride, pad int
	pool        MaxPool2D // a max pool after them; K 0 for none
}

// foldable reports whether the children cs start with layers that
// foldConvBatchNorm runs as one on g, and how many.
func foldable(g *autograd.Graph, cs []Named) (fold, int) {
	conv, stride, pad, ok := convToFold(g, cs)
	if !ok {
		return fold{}, 0
	}
	bn, ok := cs[1].Module.(*BatchNorm)
	if !ok || bn.Dims != 4 || bn.Weight == nil || bn.Bias == nil || bn.State.RunningMean == nil || bn.State.RunningVar == nil ||
		conv.Weight.Data().Shape()[0] != bn.C {
		return fold{}, 0
	}
	f := fold{conv: conv, bn: bn, stride: stride, pad: pad}
	n := 2
	if len(cs) > 2 {
		if _, ok := cs[2].Module.(ReLU); ok {
			f.relu, n = true, 3
		}
	}
	if len(cs) > n {
		if p, ok := cs[n].Module.(MaxPool2D); ok && p.K >= 1 && p.Stride >= 1 {
			f.pool, n = p, n+1
		}
	}
	return f, n
}

// convToFold returns the convolution that the children cs start with,
// and its stride and padding, when a fold may start with it: at least
// one child follows, the graph runs an inference pass (inferencePass)
// and is not Unfused, and the convolution has no groups or dilation and
// the same stride and padding on both axes. ok is false otherwise.
func convToFold(g *autograd.Graph, cs []Named) (conv *Conv2D, stride, pad int, ok bool) {
	if len(cs) < 2 || !inferencePass(g) || g.Unfused {
		return nil, 0, 0, false
	}
	if conv, ok = cs[0].Module.(*Conv2D); !ok {
		return nil, 0, 0, false
	}
	stride, pad, ok = conv.uniform()
	return conv, stride, pad, ok
}

// foldConvPool runs, in inference (a graph that tracks no gradients, not
// training, and records no summary), a convolution followed by a ReLU,
// tanh or sigmoid if one comes next, and then by a max or average pool,
// as one operation (autograd.Graph.Conv2DPool) that activates and pools
// each image while its convolution is in cache, to the bits of the
// layers one by one, and reports how many children it ran; 0 when the
// children do not start so, or when the graph is not an inference graph.
// LeNet-5's C1–S2 and C3–S4 run so.
func foldConvPool(g *autograd.Graph, cs []Named, x *autograd.Value) (*autograd.Value, int) {
	conv, stride, pad, ok := convToFold(g, cs)
	if !ok {
		return nil, 0
	}
	n, act := 1, tensor.NoActivation
	switch cs[1].Module.(type) {
	case ReLU:
		n, act = 2, tensor.ActReLU
	case Tanh:
		n, act = 2, tensor.ActTanh
	case Sigmoid:
		n, act = 2, tensor.ActSigmoid
	}
	if len(cs) <= n {
		return nil, 0
	}
	var kind tensor.PoolKind
	var k, pstride int
	switch p := cs[n].Module.(type) {
	case MaxPool2D:
		kind, k, pstride = tensor.MaxPool, p.K, p.Stride
	case AvgPool2D:
		kind, k, pstride = tensor.AvgPool, p.K, p.Stride
	}
	if k < 1 || pstride < 1 {
		return nil, 0
	}
	return g.Conv2DPool(x, conv.Weight, conv.Bias, stride, pad, act, kind, k, pstride), n + 1
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
