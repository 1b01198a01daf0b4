//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func tanhAVX512(dst, src *float32, n int)

//go:noescape
func sigmoidAVX512(dst, src *float32, n int)

//go:noescape
func tanhGradAVX512(gx, gr, y *float32, n int)

//go:noescape
func sigmoidGradAVX512(gx, gr, y *float32, n int)

// useVecmath selects the AVX-512 activation kernels; tests switch it off
// to check the portable ones.
var useVecmath = cpu.X86.HasAVX512F

func tanhVec(dst, src []float32) bool {
	if !useVecmath || len(dst) == 0 {
		return false
	}
	tanhAVX512(&dst[0], &src[0], len(dst))
	return true
}

func sigmoidVec(dst, src []float32) bool {
	if !useVecmath || len(dst) == 0 {
		return false
	}
	sigmoidAVX512(&dst[0], &src[0], len(dst))
	return true
}

func tanhGradVec(gx, g, y []float32) bool {
	if !useVecmath || len(gx) == 0 {
		return false
	}
	tanhGradAVX512(&gx[0], &g[0], &y[0], len(gx))
	return true
}

func sigmoidGradVec(gx, g, y []float32) bool {
	if !useVecmath || len(gx) == 0 {
		return false
	}
	sigmoidGradAVX512(&gx[0], &g[0], &y[0], len(gx))
	return true
}

//go:noescape
func copyRowsAVX512(dst, src *float32, rows, n, srcStride int)

//go:noescape
func col2imRowAVX512(dst, col *float32, k, ow, w, jStride int)

//go:noescape
func convFwd8x2AVX512(out, in, wt, bias *float32, a *convArgs)

//go:noescape
func convFwd8x1AVX512(out, in, wt, bias *float32, a *convArgs)

//go:noescape
func convWGrad8AVX512(res, in, gr *float32, a *convArgs)

//go:noescape
func sumAVX512(x *float32, n int) float32

//go:noescape
func avgPool2x2AVX512(dst, src *float32, planes, h, w int)

//go:noescape
func avgPool2x2GradAVX512(gsrc, gdst *float32, planes, h, w int)

//go:noescape
func sgdMomentumAVX512(p, grad, v *float32, n int, lr, mom, keep float32)

//go:noescape
func reluAVX512(dst, src *float32, n int)

//go:noescape
func reluGradAVX512(gx, gr, x *float32, n int)

//go:noescape
func bytesToF32AVX512(dst *float32, src *byte, n int, scale, offset float32)
