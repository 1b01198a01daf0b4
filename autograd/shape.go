package autograd

import (
	"fmt"
	"slices"

	"github.com/baeum-ml/baeum/tensor"
)

// reshapeOp views its input with another shape.
type reshapeOp struct {
	shape [tensor.MaxDims]int
	dims  int
}

func (*reshapeOp) Name() string { return "reshape" }

// Reshape returns a view of x with a new shape (one dimension may be -1).
// The gradient is reshaped back.
func (g *Graph) Reshape(x *Value, shape ...int) *Value {
	if len(shape) > tensor.MaxDims {
		panic(fmt.Sprintf("autograd: reshape to %v: more than %d dimensions", slices.Clone(shape), tensor.MaxDims))
	}
	op := NewOp[reshapeOp](g)
	op.dims = copy(op.shape[:], shape)
	return g.Apply(op, x)
}

func (op *reshapeOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	return c.Arena().Reshape(in[0], op.shape[:op.dims]...)
}

func (*reshapeOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	switch {
	case gin[0] == nil:
	case c.Fresh(0):
		gin[0].CopyFrom(gout) // same elements in the same order
	default:
		gin[0].AddScaled(1, gout)
	}
}

// SetsGrads marks reshapeOp's Backward as honouring Ctx.Fresh.
func (*reshapeOp) SetsGrads() {}

// Flatten reshapes x to (x.Shape()[0], everything else), the step between
// a convolutional feature map and a fully connected layer.
func (g *Graph) Flatten(x *Value) *Value {
	return g.Reshape(x, x.Shape()[0], -1)
}

// permuteOp reorders axes.
type permuteOp struct {
	axes [tensor.MaxDims]int
	dims int
}

func (*permuteOp) Name() string { return "permute" }

// Permute reorders x's axes (dimension i of the result is dimension
// axes[i] of x). The gradient is permuted back.
func (g *Graph) Permute(x *Value, axes ...int) *Value {
	if len(axes) != x.data.Dims() {
		panic(fmt.Sprintf("autograd: permute %v of shape %v", slices.Clone(axes), x.Shape()))
	}
	op := NewOp[permuteOp](g)
	for i, a := range axes {
		if a < 0 || a >= len(axes) {
			panic(fmt.Sprintf("autograd: permute %v of shape %v", slices.Clone(axes), x.Shape()))
		}
		op.axes[i] = a
	}
	op.dims = len(axes)
	return g.Apply(op, x)
}

func (op *permuteOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	var sb [tensor.MaxDims]int
	shape := sb[:op.dims]
	for i, a := range op.axes[:op.dims] {
		shape[i] = x.Shape()[a]
	}
	out := c.Arena().Empty(x.DType(), shape...)
	tensor.PermuteTo(out, x, op.axes[:op.dims]...)
	return out
}

func (op *permuteOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] == nil {
		return
	}
	var inv [tensor.MaxDims]int
	for i, a := range op.axes[:op.dims] {
		inv[a] = i
	}
	t := c.Arena().EmptyLike(gin[0])
	tensor.PermuteTo(t, gout, inv[:op.dims]...)
	gin[0].AddScaled(1, t)
}

// Transpose swaps the two axes of a matrix.
func (g *Graph) Transpose(x *Value) *Value {
	if x.data.Dims() != 2 {
		panic(fmt.Sprintf("autograd: Transpose needs a matrix, got shape %v", x.Shape()))
	}
	return g.Permute(x, 1, 0)
}

// sliceOp takes rows lo:hi of the leading axis.
type sliceOp struct{ lo, hi int }

func (*sliceOp) Name() string { return "slice" }

// Slice returns x[lo:hi] along the leading axis, a view (a sub-batch).
// Its gradient lands in the matching rows of x's gradient.
func (g *Graph) Slice(x *Value, lo, hi int) *Value {
	op := NewOp[sliceOp](g)
	op.lo, op.hi = lo, hi
	return g.Apply(op, x)
}

