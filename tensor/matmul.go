package tensor

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// MatMul returns the matrix product of a and b. Two 2-D tensors (m×k and
// k×n) give an m×n product. With 3-D tensors the leading axis is a batch:
// (B, m, k)·(B, k, n) → (B, m, n); a 2-D operand is shared by every batch
// entry of the other.
func MatMul(a, b *Tensor) *Tensor {
	var buf [3]int
	dst := New(a.dtype, matMulShape(&buf, a.shape, b.shape, false, false)...)
	MatMulTo(dst, a, b, false, false)
	return dst
}

// MatMulShape returns the shape of op(a)·op(b) for operand shapes a and b,
// where op transposes the last two axes when the flag is set. It panics
// with both shapes when they do not fit.
func MatMulShape(a, b []int, transA, transB bool) []int {
	var buf [3]int
	return append([]int(nil), matMulShape(&buf, a, b, transA, transB)...)
}

// matMulShape is MatMulShape writing into buf.
func matMulShape(buf *[3]int, a, b []int, transA, transB bool) []int {
	ba, m, ka := matDims(a, transA)
	bb, kb, n := matDims(b, transB)
	if ka != kb || (ba != 0 && bb != 0 && ba != bb) || len(a) < 2 || len(b) < 2 || len(a) > 3 || len(b) > 3 {
		panic("tensor: cannot multiply shapes " + shapeStr(a) + tmark(transA) + " and " + shapeStr(b) + tmark(transB))
	}
	if batch := max(ba, bb); len(a) == 3 || len(b) == 3 {
		*buf = [3]int{batch, m, n}
		return buf[:3]
	}
	*buf = [3]int{m, n}
	return buf[:2]
}

func tmark(t bool) string {
	if t {
		return "ᵀ"
	}
	return ""
}

// matDims returns the batch size (0 for a 2-D shape) and the rows and
// columns of op(x).
func matDims(s []int, trans bool) (batch, r, c int) {
	switch len(s) {
	case 2:
		r, c = s[0], s[1]
	case 3:
		batch, r, c = s[0], s[1], s[2]
	default:
		return -1, -1, -2
	}
	if trans {
		r, c = c, r
	}
	return batch, r, c
}

// MatMulTo writes op(a)·op(b) into dst, where op transposes the last two
// axes of an operand whose flag is set. Shapes follow MatMul.
func MatMulTo(dst, a, b *Tensor, transA, transB bool) {
	MatMulAddTo(dst, a, b, transA, transB, 0)
}

// LinearTo writes x·wᵀ + b into dst (N, out) for x (N, in), weights w
// (out, in) and a bias b (out) or nil: a linear layer's forward pass.
// In float32 the bias is added inside the matrix product, to each tile
// of dst as it is finished, rather than in a pass of its own; the result
// is the same to the bit.
func LinearTo(dst, x, w, b *Tensor) { linearTo(dst, x, w, b, false) }

// LinearReLUTo writes ReLU(x·wᵀ + b) into dst: LinearTo then ReLU, to
// the bit. In float32 the bias and the ReLU are applied inside the
// matrix product, to each tile of dst as it is finished, by the worker
// that computed it.
func LinearReLUTo(dst, x, w, b *Tensor) { linearTo(dst, x, w, b, true) }

// linearTo is LinearTo followed, with relu, by ReLU.
func linearTo(dst, x, w, b *Tensor, relu bool) {
	if dst.dtype != Float32 || (b == nil && !relu) {
		MatMulTo(dst, x, w, false, true)
		if b != nil {
			AddTo(dst, dst, b)
		}
		if relu {
			UnaryTo(OpReLU, dst, dst, 0)
		}
		return
	}
	checkFloat("linear", dst, x, w)
	if x.Dims() != 2 || w.Dims() != 2 || dst.Dims() != 2 || x.shape[1] != w.shape[1] ||
		dst.shape[0] != x.shape[0] || dst.shape[1] != w.shape[0] || x.dtype != Float32 || w.dtype != Float32 ||
		(b != nil && (b.Dims() != 1 || b.shape[0] != w.shape[0] || b.dtype != Float32)) {
		bias := "none"
		if b != nil {
			bias = fmt.Sprintf("%v %v", b.dtype, b.shape)
		}
		panic(fmt.Sprintf("tensor: linear of %v %v, weights %v %v and bias %s into %v %v", x.dtype, x.shape, w.dtype, w.shape, bias, dst.dtype, dst.shape))
	}
	n, in, out := x.shape[0], x.shape[1], w.shape[0]
	if !relu {
		kernels.SgemmBias(false, true, n, out, in, 1, x.f32, in, w.f32, in, 0, b.f32, dst.f32, out)
		return
	}
	var bias []float32
	if b != nil {
		bias = b.f32
	}
	kernels.SgemmBiasReLU(false, true, n, out, in, 1, x.f32, in, w.f32, in, 0, bias, dst.f32, out)
}

