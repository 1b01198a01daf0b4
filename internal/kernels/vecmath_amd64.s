//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Vectorised float32 tanh and sigmoid, and their backward passes, with
// AVX-512: sixteen lanes at a time, the tail under a mask. The maths is
// that of exp32 and tanh32 in activations.go (Cephes' expf and tanhf
// polynomials), so the scalar and vector versions agree to a few ulps.

// Constants, one float32 (or int32) each; offsets named in the comments.
DATA vecmath<>+0(SB)/4, $0x7fffffff // absmask
DATA vecmath<>+4(SB)/4, $0x80000000 // signmask
DATA vecmath<>+8(SB)/4, $0x3f800000 // 1.0
DATA vecmath<>+12(SB)/4, $0x40000000 // 2.0
DATA vecmath<>+16(SB)/4, $0x41100000 // 9.0: tanh is ±1 in float32 beyond
DATA vecmath<>+20(SB)/4, $0x3f200000 // 0.625: tanh's polynomial range
DATA vecmath<>+24(SB)/4, $0x3fb8aa3b // log2(e)
DATA vecmath<>+28(SB)/4, $0x3f318000 // ln2, high part
DATA vecmath<>+32(SB)/4, $0xb95e8083 // ln2, low part
DATA vecmath<>+36(SB)/4, $0x39506967 // exp polynomial p0
DATA vecmath<>+40(SB)/4, $0x3ab743ce // p1
DATA vecmath<>+44(SB)/4, $0x3c088908 // p2
DATA vecmath<>+48(SB)/4, $0x3d2aa9c1 // p3
DATA vecmath<>+52(SB)/4, $0x3e2aaaaa // p4
DATA vecmath<>+56(SB)/4, $0x3f000000 // p5
DATA vecmath<>+60(SB)/4, $0xbbbaf0ea // tanh polynomial t0
DATA vecmath<>+64(SB)/4, $0x3ca9134e // t1
DATA vecmath<>+68(SB)/4, $0xbd5c1e2d // t2
DATA vecmath<>+72(SB)/4, $0x3e088393 // t3
DATA vecmath<>+76(SB)/4, $0xbeaaaa99 // t4
DATA vecmath<>+80(SB)/4, $0x0000007f // 127, the exponent bias
DATA vecmath<>+84(SB)/4, $0x42b0c0a5 // 88.376: largest exp argument
DATA vecmath<>+88(SB)/4, $0xc2aeac4f // -87.337: smallest normal exp result
GLOBL vecmath<>(SB), RODATA|NOPTR, $92

// Register use: Z0–Z8 work, Z9–Z31 constants.
#define LOADCONSTS \
	VBROADCASTSS vecmath<>+0(SB), Z9; \
	VBROADCASTSS vecmath<>+4(SB), Z10; \
	VBROADCASTSS vecmath<>+8(SB), Z11; \
	VBROADCASTSS vecmath<>+12(SB), Z12; \
	VBROADCASTSS vecmath<>+16(SB), Z13; \
	VBROADCASTSS vecmath<>+20(SB), Z14; \
	VBROADCASTSS vecmath<>+24(SB), Z15; \
	VBROADCASTSS vecmath<>+28(SB), Z16; \
	VBROADCASTSS vecmath<>+32(SB), Z17; \
	VBROADCASTSS vecmath<>+36(SB), Z18; \
	VBROADCASTSS vecmath<>+40(SB), Z19; \
	VBROADCASTSS vecmath<>+44(SB), Z20; \
	VBROADCASTSS vecmath<>+48(SB), Z21; \
	VBROADCASTSS vecmath<>+52(SB), Z22; \
	VBROADCASTSS vecmath<>+56(SB), Z23; \
	VBROADCASTSS vecmath<>+60(SB), Z24; \
	VBROADCASTSS vecmath<>+64(SB), Z25; \
	VBROADCASTSS vecmath<>+68(SB), Z26; \
	VBROADCASTSS vecmath<>+72(SB), Z27; \
	VBROADCASTSS vecmath<>+76(SB), Z28; \
	VPBROADCASTD vecmath<>+80(SB), Z29; \
	VBROADCASTSS vecmath<>+84(SB), Z30; \
	VBROADCASTSS vecmath<>+88(SB), Z31

