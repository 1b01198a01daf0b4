package tensor

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// DType is the element type of a tensor.
type DType uint8

const (
	// Float32 is the default element type, used for training.
	Float32 DType = iota
	// Float64 is used for gradient checks and statistics.
	Float64
	// Int64 holds integers: class labels, token ids and indices. Tensors
	// of it take part in the shape and copy operations (views, slices,
	// permutations, concatenation, padding, conversions) but not in
	// arithmetic, which panics for them.
	Int64
)

// String returns "float32", "float64" or "int64".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size reports the number of bytes one element occupies.
func (d DType) Size() int {
	if d == Float64 || d == Int64 {
		return 8
	}
	return 4
}

// IsFloat reports whether d is a floating-point type (Float32 or
// Float64), the types that arithmetic accepts.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// MaxDims is the largest number of dimensions a tensor may have.
const MaxDims = 8

// Tensor is a dense, row-major N-dimensional array of float32, float64 or
// int64. The zero value is not usable; make tensors with Zeros,
// FromFloat32 and the other constructors, or from an Arena.
type Tensor struct {
	dtype DType
	shape []int
	dims  [MaxDims]int // backing store for shape, so a tensor is one allocation
	// Exactly the slice of the tensor's dtype is set; the others are nil.
	f32 []float32
	f64 []float64
	i64 []int64
}

// Float is the set of floating-point element types a tensor can hold.
type Float interface{ ~float32 | ~float64 }

// element is the set of every element type a tensor can hold, for the
// loops that only move elements around.
type element interface{ ~float32 | ~float64 | ~int64 }

// checkFloat panics, naming the operation op, unless every tensor of ts
// that is not nil holds float32 or float64 numbers. Every arithmetic entry
// point calls it before choosing between its float64 and float32 loops, so
// that an int64 tensor is refused with a clear message instead of reaching
// a float loop that would find no numbers. It costs a comparison per
// operand and allocates nothing.
func checkFloat(op string, ts ...*Tensor) {
	for _, t := range ts {
		if t != nil && t.dtype > Float64 { // Float32 and Float64 are the two first
			panicNotFloat(op, t.dtype)
		}
	}
}

// panicNotFloat panics with notFloat's message. It is kept out of line so
// that checkFloat is small enough to be inlined into its callers.
//
//go:noinline
func panicNotFloat(op string, d DType) { panic(notFloat(op, d)) }

// notFloat is the message of an operation given a tensor it cannot
// compute with.
func notFloat(op string, d DType) string {
	return "tensor: " + op + " needs float32 or float64 tensors, got " + d.String() +
		" (convert with To(tensor.Float32))"
}

// header returns a new tensor header with the given shape and no data.
func header(dtype DType, shape []int) *Tensor {
	t := &Tensor{}
	t.setShape(dtype, shape)
	return t
}

// setShape validates shape and stores it in t.
func (t *Tensor) setShape(dtype DType, shape []int) {
	if len(shape) > MaxDims {
		panic(fmt.Sprintf("tensor: shape %s has %d dimensions, more than the maximum %d", shapeStr(shape), len(shape), MaxDims))
	}
	for _, d := range shape {
		if d < 0 {
			panic("tensor: negative dimension in shape " + shapeStr(shape))
		}
	}
	t.dtype = dtype
	t.shape = t.dims[:len(shape)]
	copy(t.shape, shape)
}

// Numel returns the number of elements of a tensor with the given shape:
// the product of its dimensions, 1 for a scalar (empty shape).
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic("tensor: negative dimension in shape " + shapeStr(shape))
		}
		if d != 0 && n > math.MaxInt/d {
			panic("tensor: shape " + shapeStr(shape) + " has too many elements")
		}
		n *= d
	}
	return n
}

// New returns a zero-filled tensor of the given type and shape. A call with
// no dimensions makes a scalar.
func New(dtype DType, shape ...int) *Tensor {
	t := header(dtype, shape)
	n := Numel(shape)
	switch dtype {
	case Float32:
		t.f32 = make([]float32, n)
	case Float64:
		t.f64 = make([]float64, n)
	case Int64:
		t.i64 = make([]int64, n)
	default:
		panic(fmt.Sprintf("tensor: unknown dtype %v", dtype))
	}
	return t
}

