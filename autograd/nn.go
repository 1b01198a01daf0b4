package autograd

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
	"github.com/baeum-ml/baeum/tensor"
)

// The operations in this file are the coarse nodes that neural networks
// spend their time in. Each is one node with a hand-written backward pass,
// as in PyTorch, instead of a chain of primitive nodes: fewer nodes, fewer
// passes over memory, and no intermediate tensors kept for backward beyond
// what the derivative needs.

// Linear returns x·wᵀ + b for a batch x of shape (N, in), weights w of
// shape (out, in) (PyTorch's layout) and bias b of shape (out) or nil.
// The gradients are g·w for x, gᵀ·x for w and the column sums of g for b.
func (g *Graph) Linear(x, w, b *Value) *Value {
	g.check("linear", x, w, b)
	if x.data.Dims() != 2 || w.data.Dims() != 2 || x.Shape()[1] != w.Shape()[1] {
		panic(fmt.Sprintf("autograd: linear: input %v does not fit weights %v (want (N, in) and (out, in))", x.Shape(), w.Shape()))
	}
	n, o := x.Shape()[0], w.Shape()[0]
	if b != nil && (b.data.Dims() != 1 || b.Shape()[0] != o) {
		panic(fmt.Sprintf("autograd: linear: bias %v does not fit weights %v", b.Shape(), w.Shape()))
	}
	out := g.result("linear", g.arena.Empty(x.data.DType(), n, o), x, w, b)
	tensor.MatMulTo(out.data, x.data, w.data, false, true)
	if b != nil {
		tensor.AddTo(out.data, out.data, b.data)
	}
	out.backward = func(out *Value) {
		x, w, b, gr := out.parents[0], out.parents[1], out.parents[2], out.grad
		if x.requiresGrad {
			tensor.MatMulAddTo(x.gradBuf(), gr, w.data, false, false, 1)
		}
		if w.requiresGrad {
			tensor.MatMulAddTo(w.gradBuf(), gr, x.data, true, false, 1)
		}
		if b != nil && b.requiresGrad {
			tensor.AccumulateTo(b.gradBuf(), gr)
		}
	}
	return out
}

// Conv2D returns the 2-D convolution (strictly, cross-correlation, as in
// every deep-learning library) of a batch of images x (N, C, H, W) with
// filters w (O, C, KH, KW), plus a bias b (O) or nil, with the given stride
// and zero padding on every side.
//
// Each image is unfolded with im2col into a C·KH·KW × OH·OW matrix, which
// the filters, viewed as an O × C·KH·KW matrix, multiply into the O × OH·OW
// output. Backward multiplies by the transposes: the filters' gradient is
// g·colsᵀ summed over the images, and the input's gradient is Wᵀ·g folded
// back with col2im. The images are shared among the kernels' workers, each
// unfolding into a buffer of its own; the filters' gradient is summed over
// workers in a fixed order, so results do not depend on scheduling. A
// convolution whose window covers the whole (unpadded) image, like
// LeNet-5's C5, is a fully connected layer and runs as one matrix product
// over the batch.
func (g *Graph) Conv2D(x, w, b *Value, stride, pad int) *Value {
	g.check("conv2d", x, w, b)
	xs, ws := x.Shape(), w.Shape()
	if x.data.Dims() != 4 || w.data.Dims() != 4 || xs[1] != ws[1] {
		panic(fmt.Sprintf("autograd: conv2d: input %v does not fit filters %v (want (N, C, H, W) and (O, C, KH, KW))", xs, ws))
	}
	if x.data.DType() != w.data.DType() {
		panic(fmt.Sprintf("autograd: conv2d: input %v and filters %v", x.data.DType(), w.data.DType()))
	}
	geo := tensor.ConvGeometry(xs, ws[2], ws[3], stride, pad)
	n, o, oh, ow := xs[0], ws[0], geo.OutH(), geo.OutW()
	if b != nil && (b.data.Dims() != 1 || b.Shape()[0] != o) {
		panic(fmt.Sprintf("autograd: conv2d: bias %v does not fit filters %v", b.Shape(), ws))
	}
	out := g.result("conv2d", g.arena.Empty(x.data.DType(), n, o, oh, ow), x, w, b)
	out.ints = [8]int{stride, pad}
	out.backward = conv2DBackward
	var bias *tensor.Tensor
	if b != nil {
		bias = b.data
	}
	if out.data.DType() == tensor.Float64 {
		convForward(g.arena, out.data.F64(), x.data.F64(), w.data.F64(), typed[float64](bias), n, o, geo)
	} else {
		convForward(g.arena, out.data.F32(), x.data.F32(), w.data.F32(), typed[float32](bias), n, o, geo)
	}
	return out
}

