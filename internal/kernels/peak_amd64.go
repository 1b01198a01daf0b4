//go:build amd64 && !purego && !noasm

package kernels

import "golang.org/x/sys/cpu"

// fmaLoopKind names the widest FMA loop this CPU runs and the
// floating-point operations one of its iterations does.
func fmaLoopKind() (string, float64) {
	switch {
	case cpu.X86.HasAVX512F:
		return "avx512", 16 * 16 * 2 // 16 multiply-adds of 16 lanes
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return "avx2", 12 * 8 * 2 // 12 multiply-adds of 8 lanes
	}
	return "", 0
}

// fmaLoop runs n iterations of the loop fmaLoopKind names.
func fmaLoop(n int) {
	if cpu.X86.HasAVX512F {
		fmaLoopAVX512(n)
	} else {
		fmaLoopAVX2(n)
	}
}

// fmaLoopAVX512 runs n iterations of 16 independent VFMADD231PS on ZMM
// registers (peak_amd64.s).
//
//go:noescape
func fmaLoopAVX512(n int)

// fmaLoopAVX2 runs n iterations of 12 independent VFMADD231PS on YMM
// registers (peak_amd64.s).
//
//go:noescape
func fmaLoopAVX2(n int)
