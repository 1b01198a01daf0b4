//go:build amd64 && !purego && !noasm

package kernels

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512 assembly kernels declared below; without
// AVX-512F each kernel runs its Go twin instead. Tests switch it off to
// check the Go twins on machines that have AVX-512.
var useAVX512 = cpu.X86.HasAVX512F

// asmKernels reports whether the AVX-512 routines are assembly (here) or
// the Go stand-ins of stubs_noasm.go.
const asmKernels = true

// The AVX-512 kernels. Each computes what its Go twin (named in its
// comment) computes, on pointers and lengths instead of slices; callers
// check useAVX512 and non-empty slices first.

// tanhAVX512 is tanhGo (vecmath_amd64.s).
//
//go:noescape
func tanhAVX512(dst, src *float32, n int)

// sigmoidAVX512 is sigmoidGo (vecmath_amd64.s).
//
//go:noescape
func sigmoidAVX512(dst, src *float32, n int)

// tanhGradAVX512 is tanhGradGo (vecmath_amd64.s).
//
//go:noescape
func tanhGradAVX512(gx, gr, y *float32, n int)

// sigmoidGradAVX512 is sigmoidGradGo (vecmath_amd64.s).
//
//go:noescape
func sigmoidGradAVX512(gx, gr, y *float32, n int)

// sumAVX512 is sumGo, bit for bit (ops_amd64.s).
//
//go:noescape
func sumAVX512(x *float32, n int) float32

// sgdMomentumAVX512 is sgdMomentumGo (ops_amd64.s).
//
//go:noescape
func sgdMomentumAVX512(p, grad, v *float32, n int, lr, mom, keep float32)

// lstmGradAVX512 is lstmGradGo, bit for bit (vecmath_amd64.s).
//
//go:noescape
func lstmGradAVX512(da, dh, dc, a, cp, tc *float32, n int)

// adamAVX512 is adamGo, bit for bit (ops_amd64.s).
//
//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay float32)

// maxPool2x2AVX512 is maxPool2x2Go, bit for bit (ops_amd64.s).
//
//go:noescape
func maxPool2x2AVX512(dst, src *float32, oh, ow, w int)

// maxPool2x2GradAVX512 is maxPool2x2GradGo, bit for bit (ops_amd64.s).
//
//go:noescape
func maxPool2x2GradAVX512(gsrc, gdst, src *float32, oh, ow, w int)

// batchNormRowAVX512 is batchNormRowGo, bit for bit (batchnorm_amd64.s).
//
//go:noescape
func batchNormRowAVX512(y, xhat, x *float32, n int, mean, is, gamma, beta float32)

// batchNormGradRowAVX512 is batchNormGradRowGo, bit for bit
// (batchnorm_amd64.s).
//
//go:noescape
func batchNormGradRowAVX512(gx, grad, xhat *float32, n int, a, b0, b1 float32, set bool)

// addAVX512 is addGo (ops_amd64.s).
//
//go:noescape
func addAVX512(dst, a, b *float32, n int)

// biasReLUTileAVX512 is biasReLUTileGo (ops_amd64.s).
//
//go:noescape
func biasReLUTileAVX512(c *float32, ldc, rows, cols int, bias *float32, relu bool)

// reluAVX512 is reluGo (ops_amd64.s).
//
//go:noescape
func reluAVX512(dst, src *float32, n int)

// reluGradAVX512 is reluGradGo (ops_amd64.s).
//
//go:noescape
func reluGradAVX512(gx, gr, x *float32, n int, set bool)

// bytesToF32AVX512 is bytesToF32Go (ops_amd64.s).
//
//go:noescape
func bytesToF32AVX512(dst *float32, src *byte, n int, scale, offset float32)

// avgPool2x2AVX512 is avgPool2x2Go for float32 and even h and w
// (ops_amd64.s).
//
//go:noescape
func avgPool2x2AVX512(dst, src *float32, planes, h, w int)

// avgPool2x2GradAVX512 is avgPool2x2GradGo for float32 and even h and w
// (ops_amd64.s).
//
//go:noescape
func avgPool2x2GradAVX512(gsrc, gdst *float32, planes, h, w int)

// copyRowsAVX512 is copyRows (rows_amd64.s).
//
//go:noescape
func copyRowsAVX512(dst, src *float32, rows, n, dstStride, srcStride int)

// col2imRowAVX512 is col2imRow (rows_amd64.s).
//
//go:noescape
func col2imRowAVX512(dst, col *float32, k, ow, w, jStride int)

// convFwd8x2AVX512 is convFwd8Go on two vectors of outputs, a.lanes1
// from out and in and a.lanes2 from a.out2 and a.in2 bytes past them
// (conv_amd64.s): one row of 16 < OW ≤ 32, or two rows of OW ≤ 16.
//
//go:noescape
func convFwd8x2AVX512(out, in, wt, bias *float32, a *convArgs)

// convFwd8x1AVX512 is convFwd8Go for OW ≤ 16 (conv_amd64.s).
//
//go:noescape
func convFwd8x1AVX512(out, in, wt, bias *float32, a *convArgs)

// convWGrad8AVX512 is convWGrad8Go for OW ≤ 32 (conv_amd64.s).
//
//go:noescape
func convWGrad8AVX512(res, in, gr *float32, a *convArgs)

// expF64AVX512 is expF64Go (exp_amd64.s).
//
//go:noescape
func expF64AVX512(dst, src *float64, n int)
