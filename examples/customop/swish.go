package main

import (
	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// An activation that baeum does not have, added from outside the library in
// this one file: the operation (forward, saved state, backward) and the
// layer that uses it.

// swishOp is Swish, also called SiLU: y = x·σ(x) (Ramachandran et al.
// 2017). Its state is σ(x), which the forward pass computes anyway and the
// backward pass needs:
//
//	dy/dx = σ(x) + x·σ(x)·(1-σ(x)) = σ + y·(1-σ)
type swishOp struct{ sig *tensor.Tensor }

func (*swishOp) Name() string { return "swish" }

func (op *swishOp) Forward(c autograd.Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	op.sig = c.Arena().EmptyLike(x)
	tensor.UnaryTo(tensor.OpSigmoid, op.sig, x, 0)
	y := c.Arena().EmptyLike(x)
	tensor.MulTo(y, x, op.sig)
	return y
}

func (op *swishOp) Backward(c autograd.Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] == nil {
		return
	}
	t := c.Arena().EmptyLike(gout)
	tensor.UnaryTo(tensor.OpMulScalar, t, op.sig, -1)
	tensor.UnaryTo(tensor.OpAddScalar, t, t, 1) // 1 - σ
	tensor.MulTo(t, t, c.Output())              // y·(1 - σ)
	tensor.AddTo(t, t, op.sig)                  // σ + y·(1 - σ)
	tensor.MulTo(t, t, gout)
	gin[0].AddScaled(1, t)
}

// Swish applies x·σ(x) element-wise on g. Its op value comes from the
// graph's recycled store, so a warm training step allocates nothing for it.
func Swish(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Apply(autograd.NewOp[swishOp](g), x)
}

// SwishLayer is Swish as a layer without parameters.
type SwishLayer struct{}

// Forward applies Swish.
func (SwishLayer) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return Swish(g, x) }

// Params returns nothing: Swish has no parameters.
func (SwishLayer) Params() []nn.Param { return nil }

// String names the layer.
func (SwishLayer) String() string { return "Swish" }
