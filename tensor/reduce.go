package tensor

import (
	"fmt"
	"math"
	"slices"
)

// reducedShape returns x's shape with the given axes set to 1 (keepDims)
// or removed. No axes means all of them. Negative axes count from the end.
func reducedShape(shape []int, keepDims bool, axes []int) []int {
	var red [MaxDims]bool
	if len(axes) == 0 {
		for i := range shape {
			red[i] = true
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += len(shape)
		}
		if a < 0 || a >= len(shape) {
			panic(fmt.Sprintf("tensor: axis %v out of range for shape %v", axes, shape))
		}
		if red[a] {
			panic(fmt.Sprintf("tensor: axis %d repeated in %v", a, axes))
		}
		red[a] = true
	}
	out := make([]int, 0, len(shape))
	for i, d := range shape {
		switch {
		case !red[i]:
			out = append(out, d)
		case keepDims:
			out = append(out, 1)
		}
	}
	return out
}

// reduce makes dst with the reduced shape of x over axes, fills it with
// op's reduction of x, and removes the reduced axes unless keepDims.
func reduce(sum bool, x *Tensor, keepDims bool, axes []int) *Tensor {
	dst := New(x.dtype, reducedShape(x.shape, true, axes)...)
	if sum {
		SumTo(dst, x)
	} else {
		MaxTo(dst, x)
	}
	if !keepDims {
		dst = dst.Reshape(reducedShape(x.shape, false, axes)...)
	}
	return dst
}

// Sum returns the sum of x's elements over the given axes, which are
// removed from the shape; with no axes it sums everything into a scalar.
func Sum(x *Tensor, axes ...int) *Tensor { return reduce(true, x, false, axes) }

// SumKeepDims is Sum with the reduced axes kept as dimensions of size 1.
func SumKeepDims(x *Tensor, axes ...int) *Tensor { return reduce(true, x, true, axes) }

// Mean returns the mean over the given axes (all when none are given).
func Mean(x *Tensor, axes ...int) *Tensor {
	checkFloat("mean", x)
	s := Sum(x, axes...)
	s.Scale(float64(s.Len()) / float64(x.Len()))
	return s
}

// MeanKeepDims is Mean with the reduced axes kept as dimensions of size 1.
func MeanKeepDims(x *Tensor, axes ...int) *Tensor {
	checkFloat("mean", x)
	s := SumKeepDims(x, axes...)
	s.Scale(float64(s.Len()) / float64(x.Len()))
	return s
}

// Max returns the maximum over the given axes (all when none are given).
func Max(x *Tensor, axes ...int) *Tensor { return reduce(false, x, false, axes) }

// MaxKeepDims is Max with the reduced axes kept as dimensions of size 1.
func MaxKeepDims(x *Tensor, axes ...int) *Tensor { return reduce(false, x, true, axes) }

// Var returns the variance over the given axes (all when none are given):
// the mean squared deviation from the mean, divided by n - ddof instead of
// n (ddof = 0 is the population variance, 1 the unbiased sample variance).
func Var(x *Tensor, ddof int, axes ...int) *Tensor {
	checkFloat("var", x)
	m := MeanKeepDims(x, axes...)
	d := Sub(x, m)
	UnaryTo(OpSquare, d, d, 0)
	s := Sum(d, axes...)
	n := x.Len() / max(s.Len(), 1)
	if x.Len() == 0 {
		n = 0
	}
	s.Scale(1 / float64(n-ddof))
	return s
}

// SumTo writes into dst the sum of x over the axes where dst has size 1 or
// is missing (dst's shape must broadcast to x's). It is the reverse of
// broadcasting, and how a gradient flows back to a broadcast operand.
func SumTo(dst, x *Tensor) {
	dst.Zero()
	AccumulateTo(dst, x)
}

// AccumulateTo adds to dst the sum of x over the axes where dst has size 1
// or is missing (dst's shape must broadcast to x's).
func AccumulateTo(dst, x *Tensor) {
	checkFloat("sum", dst, x)
	if dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: sum of %v into %v", x.dtype, dst.dtype))
	}
	l := newLoop(x.shape, dst.shape)
	if x.dtype == Float64 {
		d, s := dst.f64, x.f64
		l.rows(func(o, a, _, n, sa, _ int) { accumRow(d[a:], s[o:o+n], sa) })
		return
	}
	d, s := dst.f32, x.f32
	l.rows(func(o, a, _, n, sa, _ int) { accumRow(d[a:], s[o:o+n], sa) })
}

// accumRow adds src into dst (sa = 1) or its sum into dst[0] (sa = 0),
// summing in float64.
func accumRow[T Float](dst, src []T, sa int) {
	if sa == 0 {
		var s float64
		for _, v := range src {
			s += float64(v)
		}
		dst[0] += T(s)
		return
	}
	axpy(dst[:len(src)], src, 1)
}

