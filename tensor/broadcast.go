package tensor

import "fmt"

// BroadcastShapes returns the shape that NumPy's broadcasting rules give
// for operands of shapes a and b: shapes are aligned at their last
// dimension, and each pair of dimensions must be equal or one of them 1. It
// panics, naming both shapes, when they are incompatible.
func BroadcastShapes(a, b []int) []int {
	out, ok := broadcastShapes(nil, a, b)
	if !ok {
		panic("tensor: shapes " + shapeStr(a) + " and " + shapeStr(b) + " do not broadcast")
	}
	return out
}

// AppendBroadcastShape appends the broadcast shape of a and b (see
// BroadcastShapes) to dst and returns the extended slice, so that a caller
// with a buffer allocates nothing.
func AppendBroadcastShape(dst, a, b []int) []int {
	out, ok := broadcastShapes(dst, a, b)
	if !ok {
		panic("tensor: shapes " + shapeStr(a) + " and " + shapeStr(b) + " do not broadcast")
	}
	return out
}

// broadcastShapes appends the broadcast shape of a and b to dst.
func broadcastShapes(dst, a, b []int) ([]int, bool) {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			dst = append(dst, da)
		case da == 1:
			dst = append(dst, db)
		default:
			return dst, false
		}
	}
	return dst, true
}

// loop is an iteration plan over an output shape for up to two operands
// whose shapes broadcast to it. Each operand has a stride per output
// dimension (0 where it is broadcast); adjacent dimensions that are laid out
// contiguously in every operand are merged, so that the common cases (equal
// shapes, a bias broadcast over rows) become one or two flat loops.
type loop struct {
	n      int // number of dimensions after merging
	shape  [MaxDims]int
	stride [2][MaxDims]int
}

// newLoop plans the iteration of out over the operand shapes (one or two).
// An operand's shape must broadcast to out.
func newLoop(out []int, operands ...[]int) loop {
	var l loop
	nd := len(out)
	if nd == 0 {
		l.n = 1
		l.shape[0] = 1
		return l
	}
	for k, s := range operands {
		if len(s) > nd {
			panic(fmt.Sprintf("tensor: shape %v does not broadcast to %v", s, out))
		}
		st := 1
		for i := nd - 1; i >= 0; i-- {
			j := len(s) - nd + i
			d := 1
			if j >= 0 {
				d = s[j]
			}
			switch {
			case d == out[i]:
				l.stride[k][i] = st
				if d == 1 {
					l.stride[k][i] = 0
				}
			case d == 1:
				l.stride[k][i] = 0
			default:
				panic(fmt.Sprintf("tensor: shape %v does not broadcast to %v", s, out))
			}
			st *= d
		}
	}
	// Drop dimensions of size 1, which carry no stride information, then
	// merge a dimension into the one before it whenever every operand's
	// stride allows.
	m := -1
	for i := 0; i < nd; i++ {
		if out[i] == 1 {
			continue
		}
		merge := m >= 0
		for k := range operands {
			if merge && l.stride[k][m] != l.stride[k][i]*out[i] {
				merge = false
			}
		}
		if merge {
			l.shape[m] *= out[i]
		} else {
			m++
			l.shape[m] = out[i]
		}
		for k := range operands {
			l.stride[k][m] = l.stride[k][i]
		}
	}
	if m < 0 { // every dimension is 1
		l.n = 1
		l.shape[0] = 1
		l.stride = [2][MaxDims]int{}
		return l
	}
	l.n = m + 1
	return l
}

// rows calls fn for every run of the innermost (merged) dimension: the
// output offset (the output is contiguous), each operand's offset, the run
// length and each operand's stride within the run (0 or 1 ordinarily).
func (l *loop) rows(fn func(o, a, b, n, sa, sb int)) {
	last := l.n - 1
	inner := l.shape[last]
	sa, sb := l.stride[0][last], l.stride[1][last]
	if l.n == 1 {
		fn(0, 0, 0, inner, sa, sb)
		return
	}
	var idx [MaxDims]int
	a, b, o := 0, 0, 0
	for {
		fn(o, a, b, inner, sa, sb)
		o += inner
		// Advance the odometer over the outer dimensions.
		i := last - 1
		for ; i >= 0; i-- {
			idx[i]++
			a += l.stride[0][i]
			b += l.stride[1][i]
			if idx[i] < l.shape[i] {
				break
			}
			a -= l.stride[0][i] * l.shape[i]
			b -= l.stride[1][i] * l.shape[i]
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}