// ReLUGradBiasTo is the backward pass of LinearReLUTo's ReLU and bias:
// for y = LinearReLUTo's output and g its gradient, both (N, out), it
// sets gx to g where y is not ≤ 0 and to 0 elsewhere (UnaryGradSetTo of
// OpReLU, to the bit), and when gb (out) is not nil adds gx's sum over
// the rows to it (AccumulateTo, to the bit). In float32 it is one pass
// over the rows (kernels.ReLUGradBias).
func ReLUGradBiasTo(gx, g, y, gb *Tensor) {
	checkFloat("relu gradient", gx, g, y)
	if gx.Dims() != 2 || !EqualShapes(gx.shape, g.shape) || !EqualShapes(gx.shape, y.shape) ||
		gx.dtype != g.dtype || gx.dtype != y.dtype || (gb != nil && (gb.Dims() != 1 || gb.shape[0] != gx.shape[1] || gb.dtype != gx.dtype)) {
		panic(fmt.Sprintf("tensor: relu gradient of %v %v for %v %v into %v %v", g.dtype, g.shape, y.dtype, y.shape, gx.dtype, gx.shape))
	}
	if gx.dtype != Float32 {
		UnaryGradSetTo(OpReLU, gx, g, y, y, 0)
		if gb != nil {
			AccumulateTo(gb, gx)
		}
		return
	}
	var bias []float32
	if gb != nil {
		bias = gb.f32
	}
	kernels.ReLUGradBias(gx.f32, g.f32, y.f32, gx.shape[0], gx.shape[1], bias)
}

// MatMulAddTo writes op(a)·op(b) + beta·dst into dst (beta = 1 accumulates,
// as when summing gradients). Shapes follow MatMul.
func MatMulAddTo(dst, a, b *Tensor, transA, transB bool, beta float64) {
	checkFloat("matmul", dst, a, b)
	var buf [3]int
	want := matMulShape(&buf, a.shape, b.shape, transA, transB)
	if !EqualShapes(want, dst.shape) {
		panic("tensor: product of " + shapeStr(a.shape) + tmark(transA) + " and " + shapeStr(b.shape) + tmark(transB) + " is " + shapeStr(want) + ", destination is " + shapeStr(dst.shape))
	}
	if a.dtype != b.dtype || a.dtype != dst.dtype {
		panic(fmt.Sprintf("tensor: matmul of %v and %v into %v", a.dtype, b.dtype, dst.dtype))
	}
	_, m, k := matDims(a.shape, transA)
	n := dst.shape[len(dst.shape)-1]
	lda, ldb := a.shape[len(a.shape)-1], b.shape[len(b.shape)-1]
	// A batched a with a shared, untransposed b is one tall product.
	if len(a.shape) == 3 && len(b.shape) == 2 && !transA {
		m *= a.shape[0]
		gemm(dst, a, b, 0, 0, 0, transA, transB, m, n, k, lda, ldb, beta)
		return
	}
	batch := 1
	if len(dst.shape) == 3 {
		batch = dst.shape[0]
	}
	sa, sb := 0, 0
	if len(a.shape) == 3 {
		sa = a.shape[1] * a.shape[2]
	}
	if len(b.shape) == 3 {
		sb = b.shape[1] * b.shape[2]
	}
	for i := 0; i < batch; i++ {
		gemm(dst, a, b, i*m*n, i*sa, i*sb, transA, transB, m, n, k, lda, ldb, beta)
	}
}

func gemm(dst, a, b *Tensor, od, oa, ob int, transA, transB bool, m, n, k, lda, ldb int, beta float64) {
	if dst.dtype == Float64 {
		kernels.Dgemm(transA, transB, m, n, k, 1, a.f64[oa:], lda, b.f64[ob:], ldb, beta, dst.f64[od:], n)
		return
	}
	kernels.Sgemm(transA, transB, m, n, k, 1, a.f32[oa:], lda, b.f32[ob:], ldb, float32(beta), dst.f32[od:], n)
}

// Im2col unfolds a batch of images x (N, C, H, W) into columns for a
// kh×kw window with the given stride and zero padding: the result has shape
// (N, C·kh·kw, OH·OW); see kernels.Im2col for the layout.
func Im2col(x *Tensor, kh, kw, stride, pad int) *Tensor {
	checkFloat("im2col", x)
	g := convGeom(x.shape, kh, kw, stride, pad)
	n := x.shape[0]
	dst := New(x.dtype, n, g.C*g.KH*g.KW, g.OutH()*g.OutW())
	in, out := g.C*g.H*g.W, g.C*g.KH*g.KW*g.OutH()*g.OutW()
	for i := 0; i < n; i++ {
		if x.dtype == Float64 {
			kernels.Im2col(dst.f64[i*out:(i+1)*out], x.f64[i*in:(i+1)*in], g)
		} else {
			kernels.Im2col(dst.f32[i*out:(i+1)*out], x.f32[i*in:(i+1)*in], g)
		}
	}
	return dst
}

// Col2im folds columns (N, C·kh·kw, OH·OW) back into images of the given
// NCHW shape, summing entries that map to the same pixel: the adjoint of
// Im2col.
func Col2im(cols *Tensor, shape []int, kh, kw, stride, pad int) *Tensor {
	checkFloat("col2im", cols)
	g := convGeom(shape, kh, kw, stride, pad)
	n := shape[0]
	want := []int{n, g.C * g.KH * g.KW, g.OutH() * g.OutW()}
	if !EqualShapes(cols.shape, want) {
		panic(fmt.Sprintf("tensor: Col2im of %v into images %v needs columns %v", cols.shape, shape, want))
	}
	dst := New(cols.dtype, shape...)
	in, out := g.C*g.H*g.W, want[1]*want[2]
	for i := 0; i < n; i++ {
		if cols.dtype == Float64 {
			kernels.Col2im(dst.f64[i*in:(i+1)*in], cols.f64[i*out:(i+1)*out], g)
		} else {
			kernels.Col2im(dst.f32[i*in:(i+1)*in], cols.f32[i*out:(i+1)*out], g)
		}
	}
	return dst
}
