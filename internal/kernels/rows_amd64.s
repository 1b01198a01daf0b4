//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Strided row copies for im2col, col2im and padding: rows of n float32, sixteen at
// a time with AVX-512, the last under a mask.

// func copyRowsAVX512(dst, src *float32, rows, n, dstStride, srcStride int)
// dst[r·dstStride + x] = src[r·srcStride + x] for r < rows, x < n.
TEXT ·copyRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ n+24(FP), R9
	MOVQ dstStride+32(FP), R12
	SHLQ $2, R12
	MOVQ srcStride+40(FP), R10
	SHLQ $2, R10
	// K2 masks the last n%16 lanes.
	MOVQ R9, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K2
copyRow:
	TESTQ R8, R8
	JZ    copyDone
	MOVQ  SI, R11
	MOVQ  DI, R13
	MOVQ  R9, DX
copyVec:
	CMPQ DX, $16
	JLT  copyTail
	VMOVUPS (R11), Z0
	VMOVUPS Z0, (R13)
	ADDQ $64, R11
	ADDQ $64, R13
	SUBQ $16, DX
	JMP  copyVec
copyTail:
	TESTQ DX, DX
	JZ    copyNext
	VMOVUPS.Z (R11), K2, Z0
	VMOVUPS Z0, K2, (R13)
copyNext:
	ADDQ R10, SI
	ADDQ R12, DI
	DECQ R8
	JMP  copyRow
copyDone:
	VZEROUPPER
	RET

// func col2imRowAVX512(dst, col *float32, k, ow, w, jStride int)
// For one image row dst[0:w] and the k column-matrix rows that fold onto
// it (col + j·jStride for j < k, each ow long and shifted right by j):
// dst[x] += Σ_j col[j·jStride + x - j] for 0 ≤ x - j < ow. Each 16-pixel
// chunk of dst is loaded once, gets all k contributions in a register and
// is stored once, which avoids overlapping stores.
TEXT ·col2imRowAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ col+8(FP), SI
	MOVQ k+16(FP), R8
	MOVQ ow+24(FP), R9
	MOVQ w+32(FP), R10
	MOVQ jStride+40(FP), R11
	SHLQ $2, R11
	XORQ BX, BX // x0
chunk:
	CMPQ BX, R10
	JGE  done
	// R12 = row mask: lanes l with x0 + l < w.
	MOVQ R10, CX
	SUBQ BX, CX
	CMPQ CX, $16
	JLE  rowPartial
	MOVQ $16, CX
rowPartial:
	MOVQ $1, R12
	SHLQ CX, R12
	DECQ R12
	KMOVW R12, K1
	VMOVUPS.Z (DI)(BX*4), K1, Z0
	XORQ R13, R13 // j
	MOVQ SI, R14  // col + j·jStride
jloop:
	CMPQ R13, R8
	JGE  store
	// lo = j - x0, hi = lo + ow, clamped to [0, 16].
	MOVQ R13, AX
	SUBQ BX, AX
	MOVQ AX, DX
	ADDQ R9, DX
	CMPQ AX, $0
	JGE  loPos
	XORQ AX, AX
loPos:
	CMPQ DX, $16
	JLE  hiOK
	MOVQ $16, DX
hiOK:
	CMPQ AX, DX
	JGE  nextj
	// mask = (1<<hi - 1) &^ (1<<lo - 1) & rowmask
	MOVQ DX, CX
	MOVQ $1, R15
	SHLQ CX, R15
	DECQ R15
	MOVQ AX, CX
	MOVQ $1, DX
	SHLQ CX, DX
	DECQ DX
	NOTQ DX
	ANDQ DX, R15
	ANDQ R12, R15
	KMOVW R15, K2
	// address = col_j + (x0 - j)·4
	MOVQ BX, AX
	SUBQ R13, AX
	LEAQ (R14)(AX*4), AX
	VMOVUPS.Z (AX), K2, Z1
	VADDPS Z1, Z0, Z0
nextj:
	INCQ R13
	ADDQ R11, R14
	JMP  jloop
store:
	VMOVUPS Z0, K1, (DI)(BX*4)
	ADDQ $16, BX
	JMP  chunk
done:
	VZEROUPPER
	RET
