//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// The assembly in sgemm_amd64.s is written by ./asmgen (go generate).

//go:noescape
func sgemmKernelAVX512_14x32(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func sgemmKernelAVX512_14x16(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func sgemmKernelAVX2_6x16(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func packTrans16AVX512(dst *float32, w int, rows *[16]*float32, k int)

//go:noescape
func packCopyAVX512(dst *float32, w int, src *float32, ld, n, k int)

// Blocking for the AVX-512 kernels on a core with a 48 KiB L1d and a 1 MiB
// L2 (AMD Zen 5; Intel server cores have the same L1d and 1–2 MiB of L2):
//
//   - kc = 256: a packed B micro-panel is kc×32 floats = 32 KiB and stays in
//     L1 while the kernel sweeps every A micro-panel of the block past it;
//     the A micro-panel (14×256 = 14 KiB) streams through beside it. A
//     deeper kc amortises the load and store of the C tile over more FMAs.
//   - mc = 504 = 36·14: the packed A block is 504×256 floats = 504 KiB,
//     half of L2, so it stays there for the whole sweep over the B panels.
//   - nc = 4096: the packed B block (4 MiB) lives in L3 and is reused by
//     every A block.
var kernelAVX512 = &microKernel{
	name: "avx512-14x32", mr: 14, nr: 32, edges: true, fn: sgemmKernelAVX512_14x32,
	narrow: kernelAVX512Narrow,
	kc:     256, mc: 504, nc: 4096,
	packT: packPanelTAVX512, packN: packPanelNAVX512,
}

// kernelAVX512Narrow is the 14×16 AVX-512 kernel, for C at most 16 wide.
var kernelAVX512Narrow = &microKernel{
	name: "avx512-14x16", mr: 14, nr: 16, edges: true, fn: sgemmKernelAVX512_14x16,
	kc: 256, mc: 504, nc: 4096,
	packT: packPanelTAVX512, packN: packPanelNAVX512,
}

// kernelAVX2 is the AVX2+FMA 6×16 kernel: 12 ymm accumulators, two for B
// and two broadcasts fill the 16 ymm registers. Its packed B micro-panel is
// kc×16 floats = 16 KiB, a third of L1.
var kernelAVX2 = &microKernel{
	name: "avx2-6x16", mr: 6, nr: 16, edges: false, fn: sgemmKernelAVX2_6x16,
	kc: 256, mc: 504, nc: 4096,
	packT: packPanelT, packN: packPanelN,
}

func init() {
	switch {
	case cpu.X86.HasAVX512F:
		sgemmKernels = append(sgemmKernels, kernelAVX512, kernelAVX512Narrow)
		if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
			sgemmKernels = append(sgemmKernels, kernelAVX2)
		}
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		sgemmKernels = append(sgemmKernels, kernelAVX2)
	}
	defaultKernel = sgemmKernels[len(sgemmKernels)-1]
	if cpu.X86.HasAVX512F {
		defaultKernel = kernelAVX512
	}
}

// packPanelTAVX512 is packPanelT with 16×16 in-register transposes. The
// lanes beyond rows hold copies of the last row instead of zeros.
func packPanelTAVX512(dst []float32, w int, src []float32, off, ld, rows, k int, ptrs *[16]*float32) {
	_ = dst[w*k-1]
	_ = src[off+(rows-1)*ld+k-1]
	for g := 0; g < w; g += 16 {
		for i := range ptrs {
			r := min(g+i, rows-1)
			ptrs[i] = &src[off+r*ld]
		}
		packTrans16AVX512(&dst[g], w, ptrs, k)
	}
}

// packPanelNAVX512 is packPanelN with masked vector loads and stores.
func packPanelNAVX512(dst []float32, w int, src []float32, off, ld, cols, k int) {
	_ = dst[w*k-1]
	_ = src[off+(k-1)*ld+cols-1]
	packCopyAVX512(&dst[0], w, &src[off], ld, cols, k)
}
