package tensor

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// Conv2DBatchNormTo writes into dst, for inference, a convolution (see
// Conv2DTo) followed by batch normalisation with running statistics st
// and the affine map gamma, beta (each of the filters' O channels), and,
// with relu, ReLU: batch norm folded into the convolution. The filters
// and bias are scaled per output channel by s = γ/√(σ²+ε), the bias
// becomes s·(b − μ) + β, and, on the im2col path, the bias and ReLU are
// applied to each image's output as soon as it is computed, while it is
// still in cache, instead of in two or three passes over the whole batch
// (the direct kernel of small images adds the bias itself; ReLU then
// takes one pass). The result
// differs from the three layers run one by one only by rounding (the
// scaling is applied to the filters rather than to the output). b may be
// nil. Scratch memory comes from ar.
func Conv2DBatchNormTo(dst, x, w, b, gamma, beta *Tensor, st *BatchNormStats, relu bool, stride, pad int, ar *Arena) {
	checkFloat("conv2d batchnorm", dst, x, w, b, gamma, beta)
	o := w.shape[0]
	for _, p := range []*Tensor{gamma, beta, st.RunningMean, st.RunningVar} {
		if p.Len() != o {
			panic(fmt.Sprintf("tensor: conv2d batchnorm: %d channels of statistics or affine map for %d filters", p.Len(), o))
		}
	}
	// The folded filters and bias, in float64 then rounded once.
	wf := ar.Empty(w.dtype, w.shape...)
	bf := ar.Empty(w.dtype, o)
	per := w.Len() / o
	for k := 0; k < o; k++ {
		s := gamma.Flat(k) / math.Sqrt(st.RunningVar.Flat(k)+st.Eps)
		bias := 0.0
		if b != nil {
			bias = b.Flat(k)
		}
		bf.SetFlat(k, s*(bias-st.RunningMean.Flat(k))+beta.Flat(k))
		for i := k * per; i < (k+1)*per; i++ {
			wf.SetFlat(i, s*w.Flat(i))
		}
	}
	if dst.dtype != Float32 {
		Conv2DTo(dst, x, wf, bf, stride, pad, ar)
		if relu {
			UnaryTo(OpReLU, dst, dst, 0)
		}
		return
	}
	var buf [4]int
	want := AppendConv2DShape(buf[:0], x.shape, w.shape, stride, pad)
	if !EqualShapes(want, dst.shape) || x.dtype != w.dtype {
		panic(fmt.Sprintf("tensor: conv2d batchnorm of %v %v with %v %v into %v %v", x.dtype, x.shape, w.dtype, w.shape, dst.dtype, dst.shape))
	}
	geo := convGeom(x.shape, w.shape[2], w.shape[3], stride, pad)
	convForwardEpilogue(ar, dst.f32, x.f32, wf.f32, bf.f32, x.shape[0], o, geo, relu)
}

// convForwardEpilogue is convForward in float32 with the bias (not nil)
// and, with relu, ReLU applied to each image's output right after it is
// computed.
func convForwardEpilogue(ar *Arena, out, x, w, bias []float32, n, o int, geo kernels.ConvGeom, relu bool) {
	ckk, ohw, in := geo.C*geo.KH*geo.KW, geo.OutH()*geo.OutW(), geo.C*geo.H*geo.W
	if fullWindow(geo) || kernels.DirectConv(geo) {
		convForward(ar, f32s, out, x, w, bias, n, o, geo)
		if relu {
			kernels.ReLU(out[:n*o*ohw], out[:n*o*ohw])
		}
		return
	}
	// Each output channel's bias repeated over its OH·OW pixels, so that
	// one vector add applies it to an image.
	plane := ar.Empty(Float32, o*ohw).f32
	for k, v := range bias {
		row := plane[k*ohw : (k+1)*ohw]
		for j := range row {
			row[j] = v
		}
	}
	cols := ar.Empty(Float32, kernels.Chunks(n, 1)*ckk*ohw).f32
	ps := kernels.PadScratch(geo)
	pads := ar.Empty(Float32, kernels.Chunks(n, 1)*ps).f32
	kernels.Parallel(n, 1, func(wk, lo, hi int) {
		col := cols[wk*ckk*ohw : (wk+1)*ckk*ohw]
		pad := pads[wk*ps : (wk+1)*ps]
		for i := lo; i < hi; i++ {
			kernels.Im2colPad(col, x[i*in:(i+1)*in], pad, geo)
			oi := out[i*o*ohw : (i+1)*o*ohw]
			kernels.Sgemm(false, false, o, ohw, ckk, 1, w, ckk, col, ohw, 0, oi, ohw)
			kernels.Add(oi, oi, plane)
			if relu {
				kernels.ReLU(oi, oi)
			}
		}
	})
}