// float is the element types the kernels take.
type float interface{ float32 | float64 }

// typed returns the elements of t as []T (nil for a nil tensor).
func typed[T float](t *tensor.Tensor) []T {
	if t == nil {
		return nil
	}
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(t.F32()).([]T)
	}
	return any(t.F64()).([]T)
}

// scratchOf returns a buffer of n elements of T from the arena.
func scratchOf[T float](ar *tensor.Arena, n int) []T {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(ar.Empty(tensor.Float32, n).F32()).([]T)
	}
	return any(ar.Empty(tensor.Float64, n).F64()).([]T)
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

// fullWindow reports whether a convolution's window covers its whole
// unpadded input, so that it is a fully connected layer.
func fullWindow(geo kernels.ConvGeom) bool {
	return geo.PadH == 0 && geo.PadW == 0 && geo.KH == geo.H && geo.KW == geo.W
}

// gemm dispatches a matrix product C = op(A)·op(B) + beta·C to the float32
// or float64 kernel.
func gemm[T float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		kernels.Sgemm(transA, transB, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		kernels.Dgemm(transA, transB, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

func convForward[T float](ar *tensor.Arena, out, x, w, bias []T, n, o int, geo kernels.ConvGeom) {
	ckk, ohw, in := geo.C*geo.KH*geo.KW, geo.OutH()*geo.OutW(), geo.C*geo.H*geo.W
	if fullWindow(geo) {
		// out (N, O) = x (N, C·H·W) · Wᵀ: the im2col of each image is the image.
		gemm(false, true, n, o, ckk, x, ckk, w, ckk, 0, out, o)
		if bias != nil {
			for i := 0; i < n; i++ {
				row := out[i*o : (i+1)*o]
				for k, v := range bias {
					row[k] += v
				}
			}
		}
		return
	}
	if x32, ok := any(x).([]float32); ok && kernels.DirectConv(geo) {
		// Small images: the direct kernel, with the filters repacked once.
		wt := ar.Empty(tensor.Float32, kernels.PackedConvWeights(geo, o)).F32()
		b8 := ar.Empty(tensor.Float32, (o+7)/8*8).F32()
		kernels.PackConvWeights(wt, b8, any(w).([]float32), any(bias).([]float32), geo, o)
		o32 := any(out).([]float32)
		kernels.Parallel(n, 1, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				kernels.ConvForwardDirect(o32[i*o*ohw:(i+1)*o*ohw], x32[i*in:(i+1)*in], wt, b8, geo, o)
			}
		})
		return
	}
	cols := scratchOf[T](ar, kernels.Chunks(n, 1)*ckk*ohw)
	kernels.Parallel(n, 1, func(wk, lo, hi int) {
		col := cols[wk*ckk*ohw : (wk+1)*ckk*ohw]
		for i := lo; i < hi; i++ {
			kernels.Im2col(col, x[i*in:(i+1)*in], geo)
			oi := out[i*o*ohw : (i+1)*o*ohw]
			gemm(false, false, o, ohw, ckk, w, ckk, col, ohw, 0, oi, ohw)
			for k, v := range bias {
				row := oi[k*ohw : (k+1)*ohw]
				for j := range row {
					row[j] += v
				}
			}
		}
	})
}

func conv2DBackward(out *Value) {
	x, w, b := out.parents[0], out.parents[1], out.parents[2]
	xs, ws := x.Shape(), w.Shape()
	geo := tensor.ConvGeometry(xs, ws[2], ws[3], out.ints[0], out.ints[1])
	var gx, gw, gb *tensor.Tensor
	if x.requiresGrad {
		gx = x.gradBuf()
	}
	if w.requiresGrad {
		gw = w.gradBuf()
	}
	if b != nil && b.requiresGrad {
		gb = b.gradBuf()
	}
	ar := out.graph.arena
	if out.data.DType() == tensor.Float64 {
		convBackward(ar, typed[float64](gx), typed[float64](gw), typed[float64](gb), out.grad.F64(), x.data.F64(), w.data.F64(), xs[0], ws[0], geo)
	} else {
		convBackward(ar, typed[float32](gx), typed[float32](gw), typed[float32](gb), out.grad.F32(), x.data.F32(), w.data.F32(), xs[0], ws[0], geo)
	}
}

// convBackward adds the gradients of a convolution to gx, gw and gb (each
// nil when not wanted) given the output's gradient gr.
func convBackward[T float](ar *tensor.Arena, gx, gw, gb, gr, x, w []T, n, o int, geo kernels.ConvGeom) {
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
			gemm(true, false, o, ckk, n, gr, o, x, ckk, 1, gw, ckk) // gw += grᵀ·x
		}
		if gx != nil {
			gemm(false, false, n, ckk, o, gr, o, w, ckk, 1, gx, ckk) // gx += gr·W
		}
		return
	}
	workers := kernels.Chunks(n, 1)
	var gws []T
	if gw != nil {
		gws = scratchOf[T](ar, workers*o*ckk)
		clear(gws)
	}
	// The direct weight-gradient kernel wins for rows of more than one
	// vector (LeNet's C1); for shorter rows the GEMM over im2col does.
	_, f32 := any(x).([]float32)
	direct := f32 && kernels.DirectConv(geo) && geo.OutW() > 16
	var wgScratch []float32
	if direct && gw != nil {
		wgScratch = ar.Empty(tensor.Float32, workers*kernels.ConvWeightGradScratch(geo, o)).F32()
	}
	// Column buffers serve the im2col weight gradient and the input's
	// gradient; the direct kernel needs none.
	var cols []T
	if (gw != nil && !direct) || gx != nil {
		cols = scratchOf[T](ar, workers*ckk*ohw)
	}
	kernels.Parallel(n, 1, func(wk, lo, hi int) {
		var col []T
		if cols != nil {
			col = cols[wk*ckk*ohw : (wk+1)*ckk*ohw]
		}
		for i := lo; i < hi; i++ {
			gi := gr[i*o*ohw : (i+1)*o*ohw]
			switch {
			case gw != nil && direct:
				sz := kernels.ConvWeightGradScratch(geo, o)
				kernels.ConvWeightGradDirect(any(gws[wk*o*ckk:(wk+1)*o*ckk]).([]float32), any(x[i*in:(i+1)*in]).([]float32),
					any(gi).([]float32), wgScratch[wk*sz:(wk+1)*sz], geo, o)
			case gw != nil:
				kernels.Im2col(col, x[i*in:(i+1)*in], geo)
				// gw_worker += g_i · col_iᵀ
				gemm(false, true, o, ckk, ohw, gi, ohw, col, ohw, 1, gws[wk*o*ckk:(wk+1)*o*ckk], ckk)
			}
			if gx != nil {
				// col = Wᵀ · g_i, folded back onto the image.
				gemm(true, false, ckk, ohw, o, w, ckk, gi, ohw, 0, col, ohw)
				kernels.Col2im(gx[i*in:(i+1)*in], col, geo)
			}
		}
	})
	for wk := 0; gw != nil && wk < workers; wk++ {
		for j, v := range gws[wk*o*ckk : (wk+1)*o*ckk] {
			gw[j] += v
		}
	}
}

