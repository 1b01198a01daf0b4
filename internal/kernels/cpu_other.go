//go:build !linux || !amd64 || purego || noasm

package kernels

// currentCPU returns -1: this build cannot tell which CPU it runs on.
func currentCPU() int { return -1 }
