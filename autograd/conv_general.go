package autograd

import (
	"github.com/baeum-ml/baeum/tensor"
)

// The general forms of convolution and pooling, adaptive average pooling
// and the smooth activations. Like the operations of nn.go, each is one
// node with a hand-written backward pass; the arithmetic is package
// tensor's.

// conv2dGeneralOp is a convolution with every option.
type conv2dGeneralOp struct{ p tensor.Conv2DParams }

func (*conv2dGeneralOp) Name() string { return "conv2d" }

// Conv2DWith returns the convolution of x (N, C, H, W) with filters w
// (O, C/groups, KH, KW), plus a bias b (O) or nil, with the per-axis
// stride, per-side padding, dilation and groups of p. See
// tensor.Conv2DToWith; a convolution without those options computes
// exactly what Conv2D does.
func (g *Graph) Conv2DWith(x, w, b *Value, p tensor.Conv2DParams) *Value {
	op := NewOp[conv2dGeneralOp](g)
	op.p = p
	return g.Apply(op, x, w, b)
}

func (op *conv2dGeneralOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x, w := in[0], in[1]
	var buf [4]int
	out := c.Arena().Empty(x.DType(), tensor.AppendConv2DShapeWith(buf[:0], x.Shape(), w.Shape(), op.p)...)
	tensor.Conv2DToWith(out, x, w, in[2], op.p, c.Arena())
	return out
}

func (op *conv2dGeneralOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	tensor.Conv2DBackwardWith(gin[0], gin[1], gin[2], gout, c.Input(0), c.Input(1), op.p, c.Arena())
}

// poolGeneralOp is max or average pooling with every option.
type poolGeneralOp struct {
	kind tensor.PoolKind
	p    tensor.Pool2DParams
}

func (op *poolGeneralOp) Name() string { return op.kind.String() }

// MaxPool2DWith keeps the largest element of every window of x
// (N, C, H, W) described by p (padding, which never wins, ceil mode,
// rectangular windows, stride 0 meaning the window). Backward sends each
// window's gradient to the element that won.
func (g *Graph) MaxPool2DWith(x *Value, p tensor.Pool2DParams) *Value {
	return g.poolWith(tensor.MaxPool, x, p)
}

// AvgPool2DWith averages every window of x described by p, counting the
// padding unless p.ExcludePad, as PyTorch's AvgPool2d. Backward spreads
// each window's gradient over it.
func (g *Graph) AvgPool2DWith(x *Value, p tensor.Pool2DParams) *Value {
	return g.poolWith(tensor.AvgPool, x, p)
}

func (g *Graph) poolWith(kind tensor.PoolKind, x *Value, p tensor.Pool2DParams) *Value {
	op := NewOp[poolGeneralOp](g)
	op.kind, op.p = kind, p
	return g.Apply(op, x)
}

func (op *poolGeneralOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	var buf [4]int
	out := c.Arena().Empty(in[0].DType(), tensor.AppendPool2DShapeWith(buf[:0], in[0].Shape(), op.p)...)
	tensor.Pool2DToWith(op.kind, out, in[0], op.p)
	return out
}

func (op *poolGeneralOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.Pool2DBackwardWith(op.kind, gin[0], gout, c.Input(0), c.Output(), op.p)
	}
}

// adaptiveAvgPoolOp averages to a fixed output size.
type adaptiveAvgPoolOp struct{ oh, ow int }

func (*adaptiveAvgPoolOp) Name() string { return "adaptive_avgpool2d" }

// AdaptiveAvgPool2D averages x (N, C, H, W) down to (N, C, oh, ow) as
// PyTorch's AdaptiveAvgPool2d((oh, ow)): see tensor.AdaptiveAvgPool2DTo.
// Global average pooling is AdaptiveAvgPool2D(x, 1, 1).
func (g *Graph) AdaptiveAvgPool2D(x *Value, oh, ow int) *Value {
	op := NewOp[adaptiveAvgPoolOp](g)
	op.oh, op.ow = oh, ow
	return g.Apply(op, x)
}

func (op *adaptiveAvgPoolOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	n, ch := 0, 0
	if x.Dims() == 4 {
		n, ch = x.Shape()[0], x.Shape()[1]
	}
	out := c.Arena().Empty(x.DType(), n, ch, op.oh, op.ow)
	tensor.AdaptiveAvgPool2DTo(out, x)
	return out
}

func (op *adaptiveAvgPoolOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.AdaptiveAvgPool2DBackward(gin[0], gout)
	}
}

// smoothOp is one of the smooth activations.
type smoothOp struct {
	act             tensor.SmoothAct
	beta, threshold float64
}

func (op *smoothOp) Name() string { return op.act.String() }

// GELU returns x·Φ(x), Φ the standard normal distribution function
// (computed with erf), or, when tanhApprox is set, PyTorch's tanh
// approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
func (g *Graph) GELU(x *Value, tanhApprox bool) *Value {
	if tanhApprox {
		return g.smooth(tensor.GELUTanh, x, 0, 0)
	}
	return g.smooth(tensor.GELU, x, 0, 0)
}

// SiLU returns x·σ(x); its derivative is σ(x)(1 + x(1 - σ(x))).
func (g *Graph) SiLU(x *Value) *Value { return g.smooth(tensor.SiLU, x, 0, 0) }

// Softplus returns log(1 + e^(βx))/β, a smooth ReLU, and x itself where
// βx > threshold (PyTorch's defaults are β = 1, threshold = 20); its
// derivative is σ(βx), and 1 above the threshold.
func (g *Graph) Softplus(x *Value, beta, threshold float64) *Value {
	return g.smooth(tensor.Softplus, x, beta, threshold)
}

func (g *Graph) smooth(a tensor.SmoothAct, x *Value, beta, threshold float64) *Value {
	op := NewOp[smoothOp](g)
	op.act, op.beta, op.threshold = a, beta, threshold
	return g.Apply(op, x)
}

func (op *smoothOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	out := c.Arena().EmptyLike(in[0])
	tensor.SmoothActTo(op.act, out, in[0], op.beta, op.threshold)
	return out
}

func (op *smoothOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.SmoothActBackward(op.act, gin[0], gout, c.Input(0), op.beta, op.threshold)
	}
}
