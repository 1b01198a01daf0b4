package autograd

import (
	"fmt"

	"github.com/baeum-ml/baeum/tensor"
)

// The operations in this file are the coarse nodes that neural networks
// spend their time in. Each is one node with a hand-written backward pass,
// as in PyTorch, instead of a chain of primitive nodes: fewer nodes, fewer
// passes over memory, and no intermediate tensors kept for backward beyond
// what the derivative needs. How each is computed (which kernel, how the
// batch is split among workers) is package tensor's business.

type linearOp struct{}

var linearV linearOp

func (linearOp) Name() string { return "linear" }

// Linear returns x·wᵀ + b for a batch x of shape (N, in), weights w of
// shape (out, in) (PyTorch's layout) and bias b of shape (out) or nil.
// The gradients are g·w for x, gᵀ·x for w and the column sums of g for b.
func (g *Graph) Linear(x, w, b *Value) *Value {
	if y := g.linearPacked(x, w, b, false); y != nil {
		return y
	}
	return g.Apply(linearV, x, w, b)
}

// LinearReLU returns ReLU(x·wᵀ + b), as Linear then ReLU, to the bits.
// In an inference graph with Graph.Packs and a parameter for w, it runs
// as one op that applies the ReLU to each tile of the product as the
// GEMM finishes it. In a graph that tracks gradients it is one op,
// linear_relu, that does the same and, backward, masks the output's
// gradient and sums the bias's in one pass (tensor.ReLUGradBiasTo)
// before the two products: one node and one pass over memory fewer each
// way than Linear then ReLU. nn.Sequential runs a Linear layer and the
// ReLU after it so, in training and at inference.
func (g *Graph) LinearReLU(x, w, b *Value) *Value {
	if y := g.linearPacked(x, w, b, true); y != nil {
		return y
	}
	if !g.noGrad {
		return g.Apply(linearReLUV, x, w, b)
	}
	h := g.Linear(x, w, b)
	y := g.ReLU(h)
	g.Release(h) // only in an inference graph with ReleaseIntermediates; nothing else holds h
	return y
}

// linearPacked applies linearPackedOp when g is an inference graph with
// Packs and w a parameter they hold, and returns nil otherwise.
func (g *Graph) linearPacked(x, w, b *Value, relu bool) *Value {
	if g.Packs == nil || !g.noGrad || g.Training {
		return nil
	}
	pw := g.Packs.of(w)
	if pw == nil {
		return nil
	}
	op := NewOp[linearPackedOp](g)
	op.w, op.relu = pw, relu
	return g.Apply(op, x, w, b)
}

func (linearOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	out := linearOutput(c, in, "linear")
	tensor.LinearTo(out, in[0], in[1], in[2])
	return out
}

// linearOutput checks the inputs of a linear layer's op (x, w and b or
// nil) and returns its output's tensor, (N, out), from the arena.
func linearOutput(c Ctx, in []*tensor.Tensor, op string) *tensor.Tensor {
	x, w, b := in[0], in[1], in[2]
	if x.Dims() != 2 || w.Dims() != 2 || x.Shape()[1] != w.Shape()[1] {
		panic(fmt.Sprintf("autograd: %s: input %v does not fit weights %v (want (N, in) and (out, in))", op, x.Shape(), w.Shape()))
	}
	n, o := x.Shape()[0], w.Shape()[0]
	if b != nil && (b.Dims() != 1 || b.Shape()[0] != o) {
		panic(fmt.Sprintf("autograd: %s: bias %v does not fit weights %v", op, b.Shape(), w.Shape()))
	}
	return c.Arena().Empty(x.DType(), n, o)
}

// linearReLUOp is linearOp followed by a ReLU, for graphs that track
// gradients (Graph.LinearReLU).
type linearReLUOp struct{}

var linearReLUV linearReLUOp

func (linearReLUOp) Name() string { return "linear_relu" }

func (linearReLUOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	out := linearOutput(c, in, "linear_relu")
	tensor.LinearReLUTo(out, in[0], in[1], in[2])
	return out
}

// Backward masks gout by the output, summing the bias's gradient in the
// same pass, then runs linearOp's products on the masked gradient.
func (linearReLUOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	gh := c.Arena().Empty(gout.DType(), gout.Shape()...)
	gb := gin[2]
	if gb != nil && c.Fresh(2) {
		gb.Zero()
	}
	tensor.ReLUGradBiasTo(gh, gout, c.Output(), gb)
	linearProductGrads(c, gh, gin)
}