// Zeros is New: a tensor of zeros.
func Zeros(dtype DType, shape ...int) *Tensor { return New(dtype, shape...) }

// Ones returns a tensor filled with ones.
func Ones(dtype DType, shape ...int) *Tensor { return Full(dtype, 1, shape...) }

// Full returns a tensor with every element equal to v (truncated toward
// zero for Int64, see Fill).
func Full(dtype DType, v float64, shape ...int) *Tensor {
	t := New(dtype, shape...)
	t.Fill(v)
	return t
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(dtype DType, v float64) *Tensor { return Full(dtype, v) }

// FromFloat32 wraps data, without copying it, as a float32 tensor of the
// given shape. With no shape it makes a 1-D tensor of len(data) elements.
// It panics if the shape does not hold exactly len(data) elements.
func FromFloat32(data []float32, shape ...int) *Tensor {
	t := wrap(Float32, len(data), shape)
	t.f32 = data
	return t
}

// FromFloat64 wraps data, without copying it, as a float64 tensor of the
// given shape. With no shape it makes a 1-D tensor of len(data) elements.
// It panics if the shape does not hold exactly len(data) elements.
func FromFloat64(data []float64, shape ...int) *Tensor {
	t := wrap(Float64, len(data), shape)
	t.f64 = data
	return t
}

// FromInt64 wraps data, without copying it, as an int64 tensor of the
// given shape. With no shape it makes a 1-D tensor of len(data) elements.
// It panics if the shape does not hold exactly len(data) elements.
func FromInt64(data []int64, shape ...int) *Tensor {
	t := wrap(Int64, len(data), shape)
	t.i64 = data
	return t
}

// FromInts returns an int64 tensor of the given shape holding a copy of
// data, such as a batch's labels. With no shape it makes a 1-D tensor of
// len(data) elements. It panics if the shape does not hold exactly
// len(data) elements.
func FromInts(data []int, shape ...int) *Tensor {
	t := wrap(Int64, len(data), shape)
	t.i64 = make([]int64, len(data))
	for i, v := range data {
		t.i64[i] = int64(v)
	}
	return t
}

// wrap returns the header of a tensor of the given type and shape (a 1-D
// shape of n elements when none is given) for a slice of n elements,
// panicking if the shape does not hold exactly n.
func wrap(dtype DType, n int, shape []int) *Tensor {
	if len(shape) == 0 {
		shape = []int{n}
	}
	t := header(dtype, shape)
	if want := Numel(shape); want != n {
		panic(fmt.Sprintf("tensor: shape %s needs %d elements, slice has %d", shapeStr(shape), want, n))
	}
	return t
}

// Arange returns the 1-D tensor start, start+step, … of values less than
// stop (greater than stop when step is negative), like NumPy's arange.
// For Int64 each value is truncated toward zero.
func Arange(dtype DType, start, stop, step float64) *Tensor {
	if step == 0 || math.IsNaN(step) {
		panic("tensor: Arange step must be non-zero")
	}
	n := int(math.Ceil((stop - start) / step))
	n = max(n, 0)
	t := New(dtype, n)
	for i := 0; i < n; i++ {
		t.SetFlat(i, start+float64(i)*step)
	}
	return t
}

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Shape returns the dimensions. The slice belongs to the tensor: do not
// modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Dims returns the number of dimensions (0 for a scalar).
func (t *Tensor) Dims() int { return len(t.shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	if i < 0 || i >= len(t.shape) {
		panic(fmt.Sprintf("tensor: dimension %d out of range for shape %v", i, t.shape))
	}
	return t.shape[i]
}

// Len returns the number of elements.
func (t *Tensor) Len() int {
	switch t.dtype {
	case Float32:
		return len(t.f32)
	case Float64:
		return len(t.f64)
	}
	return len(t.i64)
}

// SharesMemory reports whether a and b have elements in common memory:
// one is a view (a reshape, a slice) of the other, or both of a third.
func SharesMemory(a, b *Tensor) bool {
	lo1, hi1 := a.span()
	lo2, hi2 := b.span()
	return lo1 < hi2 && lo2 < hi1
}

// span returns the address range of t's elements, empty for none.
func (t *Tensor) span() (lo, hi uintptr) {
	var p unsafe.Pointer
	var n, size int
	switch {
	case t.dtype == Float32 && len(t.f32) > 0:
		p, n, size = unsafe.Pointer(unsafe.SliceData(t.f32)), len(t.f32), 4
	case t.dtype == Float64 && len(t.f64) > 0:
		p, n, size = unsafe.Pointer(unsafe.SliceData(t.f64)), len(t.f64), 8
	case t.dtype == Int64 && len(t.i64) > 0:
		p, n, size = unsafe.Pointer(unsafe.SliceData(t.i64)), len(t.i64), 8
	default:
		return 0, 0
	}
	return uintptr(p), uintptr(p) + uintptr(n*size)
}

// F32 returns the elements of a float32 tensor, sharing memory with it. It
// panics for a tensor of another type.
func (t *Tensor) F32() []float32 {
	if t.dtype != Float32 {
		panic(fmt.Sprintf("tensor: F32 called on a tensor of %v", t.dtype))
	}
	return t.f32
}

// F64 returns the elements of a float64 tensor, sharing memory with it. It
// panics for a tensor of another type.
func (t *Tensor) F64() []float64 {
	if t.dtype != Float64 {
		panic(fmt.Sprintf("tensor: F64 called on a tensor of %v", t.dtype))
	}
	return t.f64
}

// I64 returns the elements of an int64 tensor, sharing memory with it. It
// panics for a tensor of another type; Int64s converts instead.
func (t *Tensor) I64() []int64 {
	if t.dtype != Int64 {
		panic(fmt.Sprintf("tensor: I64 called on a tensor of %v", t.dtype))
	}
	return t.i64
}

// Float64s returns a new []float64 holding a copy of the elements, whatever
// the tensor's type. Integers beyond ±2⁵³ are rounded to the nearest
// float64.
func (t *Tensor) Float64s() []float64 {
	out := make([]float64, t.Len())
	switch t.dtype {
	case Float32:
		convert(out, t.f32)
	case Float64:
		copy(out, t.f64)
	case Int64:
		convert(out, t.i64)
	}
	return out
}

// Int64s returns a new []int64 holding a copy of the elements, whatever
// the tensor's type: floats are truncated toward zero, as PyTorch's
// .long() does. It panics for a NaN, an infinity or a value outside the
// range of int64.
func (t *Tensor) Int64s() []int64 {
	out := make([]int64, t.Len())
	switch t.dtype {
	case Float32:
		truncate(out, t.f32)
	case Float64:
		truncate(out, t.f64)
	case Int64:
		copy(out, t.i64)
	}
	return out
}

// convert copies src into dst with Go's conversion, which rounds an
// integer or a float64 to the nearest representable float.
func convert[D, S element](dst []D, src []S) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = D(v)
	}
}

