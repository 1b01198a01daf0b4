//go:build amd64 && !purego && !noasm

package kernels

import "golang.org/x/sys/cpu"

// The assembly in sgemm_amd64.s is written by ./asmgen (go generate).

//go:noescape
func sgemmKernelAVX512_14x32(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func sgemmKernelAVX512_14x16(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func sgemmKernelAVX512_6x64(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func sgemmKernelAVX512_6x32(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func sgemmKernelAVX512_6x16(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func sgemmKernelAVX2_6x16(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

//go:noescape
func packTrans16AVX512(dst *float32, w int, rows *[16]*float32, k int)

//go:noescape
func packCopyAVX512(dst *float32, w int, src *float32, ld, n, k int)

//go:noescape
func packTrans8x6AVX2(dst *float32, w int, rows *[8]*float32, k int)

//go:noescape
func packTrans8x8AVX2(dst *float32, w int, rows *[8]*float32, k int)

//go:noescape
func packCopy6AVX2(dst *float32, src *float32, ld int, mask *[16]int32, k int)

//go:noescape
func packCopy16AVX2(dst *float32, src *float32, ld int, mask *[16]int32, k int)

// The AVX-512 kernels. The main tile is 14×32: 28 zmm accumulators, two
// for the row of B and two for broadcasts of A fill all 32 registers, and a
// k step does 28 FMAs for 16 loads, within the two loads per FMA pair that
// Zen 5 and Intel cores sustain. Its blocking, for a core with a 48 KiB
// L1d and a 1 MiB L2 (Zen 5; Intel server cores have the same L1d and
// 1–2 MiB of L2):
//
//   - kc = 256: a packed B micro-panel is kc×32 floats = 32 KiB and stays in
//     L1 while the kernel sweeps every A micro-panel of the block past it;
//     the A micro-panel (14×256 floats = 14 KiB) streams through beside it.
//     A deeper kc amortises the load and store of the C tile over more
//     FMAs; 192 to 320 measured the same.
//   - mc = 504 = 36·14: the packed A block is 504×256 floats = 504 KiB,
//     half of L2, so it stays there for the whole sweep over the B panels.
//   - nc = 4096: the packed B block (4 MiB) lives in L3 and is reused by
//     every A block.
//
// On Zen 5 (4.1 GHz, two 512-bit FMA pipes: 265 GFLOP/s per core) this
// runs a 1024³ SGEMM at about 225 GFLOP/s on one core.
var kernelAVX512 = &microKernel{
	name: "avx512-14x32", mr: 14, nr: 32, edges: true, fn: sgemmKernelAVX512_14x32,
	narrow: kernelAVX512_14x16,
	short:  kernelAVX512_6x64, shortRows: 256,
	kc: 256, mc: 504, nc: 4096,
	packT: packPanelTAVX512, packN: packPanelNAVX512,
}

// kernelAVX512_14x16 is the 14×16 tile for C at most 16 wide, and for the
// last panel of wider C.
var kernelAVX512_14x16 = &microKernel{
	name: "avx512-14x16", mr: 14, nr: 16, edges: true, fn: sgemmKernelAVX512_14x16,
	kc: 256, mc: 504, nc: 4096,
	packT: packPanelTAVX512, packN: packPanelNAVX512,
}

// kernelAVX512_6x64 is the 6×64 tile (24 accumulators, four for B, two
// broadcasts), used when C has at most 256 rows, as with a mini-batch of
// 64 or a convolution's few output channels: 6 rows divide such m better
// than 14 (64 rows cost 66, not 70; 6 rows cost 6, not 14), and it measured
// as fast or faster than 14×32 up to m = 256 (5–15% at m = 32..64, twice
// as fast at m ≤ 6). From m = 512 on, 14×32 is faster: its B micro-panel
// stays in L1 and its tile needs fewer loads per FMA. The B micro-panel
// here is four times as wide, so kc is shorter (160×64 floats = 40 KiB).
var kernelAVX512_6x64 = &microKernel{
	name: "avx512-6x64", mr: 6, nr: 64, edges: true, fn: sgemmKernelAVX512_6x64,
	narrow: kernelAVX512_6x32,
	kc:     160, mc: 504, nc: 4096,
	packT: packPanelTAVX512, packN: packPanelNAVX512,
}

var kernelAVX512_6x32 = &microKernel{
	name: "avx512-6x32", mr: 6, nr: 32, edges: true, fn: sgemmKernelAVX512_6x32,
	narrow: kernelAVX512_6x16,
	kc:     160, mc: 504, nc: 4096,
	packT: packPanelTAVX512, packN: packPanelNAVX512,
}

// kernelAVX512_6x16 is the short family's narrowest tile. Where it is
// the kernel a product chooses (C at most 16 wide and of fewer than 28
// rows; see choose), its kc is the 14×16's, so that the two give a
// product the same bits whichever the row count picks.
var kernelAVX512_6x16 = &microKernel{
	name: "avx512-6x16", mr: 6, nr: 16, edges: true, fn: sgemmKernelAVX512_6x16,
	kc: 256, mc: 504, nc: 4096,
	packT: packPanelTAVX512, packN: packPanelNAVX512,
}

// kernelAVX2 is the AVX2+FMA 6×16 kernel: 12 ymm accumulators, two for B
// and two broadcasts fill the 16 ymm registers. Its packed B micro-panel is
// kc×16 floats = 16 KiB, a third of L1. With its AVX2 packing it runs about
// as fast as OpenBLAS's Haswell kernel (125 GFLOP/s at 1024³ on one Zen 5
// core, 94% of the AVX2 peak).
var kernelAVX2 = &microKernel{
	name: "avx2-6x16", mr: 6, nr: 16, edges: false, fn: sgemmKernelAVX2_6x16,
	kc: 256, mc: 504, nc: 4096,
	packT: packPanelTAVX2, packN: packPanelNAVX2,
}

func init() {
	switch {
	case cpu.X86.HasAVX512F:
		sgemmKernels = append(sgemmKernels, kernelAVX512, kernelAVX512_14x16,
			kernelAVX512_6x64, kernelAVX512_6x32, kernelAVX512_6x16)
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

// packPanelNAVX512 is packPanelN with masked vector loads and stores; w is
// at most 64.
func packPanelNAVX512(dst []float32, w int, src []float32, off, ld, cols, k int) {
	_ = dst[w*k-1]
	_ = src[off+(k-1)*ld+cols-1]
	packCopyAVX512(&dst[0], w, &src[off], ld, cols, k)
}

// packPanelTAVX2 is packPanelT with 8×8 in-register transposes for the
// widths of the AVX2 kernel (6 for A, 16 for B); the last k%8 columns, and
// other widths, are packed in Go. The lanes beyond rows hold copies of
// the last row where the assembly wrote them.
func packPanelTAVX2(dst []float32, w int, src []float32, off, ld, rows, k int, ptrs *[16]*float32) {
	if w != 6 && w != 16 {
		packPanelT(dst, w, src, off, ld, rows, k, ptrs)
		return
	}
	_ = dst[w*k-1]
	_ = src[off+(rows-1)*ld+k-1]
	k8 := k &^ 7
	if k8 > 0 {
		p8 := (*[8]*float32)(ptrs[:8])
		for g := 0; g < w; g += 8 {
			for i := range p8 {
				p8[i] = &src[off+min(g+i, rows-1)*ld]
			}
			if w-g >= 8 {
				packTrans8x8AVX2(&dst[g], w, p8, k8)
			} else {
				packTrans8x6AVX2(&dst[g], w, p8, k8)
			}
		}
	}
	for p := k8; p < k; p++ {
		d := dst[p*w : p*w+w]
		for i := 0; i < rows; i++ {
			d[i] = src[off+i*ld+p]
		}
		clear(d[rows:])
	}
}

// packPanelNAVX2 is packPanelN with masked vector loads for the widths of
// the AVX2 kernel (6 and 16); other widths are packed in Go.
func packPanelNAVX2(dst []float32, w int, src []float32, off, ld, cols, k int) {
	if w != 6 && w != 16 {
		packPanelN(dst, w, src, off, ld, cols, k)
		return
	}
	_ = dst[w*k-1]
	_ = src[off+(k-1)*ld+cols-1]
	var mask [16]int32
	for j := range cols {
		mask[j] = -1
	}
	if w == 16 {
		packCopy16AVX2(&dst[0], &src[off], ld, &mask, k)
	} else {
		packCopy6AVX2(&dst[0], &src[off], ld, &mask, k)
	}
}
