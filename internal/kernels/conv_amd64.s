//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Direct convolution kernels for stride 1 and no padding, AVX-512. An
// output row is at most two vectors (OW ≤ 32), and eight output channels
// are computed at once, so the weights of one window position, stored as
// eight consecutive floats, are broadcast from memory into the fused
// multiply-adds of all eight channels. See conv.go for the layouts.

// Arguments, a *convArgs in R8.
#define A_CIN 0
#define A_K 8
#define A_INW 16
#define A_INC 24
#define A_OW 32
#define A_OUTC 40
#define A_NOUT 48
#define A_OH 56
#define A_LANES1 64
#define A_LANES2 72
#define A_IN2 80
#define A_OUT2 88

// LANEMASK sets mask k to the low n lanes, n ≤ 16 read from src
// (clobbers AX and CX).
#define LANEMASK(src, k) \
	MOVQ src, CX; \
	MOVL $1, AX; \
	SHLL CX, AX; \
	DECL AX; \
	KMOVW AX, k

// BIAS2 initialises two accumulators with the bias of channel o.
#define BIAS2(o, za, zb) \
	VBROADCASTSS (4*o)(BX), za; \
	VMOVAPS za, zb

// FMA2 adds a window position's weight of channel o times the two input
// vectors. The weight is broadcast once into zw for both: a k step of
// the 8x2 kernel then loads 10 times (8 weights, 2 input vectors) for
// its 16 FMAs, where broadcasting from memory in each FMA loaded 18
// times and left the load ports, not the FMA units, the limit.
#define FMA2(o, za, zb, zw) \
	VBROADCASTSS (4*o)(DX), zw; \
	VFMADD231PS zw, Z16, za; \
	VFMADD231PS zw, Z17, zb

#define FMA1(o, za) \
	VFMADD231PS.BCST (4*o)(DX), Z16, za

// STORE2 stores channel o's two vectors (za, zb) a channel (R9 bytes)
// after the last, unless the group has only o channels (R10).
#define STORE2(o, za, zb) \
	CMPQ R10, $o; \
	JLE  f2done; \
	ADDQ R9, DI; \
	VMOVUPS za, K1, (DI); \
	VMOVUPS zb, K2, (DI)(CX*1)