// truncate copies the floats of src into dst, each truncated toward zero
// by toInt64.
func truncate[S Float](dst []int64, src []S) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = toInt64(float64(v))
	}
}

// toInt64 returns v truncated toward zero. It panics for NaN, an infinity
// or a value outside int64's range, whose conversion Go leaves to the
// machine.
func toInt64(v float64) int64 {
	// -2⁶³ is exact in float64; 2⁶³ is the first value too large.
	if !(v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
		panic(fmt.Sprintf("tensor: %v does not fit in an int64", v))
	}
	return int64(v)
}

// Flat returns element i in row-major order, as a float64. An int64
// beyond ±2⁵³ is rounded to the nearest float64; I64 reads it exactly.
func (t *Tensor) Flat(i int) float64 {
	switch t.dtype {
	case Float32:
		return float64(t.f32[i])
	case Float64:
		return t.f64[i]
	}
	return float64(t.i64[i])
}

// SetFlat sets element i in row-major order. For an int64 tensor v is
// truncated toward zero; it panics if v is NaN, infinite or outside the
// range of int64.
func (t *Tensor) SetFlat(i int, v float64) {
	switch t.dtype {
	case Float32:
		t.f32[i] = float32(v)
	case Float64:
		t.f64[i] = v
	default:
		t.i64[i] = toInt64(v)
	}
}