// AvgPool2D averages every k×k window of x (N, C, H, W), moving the window
// by stride. Backward spreads each window's gradient evenly over it.
func (g *Graph) AvgPool2D(x *Value, k, stride int) *Value { return g.pool("avgpool2d", x, k, stride) }

// MaxPool2D keeps the largest element of every k×k window of x, moving
// the window by stride. Backward sends each window's gradient to the
// element that won.
func (g *Graph) MaxPool2D(x *Value, k, stride int) *Value { return g.pool("maxpool2d", x, k, stride) }

func (g *Graph) pool(op string, x *Value, k, stride int) *Value {
	g.check(op, x)
	xs := x.Shape()
	geo := tensor.ConvGeometry(xs, k, k, stride, 0)
	out := g.result(op, g.arena.Empty(x.data.DType(), xs[0], xs[1], geo.OutH(), geo.OutW()), x)
	poolPlanes(op == "avgpool2d", false, out.data, nil, x.data, geo, xs[0]*xs[1])
	out.ints = [8]int{k, stride}
	out.backward = func(out *Value) {
		x := out.parents[0]
		xs := x.Shape()
		geo := tensor.ConvGeometry(xs, out.ints[0], out.ints[0], out.ints[1], 0)
		poolPlanes(out.op == "avgpool2d", true, out.grad, x.gradBuf(), x.data, geo, xs[0]*xs[1])
	}
	return out
}

