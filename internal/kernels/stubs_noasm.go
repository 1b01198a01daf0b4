//go:build !amd64 || purego || noasm

package kernels

import "unsafe"

// Builds without assembly (architectures other than amd64, and the purego
// or noasm build tags) run every kernel's Go twin: useAVX512 is false, and
// the AVX-512 routines of stubs_amd64.go are Go functions here, of the same
// names and signatures, that compute the same results through the twins.
// They let the code that chooses between the two compile unchanged, and
// they are reached only when a test sets useAVX512.

// useAVX512 is false: there is no assembly to select.
var useAVX512 = false

// asmKernels reports whether the AVX-512 routines are assembly (in
// stubs_amd64.go) or the Go stand-ins here.
const asmKernels = false

func tanhAVX512(dst, src *float32, n int) {
	tanhGo(unsafe.Slice(dst, n), unsafe.Slice(src, n))
}

func sigmoidAVX512(dst, src *float32, n int) {
	sigmoidGo(unsafe.Slice(dst, n), unsafe.Slice(src, n))
}

func tanhGradAVX512(gx, gr, y *float32, n int) {
	tanhGradGo(unsafe.Slice(gx, n), unsafe.Slice(gr, n), unsafe.Slice(y, n))
}

func sigmoidGradAVX512(gx, gr, y *float32, n int) {
	sigmoidGradGo(unsafe.Slice(gx, n), unsafe.Slice(gr, n), unsafe.Slice(y, n))
}

func sumAVX512(x *float32, n int) float32 { return sumGo(unsafe.Slice(x, n)) }

func sgdMomentumAVX512(p, grad, v *float32, n int, lr, mom, keep float32) {
	sgdMomentumGo(unsafe.Slice(p, n), unsafe.Slice(grad, n), unsafe.Slice(v, n), lr, mom, keep)
}

func lstmGradAVX512(da, dh, dc, a, cp, tc *float32, n int) {
	lstmGradGo(unsafe.Slice(da, 4*n), unsafe.Slice(dh, n), unsafe.Slice(dc, n), unsafe.Slice(a, 4*n), unsafe.Slice(cp, n), unsafe.Slice(tc, n))
}
func adamAVX512(p, g, m, v *float32, n int, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay float32) {
	adamGo(unsafe.Slice(p, n), unsafe.Slice(g, n), unsafe.Slice(m, n), unsafe.Slice(v, n), beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay)
}
func maxPool2x2AVX512(dst, src *float32, oh, ow, w int) {
	maxPool2x2Go(unsafe.Slice(dst, oh*ow), unsafe.Slice(src, 2*oh*w), oh, ow, w)
}
func maxPool2x2GradAVX512(gsrc, gdst, src *float32, oh, ow, w int) {
	maxPool2x2GradGo(unsafe.Slice(gsrc, 2*oh*w), unsafe.Slice(gdst, oh*ow), unsafe.Slice(src, 2*oh*w), oh, ow, w)
}
func batchNormRowAVX512(y, xhat, x *float32, n int, mean, is, gamma, beta float32) {
	batchNormRowGo(unsafe.Slice(y, n), unsafe.Slice(xhat, n), unsafe.Slice(x, n), mean, is, gamma, beta)
}
func batchNormGradRowAVX512(gx, grad, xhat *float32, n int, a, b0, b1 float32, set bool) {
	batchNormGradRowGo(unsafe.Slice(gx, n), unsafe.Slice(grad, n), unsafe.Slice(xhat, n), a, b0, b1, set)
}
func addAVX512(dst, a, b *float32, n int) {
	addGo(unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n))
}
func reluAVX512(dst, src *float32, n int) { reluGo(unsafe.Slice(dst, n), unsafe.Slice(src, n)) }

func biasReLUTileAVX512(c *float32, ldc, rows, cols int, bias *float32, relu bool) {
	var b []float32
	if bias != nil {
		b = unsafe.Slice(bias, cols)
	}
	biasReLUTileGo(unsafe.Slice(c, (rows-1)*ldc+cols), ldc, rows, cols, b, relu)
}

func reluGradAVX512(gx, gr, x *float32, n int, set bool) {
	reluGradGo(unsafe.Slice(gx, n), unsafe.Slice(gr, n), unsafe.Slice(x, n), set)
}

func bytesToF32AVX512(dst *float32, src *byte, n int, scale, offset float32) {
	bytesToF32Go(unsafe.Slice(dst, n), unsafe.Slice(src, n), scale, offset)
}

func avgPool2x2AVX512(dst, src *float32, planes, h, w int) {
	avgPool2x2Go(unsafe.Slice(dst, planes*(h/2)*(w/2)), unsafe.Slice(src, planes*h*w), planes, h, w)
}

func avgPool2x2GradAVX512(gsrc, gdst *float32, planes, h, w int) {
	avgPool2x2GradGo(unsafe.Slice(gsrc, planes*h*w), unsafe.Slice(gdst, planes*(h/2)*(w/2)), planes, h, w)
}

func copyRowsAVX512(dst, src *float32, rows, n, dstStride, srcStride int) {
	copyRows(unsafe.Slice(dst, (rows-1)*dstStride+n), unsafe.Slice(src, (rows-1)*srcStride+n), rows, n, dstStride, srcStride)
}

func col2imRowAVX512(dst, col *float32, k, ow, w, jStride int) {
	col2imRow(unsafe.Slice(dst, w), unsafe.Slice(col, (k-1)*jStride+ow), k, ow, jStride)
}

func convFwd8x2AVX512(out, in, wt, bias *float32, a *convArgs) {
	v := *a
	v.ow = a.lanes1
	convFwd8Ptr(out, in, wt, bias, &v)
	v.ow = a.lanes2
	convFwd8Ptr((*float32)(unsafe.Add(unsafe.Pointer(out), a.out2)), (*float32)(unsafe.Add(unsafe.Pointer(in), a.in2)), wt, bias, &v)
}

func convFwd8x1AVX512(out, in, wt, bias *float32, a *convArgs) { convFwd8Ptr(out, in, wt, bias, a) }

// convFwd8Ptr is convFwd8Go on the pointers the kernels take: one output
// row of a.nOut channels, each a.outC apart.
func convFwd8Ptr(out, in, wt, bias *float32, a *convArgs) {
	convFwd8Go(unsafe.Slice(out, (a.nOut-1)*a.outC+a.ow),
		unsafe.Slice(in, (a.cin-1)*a.inC+(a.k-1)*a.inW+a.ow+a.k-1),
		unsafe.Slice(wt, a.cin*a.k*a.k*8), unsafe.Slice(bias, 8), a)
}

func convWGrad8AVX512(res, in, gr *float32, a *convArgs) {
	convWGrad8Go(unsafe.Slice(res, 8*a.k), unsafe.Slice(in, (a.oh-1)*a.inW+a.ow+a.k-1),
		unsafe.Slice(gr, 8*a.outC), a)
}

// packTrans16AVX512 stands in for the assembly transposer: dst[p·w + r]
// = rows[r][p] for the first min(w, 16) rows and p < k.
func packTrans16AVX512(dst *float32, w int, rows *[16]*float32, k int) {
	lanes := min(w, 16)
	d := unsafe.Slice(dst, (k-1)*w+lanes)
	for r := 0; r < lanes; r++ {
		src := unsafe.Slice(rows[r], k)
		for p, v := range src {
			d[p*w+r] = v
		}
	}
}

func expF64AVX512(dst, src *float64, n int) { expF64Go(unsafe.Slice(dst, n), unsafe.Slice(src, n)) }