// offset returns the flat offset of the element at index idx.
func (t *Tensor) offset(idx []int) int {
	if len(idx) != len(t.shape) {
		panic("tensor: index " + shapeStr(idx) + " does not match shape " + shapeStr(t.shape))
	}
	off := 0
	for i, v := range idx {
		if v < 0 || v >= t.shape[i] {
			panic("tensor: index " + shapeStr(idx) + " out of range for shape " + shapeStr(t.shape))
		}
		off = off*t.shape[i] + v
	}
	return off
}

// At returns the element at the given index, as a float64.
func (t *Tensor) At(idx ...int) float64 { return t.Flat(t.offset(idx)) }

// Set stores v at the given index.
func (t *Tensor) Set(v float64, idx ...int) { t.SetFlat(t.offset(idx), v) }

// Item returns the value of a tensor holding exactly one element.
func (t *Tensor) Item() float64 {
	if t.Len() != 1 {
		panic(fmt.Sprintf("tensor: Item called on a tensor of shape %v", t.shape))
	}
	return t.Flat(0)
}

// Fill sets every element to v. For an int64 tensor v is truncated
// toward zero; it panics if v is NaN, infinite or outside the range of
// int64.
func (t *Tensor) Fill(v float64) {
	switch t.dtype {
	case Float32:
		fill(t.f32, float32(v))
	case Float64:
		fill(t.f64, v)
	default:
		fill(t.i64, toInt64(v))
	}
}

func fill[T element](s []T, v T) {
	if v == 0 {
		clear(s)
		return
	}
	for i := range s {
		s[i] = v
	}
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { t.Fill(0) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := header(t.dtype, t.shape)
	switch t.dtype {
	case Float32:
		c.f32 = append([]float32(nil), t.f32...)
	case Float64:
		c.f64 = append([]float64(nil), t.f64...)
	default:
		c.i64 = append([]int64(nil), t.i64...)
	}
	return c
}

// CopyFrom copies the elements of src into t, converting between types if
// needed: float64 to float32 and int64 to a float round to the nearest
// representable value, and a float to int64 is truncated toward zero, as
// PyTorch's .long() does (it panics for NaN, an infinity or a value
// outside int64's range). The two must have the same number of elements;
// shapes may differ.
func (t *Tensor) CopyFrom(src *Tensor) {
	if t.Len() != src.Len() {
		panic(fmt.Sprintf("tensor: CopyFrom shape %v into shape %v", src.shape, t.shape))
	}
	switch t.dtype {
	case Float32:
		copyInto(t.f32, src)
	case Float64:
		copyInto(t.f64, src)
	default:
		switch src.dtype {
		case Float32:
			truncate(t.i64, src.f32)
		case Float64:
			truncate(t.i64, src.f64)
		default:
			copy(t.i64, src.i64)
		}
	}
}

// copyInto copies src's elements into the float slice dst, converting
// them to its type.
func copyInto[D Float](dst []D, src *Tensor) {
	switch src.dtype {
	case Float32:
		convert(dst, src.f32)
	case Float64:
		convert(dst, src.f64)
	default:
		convert(dst, src.i64)
	}
}

// To returns t converted to dtype (see CopyFrom for how); it returns t
// itself when the type already matches.
func (t *Tensor) To(dtype DType) *Tensor {
	if t.dtype == dtype {
		return t
	}
	c := New(dtype, t.shape...)
	c.CopyFrom(t)
	return c
}

// SameShape reports whether t and u have identical shapes.
func (t *Tensor) SameShape(u *Tensor) bool { return EqualShapes(t.shape, u.shape) }

// EqualShapes reports whether two shapes are identical.
func EqualShapes(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Reshape returns a view of t with a new shape holding the same number of
// elements; it shares t's data. One dimension may be -1, meaning whatever
// size makes the element count match.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	v := header(t.dtype, nil)
	v.reshapeFrom(t, shape)
	return v
}

// reshapeFrom makes v a view of t with the given shape.
func (v *Tensor) reshapeFrom(t *Tensor, shape []int) {
	if len(shape) > MaxDims {
		panic("tensor: too many dimensions in shape " + shapeStr(shape))
	}
	var buf [MaxDims]int
	s := buf[:len(shape)]
	copy(s, shape)
	infer := -1
	known := 1
	for i, d := range s {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic("tensor: cannot reshape " + shapeStr(t.shape) + " to " + shapeStr(shape))
		default:
			known *= d
		}
	}
	n := t.Len()
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			panic("tensor: cannot reshape " + shapeStr(t.shape) + " to " + shapeStr(shape))
		}
		s[infer] = n / known
	}
	if Numel(s) != n {
		panic(fmt.Sprintf("tensor: cannot reshape %s (%d elements) to %s", shapeStr(t.shape), n, shapeStr(shape)))
	}
	v.setShape(t.dtype, s)
	v.f32, v.f64, v.i64 = t.f32, t.f64, t.i64
}

