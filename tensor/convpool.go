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

// unaryOp returns the UnaryOp that act applies, and false for
// NoActivation or an unknown Activation: the one table from one to the
// other.
func (a Activation) unaryOp() (UnaryOp, bool) {
	switch a {
	case ActReLU:
		return OpReLU, true
	case ActTanh:
		return OpTanh, true
	case ActSigmoid:
		return OpSigmoid, true
	}
	return 0, false
}

// ActivationOf returns the Activation that applies op, and false for an
// operation that has none (only ReLU, tanh and the sigmoid have).
func ActivationOf(op UnaryOp) (Activation, bool) {
	for a := ActReLU; a <= ActSigmoid; a++ {
		if o, _ := a.unaryOp(); o == op {
			return a, true
		}
	}
	return NoActivation, false
}

// String names the activation as its UnaryOp is named ("none" for
// NoActivation).
func (a Activation) String() string {
	if op, ok := a.unaryOp(); ok {
		return op.String()
	}
	if a == NoActivation {
		return "none"
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
	op, ok := act.unaryOp()
	if !ok {
		if act != NoActivation {
			panic(fmt.Sprintf("tensor: unknown %v", act))
		}
		return
	}
	f, f32 := kernels.AsF32(x)
	switch {
	case !f32:
		unaryLoop(op, x, x, 0)
	case op == OpReLU:
		kernels.ReLU(f, f)
	case op == OpTanh:
		kernels.TanhSerial(f, f)
	default:
		kernels.SigmoidSerial(f, f)
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
	conv2DPool("conv2d pool", dst, x, w, b, stride, pad, act, kind, k, pstride, ar)
}

// conv2DPool is Conv2DPoolTo after its arguments' checks, and
// Conv2DBatchNormMaxPoolTo once it has folded the batch norm into w and
// b; name names the operation in a panic.
func conv2DPool(name string, dst, x, w, b *Tensor, stride, pad int, act Activation, kind PoolKind, k, pstride int, ar *Arena) {
	var cb, pb [4]int
	conv := AppendConv2DShape(cb[:0], x.shape, w.shape, stride, pad)
	if want := AppendPool2DShape(pb[:0], conv, k, pstride); !EqualShapes(want, dst.shape) || dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: %s of %v %v with %v into %v %v", name, x.dtype, x.shape, w.shape, dst.dtype, dst.shape))
	}
	checkFilters(name, x, w, b)
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