// SetsGrads marks linearReLUOp's Backward as honouring Ctx.Fresh.
func (linearReLUOp) SetsGrads() {}

// linearPackedOp is linearOp in inference with the weights packed
// beforehand (Graph.Packs), and with relu a ReLU after it.
type linearPackedOp struct {
	w    *tensor.PackedWeights
	relu bool
}

func (op *linearPackedOp) Name() string {
	if op.relu {
		return "linear_relu"
	}
	return "linear"
}

func (op *linearPackedOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x, b := in[0], in[2]
	if x.DType() != tensor.Float32 || (b != nil && b.DType() != tensor.Float32) || x.Dims() != 2 || !tensor.PackedServes(op.w, x.Shape()[0]) {
		y := linearOp{}.Forward(c, in)
		if op.relu {
			tensor.UnaryTo(tensor.OpReLU, y, y, 0)
		}
		return y
	}
	out, _ := op.w.Shape()
	y := c.Arena().Empty(tensor.Float32, x.Shape()[0], out)
	if op.relu {
		tensor.LinearReLUPackedTo(y, x, op.w, b)
	} else {
		tensor.LinearPackedTo(y, x, op.w, b)
	}
	return y
}

// Backward is never called: the op is made only in graphs that track no
// gradients.
func (*linearPackedOp) Backward(Ctx, *tensor.Tensor, []*tensor.Tensor) {
	panic("autograd: backward through an inference-only linear op")
}

func (linearOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	linearProductGrads(c, gout, gin)
	if gin[2] != nil {
		if c.Fresh(2) {
			tensor.SumTo(gin[2], gout)
		} else {
			tensor.AccumulateTo(gin[2], gout)
		}
	}
}

// linearProductGrads writes, for a linear op whose output's gradient
// is g, the gradients of its input (g·w) and weights (gᵀ·x) that are
// wanted, set or added as Ctx.Fresh says.
func linearProductGrads(c Ctx, g *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.MatMulAddTo(gin[0], g, c.Input(1), false, false, addBeta(c, 0))
	}
	if gin[1] != nil {
		tensor.MatMulAddTo(gin[1], g, c.Input(0), true, false, addBeta(c, 1))
	}
}

// SetsGrads marks linearOp's Backward as honouring Ctx.Fresh.
func (linearOp) SetsGrads() {}

// addBeta is the factor of gin[i]'s old contents in a product written
// into it: 0 when the op sets it (Ctx.Fresh), 1 when it adds.
func addBeta(c Ctx, i int) float64 {
	if c.Fresh(i) {
		return 0
	}
	return 1
}

// conv2dOp is a convolution with its geometry.
type conv2dOp struct{ stride, pad int }

func (*conv2dOp) Name() string { return "conv2d" }

// Conv2D returns the 2-D convolution (strictly, cross-correlation, as in
// every deep-learning library) of a batch of images x (N, C, H, W) with
// filters w (O, C, KH, KW), plus a bias b (O) or nil, with the given stride
// and zero padding on every side. See tensor.Conv2DTo for how it is
// computed and tensor.Conv2DBackward for its gradients.
func (g *Graph) Conv2D(x, w, b *Value, stride, pad int) *Value {
	op := NewOp[conv2dOp](g)
	op.stride, op.pad = stride, pad
	return g.Apply(op, x, w, b)
}

func (op *conv2dOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x, w := in[0], in[1]
	var buf [4]int
	out := c.Arena().Empty(x.DType(), tensor.AppendConv2DShape(buf[:0], x.Shape(), w.Shape(), op.stride, op.pad)...)
	tensor.Conv2DTo(out, x, w, in[2], op.stride, op.pad, c.Arena())
	return out
}

func (op *conv2dOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	clearFresh(c, gin, 1, 2)
	if c.Fresh(0) {
		tensor.Conv2DBackwardSetX(gin[0], gin[1], gin[2], gout, c.Input(0), c.Input(1), op.stride, op.pad, c.Arena())
		return
	}
	tensor.Conv2DBackward(gin[0], gin[1], gin[2], gout, c.Input(0), c.Input(1), op.stride, op.pad, c.Arena())
}

