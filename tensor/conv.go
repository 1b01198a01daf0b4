package tensor

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// This file is the convolution and pooling half of the backend seam: the
// graph asks for "a convolution of x with w" and everything about how —
// one matrix product when the window covers the whole image, a direct
// AVX-512 kernel for small images, im2col and GEMM otherwise; the weight
// packing; the per-worker scratch buffers; the split of the batch among
// workers and the fixed-order sum of their partial weight gradients — is
// decided here, below the graph, where a second backend would decide
// differently.

// convGeom returns the kernels' description of a square-strided,
// square-padded kh×kw window over images of NCHW shape, panicking with the
// shape when it is not 4-D or the window does not fit.
func convGeom(shape []int, kh, kw, stride, pad int) kernels.ConvGeom {
	if len(shape) != 4 {
		panic(fmt.Sprintf("tensor: images must be NCHW (4-D), got shape %v", shape))
	}
	g := kernels.ConvGeom{C: shape[1], H: shape[2], W: shape[3], KH: kh, KW: kw, StrideH: stride, StrideW: stride, PadH: pad, PadW: pad}
	g.Validate()
	return g
}

// AppendConv2DShape appends to dst the output shape (N, O, OH, OW) of a 2-D
// convolution of images x (N, C, H, W) with filters w (O, C, KH, KW) moved
// by stride over the image padded with pad zeros on every side, and returns
// the extended slice. It panics naming both shapes when they do not fit.
func AppendConv2DShape(dst []int, x, w []int, stride, pad int) []int {
	if len(x) != 4 || len(w) != 4 || x[1] != w[1] {
		panic(fmt.Sprintf("tensor: conv2d: input %v does not fit filters %v (want (N, C, H, W) and (O, C, KH, KW))", x, w))
	}
	g := convGeom(x, w[2], w[3], stride, pad)
	return append(dst, x[0], w[0], g.OutH(), g.OutW())
}

// AppendPool2DShape appends to dst the output shape (N, C, OH, OW) of
// pooling k×k windows moved by stride over images x (N, C, H, W).
func AppendPool2DShape(dst []int, x []int, k, stride int) []int {
	g := convGeom(x, k, k, stride, 0)
	return append(dst, x[0], x[1], g.OutH(), g.OutW())
}

// f32s and f64s give the elements of a tensor (nil for a nil tensor) to
// the generic loops below without boxing slices in interfaces.
func f32s(t *Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.f32
}

func f64s(t *Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.f64
}

// Conv2DTo writes into dst (N, O, OH, OW) the 2-D convolution (strictly,
// cross-correlation, as in every deep-learning library) of the images x
// (N, C, H, W) with the filters w (O, C, KH, KW), plus the bias b (O) or
// nil, with the given stride and zero padding on every side. Scratch
// memory comes from ar (nil: the heap).
//
// Each image is unfolded with im2col into a C·KH·KW × OH·OW matrix, which
// the filters, viewed as an O × C·KH·KW matrix, multiply into the O × OH·OW
// output; small images use a direct kernel instead, and a window that
// covers the whole unpadded image, like LeNet-5's C5, is a fully connected
// layer and runs as one matrix product over the batch. The images are
// shared among the workers, each unfolding into a buffer of its own.
func Conv2DTo(dst, x, w, b *Tensor, stride, pad int, ar *Arena) {
	conv2D(dst, x, w, b, stride, pad, NoActivation, ar)
}

// conv2D is Conv2DTo, followed by act on each image's output while it
// is in cache.
func conv2D(dst, x, w, b *Tensor, stride, pad int, act Activation, ar *Arena) {
	checkFloat("conv2d", dst, x, w, b)
	var buf [4]int
	want := AppendConv2DShape(buf[:0], x.shape, w.shape, stride, pad)
	if !EqualShapes(want, dst.shape) || dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: conv2d of %v %v with %v %v into %v %v", x.dtype, x.shape, w.dtype, w.shape, dst.dtype, dst.shape))
	}
	checkFilters("conv2d", x, w, b)
	o := w.shape[0]
	geo := convGeom(x.shape, w.shape[2], w.shape[3], stride, pad)
	if x.dtype == Float64 {
		convForward(ar, f64s, dst.f64, x.f64, w.f64, f64s(b), x.shape[0], o, geo, act)
	} else {
		convForward(ar, f32s, dst.f32, x.f32, w.f32, f32s(b), x.shape[0], o, geo, act)
	}
}

