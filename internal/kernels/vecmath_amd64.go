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