// MaxTo writes into dst the maximum of x over the axes where dst has size 1
// or is missing. NaN propagates.
func MaxTo(dst, x *Tensor) {
	checkFloat("max", dst, x)
	if dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: max of %v into %v", x.dtype, dst.dtype))
	}
	dst.Fill(math.Inf(-1))
	l := newLoop(x.shape, dst.shape)
	if x.dtype == Float64 {
		d, s := dst.f64, x.f64
		l.rows(func(o, a, _, n, sa, _ int) { maxRow(d[a:], s[o:o+n], sa) })
		return
	}
	d, s := dst.f32, x.f32
	l.rows(func(o, a, _, n, sa, _ int) { maxRow(d[a:], s[o:o+n], sa) })
}

func maxRow[T Float](dst, src []T, sa int) {
	for i, v := range src {
		j := i * sa
		if v > dst[j] || v != v {
			dst[j] = v
		}
	}
}

// ArgMax returns, for every position of the other axes, the index along
// axis of the largest element (the first one on ties, and the first NaN if
// there is one, as in PyTorch). The result has x's shape without that axis,
// in row-major order.
func ArgMax(x *Tensor, axis int) []int {
	checkFloat("ArgMax", x)
	outer, n, inner := SplitAxis(x.shape, checkAxis("ArgMax", x, axis))
	out := make([]int, outer*inner)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			if x.dtype == Float64 {
				out[o*inner+i] = argMax(x.f64[o*n*inner+i:], n, inner)
			} else {
				out[o*inner+i] = argMax(x.f32[o*n*inner+i:], n, inner)
			}
		}
	}
	return out
}

// ArgMaxRow returns the index of the largest number of row i of x viewed
// as rows of c numbers (a (…, c) tensor), by ArgMax's rule: the first of
// equals, and a NaN wins. It reads the row in place, for loops that visit
// rows one at a time without a buffer of their own.
func ArgMaxRow(x *Tensor, i, c int) int {
	checkFloat("ArgMaxRow", x)
	if i < 0 || c <= 0 || (i+1)*c > x.Len() {
		panic(fmt.Sprintf("tensor: ArgMaxRow: row %d of %d numbers outside a tensor of %d", i, c, x.Len()))
	}
	if x.dtype == Float64 {
		return argMax(x.f64[i*c:], c, 1)
	}
	return argMax(x.f32[i*c:], c, 1)
}

// argMax returns the index k of the largest of x[0], x[s], …, x[(n-1)s]:
// the first one on ties, and the first NaN if there is one.
func argMax[T Float](x []T, n, s int) int {
	bi := 0
	for k := 0; k < n; k++ {
		v := x[k*s]
		if v != v {
			return k
		}
		if v > x[bi*s] {
			bi = k
		}
	}
	return bi
}

// SplitAxis views shape as (outer, shape[axis], inner): the product of the
// dimensions before axis, the axis itself and the product after it, the
// three loops an operation along one axis of a row-major tensor runs.
func SplitAxis(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner
}

// Equal reports whether a and b have the same dtype, shape and elements.
func Equal(a, b *Tensor) bool {
	if a.dtype != b.dtype || !a.SameShape(b) {
		return false
	}
	switch a.dtype {
	case Float32:
		return slices.Equal(a.f32, b.f32)
	case Float64:
		return slices.Equal(a.f64, b.f64)
	}
	return slices.Equal(a.i64, b.i64)
}

// AllClose reports whether a and b have the same shape and every pair of
// elements satisfies |a - b| ≤ atol + rtol·|b|, as NumPy's allclose. The
// elements are compared as float64s, so the dtypes may differ.
func AllClose(a, b *Tensor, rtol, atol float64) bool {
	if !a.SameShape(b) {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		x, y := a.Flat(i), b.Flat(i)
		if math.Abs(x-y) > atol+rtol*math.Abs(y) || math.IsNaN(x) != math.IsNaN(y) {
			return false
		}
	}
	return true
}

// MaxBackward adds the gradient of a maximum along axis to gx: for every
// position of the other axes, gout's element goes to the element of x that
// equals the maximum y (x's shape without axis) — the first one on ties,
// and the first NaN when the maximum is NaN — and nothing goes elsewhere.
func MaxBackward(gx, gout, x, y *Tensor, axis int) {
	checkFloat("max gradient", gx, gout, x, y)
	axis = checkAxis("max gradient", x, axis)
	checkSameLayout("max gradient", gx, x)
	if gout.Len() != y.Len() || gout.dtype != x.dtype || y.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: max gradient: output %v %v, its gradient %v %v", y.dtype, y.shape, gout.dtype, gout.shape))
	}
	outer, n, inner := SplitAxis(x.shape, axis)
	if x.dtype == Float64 {
		maxGrad(gx.f64, gout.f64, x.f64, y.f64, outer, n, inner)
	} else {
		maxGrad(gx.f32, gout.f32, x.f32, y.f32, outer, n, inner)
	}
}

func maxGrad[T Float](gx, g, x, y []T, outer, n, inner int) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			m := y[o*inner+i]
			for k := 0; k < n; k++ {
				if j := (o*n+k)*inner + i; x[j] == m || (m != m && x[j] != x[j]) {
					gx[j] += g[o*inner+i]
					break
				}
			}
		}
	}
}
