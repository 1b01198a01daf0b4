package autograd

import (
	"fmt"
	"slices"

	"github.com/baeum-ml/baeum/tensor"
)

// Reshape returns a view of x with a new shape (one dimension may be -1).
// The gradient is reshaped back.
func (g *Graph) Reshape(x *Value, shape ...int) *Value {
	g.check("reshape", x)
	out := g.result("reshape", g.arena.Reshape(x.data, shape...), x)
	out.backward = func(out *Value) {
		x := out.parents[0]
		gx := x.gradBuf()
		gx.AddScaled(1, out.grad) // same elements in the same order
	}
	return out
}

// Flatten reshapes x to (x.Shape()[0], everything else), the step between
// a convolutional feature map and a fully connected layer.
func (g *Graph) Flatten(x *Value) *Value {
	return g.Reshape(x, x.Shape()[0], -1)
}

// Permute reorders x's axes (dimension i of the result is dimension
// axes[i] of x). The gradient is permuted back.
func (g *Graph) Permute(x *Value, axes ...int) *Value {
	g.check("permute", x)
	if len(axes) != x.data.Dims() {
		panic(fmt.Sprintf("autograd: permute %v of shape %v", slices.Clone(axes), x.Shape()))
	}
	var sb [tensor.MaxDims]int
	shape := sb[:len(axes)]
	for i, a := range axes {
		if a < 0 || a >= len(axes) {
			panic(fmt.Sprintf("autograd: permute %v of shape %v", slices.Clone(axes), x.Shape()))
		}
		shape[i] = x.Shape()[a]
	}
	out := g.result("permute", g.arena.Empty(x.data.DType(), shape...), x)
	tensor.PermuteTo(out.data, x.data, axes...)
	copy(out.ints[:], axes)
	out.backward = func(out *Value) {
		x := out.parents[0]
		n := x.data.Dims()
		var inv [tensor.MaxDims]int
		for i := 0; i < n; i++ {
			inv[out.ints[i]] = i
		}
		t := out.graph.arena.EmptyLike(x.data)
		tensor.PermuteTo(t, out.grad, inv[:n]...)
		x.gradBuf().AddScaled(1, t)
	}
	return out
}

// Transpose swaps the two axes of a matrix.
func (g *Graph) Transpose(x *Value) *Value {
	if x.data.Dims() != 2 {
		panic(fmt.Sprintf("autograd: Transpose needs a matrix, got shape %v", x.Shape()))
	}
	return g.Permute(x, 1, 0)
}

// Slice returns x[lo:hi] along the leading axis, a view (a sub-batch).
// Its gradient lands in the matching rows of x's gradient.
func (g *Graph) Slice(x *Value, lo, hi int) *Value {
	g.check("slice", x)
	out := g.result("slice", g.arena.Slice(x.data, lo, hi), x)
	out.ints[0], out.ints[1] = lo, hi
	out.backward = func(out *Value) {
		x := out.parents[0]
		rows := out.graph.arena.Slice(x.gradBuf(), out.ints[0], out.ints[1])
		rows.AddScaled(1, out.grad)
	}
	return out
}

// Concat joins values along axis. Each input gets its own part of the
// gradient back.
func (g *Graph) Concat(axis int, xs ...*Value) *Value {
	g.check("concat", xs...)
	ts := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		ts[i] = x.data
	}
	out := g.result("concat", tensor.Concat(axis, ts...), xs...)
	if axis < 0 {
		axis += xs[0].data.Dims()
	}
	out.ints[0] = axis
	out.backward = func(out *Value) {
		axis := out.ints[0]
		sizes := make([]int, len(out.parents))
		for i, p := range out.parents {
			sizes[i] = p.Shape()[axis]
		}
		for i, part := range tensor.Split(out.grad, axis, sizes...) {
			if p := out.parents[i]; p.requiresGrad {
				p.gradBuf().AddScaled(1, part)
			}
		}
	}
	return out
}

// Pad surrounds x with a border of a constant value: pads[i] = {before,
// after} for each of up to four trailing dimensions. The gradient is the
// output gradient with the border cropped off.
func (g *Graph) Pad(x *Value, value float64, pads ...[2]int) *Value {
	if len(pads) > 4 {
		panic(fmt.Sprintf("autograd: Pad of more than four dimensions: %v", pads))
	}
	g.check("pad", x)
	out := g.result("pad", tensor.Pad(x.data, value, pads...), x)
	out.scalar = float64(len(pads))
	for i, p := range pads {
		out.ints[2*i], out.ints[2*i+1] = p[0], p[1]
	}
	out.backward = func(out *Value) {
		n := int(out.scalar)
		pads := make([][2]int, n)
		for i := range pads {
			pads[i] = [2]int{out.ints[2*i], out.ints[2*i+1]}
		}
		out.parents[0].gradBuf().AddScaled(1, tensor.Crop(out.grad, pads...))
	}
	return out
}

// MatMul returns the matrix product a·b of 2-D values, or the batched
// product when either is 3-D (see tensor.MatMul). The gradients are
// g·bᵀ for a and aᵀ·g for b, summed over the batch for a shared operand.
func (g *Graph) MatMul(a, b *Value) *Value {
	g.check("matmul", a, b)
	var sb [3]int
	shape := append(sb[:0], tensor.MatMulShape(a.Shape(), b.Shape(), false, false)...)
	out := g.result("matmul", g.arena.Empty(a.data.DType(), shape...), a, b)
	tensor.MatMulTo(out.data, a.data, b.data, false, false)
	out.backward = func(out *Value) {
		a, b, gr := out.parents[0], out.parents[1], out.grad
		ar := out.graph.arena
		if a.requiresGrad {
			ga := a.gradBuf()
			if a.data.Dims() == 2 && b.data.Dims() == 3 {
				for i := 0; i < b.Shape()[0]; i++ {
					tensor.MatMulAddTo(ga, ar.Slice(gr, i, i+1).Reshape(gr.Shape()[1:]...), ar.Slice(b.data, i, i+1).Reshape(b.Shape()[1:]...), false, true, 1)
				}
			} else {
				tensor.MatMulAddTo(ga, gr, b.data, false, true, 1)
			}
		}
		if b.requiresGrad {
			gb := b.gradBuf()
			if a.data.Dims() == 3 && b.data.Dims() == 2 {
				m := a.Shape()[0] * a.Shape()[1]
				tensor.MatMulAddTo(gb, ar.Reshape(a.data, m, -1), ar.Reshape(gr, m, -1), true, false, 1)
			} else {
				tensor.MatMulAddTo(gb, a.data, gr, true, false, 1)
			}
		}
	}
	return out
}