// EXP replaces x with e^x for x in [-87.3, 88.3]: x = n·ln2 + r, e^r by
// the polynomial, 2^n by building the exponent bits. Clobbers n, r, t.
#define EXP(x, n, r, t) \
	VMULPS Z15, x, n; \
	VRNDSCALEPS $0, n, n; \
	VMOVAPS x, r; \
	VFNMADD231PS Z16, n, r; \
	VFNMADD231PS Z17, n, r; \
	VMOVAPS Z18, t; \
	VFMADD213PS Z19, r, t; \
	VFMADD213PS Z20, r, t; \
	VFMADD213PS Z21, r, t; \
	VFMADD213PS Z22, r, t; \
	VFMADD213PS Z23, r, t; \
	VMULPS r, r, x; \
	VFMADD213PS r, x, t; \
	VADDPS Z11, t, t; \
	VCVTPS2DQ n, n; \
	VPADDD Z29, n, n; \
	VPSLLD $23, n, n; \
	VMULPS n, t, x

// TANH computes Z2 = tanh(Z0).
#define TANH \
	VPANDD Z9, Z0, Z6; \
	VMINPS Z6, Z13, Z1; \
	VADDPS Z1, Z1, Z1; \
	EXP(Z1, Z2, Z3, Z4); \
	VADDPS Z11, Z1, Z1; \
	VDIVPS Z1, Z12, Z2; \
	VSUBPS Z2, Z11, Z2; \
	VPANDD Z10, Z0, Z3; \
	VPORD Z3, Z2, Z2; \
	VMULPS Z0, Z0, Z4; \
	VMOVAPS Z24, Z5; \
	VFMADD213PS Z25, Z4, Z5; \
	VFMADD213PS Z26, Z4, Z5; \
	VFMADD213PS Z27, Z4, Z5; \
	VFMADD213PS Z28, Z4, Z5; \
	VMULPS Z4, Z5, Z5; \
	VFMADD213PS Z0, Z0, Z5; \
	VCMPPS $1, Z14, Z6, K1; \
	VMOVAPS Z5, K1, Z2

// SIGMOID computes Z2 = 1/(1+e^-Z0).
#define SIGMOID \
	VPXORD Z10, Z0, Z1; \
	VMAXPS Z1, Z31, Z1; \
	VMINPS Z1, Z30, Z1; \
	EXP(Z1, Z2, Z3, Z4); \
	VADDPS Z11, Z1, Z1; \
	VDIVPS Z1, Z11, Z2

// TAILMASK sets K2 to the low CX bits.
#define TAILMASK \
	MOVL $1, AX; \
	SHLL CX, AX; \
	DECL AX; \
	KMOVW AX, K2

// func tanhAVX512(dst, src *float32, n int)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	LOADCONSTS
tanhLoop:
	CMPQ CX, $16
	JLT  tanhTail
	VMOVUPS (SI), Z0
	TANH
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  tanhLoop
tanhTail:
	TESTQ CX, CX
	JZ    tanhDone
	TAILMASK
	VMOVUPS.Z (SI), K2, Z0
	TANH
	VMOVUPS Z2, K2, (DI)
tanhDone:
	VZEROUPPER
	RET

// func sigmoidAVX512(dst, src *float32, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	LOADCONSTS
sigLoop:
	CMPQ CX, $16
	JLT  sigTail
	VMOVUPS (SI), Z0
	SIGMOID
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  sigLoop
sigTail:
	TESTQ CX, CX
	JZ    sigDone
	TAILMASK
	VMOVUPS.Z (SI), K2, Z0
	SIGMOID
	VMOVUPS Z2, K2, (DI)
sigDone:
	VZEROUPPER
	RET

// func tanhGradAVX512(gx, gr, y *float32, n int)
// gx += g·(1 - y²)
TEXT ·tanhGradAVX512(SB), NOSPLIT, $0-32
	MOVQ gx+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS vecmath<>+8(SB), Z11
tgLoop:
	CMPQ CX, $16
	JLT  tgTail
	VMOVUPS (DX), Z0
	VMOVAPS Z11, Z1
	VFNMADD231PS Z0, Z0, Z1
	VMOVUPS (DI), Z2
	VFMADD231PS (SI), Z1, Z2
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  tgLoop
tgTail:
	TESTQ CX, CX
	JZ    tgDone
	TAILMASK
	VMOVUPS.Z (DX), K2, Z0
	VMOVUPS.Z (SI), K2, Z3
	VMOVAPS Z11, Z1
	VFNMADD231PS Z0, Z0, Z1
	VMOVUPS.Z (DI), K2, Z2
	VFMADD231PS Z3, Z1, Z2
	VMOVUPS Z2, K2, (DI)
tgDone:
	VZEROUPPER
	RET

// func sigmoidGradAVX512(gx, gr, y *float32, n int)
// gx += g·y·(1 - y)
TEXT ·sigmoidGradAVX512(SB), NOSPLIT, $0-32
	MOVQ gx+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
