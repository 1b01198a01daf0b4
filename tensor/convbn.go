package tensor

import (
	"fmt"
	"math"
)

// Conv2DBatchNormTo writes into dst, for inference, a convolution (see
// Conv2DTo) followed by batch normalisation with running statistics st
// and the affine map gamma, beta (each of the filters' O channels), and,
// with relu, ReLU: batch norm folded into the convolution. The filters
// and bias are scaled per output channel by s = γ/√(σ²+ε), the bias
// becomes s·(b − μ) + β, and the bias and ReLU are applied to each
// image's output as soon as it is computed, while it is still in cache,
// instead of in two or three passes over the whole batch. The result
// differs from the three layers run one by one only by rounding (the
// scaling is applied to the filters rather than to the output). b may be
// nil. Scratch memory comes from ar.
func Conv2DBatchNormTo(dst, x, w, b, gamma, beta *Tensor, st *BatchNormStats, relu bool, stride, pad int, ar *Arena) {
	checkFloat("conv2d batchnorm", dst, x, w, b, gamma, beta)
	wf, bf := foldBatchNorm(w, b, gamma, beta, st, ar)
	conv2D(dst, x, wf, bf, stride, pad, reluIf(relu), ar)
}

// Conv2DBatchNormMaxPoolTo is Conv2DBatchNormTo followed by a max pool of
// k×k windows moved by pstride (Pool2DTo with MaxPool), for inference:
// dst is the pooled output. Where the convolution runs the direct
// kernels, each image is pooled as soon as its convolution is done, from
// a worker's scratch still in cache, and the batch's convolution output
// is never written out. The result is the two operations', bit for bit.
func Conv2DBatchNormMaxPoolTo(dst, x, w, b, gamma, beta *Tensor, st *BatchNormStats, relu bool, stride, pad, k, pstride int, ar *Arena) {
	checkFloat("conv2d batchnorm maxpool", dst, x, w, b, gamma, beta)
	wf, bf := foldBatchNorm(w, b, gamma, beta, st, ar)
	conv2DPool("conv2d batchnorm maxpool", dst, x, wf, bf, stride, pad, reluIf(relu), MaxPool, k, pstride, ar)
}

// foldBatchNorm returns the filters and bias of a convolution with the
// batch norm of running statistics st and affine map gamma, beta folded
// into them: s = γ/√(σ²+ε) scales each output channel's filters, and the
// bias becomes s·(b − μ) + β, computed in float64 and rounded once.
func foldBatchNorm(w, b, gamma, beta *Tensor, st *BatchNormStats, ar *Arena) (wf, bf *Tensor) {
	o := w.shape[0]
	for _, p := range []*Tensor{gamma, beta, st.RunningMean, st.RunningVar} {
		if p.Len() != o {
			panic(fmt.Sprintf("tensor: conv2d batchnorm: %d channels of statistics or affine map for %d filters", p.Len(), o))
		}
	}
	wf = ar.Empty(w.dtype, w.shape...)
	bf = ar.Empty(w.dtype, o)
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
	return wf, bf
}