// checkFilters panics unless the filters w and bias b (or nil) of a
// convolution fit each other and the images x's dtype.
func checkFilters(name string, x, w, b *Tensor) {
	if x.dtype != w.dtype {
		panic(fmt.Sprintf("tensor: %s of %v images with %v filters", name, x.dtype, w.dtype))
	}
	if b != nil && (len(b.shape) != 1 || b.shape[0] != w.shape[0] || b.dtype != x.dtype) {
		panic(fmt.Sprintf("tensor: %s: bias %v %v does not fit filters %v", name, b.dtype, b.shape, w.shape))
	}
}

// Conv2DBackward adds to gx, gw and gb (each nil when not wanted) the
// gradients of a convolution (see Conv2DTo) of x with w, given gout, the
// gradient of its output. Backward multiplies by the transposes: the
// filters' gradient is g·colsᵀ summed over the images, and the input's
// gradient is Wᵀ·g folded back with col2im. The filters' gradient is
// summed over workers in a fixed order, so results do not depend on
// scheduling.
func Conv2DBackward(gx, gw, gb, gout, x, w *Tensor, stride, pad int, ar *Arena) {
	conv2DBackward(gx, gw, gb, gout, x, w, stride, pad, ar, false)
}

// Conv2DBackwardSetX is Conv2DBackward writing the input's gradient into
// gx, whatever gx held, instead of adding it there; gw and gb are added
// to as before. It saves clearing gx first.
func Conv2DBackwardSetX(gx, gw, gb, gout, x, w *Tensor, stride, pad int, ar *Arena) {
	conv2DBackward(gx, gw, gb, gout, x, w, stride, pad, ar, true)
}

func conv2DBackward(gx, gw, gb, gout, x, w *Tensor, stride, pad int, ar *Arena, setX bool) {
	checkFloat("conv2d gradient", gx, gw, gb, gout, x, w)
	geo := convGeom(x.shape, w.shape[2], w.shape[3], stride, pad)
	for _, c := range [...]struct{ g, v *Tensor }{{gx, x}, {gw, w}} {
		if c.g != nil && (c.g.dtype != c.v.dtype || !c.g.SameShape(c.v)) {
			panic(fmt.Sprintf("tensor: conv2d gradient %v %v for %v %v", c.g.dtype, c.g.shape, c.v.dtype, c.v.shape))
		}
	}
	if gb != nil && (gb.Len() != w.shape[0] || gb.dtype != x.dtype) {
		panic(fmt.Sprintf("tensor: conv2d bias gradient %v for filters %v", gb.shape, w.shape))
	}
	n, o := x.shape[0], w.shape[0]
	if x.dtype == Float64 {
		convBackward(ar, f64s, f64s(gx), f64s(gw), f64s(gb), gout.f64, x.f64, w.f64, n, o, geo, setX)
	} else {
		convBackward(ar, f32s, f32s(gx), f32s(gw), f32s(gb), gout.f32, x.f32, w.f32, n, o, geo, setX)
	}
}

// sum adds up a slice (float32 with the vector kernel).
func sum[T float](x []T) T {
	if f, ok := any(x).([]float32); ok {
		return T(kernels.SumF32(f))
	}
	var s T
	for _, v := range x {
		s += v
	}
	return s
}

// runsDirect reports whether convForward computes a convolution of
// geometry geo in dtype dt on the direct kernels (convDirect): small
// float32 images, a window smaller than the image.
func runsDirect(dt DType, geo kernels.ConvGeom) bool {
	return dt == Float32 && !fullWindow(geo) && kernels.DirectConvPadded(geo)
}