// Slice returns the view t[lo:hi] along the leading axis (a range of a
// batch); it shares t's data.
func (t *Tensor) Slice(lo, hi int) *Tensor {
	v := header(t.dtype, nil)
	v.sliceFrom(t, lo, hi)
	return v
}

func (v *Tensor) sliceFrom(t *Tensor, lo, hi int) {
	if len(t.shape) == 0 {
		panic("tensor: cannot slice a scalar")
	}
	if lo < 0 || hi < lo || hi > t.shape[0] {
		panic(fmt.Sprintf("tensor: slice [%d:%d] out of range for shape %v", lo, hi, t.shape))
	}
	row := 1
	for _, d := range t.shape[1:] {
		row *= d
	}
	v.setShape(t.dtype, t.shape)
	v.shape[0] = hi - lo
	switch t.dtype {
	case Float32:
		v.f32 = t.f32[lo*row : hi*row : hi*row]
	case Float64:
		v.f64 = t.f64[lo*row : hi*row : hi*row]
	default:
		v.i64 = t.i64[lo*row : hi*row : hi*row]
	}
}

// Index returns the view t[i] along the leading axis, with one dimension
// fewer.
func (t *Tensor) Index(i int) *Tensor {
	s := t.Slice(i, i+1)
	s.shape = s.dims[:copy(s.dims[:], t.shape[1:])]
	return s
}

// String formats the tensor like NumPy, eliding the middle of long
// dimensions; floats are printed with four significant digits and integers
// in full.
func (t *Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tensor(%v, %v) ", t.shape, t.dtype)
	t.format(&b, 0, 0)
	return b.String()
}

func (t *Tensor) format(b *strings.Builder, dim, off int) {
	if dim == len(t.shape) {
		if t.dtype == Int64 {
			b.WriteString(strconv.FormatInt(t.i64[off], 10))
		} else {
			fmt.Fprintf(b, "%.4g", t.Flat(off))
		}
		return
	}
	stride := 1
	for _, d := range t.shape[dim+1:] {
		stride *= d
	}
	n := t.shape[dim]
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if n > 8 && i == 3 {
			b.WriteString(" …")
			i = n - 4
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		t.format(b, dim+1, off+i*stride)
	}
	b.WriteByte(']')
}

// shapeStr formats a shape like fmt's %v ("[2 3]") without letting the
// slice escape to the heap, so that variadic shape arguments stay on the
// caller's stack.
func shapeStr(s []int) string {
	b := make([]byte, 0, 2+4*len(s))
	b = append(b, '[')
	for i, d := range s {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	return string(append(b, ']'))
}

// Convert changes t's element type in place, converting every element as
// CopyFrom does (float64 to float32 rounds, a float to int64 truncates
// toward zero). Views made of t earlier keep the old data.
func (t *Tensor) Convert(dtype DType) {
	if t.dtype == dtype {
		return
	}
	c := t.To(dtype)
	t.dtype, t.f32, t.f64, t.i64 = dtype, c.f32, c.f64, c.i64
}
