//go:build !amd64 || purego

package kernels

func init() {
	defaultKernel = kernelGo
}
