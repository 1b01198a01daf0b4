package tensor

import "fmt"

// Transpose returns the transpose of a 2-D tensor as a new tensor.
func Transpose(x *Tensor) *Tensor {
	if len(x.shape) != 2 {
		panic(fmt.Sprintf("tensor: Transpose needs a 2-D tensor, got shape %v", x.shape))
	}
	return Permute(x, 1, 0)
}

// Permute returns a new tensor with x's axes reordered: dimension i of the
// result is dimension axes[i] of x, as in NumPy's transpose(x, axes).
func Permute(x *Tensor, axes ...int) *Tensor {
	shape := permutedShape(x.shape, axes)
	dst := New(x.dtype, shape...)
	PermuteTo(dst, x, axes...)
	return dst
}

func permutedShape(shape, axes []int) []int {
	if len(axes) != len(shape) {
		panic("tensor: permutation " + shapeStr(axes) + " does not match shape " + shapeStr(shape))
	}
	var seen [MaxDims]bool
	out := make([]int, len(axes))
	for i, a := range axes {
		if a < 0 || a >= len(shape) || seen[a] {
			panic("tensor: " + shapeStr(axes) + " is not a permutation of the axes of shape " + shapeStr(shape))
		}
		seen[a] = true
		out[i] = shape[a]
	}
	return out
}

// PermuteTo writes x with its axes reordered into dst (see Permute), whose
// shape must be the permuted shape.
func PermuteTo(dst, x *Tensor, axes ...int) {
	ok := len(axes) == len(x.shape) && len(dst.shape) == len(axes) && dst.dtype == x.dtype
	var seen [MaxDims]bool
	for i := 0; ok && i < len(axes); i++ {
		a := axes[i]
		ok = a >= 0 && a < len(axes) && !seen[a] && dst.shape[i] == x.shape[a]
		if ok {
			seen[a] = true
		}
	}
	if !ok {
		panic("tensor: permutation " + shapeStr(axes) + " of " + shapeStr(x.shape) + " does not give destination " + shapeStr(dst.shape))
	}
	// Source strides, taken in destination order.
	var stride, srcStride [MaxDims]int
	s := 1
	for i := len(x.shape) - 1; i >= 0; i-- {
		srcStride[i] = s
		s *= x.shape[i]
	}
	for i, a := range axes {
		stride[i] = srcStride[a]
	}
	switch x.dtype {
	case Float32:
		permute(dst.f32, x.f32, dst.shape, stride[:len(axes)])
	case Float64:
		permute(dst.f64, x.f64, dst.shape, stride[:len(axes)])
	default:
		permute(dst.i64, x.i64, dst.shape, stride[:len(axes)])
	}
}

// permute walks dst in order and gathers from src with the given strides.
func permute[T element](dst, src []T, shape, stride []int) {
	if len(dst) == 0 {
		return
	}
	n := len(shape)
	if n == 0 {
		dst[0] = src[0]
		return
	}
	var idx [MaxDims]int
	inner, is := shape[n-1], stride[n-1]
	off := 0
	for o := 0; o < len(dst); o += inner {
		row := dst[o : o+inner]
		for j := range row {
			row[j] = src[off+j*is]
		}
		i := n - 2
		for ; i >= 0; i-- {
			idx[i]++
			off += stride[i]
			if idx[i] < shape[i] {
				break
			}
			off -= stride[i] * shape[i]
			idx[i] = 0
		}
	}
}

// Concat joins tensors along axis; they must agree on every other
// dimension and on dtype.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor: Concat of nothing")
	}
	first := ts[0]
	if axis < 0 {
		axis += len(first.shape)
	}
	if axis < 0 || axis >= len(first.shape) {
		panic(fmt.Sprintf("tensor: Concat axis %d out of range for shape %v", axis, first.shape))
	}
	shape := append([]int(nil), first.shape...)
	shape[axis] = 0
	for _, t := range ts {
		if len(t.shape) != len(shape) || t.dtype != first.dtype {
			panic(fmt.Sprintf("tensor: Concat of %v %v and %v %v", first.dtype, first.shape, t.dtype, t.shape))
		}
		for i, d := range t.shape {
			if i != axis && d != first.shape[i] {
				panic(fmt.Sprintf("tensor: Concat along axis %d of shapes %v and %v", axis, first.shape, t.shape))
			}
		}
		shape[axis] += t.shape[axis]
	}
	dst := New(first.dtype, shape...)
	outer, _, inner := SplitAxis(shape, axis)
	off := 0
	for o := 0; o < outer; o++ {
		for _, t := range ts {
			n := t.shape[axis] * inner
			copyRange(dst, off, t, o*n, n)
			off += n
		}
	}
	return dst
}