// SetsGrads marks conv2dOp's Backward as honouring Ctx.Fresh.
func (*conv2dOp) SetsGrads() {}

// clearFresh zeroes the gradient buffers gin[i] of the inputs is that
// are fresh (Ctx.Fresh), for an op that sets some of its inputs'
// gradients and adds to the others': the small ones, such as a layer's
// parameters, are cleared as the graph would, and then added to.
func clearFresh(c Ctx, gin []*tensor.Tensor, is ...int) {
	for _, i := range is {
		if gin[i] != nil && c.Fresh(i) {
			gin[i].Zero()
		}
	}
}

// poolOp is average or max pooling with its window.
type poolOp struct {
	kind      tensor.PoolKind
	k, stride int
}

func (op *poolOp) Name() string { return op.kind.String() }

// AvgPool2D averages every k×k window of x (N, C, H, W), moving the window
// by stride. Backward spreads each window's gradient evenly over it.
func (g *Graph) AvgPool2D(x *Value, k, stride int) *Value {
	return g.pool(tensor.AvgPool, x, k, stride)
}

// MaxPool2D keeps the largest element of every k×k window of x, moving
// the window by stride. Backward sends each window's gradient to the
// element that won.
func (g *Graph) MaxPool2D(x *Value, k, stride int) *Value {
	return g.pool(tensor.MaxPool, x, k, stride)
}

func (g *Graph) pool(kind tensor.PoolKind, x *Value, k, stride int) *Value {
	op := NewOp[poolOp](g)
	op.kind, op.k, op.stride = kind, k, stride
	return g.Apply(op, x)
}

func (op *poolOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	var buf [4]int
	out := c.Arena().Empty(in[0].DType(), tensor.AppendPool2DShape(buf[:0], in[0].Shape(), op.k, op.stride)...)
	tensor.Pool2DTo(op.kind, out, in[0], op.k, op.stride)
	return out
}

func (op *poolOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	switch {
	case gin[0] == nil:
	case c.Fresh(0):
		tensor.Pool2DBackwardSet(op.kind, gin[0], gout, c.Input(0), c.Output(), op.k, op.stride)
	default:
		tensor.Pool2DBackward(op.kind, gin[0], gout, c.Input(0), c.Output(), op.k, op.stride)
	}
}

// SetsGrads marks poolOp's Backward as honouring Ctx.Fresh.
func (*poolOp) SetsGrads() {}

// dropoutOp multiplies by a mask the caller drew.
type dropoutOp struct{ mask *tensor.Tensor }

func (*dropoutOp) Name() string { return "dropout" }

// Dropout multiplies x by mask, which holds 0 for dropped elements and
// 1/(1-p) for kept ones (inverted dropout, so inference needs no scaling;
// see tensor.DropoutMask). The caller draws the mask; see nn.Dropout. The
// gradient is masked alike.
func (g *Graph) Dropout(x *Value, mask *tensor.Tensor) *Value {
	op := NewOp[dropoutOp](g)
	op.mask = mask
	return g.Apply(op, x)
}

func (op *dropoutOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	out := c.Arena().EmptyLike(in[0])
	tensor.MulTo(out, in[0], op.mask)
	return out
}

func (op *dropoutOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] == nil {
		return
	}
	if c.Fresh(0) {
		tensor.MulTo(gin[0], gout, op.mask)
		return
	}
	t := c.Arena().EmptyLike(gout)
	tensor.MulTo(t, gout, op.mask)
	gin[0].AddScaled(1, t)
}

// SetsGrads marks dropoutOp's Backward as honouring Ctx.Fresh.
func (*dropoutOp) SetsGrads() {}

// BatchNormState holds the running statistics that batch normalisation
// updates in training and uses in inference.
type BatchNormState = tensor.BatchNormStats

// batchNormOp is batch normalisation, with what its backward pass needs.
type batchNormOp struct {
	st           *BatchNormState
	training     bool
	xhat, invstd *tensor.Tensor
}

func (*batchNormOp) Name() string { return "batchnorm" }

// BatchNorm normalises x (N, C) or (N, C, H, W) per channel and applies
// the affine map gamma·x̂ + beta. In training it uses the batch's mean and
// (biased) variance and updates the running statistics with momentum, the
// running variance from the unbiased batch variance, as PyTorch does; in
// inference it uses the running statistics.
func (g *Graph) BatchNorm(x, gamma, beta *Value, st *BatchNormState, training bool) *Value {
	op := NewOp[batchNormOp](g)
	op.st, op.training = st, training
	return g.Apply(op, x, gamma, beta)
}

