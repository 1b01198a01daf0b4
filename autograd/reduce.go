package autograd

import (
	"fmt"
	"slices"

	"github.com/baeum-ml/baeum/tensor"
)

// axisMask turns a list of axes (none meaning all, negative counting from
// the end) into a bit mask over the dimensions of shape.
func axisMask(op string, shape []int, axes []int) int {
	if len(axes) == 0 {
		return 1<<len(shape) - 1
	}
	mask := 0
	for _, a := range axes {
		if a < 0 {
			a += len(shape)
		}
		if a < 0 || a >= len(shape) || mask&(1<<a) != 0 {
			panic(fmt.Sprintf("autograd: %s: bad axes %v for shape %v", op, slices.Clone(axes), slices.Clone(shape)))
		}
		mask |= 1 << a
	}
	return mask
}

// maskedShape returns shape with the masked axes set to 1 (keep) or
// dropped, in buf.
func maskedShape(buf []int, shape []int, mask int, keep bool) []int {
	buf = buf[:0]
	for i, d := range shape {
		switch {
		case mask&(1<<i) == 0:
			buf = append(buf, d)
		case keep:
			buf = append(buf, 1)
		}
	}
	return buf
}

// sumOp sums over the axes in a bit mask.
type sumOp struct {
	mask int
	keep bool
}

func (*sumOp) Name() string { return "sum" }

// Sum adds up x's elements over the given axes, which disappear from the
// shape; with no axes it returns the scalar total. The gradient of a sum
// is 1 for every term, so backward broadcasts the output gradient back.
func (g *Graph) Sum(x *Value, axes ...int) *Value { return g.sum(x, false, axes) }

// SumKeepDims is Sum with the reduced axes kept as dimensions of size 1.
func (g *Graph) SumKeepDims(x *Value, axes ...int) *Value { return g.sum(x, true, axes) }

func (g *Graph) sum(x *Value, keep bool, axes []int) *Value {
	op := NewOp[sumOp](g)
	op.mask, op.keep = axisMask("sum", x.Shape(), axes), keep
	return g.Apply(op, x)
}

func (op *sumOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	var kb, ob [tensor.MaxDims]int
	data := c.Arena().Empty(x.DType(), maskedShape(kb[:], x.Shape(), op.mask, true)...)
	tensor.SumTo(data, x)
	if !op.keep {
		data = c.Arena().Reshape(data, maskedShape(ob[:], x.Shape(), op.mask, false)...)
	}
	return data
}

func (op *sumOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] == nil {
		return
	}
	var kb [tensor.MaxDims]int
	grad := c.Arena().Reshape(gout, maskedShape(kb[:], c.Input(0).Shape(), op.mask, true)...)
	tensor.AddTo(gin[0], gin[0], grad)
}

// Mean averages x over the given axes (all when none are given): a sum
// scaled by the reciprocal of the count.
func (g *Graph) Mean(x *Value, axes ...int) *Value {
	s := g.Sum(x, axes...)
	return g.MulScalar(s, float64(s.data.Len())/float64(x.data.Len()))
}

// MeanKeepDims is Mean with the reduced axes kept as dimensions of size 1.
func (g *Graph) MeanKeepDims(x *Value, axes ...int) *Value {
	s := g.SumKeepDims(x, axes...)
	return g.MulScalar(s, float64(s.data.Len())/float64(x.data.Len()))
}

// Variance returns the variance of x over the given axes (all when none are
// given), dividing the summed squared deviations by n - ddof. It is built
// from Mean, Sub, Square and Sum, so backpropagation through it needs no
// code of its own.
func (g *Graph) Variance(x *Value, ddof int, axes ...int) *Value {
	d := g.Sub(x, g.MeanKeepDims(x, axes...))
	s := g.Sum(g.Square(d), axes...)
	n := x.data.Len() / max(s.data.Len(), 1)
	return g.MulScalar(s, 1/float64(n-ddof))
}

// maxOp is the maximum along one axis.
type maxOp struct{ axis int }

func (*maxOp) Name() string { return "max" }

// Max returns the largest element along axis, which disappears from the
// shape. The gradient flows only to the first maximal element of each
// slice, as in PyTorch's max(dim); a slice holding NaN has NaN as its
// maximum, and its gradient goes to the NaN.
func (g *Graph) Max(x *Value, axis int) *Value {
	if axis < 0 {
		axis += x.data.Dims()
	}
	axisMask("max", x.Shape(), []int{axis})
	op := NewOp[maxOp](g)
	op.axis = axis
	return g.Apply(op, x)
}

func (op *maxOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	mask := 1 << op.axis
	var kb, ob [tensor.MaxDims]int
	data := c.Arena().Empty(x.DType(), maskedShape(kb[:], x.Shape(), mask, true)...)
	tensor.MaxTo(data, x)
	return c.Arena().Reshape(data, maskedShape(ob[:], x.Shape(), mask, false)...)
}

func (op *maxOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.MaxBackward(gin[0], gout, c.Input(0), c.Output(), op.axis)
	}
}