sgLoop:
	CMPQ CX, $16
	JLT  sgTail
	VMOVUPS (DX), Z0
	VMOVAPS Z0, Z1
	VFNMADD231PS Z0, Z0, Z1
	VMOVUPS (DI), Z2
	VFMADD231PS (SI), Z1, Z2
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  sgLoop
sgTail:
	TESTQ CX, CX
	JZ    sgDone
	TAILMASK
	VMOVUPS.Z (DX), K2, Z0
	VMOVUPS.Z (SI), K2, Z3
	VMOVAPS Z0, Z1
	VFNMADD231PS Z0, Z0, Z1
	VMOVUPS.Z (DI), K2, Z2
	VFMADD231PS Z3, Z1, Z2
	VMOVUPS Z2, K2, (DI)
sgDone:
	VZEROUPPER
	RET

// func lstmGradAVX512(da, dh, dc, a, cp, tc *float32, n int)
// lstmGradGo, sixteen lanes a step, in the same order of operations (no
// fused multiply-adds), so the two agree bit for bit. a and da hold four
// blocks of n (i, f, g, o); AX, BX, DX and R12 walk the four blocks.
TEXT ·lstmGradAVX512(SB), NOSPLIT, $0-56
	MOVQ da+0(FP), DI
	MOVQ dh+8(FP), SI
	MOVQ dc+16(FP), R9
	MOVQ a+24(FP), R8
	MOVQ cp+32(FP), R10
	MOVQ tc+40(FP), R11
	MOVQ n+48(FP), CX
	VBROADCASTSS vecmath<>+8(SB), Z31 // 1.0
	XORQ AX, AX
	MOVQ CX, BX
	SHLQ $2, BX         // f's block: n floats on
	LEAQ (BX)(BX*1), DX // g's
	LEAQ (DX)(BX*1), R12 // o's
	MOVL $0xffff, R13
	KMOVW R13, K1
lstmGradLoop:
	TESTQ CX, CX
	JZ    lstmGradDone
	CMPQ  CX, $16
	JGE   lstmGradBody
	MOVL  $1, R13
	SHLL  CX, R13
	DECL  R13
	KMOVW R13, K1
	MOVQ  $16, CX
lstmGradBody:
	VMOVUPS.Z (R11)(AX*1), K1, Z0 // t
	VMOVUPS.Z (R8)(R12*1), K1, Z1 // o
	VMOVUPS.Z (SI)(AX*1), K1, Z2  // dh
	VMOVUPS.Z (R9)(AX*1), K1, Z3  // dc
	VMOVUPS.Z (R8)(AX*1), K1, Z4  // i
	VMOVUPS.Z (R8)(BX*1), K1, Z5  // f
	VMOVUPS.Z (R8)(DX*1), K1, Z6  // g
	VMOVUPS.Z (R10)(AX*1), K1, Z7 // cp
	// dct = dc + dh·o·(1 − t²)
	VMULPS Z0, Z0, Z8
	VSUBPS Z8, Z31, Z8
	VMULPS Z1, Z2, Z9
	VMULPS Z8, Z9, Z9
	VADDPS Z9, Z3, Z10
	// da_i = dct·g·i·(1 − i)
	VMULPS  Z6, Z10, Z11
	VMULPS  Z4, Z11, Z11
	VSUBPS  Z4, Z31, Z12
	VMULPS  Z12, Z11, Z11
	VMOVUPS Z11, K1, (DI)(AX*1)
	// da_f = dct·cp·f·(1 − f)
	VMULPS  Z7, Z10, Z11
	VMULPS  Z5, Z11, Z11
	VSUBPS  Z5, Z31, Z12
	VMULPS  Z12, Z11, Z11
	VMOVUPS Z11, K1, (DI)(BX*1)
	// da_g = dct·i·(1 − g²)
	VMULPS  Z6, Z6, Z12
	VSUBPS  Z12, Z31, Z12
	VMULPS  Z4, Z10, Z11
	VMULPS  Z12, Z11, Z11
	VMOVUPS Z11, K1, (DI)(DX*1)
	// da_o = dh·t·o·(1 − o)
	VMULPS  Z0, Z2, Z11
	VMULPS  Z1, Z11, Z11
	VSUBPS  Z1, Z31, Z12
	VMULPS  Z12, Z11, Z11
	VMOVUPS Z11, K1, (DI)(R12*1)
	// dc = dct·f
	VMULPS  Z5, Z10, Z11
	VMOVUPS Z11, K1, (R9)(AX*1)
	ADDQ $64, AX
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $64, R12
	SUBQ $16, CX
	JMP  lstmGradLoop
lstmGradDone:
	VZEROUPPER
	RET