func (op *sliceOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	return c.Arena().Slice(in[0], op.lo, op.hi)
}

func (op *sliceOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		c.Arena().Slice(gin[0], op.lo, op.hi).AddScaled(1, gout)
	}
}

// concatOp joins its inputs along an axis.
type concatOp struct{ axis int }

func (*concatOp) Name() string { return "concat" }

// Concat joins values along axis. Each input gets its own part of the
// gradient back.
func (g *Graph) Concat(axis int, xs ...*Value) *Value {
	if len(xs) == 0 {
		panic("autograd: concat of nothing")
	}
	if axis < 0 {
		axis += xs[0].data.Dims()
	}
	op := NewOp[concatOp](g)
	op.axis = axis
	return g.Apply(op, xs...)
}

func (op *concatOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	return tensor.Concat(op.axis, in...)
}

func (op *concatOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	sizes := make([]int, len(gin))
	for i := range gin {
		sizes[i] = c.Input(i).Shape()[op.axis]
	}
	for i, part := range tensor.Split(gout, op.axis, sizes...) {
		if gin[i] != nil {
			gin[i].AddScaled(1, part)
		}
	}
}

// padOp surrounds its input with a constant border.
type padOp struct {
	value float64
	pads  [4][2]int
	n     int
}

func (*padOp) Name() string { return "pad" }

// Pad surrounds x with a border of a constant value: pads[i] = {before,
// after} for each of up to four trailing dimensions. The gradient is the
// output gradient with the border cropped off.
func (g *Graph) Pad(x *Value, value float64, pads ...[2]int) *Value {
	if len(pads) > 4 {
		panic(fmt.Sprintf("autograd: Pad of more than four dimensions: %v", pads))
	}
	op := NewOp[padOp](g)
	op.value, op.n = value, copy(op.pads[:], pads)
	return g.Apply(op, x)
}

func (op *padOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	return tensor.Pad(in[0], op.value, op.pads[:op.n]...)
}

func (op *padOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		gin[0].AddScaled(1, tensor.Crop(gout, op.pads[:op.n]...))
	}
}

// matmulOp is the (batched) matrix product.
type matmulOp struct{}

var matmulV matmulOp

func (matmulOp) Name() string { return "matmul" }

// MatMul returns the matrix product a·b of 2-D values, or the batched
// product when either is 3-D (see tensor.MatMul). The gradients are
// g·bᵀ for a and aᵀ·g for b, summed over the batch for a shared operand.
func (g *Graph) MatMul(a, b *Value) *Value { return g.Apply(matmulV, a, b) }

func (matmulOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	a, b := in[0], in[1]
	var sb [3]int
	shape := append(sb[:0], tensor.MatMulShape(a.Shape(), b.Shape(), false, false)...)
	out := c.Arena().Empty(a.DType(), shape...)
	tensor.MatMulTo(out, a, b, false, false)
	return out
}

func (matmulOp) Backward(c Ctx, gr *tensor.Tensor, gin []*tensor.Tensor) {
	a, b, ar := c.Input(0), c.Input(1), c.Arena()
	if ga := gin[0]; ga != nil {
		if a.Dims() == 2 && b.Dims() == 3 {
			for i := 0; i < b.Shape()[0]; i++ {
				tensor.MatMulAddTo(ga, ar.Slice(gr, i, i+1).Reshape(gr.Shape()[1:]...), ar.Slice(b, i, i+1).Reshape(b.Shape()[1:]...), false, true, 1)
			}
		} else {
			tensor.MatMulAddTo(ga, gr, b, false, true, 1)
		}
	}
	if gb := gin[1]; gb != nil {
		if a.Dims() == 3 && b.Dims() == 2 {
			m := a.Shape()[0] * a.Shape()[1]
			tensor.MatMulAddTo(gb, ar.Reshape(a, m, -1), ar.Reshape(gr, m, -1), true, false, 1)
		} else {
			tensor.MatMulAddTo(gb, a, gr, true, false, 1)
		}
	}
}
