package tensor

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// Activation is an element-wise function that a fused convolution
// (Conv2DPoolTo) applies to each image's output while it is in cache, to
// the bits of UnaryTo with the same function.
type Activation uint8

// The activations a fused convolution applies.
const (
	NoActivation Activation = iota // the identity
	ActReLU                        // max(x, 0), as OpReLU
	ActTanh                        // tanh x, as OpTanh
	ActSigmoid                     // 1 / (1 + e⁻ˣ), as OpSigmoid
)

// ActivationOf returns the Activation that applies op, and false for an
// operation that has none (only ReLU, tanh and the sigmoid have).
func ActivationOf(op UnaryOp) (Activation, bool) {
	switch op {
	case OpReLU:
		return ActReLU, true
	case OpTanh:
		return ActTanh, true
	case OpSigmoid:
		return ActSigmoid, true
	}
	return NoActivation, false
}

// String names the activation as its UnaryOp is named ("none" for
// NoActivation).
func (a Activation) String() string {
	switch a {
	case NoActivation:
		return "none"
	case ActReLU:
		return OpReLU.String()
	case ActTanh:
		return OpTanh.String()
	case ActSigmoid:
		return OpSigmoid.String()
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

// reluIf returns ActReLU when relu is set, NoActivation otherwise.
func reluIf(relu bool) Activation {
	if relu {
		return ActReLU
	}
	return NoActivation
}

// activate applies act to x in place on the calling goroutine alone, to
// the bits of UnaryTo: the float32 kernels compute each element the same
// way wherever it lies in the slice (the tail under a mask), so a slice
// of one image gets what the whole batch would.
func activate[T float](act Activation, x []T) {
	if act == NoActivation || len(x) == 0 {
		return
	}
	f, ok := kernels.AsF32(x)
	switch {
	case ok && act == ActReLU:
		kernels.ReLU(f, f)
	case ok && act == ActTanh:
		kernels.TanhSerial(f, f)
	case ok && act == ActSigmoid:
		kernels.SigmoidSerial(f, f)
	case act == ActReLU:
		unaryLoop(OpReLU, x, x, 0)
	case act == ActTanh:
		unaryLoop(OpTanh, x, x, 0)
	case act == ActSigmoid:
		unaryLoop(OpSigmoid, x, x, 0)
	default:
		panic(fmt.Sprintf("tensor: unknown %v", act))
	}
}

// Conv2DPoolTo writes into dst, for inference, a convolution of x by w
// and b (Conv2DTo, with stride and pad), then act, then a pooling of
// kind over k×k windows moved by pstride (Pool2DTo): dst is the pooled
// output. Where the convolution runs the direct kernels, each image is
// activated and pooled as soon as its convolution is done, from a
// worker's scratch still in cache, so that the batch's convolution
// output is never written out: LeNet-5's first layer at batch 1000
// would otherwise write 18.8 MB and read it back twice. Elsewhere the
// three run one after another, the convolution's output taken from ar
// and given back. The result is the three operations', bit for bit.
func Conv2DPoolTo(dst, x, w, b *Tensor, stride, pad int, act Activation, kind PoolKind, k, pstride int, ar *Arena) {
	checkFloat("conv2d pool", dst, x, w, b)
	if act > ActSigmoid || kind > AvgPool || k < 1 || pstride < 1 {
		panic(fmt.Sprintf("tensor: conv2d pool with %v and a %v of %d×%d windows moved by %d", act, kind, k, k, pstride))
	}
	var cb, pb [4]int
	conv := AppendConv2DShape(cb[:0], x.shape, w.shape, stride, pad)
	if want := AppendPool2DShape(pb[:0], conv, k, pstride); !EqualShapes(want, dst.shape) || dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: conv2d pool of %v %v with %v into %v %v", x.dtype, x.shape, w.shape, dst.dtype, dst.shape))
	}
	checkFilters("conv2d pool", x, w, b)
	geo := convGeom(x.shape, w.shape[2], w.shape[3], stride, pad)
	if runsDirect(x.dtype, geo) {
		pool := convGeom(conv, k, k, pstride, 0) // C: one image's planes
		convDirect(ar, dst.f32, x.f32, w.f32, f32s(b), x.shape[0], conv[1], geo, convEpilogue{act: act, kind: kind, pool: &pool})
		return
	}
	y := ar.Empty(x.dtype, conv...)
	conv2D(y, x, w, b, stride, pad, act, ar)
	Pool2DTo(kind, dst, y, k, pstride)
	ar.Release(y)
}