// Split cuts x along axis into pieces of the given sizes, the inverse of
// Concat. The pieces are new tensors.
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	if axis < 0 {
		axis += len(x.shape)
	}
	if axis < 0 || axis >= len(x.shape) {
		panic(fmt.Sprintf("tensor: Split axis %d out of range for shape %v", axis, x.shape))
	}
	total := 0
	for _, s := range sizes {
		total += s
	}
	if total != x.shape[axis] {
		panic(fmt.Sprintf("tensor: Split sizes %v do not add up to dimension %d of shape %v", sizes, axis, x.shape))
	}
	outer, _, inner := SplitAxis(x.shape, axis)
	out := make([]*Tensor, len(sizes))
	for k, s := range sizes {
		shape := append([]int(nil), x.shape...)
		shape[axis] = s
		out[k] = New(x.dtype, shape...)
	}
	off := 0
	for o := 0; o < outer; o++ {
		for k, s := range sizes {
			n := s * inner
			copyRange(out[k], o*n, x, off, n)
			off += n
		}
	}
	return out
}

// Pad returns x surrounded by a border of value (truncated toward zero for
// an int64 x): pads[i] = {before, after}
// elements along dimension i. Fewer pads than dimensions pad the trailing
// dimensions (so one {2, 2} pair pads the last axis, as for a 28→32 image
// pad give two pairs for H and W).
func Pad(x *Tensor, value float64, pads ...[2]int) *Tensor {
	if len(pads) > len(x.shape) {
		panic(fmt.Sprintf("tensor: %d pads for shape %v", len(pads), x.shape))
	}
	full := make([][2]int, len(x.shape))
	copy(full[len(x.shape)-len(pads):], pads)
	shape := make([]int, len(x.shape))
	for i, d := range x.shape {
		if full[i][0] < 0 || full[i][1] < 0 {
			panic(fmt.Sprintf("tensor: negative pad %v", pads))
		}
		shape[i] = d + full[i][0] + full[i][1]
	}
	dst := Full(x.dtype, value, shape...)
	copyInterior(dst, x, full, true)
	return dst
}

// Crop removes a border from x: pads[i] = {before, after} elements along
// dimension i, for the trailing dimensions as in Pad, of which it is the
// inverse. The result is a new tensor.
func Crop(x *Tensor, pads ...[2]int) *Tensor {
	if len(pads) > len(x.shape) {
		panic(fmt.Sprintf("tensor: %d crops for shape %v", len(pads), x.shape))
	}
	n := len(x.shape)
	full := make([][2]int, n)
	copy(full[n-len(pads):], pads)
	shape := make([]int, n)
	for i, d := range x.shape {
		shape[i] = d - full[i][0] - full[i][1]
		if full[i][0] < 0 || full[i][1] < 0 || shape[i] < 0 {
			panic(fmt.Sprintf("tensor: cannot crop %v from shape %v", pads, x.shape))
		}
	}
	dst := New(x.dtype, shape...)
	copyInterior(x, dst, full, false)
	return dst
}

// copyInterior copies between small and the interior of big, the region
// that starts border[i][0] elements into each dimension i and has small's
// shape: into big when toBig, out of it otherwise. It walks small's rows
// (its last dimension), one copy each.
func copyInterior(big, small *Tensor, border [][2]int, toBig bool) {
	n := len(small.shape)
	if small.Len() == 0 {
		return
	}
	if n == 0 {
		if toBig {
			big.CopyFrom(small)
		} else {
			small.CopyFrom(big)
		}
		return
	}
	var idx [MaxDims]int
	inner := small.shape[n-1]
	for s := 0; s < small.Len(); s += inner {
		b := 0
		for i := 0; i < n; i++ {
			c := border[i][0]
			if i < n-1 {
				c += idx[i]
			}
			b = b*big.shape[i] + c
		}
		if toBig {
			copyRange(big, b, small, s, inner)
		} else {
			copyRange(small, s, big, b, inner)
		}
		for i := n - 2; i >= 0; i-- {
			idx[i]++
			if idx[i] < small.shape[i] {
				break
			}
			idx[i] = 0
		}
	}
}

// copyRange copies the n elements of src that start at offset so into dst
// at offset do; the two have the same dtype.
func copyRange(dst *Tensor, do int, src *Tensor, so, n int) {
	switch dst.dtype {
	case Float32:
		copy(dst.f32[do:do+n], src.f32[so:so+n])
	case Float64:
		copy(dst.f64[do:do+n], src.f64[so:so+n])
	default:
		copy(dst.i64[do:do+n], src.i64[so:so+n])
	}
}