// poolPlanes runs average or max pooling, forward (into y) or backward
// (from y's gradient into gx), over all planes (images × channels), split
// among the kernels' workers.
func poolPlanes(avg, backward bool, y, gx, x *tensor.Tensor, geo kernels.ConvGeom, planes int) {
	in, out := geo.H*geo.W, geo.OutH()*geo.OutW()
	kernels.Parallel(planes, 8, func(_, lo, hi int) {
		geo := geo
		geo.C = hi - lo
		if x.DType() == tensor.Float64 {
			poolRange(avg, backward, y.F64()[lo*out:hi*out], typed[float64](gx), x.F64()[lo*in:hi*in], geo, lo*in, hi*in)
		} else {
			poolRange(avg, backward, y.F32()[lo*out:hi*out], typed[float32](gx), x.F32()[lo*in:hi*in], geo, lo*in, hi*in)
		}
	})
}

func poolRange[T float](avg, backward bool, y, gx, x []T, geo kernels.ConvGeom, lo, hi int) {
	switch {
	case !backward && avg:
		kernels.AvgPool(y, x, geo)
	case !backward:
		kernels.MaxPool(y, x, geo)
	case avg:
		kernels.AvgPoolBackward(gx[lo:hi], y, geo)
	default:
		kernels.MaxPoolBackward(gx[lo:hi], y, x, geo)
	}
}

// Dropout multiplies x by mask, which holds 0 for dropped elements and
// 1/(1-p) for kept ones (inverted dropout, so inference needs no scaling).
// The caller draws the mask; see nn.Dropout. The gradient is masked alike.
func (g *Graph) Dropout(x *Value, mask *tensor.Tensor) *Value {
	g.check("dropout", x)
	out := g.result("dropout", g.arena.EmptyLike(x.data), x)
	tensor.MulTo(out.data, x.data, mask)
	out.saved[0] = mask
	out.backward = func(out *Value) {
		x := out.parents[0]
		t := scratch(out)
		tensor.MulTo(t, out.grad, out.saved[0])
		x.gradBuf().AddScaled(1, t)
	}
	return out
}

// BatchNormState holds the running statistics that batch normalisation
// updates in training and uses in inference.
type BatchNormState struct {
	RunningMean, RunningVar *tensor.Tensor // per channel
	Momentum, Eps           float64
}

