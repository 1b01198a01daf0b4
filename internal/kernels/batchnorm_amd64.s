//go:build amd64 && !purego && !noasm

#include "textflag.h"

// func batchNormRowAVX512(y, xhat, x *float32, n int, mean, is, gamma, beta float32)
// xhat = (x - mean)·is; y = g·xhat + b; each operation rounded, no fused
// multiply-add, as batchNormRowGo.
TEXT ·batchNormRowAVX512(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ xhat+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	VBROADCASTSS mean+32(FP), Z20
	VBROADCASTSS is+36(FP), Z21
	VBROADCASTSS gamma+40(FP), Z22
	VBROADCASTSS beta+44(FP), Z23
bnLoop:
	CMPQ CX, $16
	JLT  bnTail
	VMOVUPS (SI), Z0
	VSUBPS  Z20, Z0, Z0
	VMULPS  Z21, Z0, Z0
	VMOVUPS Z0, (DX)
	VMULPS  Z22, Z0, Z1
	VADDPS  Z23, Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  bnLoop
bnTail:
	TESTQ CX, CX
	JZ    bnDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VSUBPS  Z20, Z0, Z0
	VMULPS  Z21, Z0, Z0
	VMOVUPS Z0, K1, (DX)
	VMULPS  Z22, Z0, Z1
	VADDPS  Z23, Z1, Z1
	VMOVUPS Z1, K1, (DI)
bnDone:
	VZEROUPPER
	RET

// func batchNormGradRowAVX512(gx, grad, xhat *float32, n int, a, b0, b1 float32, set bool)
// gx += (a·g − b0) − xhat·b1, or gx = (a·g − b0) − xhat·b1 with set;
// each operation rounded, as batchNormGradRowGo.
TEXT ·batchNormGradRowAVX512(SB), NOSPLIT, $0-45
	MOVQ gx+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ xhat+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS a+32(FP), Z20
	VBROADCASTSS b0+36(FP), Z21
	VBROADCASTSS b1+40(FP), Z22
	MOVBQZX set+44(FP), R9
bngLoop:
	CMPQ CX, $16
	JLT  bngTail
	VMOVUPS (SI), Z0
	VMULPS  Z20, Z0, Z0
	VSUBPS  Z21, Z0, Z0
	VMOVUPS (DX), Z1
	VMULPS  Z22, Z1, Z1
	VSUBPS  Z1, Z0, Z0
	TESTQ   R9, R9
	JNZ     bngSet
	VMOVUPS (DI), Z2
	VADDPS  Z0, Z2, Z0
bngSet:
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  bngLoop
bngTail:
	TESTQ CX, CX
	JZ    bngDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VMULPS  Z20, Z0, Z0
	VSUBPS  Z21, Z0, Z0
	VMOVUPS.Z (DX), K1, Z1
	VMULPS  Z22, Z1, Z1
	VSUBPS  Z1, Z0, Z0
	TESTQ   R9, R9
	JNZ     bngSetTail
	VMOVUPS.Z (DI), K1, Z2
	VADDPS  Z0, Z2, Z0
bngSetTail:
	VMOVUPS Z0, K1, (DI)
bngDone:
	VZEROUPPER
	RET