func (op *batchNormOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x, ar := in[0], c.Arena()
	if x.Dims() != 2 && x.Dims() != 4 {
		panic(fmt.Sprintf("autograd: batchnorm needs (N, C) or (N, C, H, W), got %v", x.Shape()))
	}
	out := ar.EmptyLike(x)
	op.xhat, op.invstd = ar.EmptyLike(x), ar.Empty(x.DType(), x.Shape()[1])
	tensor.BatchNormTo(out, op.xhat, op.invstd, x, in[1], in[2], op.st, op.training)
	return out
}

func (op *batchNormOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	clearFresh(c, gin, 1, 2)
	if c.Fresh(0) {
		tensor.BatchNormBackwardSetX(gin[0], gin[1], gin[2], gout, op.xhat, op.invstd, c.Input(1), op.training)
		return
	}
	tensor.BatchNormBackward(gin[0], gin[1], gin[2], gout, op.xhat, op.invstd, c.Input(1), op.training)
}

// SetsGrads marks batchNormOp's Backward as honouring Ctx.Fresh.
func (*batchNormOp) SetsGrads() {}

// softmaxOp is softmax or log-softmax along an axis.
type softmaxOp struct {
	axis   int
	logOut bool
}

func (op *softmaxOp) Name() string {
	if op.logOut {
		return "log_softmax"
	}
	return "softmax"
}

// Softmax returns e^x / Σ e^x along axis, computed stably by subtracting
// the maximum first. Backward: dx = y·(g - Σ g·y).
func (g *Graph) Softmax(x *Value, axis int) *Value { return g.softmax(x, axis, false) }

// LogSoftmax returns x - log Σ e^x along axis, stably (log-sum-exp with the
// maximum factored out). Backward: dx = g - softmax(x)·Σ g.
func (g *Graph) LogSoftmax(x *Value, axis int) *Value { return g.softmax(x, axis, true) }

func (g *Graph) softmax(x *Value, axis int, logOut bool) *Value {
	op := NewOp[softmaxOp](g)
	op.axis, op.logOut = axis, logOut
	return g.Apply(op, x)
}

func (op *softmaxOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	out := c.Arena().EmptyLike(in[0])
	if op.logOut {
		tensor.LogSoftmaxTo(out, in[0], op.axis)
	} else {
		tensor.SoftmaxTo(out, in[0], op.axis)
	}
	return out
}

func (op *softmaxOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if op.logOut {
		tensor.LogSoftmaxBackward(gin[0], gout, c.Output(), op.axis)
	} else {
		tensor.SoftmaxBackward(gin[0], gout, c.Output(), op.axis)
	}
}

// conv2dBNOp is a convolution with batch normalisation (running
// statistics) and optionally ReLU folded into it: inference only.
type conv2dBNOp struct {
	stride, pad int
	st          *BatchNormState
	relu        bool
	// A max pool of poolK×poolK windows moved by poolStride after it,
	// when poolK > 0 (Conv2DBatchNormMaxPool).
	poolK, poolStride int
}

func (op *conv2dBNOp) Name() string {
	if op.poolK > 0 {
		return "conv2d_batchnorm_maxpool"
	}
	return "conv2d_batchnorm"
}

// Conv2DBatchNorm is Conv2D followed by BatchNorm in inference (running
// statistics st, affine map gamma, beta) and, with relu, ReLU, computed
// as one convolution with the batch norm folded into its filters (see
// tensor.Conv2DBatchNormTo). It is for graphs that track no gradients
// (NewInferenceGraph): it has no backward pass, and it panics on a graph
// that tracks them.
func (g *Graph) Conv2DBatchNorm(x, w, b, gamma, beta *Value, st *BatchNormState, relu bool, stride, pad int) *Value {
	g.inferenceOnly("Conv2DBatchNorm")
	op := NewOp[conv2dBNOp](g)
	op.stride, op.pad, op.st, op.relu = stride, pad, st, relu
	return g.Apply(op, x, w, b, gamma, beta)
}

// inferenceOnly panics unless g is an inference graph (no gradients,
// not training): op has no backward pass.
func (g *Graph) inferenceOnly(op string) {
	if !g.noGrad || g.Training {
		panic("autograd: " + op + " is for inference graphs (no gradients, not training)")
	}
}