// BatchNorm normalises x (N, C) or (N, C, H, W) per channel and applies
// the affine map gamma·x̂ + beta. In training it uses the batch's mean and
// (biased) variance and updates the running statistics with momentum, the
// running variance from the unbiased batch variance, as PyTorch does; in
// inference it uses the running statistics.
func (g *Graph) BatchNorm(x, gamma, beta *Value, st *BatchNormState, training bool) *Value {
	g.check("batchnorm", x, gamma, beta)
	xs := x.Shape()
	if len(xs) != 2 && len(xs) != 4 {
		panic(fmt.Sprintf("autograd: batchnorm needs (N, C) or (N, C, H, W), got %v", xs))
	}
	c := xs[1]
	inner := x.data.Len() / (xs[0] * c)
	m := xs[0] * inner
	if gamma.data.Len() != c || beta.data.Len() != c || st.RunningMean.Len() != c || st.RunningVar.Len() != c {
		panic(fmt.Sprintf("autograd: batchnorm of input %v needs %d-element parameters", xs, c))
	}
	ar := g.arena
	xhat := ar.EmptyLike(x.data)
	invstd := ar.Empty(x.data.DType(), c)
	out := g.result("batchnorm", ar.EmptyLike(x.data), x, gamma, beta)
	for ch := 0; ch < c; ch++ {
		var mean, variance float64
		if training {
			if m < 2 {
				panic(fmt.Sprintf("autograd: batchnorm in training needs more than one value per channel, input %v", xs))
			}
			for i := 0; i < xs[0]; i++ {
				for j := 0; j < inner; j++ {
					mean += x.data.Flat((i*c+ch)*inner + j)
				}
			}
			mean /= float64(m)
			for i := 0; i < xs[0]; i++ {
				for j := 0; j < inner; j++ {
					d := x.data.Flat((i*c+ch)*inner+j) - mean
					variance += d * d
				}
			}
			variance /= float64(m)
			mom := st.Momentum
			st.RunningMean.SetFlat(ch, (1-mom)*st.RunningMean.Flat(ch)+mom*mean)
			st.RunningVar.SetFlat(ch, (1-mom)*st.RunningVar.Flat(ch)+mom*variance*float64(m)/float64(m-1))
		} else {
			mean, variance = st.RunningMean.Flat(ch), st.RunningVar.Flat(ch)
		}
		is := 1 / math.Sqrt(variance+st.Eps)
		invstd.SetFlat(ch, is)
		ga, be := gamma.data.Flat(ch), beta.data.Flat(ch)
		for i := 0; i < xs[0]; i++ {
			for j := 0; j < inner; j++ {
				k := (i*c+ch)*inner + j
				h := (x.data.Flat(k) - mean) * is
				xhat.SetFlat(k, h)
				out.data.SetFlat(k, ga*h+be)
			}
		}
	}
	out.saved = [3]*tensor.Tensor{xhat, invstd}
	if training {
		out.ints[0] = 1
	}
	out.backward = batchNormBackward
	return out
}

func batchNormBackward(out *Value) {
	x, gamma, beta := out.parents[0], out.parents[1], out.parents[2]
	xhat, invstd, gr := out.saved[0], out.saved[1], out.grad
	training := out.ints[0] == 1
	xs := x.Shape()
	n, c := xs[0], xs[1]
	inner := x.data.Len() / (n * c)
	m := float64(n * inner)
	for ch := 0; ch < c; ch++ {
		var sg, sgx float64 // Σ g and Σ g·x̂ over the channel
		for i := 0; i < n; i++ {
			for j := 0; j < inner; j++ {
				k := (i*c+ch)*inner + j
				sg += gr.Flat(k)
				sgx += gr.Flat(k) * xhat.Flat(k)
			}
		}
		if gamma.requiresGrad {
			gg := gamma.gradBuf()
			gg.SetFlat(ch, gg.Flat(ch)+sgx)
		}
		if beta.requiresGrad {
			gb := beta.gradBuf()
			gb.SetFlat(ch, gb.Flat(ch)+sg)
		}
		if !x.requiresGrad {
			continue
		}
		gx := x.gradBuf()
		scale := gamma.data.Flat(ch) * invstd.Flat(ch)
		for i := 0; i < n; i++ {
			for j := 0; j < inner; j++ {
				k := (i*c+ch)*inner + j
				d := gr.Flat(k)
				if training {
					// dx = γ/σ · (g - mean(g) - x̂·mean(g·x̂))
					d = d - sg/m - xhat.Flat(k)*sgx/m
				}
				gx.SetFlat(k, gx.Flat(k)+scale*d)
			}
		}
	}
}

