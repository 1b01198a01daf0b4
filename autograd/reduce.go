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

// Sum adds up x's elements over the given axes, which disappear from the
// shape; with no axes it returns the scalar total. The gradient of a sum
// is 1 for every term, so backward broadcasts the output gradient back.
func (g *Graph) Sum(x *Value, axes ...int) *Value { return g.sum(x, false, axes) }

// SumKeepDims is Sum with the reduced axes kept as dimensions of size 1.
func (g *Graph) SumKeepDims(x *Value, axes ...int) *Value { return g.sum(x, true, axes) }

func (g *Graph) sum(x *Value, keep bool, axes []int) *Value {
	g.check("sum", x)
	mask := axisMask("sum", x.Shape(), axes)
	var kb, ob [tensor.MaxDims]int
	kshape := maskedShape(kb[:], x.Shape(), mask, true)
	data := g.arena.Empty(x.data.DType(), kshape...)
	tensor.SumTo(data, x.data)
	if !keep {
		data = g.arena.Reshape(data, maskedShape(ob[:], x.Shape(), mask, false)...)
	}
	out := g.result("sum", data, x)
	out.ints[0] = mask
	out.backward = func(out *Value) {
		x := out.parents[0]
		var kb [tensor.MaxDims]int
		grad := out.graph.arena.Reshape(out.grad, maskedShape(kb[:], x.Shape(), out.ints[0], true)...)
		gx := x.gradBuf()
		tensor.AddTo(gx, gx, grad)
	}
	return out
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

// Max returns the largest element along axis, which disappears from the
// shape. The gradient flows only to the first maximal element of each
// slice, as in PyTorch's max(dim).
func (g *Graph) Max(x *Value, axis int) *Value {
	g.check("max", x)
	shape := x.Shape()
	if axis < 0 {
		axis += len(shape)
	}
	mask := axisMask("max", shape, []int{axis})
	var kb, ob [tensor.MaxDims]int
	data := g.arena.Empty(x.data.DType(), maskedShape(kb[:], shape, mask, true)...)
	tensor.MaxTo(data, x.data)
	data = g.arena.Reshape(data, maskedShape(ob[:], shape, mask, false)...)
	out := g.result("max", data, x)
	out.ints[0] = axis
	out.backward = func(out *Value) {
		x := out.parents[0]
		outer, n, inner := tensor.SplitAxis(x.Shape(), out.ints[0])
		gx := x.gradBuf()
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				m := out.data.Flat(o*inner + i)
				for k := 0; k < n; k++ {
					if j := (o*n+k)*inner + i; x.data.Flat(j) == m {
						gx.SetFlat(j, gx.Flat(j)+out.grad.Flat(o*inner+i))
						break
					}
				}
			}
		}
	}
	return out
}