// inferencePool is inferenceOnly for an op that ends in a pool of k×k
// windows moved by pstride, which it also checks.
func (g *Graph) inferencePool(op string, k, pstride int) {
	g.inferenceOnly(op)
	if k < 1 || pstride < 1 {
		panic(fmt.Sprintf("autograd: %s with a %d×%d pool of stride %d", op, k, k, pstride))
	}
}

// Conv2DBatchNormMaxPool is Conv2DBatchNorm followed by MaxPool2D of
// k×k windows moved by pstride, computed as one operation
// (tensor.Conv2DBatchNormMaxPoolTo), to the bits of the two: each
// image is pooled while its convolution is in cache. It is for graphs
// that track no gradients, as Conv2DBatchNorm is.
func (g *Graph) Conv2DBatchNormMaxPool(x, w, b, gamma, beta *Value, st *BatchNormState, relu bool, stride, pad, k, pstride int) *Value {
	g.inferencePool("Conv2DBatchNormMaxPool", k, pstride)
	op := NewOp[conv2dBNOp](g)
	op.stride, op.pad, op.st, op.relu, op.poolK, op.poolStride = stride, pad, st, relu, k, pstride
	return g.Apply(op, x, w, b, gamma, beta)
}

func (op *conv2dBNOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x, w := in[0], in[1]
	var buf, pbuf [4]int
	shape := tensor.AppendConv2DShape(buf[:0], x.Shape(), w.Shape(), op.stride, op.pad)
	if op.poolK > 0 {
		out := c.Arena().Empty(x.DType(), tensor.AppendPool2DShape(pbuf[:0], shape, op.poolK, op.poolStride)...)
		tensor.Conv2DBatchNormMaxPoolTo(out, x, w, in[2], in[3], in[4], op.st, op.relu, op.stride, op.pad, op.poolK, op.poolStride, c.Arena())
		return out
	}
	out := c.Arena().Empty(x.DType(), shape...)
	tensor.Conv2DBatchNormTo(out, x, w, in[2], in[3], in[4], op.st, op.relu, op.stride, op.pad, c.Arena())
	return out
}

func (op *conv2dBNOp) Backward(Ctx, *tensor.Tensor, []*tensor.Tensor) {
	panic("autograd: Conv2DBatchNorm has no backward pass (it is for inference)")
}

// conv2dPoolOp is a convolution, an activation and a pooling run as one
// operation: inference only.
type conv2dPoolOp struct {
	stride, pad int
	act         tensor.Activation
	kind        tensor.PoolKind
	k, pstride  int
}

func (*conv2dPoolOp) Name() string { return "conv2d_pool" }

// Conv2DPool is Conv2D, then act, then a pooling of kind over k×k
// windows moved by pstride, computed as one operation
// (tensor.Conv2DPoolTo), to the bits of the three: each image is
// activated and pooled while its convolution is in cache, and the
// batch's convolution output is never written out. b may be nil. It is
// for graphs that track no gradients (NewInferenceGraph): it has no
// backward pass, and it panics on a graph that tracks them.
func (g *Graph) Conv2DPool(x, w, b *Value, stride, pad int, act tensor.Activation, kind tensor.PoolKind, k, pstride int) *Value {
	g.inferencePool("Conv2DPool", k, pstride)
	op := NewOp[conv2dPoolOp](g)
	op.stride, op.pad, op.act, op.kind, op.k, op.pstride = stride, pad, act, kind, k, pstride
	return g.Apply(op, x, w, b)
}

func (op *conv2dPoolOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x, w := in[0], in[1]
	var buf, pbuf [4]int
	conv := tensor.AppendConv2DShape(buf[:0], x.Shape(), w.Shape(), op.stride, op.pad)
	out := c.Arena().Empty(x.DType(), tensor.AppendPool2DShape(pbuf[:0], conv, op.k, op.pstride)...)
	tensor.Conv2DPoolTo(out, x, w, in[2], op.stride, op.pad, op.act, op.kind, op.k, op.pstride, c.Arena())
	return out
}

func (*conv2dPoolOp) Backward(Ctx, *tensor.Tensor, []*tensor.Tensor) {
	panic("autograd: Conv2DPool has no backward pass (it is for inference)")
}