// func convFwd8x2AVX512(out, in, wt, bias *float32, a *convArgs)
// Two vectors of outputs of up to eight channels, with sixteen
// accumulators: a.lanes1 outputs from out and in, and a.lanes2 from a.out2
// and a.in2 bytes past them. That is one row of 16 < OW ≤ 32 (16 lanes,
// then the rest 64 bytes on), or two rows of OW ≤ 16 (a row apart).
TEXT ·convFwd8x2AVX512(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ wt+16(FP), DX
	MOVQ bias+24(FP), BX
	MOVQ a+32(FP), R8
	LANEMASK(A_LANES1(R8), K1)
	LANEMASK(A_LANES2(R8), K2)
	BIAS2(0, Z0, Z1)
	BIAS2(1, Z2, Z3)
	BIAS2(2, Z4, Z5)
	BIAS2(3, Z6, Z7)
	BIAS2(4, Z8, Z9)
	BIAS2(5, Z10, Z11)
	BIAS2(6, Z12, Z13)
	BIAS2(7, Z14, Z15)
	MOVQ A_IN2(R8), BX
	MOVQ A_CIN(R8), R9
	MOVQ A_K(R8), R10
	MOVQ A_INW(R8), R11
	SHLQ $2, R11
	MOVQ A_INC(R8), R12
	SHLQ $2, R12
f2c:
	MOVQ SI, R13
	MOVQ R10, R14
f2i:
	MOVQ R13, AX
	MOVQ R10, R15
f2j:
	VMOVUPS.Z (AX), K1, Z16
	VMOVUPS.Z (AX)(BX*1), K2, Z17
	FMA2(0, Z0, Z1, Z18)
	FMA2(1, Z2, Z3, Z19)
	FMA2(2, Z4, Z5, Z20)
	FMA2(3, Z6, Z7, Z21)
	FMA2(4, Z8, Z9, Z22)
	FMA2(5, Z10, Z11, Z23)
	FMA2(6, Z12, Z13, Z24)
	FMA2(7, Z14, Z15, Z25)
	ADDQ $32, DX
	ADDQ $4, AX
	DECQ R15
	JNZ  f2j
	ADDQ R11, R13
	DECQ R14
	JNZ  f2i
	ADDQ R12, SI
	DECQ R9
	JNZ  f2c
	MOVQ A_OUTC(R8), R9
	SHLQ $2, R9
	MOVQ A_NOUT(R8), R10
	MOVQ A_OUT2(R8), CX
	VMOVUPS Z0, K1, (DI)
	VMOVUPS Z1, K2, (DI)(CX*1)
	STORE2(1, Z2, Z3)
	STORE2(2, Z4, Z5)
	STORE2(3, Z6, Z7)
	STORE2(4, Z8, Z9)
	STORE2(5, Z10, Z11)
	STORE2(6, Z12, Z13)
	STORE2(7, Z14, Z15)
f2done:
	VZEROUPPER
	RET

// func convFwd8x1AVX512(out, in, wt, bias *float32, a *convArgs)
// One output row of up to eight channels, OW ≤ 16.
TEXT ·convFwd8x1AVX512(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ wt+16(FP), DX
	MOVQ bias+24(FP), BX
	MOVQ a+32(FP), R8
	LANEMASK(A_OW(R8), K1)
	VBROADCASTSS 0(BX), Z0
	VBROADCASTSS 4(BX), Z1
	VBROADCASTSS 8(BX), Z2
	VBROADCASTSS 12(BX), Z3
	VBROADCASTSS 16(BX), Z4
	VBROADCASTSS 20(BX), Z5
	VBROADCASTSS 24(BX), Z6
	VBROADCASTSS 28(BX), Z7
	MOVQ A_CIN(R8), R9
	MOVQ A_K(R8), R10
	MOVQ A_INW(R8), R11
	SHLQ $2, R11
	MOVQ A_INC(R8), R12
	SHLQ $2, R12
f1c:
	MOVQ SI, R13
	MOVQ R10, R14
f1i:
	MOVQ R13, AX
	MOVQ R10, R15
f1j:
	VMOVUPS.Z (AX), K1, Z16
	FMA1(0, Z0)
	FMA1(1, Z1)
	FMA1(2, Z2)
	FMA1(3, Z3)
	FMA1(4, Z4)
	FMA1(5, Z5)
	FMA1(6, Z6)
	FMA1(7, Z7)
	ADDQ $32, DX
	ADDQ $4, AX
	DECQ R15
	JNZ  f1j
	ADDQ R11, R13
	DECQ R14
	JNZ  f1i
	ADDQ R12, SI
	DECQ R9
	JNZ  f1c
	MOVQ A_OUTC(R8), R9
	SHLQ $2, R9
	MOVQ A_NOUT(R8), R10
	VMOVUPS Z0, K1, (DI)
	CMPQ R10, $1
	JLE  f1done
	ADDQ R9, DI
	VMOVUPS Z1, K1, (DI)
	CMPQ R10, $2
	JLE  f1done
	ADDQ R9, DI
	VMOVUPS Z2, K1, (DI)
	CMPQ R10, $3
	JLE  f1done
	ADDQ R9, DI
	VMOVUPS Z3, K1, (DI)
	CMPQ R10, $4
	JLE  f1done
	ADDQ R9, DI
	VMOVUPS Z4, K1, (DI)
	CMPQ R10, $5
	JLE  f1done
	ADDQ R9, DI
	VMOVUPS Z5, K1, (DI)
	CMPQ R10, $6
	JLE  f1done
	ADDQ R9, DI
	VMOVUPS Z6, K1, (DI)
	CMPQ R10, $7
	JLE  f1done
	ADDQ R9, DI
	VMOVUPS Z7, K1, (DI)
f1done:
	VZEROUPPER
	RET

// GFMA adds one input vector times channel o's gradient row (at R14 plus
// the channel's offset) into accumulator z, under mask k.
#define GFMA(off, z, k) \
	VFMADD231PS off, Z16, k, z

// REDUCE8 sums the lanes of Z0–Z7 and stores the eight sums at (DI).
#define REDUCE8 \
	VEXTRACTF64X4 $1, Z0, Y8; \
	VADDPS Y8, Y0, Y0; \
	VEXTRACTF64X4 $1, Z1, Y9; \
	VADDPS Y9, Y1, Y1; \
	VEXTRACTF64X4 $1, Z2, Y10; \
	VADDPS Y10, Y2, Y2; \
	VEXTRACTF64X4 $1, Z3, Y11; \
	VADDPS Y11, Y3, Y3; \
	VEXTRACTF64X4 $1, Z4, Y12; \
	VADDPS Y12, Y4, Y4; \
	VEXTRACTF64X4 $1, Z5, Y13; \
	VADDPS Y13, Y5, Y5; \
	VEXTRACTF64X4 $1, Z6, Y14; \
	VADDPS Y14, Y6, Y6; \
	VEXTRACTF64X4 $1, Z7, Y15; \
	VADDPS Y15, Y7, Y7; \
	VHADDPS Y1, Y0, Y0; \
	VHADDPS Y3, Y2, Y2; \
	VHADDPS Y5, Y4, Y4; \
	VHADDPS Y7, Y6, Y6; \
	VHADDPS Y2, Y0, Y0; \
	VHADDPS Y6, Y4, Y4; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS X1, X0, X0; \
	VEXTRACTF128 $1, Y4, X5; \
	VADDPS X5, X4, X4; \
	VMOVUPS X0, (DI); \
	VMOVUPS X4, 16(DI)

// GFMA2 adds the input vectors of window columns j (Z16) and j+1 (Z17)
// times channel o's gradient row, loaded once into zg, into accumulators
// za (column j) and zb (column j+1), under mask k.
#define GFMA2(off, za, zb, zg, k) \
	VMOVUPS.Z off, k, zg; \
	VFMADD231PS zg, Z16, k, za; \
	VFMADD231PS zg, Z17, k, zb

// ZERO16 clears the sixteen accumulators of two window columns.
#define ZERO16 \
	VXORPS Z0, Z0, Z0; \
	VXORPS Z1, Z1, Z1; \
	VXORPS Z2, Z2, Z2; \
	VXORPS Z3, Z3, Z3; \
	VXORPS Z4, Z4, Z4; \
	VXORPS Z5, Z5, Z5; \
	VXORPS Z6, Z6, Z6; \
	VXORPS Z7, Z7, Z7; \
	VXORPS Z8, Z8, Z8; \
	VXORPS Z9, Z9, Z9; \
	VXORPS Z10, Z10, Z10; \
	VXORPS Z11, Z11, Z11; \
	VXORPS Z12, Z12, Z12; \
	VXORPS Z13, Z13, Z13; \
	VXORPS Z14, Z14, Z14; \
	VXORPS Z15, Z15, Z15

// GFMA2ROW runs GFMA2 for the eight channels' gradient rows at base
// bytes past R14 (channel offsets R9 = gs, R10 = 3gs, R11 = 5gs,
// R12 = 7gs), under mask.
#define GFMA2ROW(base, mask) \
	GFMA2(base(R14), Z0, Z8, Z18, mask); \
	GFMA2(base(R14)(R9*1), Z1, Z9, Z19, mask); \
	GFMA2(base(R14)(R9*2), Z2, Z10, Z20, mask); \
	GFMA2(base(R14)(R10*1), Z3, Z11, Z21, mask); \
	GFMA2(base(R14)(R9*4), Z4, Z12, Z22, mask); \
	GFMA2(base(R14)(R11*1), Z5, Z13, Z23, mask); \
	GFMA2(base(R14)(R10*2), Z6, Z14, Z24, mask); \
	GFMA2(base(R14)(R12*1), Z7, Z15, Z25, mask)

// REDUCE2X8 stores the sums of Z0–Z7 (column j) at (DI) and of Z8–Z15
// (column j+1) at 32(DI), and moves DI past both. REDUCE8 overwrites
// Y8–Y15, so Z8–Z15 wait in Z16–Z23.
#define REDUCE2X8 \
	VMOVAPS Z8, Z16; \
	VMOVAPS Z9, Z17; \
	VMOVAPS Z10, Z18; \
	VMOVAPS Z11, Z19; \
	VMOVAPS Z12, Z20; \
	VMOVAPS Z13, Z21; \
	VMOVAPS Z14, Z22; \
	VMOVAPS Z15, Z23; \
	REDUCE8; \
	VMOVAPS Z16, Z0; \
	VMOVAPS Z17, Z1; \
	VMOVAPS Z18, Z2; \
	VMOVAPS Z19, Z3; \
	VMOVAPS Z20, Z4; \
	VMOVAPS Z21, Z5; \
	VMOVAPS Z22, Z6; \
	VMOVAPS Z23, Z7; \
	ADDQ $32, DI; \
	REDUCE8; \
	ADDQ $32, DI

// func convWGrad8AVX512(res, in, gr *float32, a *convArgs)
// For one input channel and window row (in points at its first pixel, the
// row's start) and each window column j < K, the sums over output pixels
// of g[o][y][x]·in[y][x+j] for eight output channels o, stored at
// res[8j:8j+8]. Up to two vectors per row (OW ≤ 32); channels past nOut
// must have readable (e.g. duplicated) gradient rows — their sums are
// ignored by the caller.
TEXT ·convWGrad8AVX512(SB), NOSPLIT, $0-32
	MOVQ res+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ gr+16(FP), DX
	MOVQ a+24(FP), R8
	// K1 and K2 mask the first and second vector of a row.
	MOVQ A_OW(R8), CX
	CMPQ CX, $16
	JLE  wgOne
	MOVL $0xffff, AX
	KMOVW AX, K1
	SUBQ $16, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K2
	JMP  wgMasks
wgOne:
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	KXORW K2, K2, K2
wgMasks:
	// Channel offsets in bytes: R9 = gs, R10 = 3gs, R11 = 5gs, R12 = 7gs.
	MOVQ A_OUTC(R8), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R9)(R9*4), R11
	LEAQ (R10)(R9*4), R12
	MOVQ A_INW(R8), R13
	SHLQ $2, R13
	MOVQ A_OW(R8), BX
	SHLQ $2, BX
	MOVQ A_K(R8), CX
	MOVQ A_OW(R8), AX
	CMPQ AX, $16
	JLE  wgP1
	// Window columns two at a time: each gradient row is loaded once
	// for both, 10 loads for 16 FMAs into 16 accumulators, where a
	// column alone loads 9 times for 8 FMAs into 8. The last column of
	// an odd K runs alone (wgJ, wgJ1).
wgP:
	CMPQ CX, $2
	JGE  wgPGo
	TESTQ CX, CX
	JNZ  wgJ
	VZEROUPPER
	RET
wgPGo:
	ZERO16
	MOVQ SI, AX
	MOVQ DX, R14
	MOVQ A_OH(R8), R15
wgPY:
	VMOVUPS.Z (AX), K1, Z16
	VMOVUPS.Z 4(AX), K1, Z17
	GFMA2ROW(0, K1)
	VMOVUPS.Z 64(AX), K2, Z16
	VMOVUPS.Z 68(AX), K2, Z17
	GFMA2ROW(64, K2)
	ADDQ R13, AX
	ADDQ BX, R14
	DECQ R15
	JNZ  wgPY
	REDUCE2X8
	ADDQ $8, SI
	SUBQ $2, CX
	JMP  wgP

wgJ:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	MOVQ SI, AX
	MOVQ DX, R14
	MOVQ A_OH(R8), R15
wgY:
	VMOVUPS.Z (AX), K1, Z16
	GFMA((R14), Z0, K1)
	GFMA((R14)(R9*1), Z1, K1)
	GFMA((R14)(R9*2), Z2, K1)
	GFMA((R14)(R10*1), Z3, K1)
	GFMA((R14)(R9*4), Z4, K1)
	GFMA((R14)(R11*1), Z5, K1)
	GFMA((R14)(R10*2), Z6, K1)
	GFMA((R14)(R12*1), Z7, K1)
	VMOVUPS.Z 64(AX), K2, Z16
	GFMA(64(R14), Z0, K2)
	GFMA(64(R14)(R9*1), Z1, K2)
	GFMA(64(R14)(R9*2), Z2, K2)
	GFMA(64(R14)(R10*1), Z3, K2)
	GFMA(64(R14)(R9*4), Z4, K2)
	GFMA(64(R14)(R11*1), Z5, K2)
	GFMA(64(R14)(R10*2), Z6, K2)
	GFMA(64(R14)(R12*1), Z7, K2)
	ADDQ R13, AX
	ADDQ BX, R14
	DECQ R15
	JNZ  wgY
	REDUCE8
	ADDQ $32, DI
	ADDQ $4, SI
	DECQ CX
	JNZ  wgJ
	VZEROUPPER
	RET

	// The same for rows of one vector (OW ≤ 16).
wgP1:
	CMPQ CX, $2
	JGE  wgP1Go
	TESTQ CX, CX
	JNZ  wgJ1
	VZEROUPPER
	RET
wgP1Go:
	ZERO16
	MOVQ SI, AX
	MOVQ DX, R14
	MOVQ A_OH(R8), R15
wgP1Y:
	VMOVUPS.Z (AX), K1, Z16
	VMOVUPS.Z 4(AX), K1, Z17
	GFMA2ROW(0, K1)
	ADDQ R13, AX
	ADDQ BX, R14
	DECQ R15
	JNZ  wgP1Y
	REDUCE2X8
	ADDQ $8, SI
	SUBQ $2, CX
	JMP  wgP1

wgJ1:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	MOVQ SI, AX
	MOVQ DX, R14
	MOVQ A_OH(R8), R15
wgY1:
	VMOVUPS.Z (AX), K1, Z16
	GFMA((R14), Z0, K1)
	GFMA((R14)(R9*1), Z1, K1)
	GFMA((R14)(R9*2), Z2, K1)
	GFMA((R14)(R10*1), Z3, K1)
	GFMA((R14)(R9*4), Z4, K1)
	GFMA((R14)(R11*1), Z5, K1)
	GFMA((R14)(R10*2), Z6, K1)
	GFMA((R14)(R12*1), Z7, K1)
	ADDQ R13, AX
	ADDQ BX, R14
	DECQ R15
	JNZ  wgY1
	REDUCE8
	ADDQ $32, DI
	ADDQ $4, SI
	DECQ CX
	JNZ  wgJ1
	VZEROUPPER
	RET
