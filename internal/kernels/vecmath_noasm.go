//go:build !amd64 || purego

package kernels

var useVecmath = false

func tanhVec(dst, src []float32) bool        { return false }
func sigmoidVec(dst, src []float32) bool     { return false }
func tanhGradVec(gx, g, y []float32) bool    { return false }
func sigmoidGradVec(gx, g, y []float32) bool { return false }

func copyRowsAVX512(dst, src *float32, rows, n, srcStride int) { panic("unreachable") }

func col2imRowAVX512(dst, col *float32, k, ow, w, jStride int) { panic("unreachable") }

func convFwd8x2AVX512(out, in, wt, bias *float32, a *convArgs) { panic("unreachable") }

func convFwd8x1AVX512(out, in, wt, bias *float32, a *convArgs) { panic("unreachable") }

func convWGrad8AVX512(res, in, gr *float32, a *convArgs) { panic("unreachable") }

func sumAVX512(x *float32, n int) float32 { panic("unreachable") }

func avgPool2x2AVX512(dst, src *float32, planes, h, w int) { panic("unreachable") }

func avgPool2x2GradAVX512(gsrc, gdst *float32, planes, h, w int) { panic("unreachable") }

func sgdMomentumAVX512(p, grad, v *float32, n int, lr, mom, keep float32) { panic("unreachable") }

func reluAVX512(dst, src *float32, n int) { panic("unreachable") }

func reluGradAVX512(gx, gr, x *float32, n int) { panic("unreachable") }

func bytesToF32AVX512(dst *float32, src *byte, n int, scale, offset float32) { panic("unreachable") }