// Softmax returns e^x / Σ e^x along axis, computed stably by subtracting
// the maximum first. Backward: dx = y·(g - Σ g·y).
func (g *Graph) Softmax(x *Value, axis int) *Value { return g.softmax("softmax", x, axis) }

// LogSoftmax returns x - log Σ e^x along axis, stably (log-sum-exp with the
// maximum factored out). Backward: dx = g - g.softmax(x)·Σ g.
func (g *Graph) LogSoftmax(x *Value, axis int) *Value { return g.softmax("log_softmax", x, axis) }

func (g *Graph) softmax(op string, x *Value, axis int) *Value {
	g.check(op, x)
	if axis < 0 {
		axis += x.data.Dims()
	}
	if axis < 0 || axis >= x.data.Dims() {
		panic(fmt.Sprintf("autograd: %s axis out of range for shape %v", op, x.Shape()))
	}
	out := g.result(op, g.arena.EmptyLike(x.data), x)
	outer, n, inner := tensor.SplitAxis(x.Shape(), axis)
	logOut := op == "log_softmax"
	if x.data.DType() == tensor.Float64 {
		softmaxRows(out.data.F64(), x.data.F64(), outer, n, inner, logOut)
	} else {
		softmaxRows(out.data.F32(), x.data.F32(), outer, n, inner, logOut)
	}
	out.ints[0] = axis
	out.backward = func(out *Value) {
		x := out.parents[0]
		outer, n, inner := tensor.SplitAxis(x.Shape(), out.ints[0])
		gx := x.gradBuf()
		logOut := out.op == "log_softmax"
		if gx.DType() == tensor.Float64 {
			softmaxGrad(gx.F64(), out.grad.F64(), out.data.F64(), outer, n, inner, logOut)
		} else {
			softmaxGrad(gx.F32(), out.grad.F32(), out.data.F32(), outer, n, inner, logOut)
		}
	}
	return out
}

func softmaxRows[T tensor.Float](dst, src []T, outer, n, inner int, logOut bool) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			m := math.Inf(-1)
			for k := 0; k < n; k++ {
				m = math.Max(m, float64(src[base+k*inner]))
			}
			var s float64
			for k := 0; k < n; k++ {
				s += math.Exp(float64(src[base+k*inner]) - m)
			}
			ls := math.Log(s)
			for k := 0; k < n; k++ {
				v := float64(src[base+k*inner]) - m - ls
				if logOut {
					dst[base+k*inner] = T(v)
				} else {
					dst[base+k*inner] = T(math.Exp(v))
				}
			}
		}
	}
}

func softmaxGrad[T tensor.Float](gx, g, y []T, outer, n, inner int, logOut bool) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			var s float64
			for k := 0; k < n; k++ {
				j := base + k*inner
				if logOut {
					s += float64(g[j])
				} else {
					s += float64(g[j]) * float64(y[j])
				}
			}
			for k := 0; k < n; k++ {
				j := base + k*inner
				if logOut {
					gx[j] += g[j] - T(math.Exp(float64(y[j]))*s)
				} else {
					gx[j] += y[j] * (g[j] - T(s))
				}
			}
		}
	}
}