// convDirect is convForward on the direct kernels (runsDirect): the
// filters repacked once and each image's padding written out into a
// worker's scratch. ep says what is done to each image's convolution
// while it is in cache: an activation, then, with a pooling, the image's
// convolution goes into another scratch of the worker's instead, and out
// receives its pooling (one plane a channel).
func convDirect(ar *Arena, out, x, w, bias []float32, n, o int, geo kernels.ConvGeom, ep convEpilogue) {
	ohw, in := geo.OutH()*geo.OutW(), geo.C*geo.H*geo.W
	wt := ar.Empty(Float32, kernels.PackedConvWeights(geo, o)).f32
	b8 := ar.Empty(Float32, (o+7)/8*8).f32
	kernels.PackConvWeights(wt, b8, w, bias, geo, o)
	// A worker's scratch: the padded image, then, with a pooling, the
	// image's convolution before it.
	ps, cs, per := kernels.DirectPaddedScratch(geo, o), 0, o*ohw
	if ep.pool != nil {
		cs, per = o*ohw, o*ep.pool.OutH()*ep.pool.OutW()
	}
	chunks := kernels.Chunks(n, 1)
	scratch := ar.Empty(Float32, chunks*(ps+cs)).f32
	kernels.ParallelChunks(n, chunks, func(wk, lo, hi int) {
		mine := scratch[wk*(ps+cs) : (wk+1)*(ps+cs)]
		pad, conv := mine[:ps], mine[ps:]
		for i := lo; i < hi; i++ {
			oi := out[i*per : (i+1)*per]
			ci := oi
			if ep.pool != nil {
				ci = conv
			}
			kernels.ConvForwardDirectPadded(ci, x[i*in:(i+1)*in], pad, wt, b8, geo, o)
			ep.finish(oi, ci)
		}
	})
}

// convEpilogue is what a convolution does to each image's output while
// it is in cache (convDirect): an activation, then maybe a pooling.
type convEpilogue struct {
	act  Activation
	kind PoolKind
	pool *kernels.ConvGeom // one image's planes; nil for no pooling
}

// finish applies the epilogue to ci, one image's convolution, writing
// its pooling, if any, into oi.
func (ep convEpilogue) finish(oi, ci []float32) {
	activate(ep.act, ci)
	switch {
	case ep.pool == nil:
	case ep.kind == AvgPool:
		kernels.AvgPool(oi, ci, *ep.pool)
	default:
		kernels.MaxPool(oi, ci, *ep.pool)
	}
}

// fullWindow reports whether a convolution's window covers its whole
// unpadded input, so that it is a fully connected layer.
func fullWindow(geo kernels.ConvGeom) bool {
	return geo.PadH == 0 && geo.PadW == 0 && geo.KH == geo.H && geo.KW == geo.W
}

