//go:build !amd64 || purego

package kernels

var useVecmath = false

func tanhVec(dst, src []float32) bool        { return false }
func sigmoidVec(dst, src []float32) bool     { return false }
func tanhGradVec(gx, g, y []float32) bool    { return false }
func sigmoidGradVec(gx, g, y []float32) bool { return false }