// gemmT dispatches a matrix product C = op(A)·op(B) + beta·C to the float32
// or float64 kernel.
func gemmT[T float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		kernels.Sgemm(transA, transB, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		kernels.Dgemm(transA, transB, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

func convForward[T float](ar *Arena, elems func(*Tensor) []T, out, x, w, bias []T, n, o int, geo kernels.ConvGeom, act Activation) {
	ckk, ohw, in := geo.C*geo.KH*geo.KW, geo.OutH()*geo.OutW(), geo.C*geo.H*geo.W
	if fullWindow(geo) {
		// out (N, O) = x (N, C·H·W) · Wᵀ: the im2col of each image is the image.
		gemmT(false, true, n, o, ckk, x, ckk, w, ckk, 0, out, o)
		for i := 0; i < n && bias != nil; i++ {
			axpy(out[i*o:(i+1)*o], bias, 1)
		}
		activate(act, out[:n*o])
		return
	}
	if runsDirect(dtypeOf[T](), geo) {
		convDirect(ar, any(out).([]float32), any(x).([]float32), any(w).([]float32), any(bias).([]float32), n, o, geo, convEpilogue{act: act})
		return
	}
	// Each output channel's bias repeated over its OH·OW pixels, so that
	// one vector add applies it to an image.
	var plane []T
	if bias != nil {
		plane = elems(ar.Empty(dtypeOf[T](), o*ohw))
		for k, v := range bias {
			row := plane[k*ohw : (k+1)*ohw]
			for j := range row {
				row[j] = v
			}
		}
	}
	chunks := kernels.Chunks(n, 1)
	cols := elems(ar.Empty(dtypeOf[T](), chunks*ckk*ohw))
	ps := kernels.PadScratch(geo)
	pads := elems(ar.Empty(dtypeOf[T](), chunks*ps))
	kernels.ParallelChunks(n, chunks, func(wk, lo, hi int) {
		col := cols[wk*ckk*ohw : (wk+1)*ckk*ohw]
		pad := pads[wk*ps : (wk+1)*ps]
		for i := lo; i < hi; i++ {
			kernels.Im2colPad(col, x[i*in:(i+1)*in], pad, geo)
			oi := out[i*o*ohw : (i+1)*o*ohw]
			gemmT(false, false, o, ohw, ckk, w, ckk, col, ohw, 0, oi, ohw)
			if plane != nil {
				axpy(oi, plane, 1)
			}
			activate(act, oi)
		}
	})
}

// backGeom returns the geometry of the convolution that gives the input's
// gradient of a stride-1 convolution of geometry geo with o filters: over
// the output's gradient (o channels of OH×OW), padded by K-1-pad.
func backGeom(geo kernels.ConvGeom, o int) kernels.ConvGeom {
	return kernels.ConvGeom{C: o, H: geo.OutH(), W: geo.OutW(), KH: geo.KH, KW: geo.KW, StrideH: 1, StrideW: 1,
		PadH: geo.KH - 1 - geo.PadH, PadW: geo.KW - 1 - geo.PadW}
}

// flipFilters writes into dst (C×O×KH×KW) the filters w (O×C×KH×KW)
// turned by 180° with their channels swapped: the filters of the
// convolution that gives the input's gradient (backGeom).
func flipFilters(dst, w []float32, o int, geo kernels.ConvGeom) {
	c, kh, kw := geo.C, geo.KH, geo.KW
	for oc := 0; oc < o; oc++ {
		for ic := 0; ic < c; ic++ {
			src := w[(oc*c+ic)*kh*kw : (oc*c+ic+1)*kh*kw]
			d := dst[(ic*o+oc)*kh*kw : (ic*o+oc+1)*kh*kw]
			for i := range src {
				d[len(src)-1-i] = src[i]
			}
		}
	}
}

// dtypeOf returns the DType of the element type T.
func dtypeOf[T float]() DType {
	var z T
	if _, ok := any(z).(float32); ok {
		return Float32
	}
	return Float64
}

func convBackward[T float](ar *Arena, elems func(*Tensor) []T, gx, gw, gb, gr, x, w []T, n, o int, geo kernels.ConvGeom, setX bool) {
	ckk, ohw, in := geo.C*geo.KH*geo.KW, geo.OutH()*geo.OutW(), geo.C*geo.H*geo.W
	if gb != nil {
		for i := 0; i < n; i++ {
			for k := 0; k < o; k++ {
				gb[k] += sum(gr[(i*o+k)*ohw : (i*o+k+1)*ohw])
			}
		}
	}
	if fullWindow(geo) {
		if gw != nil {
			gemmT(true, false, o, ckk, n, gr, o, x, ckk, 1, gw, ckk) // gw += grᵀ·x
		}
		if gx != nil {
			beta := T(1)
			if setX {
				beta = 0
			}
			gemmT(false, false, n, ckk, o, gr, o, w, ckk, beta, gx, ckk) // gx = β·gx + gr·W
		}
		return
	}
	workers := kernels.Chunks(n, 1)
	var gws []T
	if gw != nil {
		gws = elems(ar.Empty(dtypeOf[T](), workers*o*ckk))
		clear(gws)
	}
	// The direct weight-gradient kernel wins for rows of more than one
	// vector (LeNet's C1, the cnn's first two convolutions); for shorter
	// rows the GEMM over im2col does. With padding it reads the image
	// padded in a worker's scratch.
	_, f32 := any(x).([]float32)
	direct := f32 && kernels.DirectConvPadded(geo) && geo.OutW() > 16
	var wgScratch []float32
	if direct && gw != nil {
		wgScratch = ar.Empty(Float32, workers*kernels.ConvWeightGradScratch(geo, o)).f32
	}
	// The input's gradient of a stride-1 convolution is itself one: of
	// the output's gradient, padded by K-1-pad, with the filters turned
	// by 180° and their channels swapped. For a "same" convolution (2·pad
	// = K-1, the cnn's and resnet's 3×3 with padding 1) that is the same
	// geometry again, and the direct kernel computes it where it takes
	// it; otherwise (more padding would multiply zeros) Wᵀ·g is folded
	// back with col2im.
	back := backGeom(geo, o)
	directGX := f32 && gx != nil && geo.StrideH == 1 && geo.StrideW == 1 && 2*geo.PadH == geo.KH-1 && 2*geo.PadW == geo.KW-1 &&
		kernels.DirectConvPadded(back)
	var wtBack, b8Back, outBack, padBack []float32
	psBack := kernels.DirectPaddedScratch(back, geo.C)
	if directGX {
		wtBack = ar.Empty(Float32, kernels.PackedConvWeights(back, geo.C)).f32
		b8Back = ar.Empty(Float32, (geo.C+7)/8*8).f32
		flipped := ar.Empty(Float32, len(w)).f32
		flipFilters(flipped, any(w).([]float32), o, geo)
		kernels.PackConvWeights(wtBack, b8Back, flipped, nil, back, geo.C)
		if !setX {
			outBack = ar.Empty(Float32, workers*in).f32
		}
		padBack = ar.Empty(Float32, workers*psBack).f32
	}
	// Column buffers serve the im2col weight gradient and the input's
	// gradient; the direct kernels need none.
	var cols []T
	if (gw != nil && !direct) || (gx != nil && !directGX) {
		cols = elems(ar.Empty(dtypeOf[T](), workers*ckk*ohw))
	}
	ps := kernels.PadScratch(geo)
	pads := elems(ar.Empty(dtypeOf[T](), workers*ps))
	kernels.ParallelChunks(n, workers, func(wk, lo, hi int) {
		var col []T
		if cols != nil {
			col = cols[wk*ckk*ohw : (wk+1)*ckk*ohw]
		}
		pad := pads[wk*ps : (wk+1)*ps]
		for i := lo; i < hi; i++ {
			gi := gr[i*o*ohw : (i+1)*o*ohw]
			switch {
			case gw != nil && direct:
				sz := kernels.ConvWeightGradScratch(geo, o)
				kernels.ConvWeightGradDirectPadded(any(gws[wk*o*ckk:(wk+1)*o*ckk]).([]float32), any(x[i*in:(i+1)*in]).([]float32),
					any(gi).([]float32), any(pad).([]float32), wgScratch[wk*sz:(wk+1)*sz], geo, o)
			case gw != nil:
				kernels.Im2colPad(col, x[i*in:(i+1)*in], pad, geo)
				// gw_workerᵀ += col_i · g_iᵀ: the columns are read where
				// they lie and only g_i, o×OH·OW, is transposed into
				// the GEMM's panels, where g_i · col_iᵀ would transpose
				// the C·KH·KW×OH·OW columns (9 times as many for C3).
				gemmT(false, true, ckk, o, ohw, col, ohw, gi, ohw, 1, gws[wk*o*ckk:(wk+1)*o*ckk], o)
			}
			switch {
			case directGX:
				// Written straight into gx when it is set, else beside it
				// and added.
				g32 := any(gx[i*in : (i+1)*in]).([]float32)
				ob := g32
				if !setX {
					ob = outBack[wk*in : (wk+1)*in]
				}
				kernels.ConvForwardDirectPadded(ob, any(gi).([]float32), padBack[wk*psBack:(wk+1)*psBack], wtBack, b8Back, back, geo.C)
				if !setX {
					kernels.Add(g32, g32, ob)
				}
			case gx != nil:
				// col = Wᵀ · g_i, folded back onto the image.
				gemmT(true, false, ckk, ohw, o, w, ckk, gi, ohw, 0, col, ohw)
				if setX {
					clear(gx[i*in : (i+1)*in])
				}
				kernels.Col2imPad(gx[i*in:(i+1)*in], col, pad, geo)
			}
		}
	})
	for wk := 0; gw != nil && wk < workers; wk++ {
		part := gws[wk*o*ckk : (wk+1)*o*ckk]
		if direct {
			for j, v := range part {
				gw[j] += v
			}
			continue
		}
		for q := 0; q < ckk; q++ { // part is gwᵀ, C·KH·KW × O
			for oc, v := range part[q*o : (q+1)*o] {
				gw[oc*ckk+q] += v
			}
		}
	}
}

// PoolKind says how pooling summarises a window.
type PoolKind uint8

const (
	// MaxPool keeps the largest element of each window.
	MaxPool PoolKind = iota
	// AvgPool averages each window.
	AvgPool
)

// String returns "maxpool2d" or "avgpool2d".
func (k PoolKind) String() string {
	if k == AvgPool {
		return "avgpool2d"
	}
	return "maxpool2d"
}

// Pool2DTo writes into dst (N, C, OH, OW) the max or average of every k×k
// window of x (N, C, H, W), moving the window by stride. The planes
// (images × channels) are split among the workers.
func Pool2DTo(kind PoolKind, dst, x *Tensor, k, stride int) {
	checkFloat(kind.String(), dst, x)
	var buf [4]int
	if want := AppendPool2DShape(buf[:0], x.shape, k, stride); !EqualShapes(want, dst.shape) || dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: %v of %v %v into %v %v", kind, x.dtype, x.shape, dst.dtype, dst.shape))
	}
	poolPlanes(kind, false, false, dst, nil, x, convGeom(x.shape, k, k, stride, 0))
}

// Pool2DBackward adds to gx the gradient of a pooling of x (see Pool2DTo)
// whose output was y, given gout, the gradient of that output: each
// window's gradient spread evenly over it (average), or sent to the element
// that won (max).
func Pool2DBackward(kind PoolKind, gx, gout, x, y *Tensor, k, stride int) {
	pool2DBackward(kind, gx, gout, x, y, k, stride, false)
}

// Pool2DBackwardSet is Pool2DBackward writing the input's gradient into
// gx, whatever gx held, instead of adding it there. Each worker clears
// its own planes just before it fills them, in parallel and while they
// are in cache, instead of one pass over the whole gradient first.
func Pool2DBackwardSet(kind PoolKind, gx, gout, x, y *Tensor, k, stride int) {
	pool2DBackward(kind, gx, gout, x, y, k, stride, true)
}

func pool2DBackward(kind PoolKind, gx, gout, x, y *Tensor, k, stride int, set bool) {
	checkFloat(kind.String(), gx, gout, x, y)
	if gx.dtype != x.dtype || !gx.SameShape(x) || !gout.SameShape(y) {
		panic(fmt.Sprintf("tensor: %v gradient %v for input %v, output gradient %v for output %v", kind, gx.shape, x.shape, gout.shape, y.shape))
	}
	poolPlanes(kind, true, set, gout, gx, x, convGeom(x.shape, k, k, stride, 0))
}

// poolPlanes runs pooling, forward (into y) or backward (from y's gradient
// into gx), over all planes, split among the kernels' workers.
func poolPlanes(kind PoolKind, backward, set bool, y, gx, x *Tensor, geo kernels.ConvGeom) {
	planes := x.shape[0] * x.shape[1]
	in, out := geo.H*geo.W, geo.OutH()*geo.OutW()
	kernels.Parallel(planes, 8, func(_, lo, hi int) {
		geo := geo
		geo.C = hi - lo
		if x.dtype == Float64 {
			poolRange(kind, backward, set, y.f64[lo*out:hi*out], f64s(gx), x.f64[lo*in:hi*in], geo, lo*in, hi*in)
		} else {
			poolRange(kind, backward, set, y.f32[lo*out:hi*out], f32s(gx), x.f32[lo*in:hi*in], geo, lo*in, hi*in)
		}
	})
}

func poolRange[T float](kind PoolKind, backward, set bool, y, gx, x []T, geo kernels.ConvGeom, lo, hi int) {
	if backward && set {
		clear(gx[lo:hi])
	}
	switch {
	case !backward && kind == AvgPool:
		kernels.AvgPool(y, x, geo)
	case !backward:
		kernels.MaxPool(y, x, geo)
	case kind == AvgPool:
		kernels.AvgPoolBackward(gx[lo:hi], y, geo)
	default:
		kernels.MaxPoolBackward(gx[lo:hi], y, x, geo)
	}
}

// float is the element types the kernels take.
type float interface{ float32 | float64 }
