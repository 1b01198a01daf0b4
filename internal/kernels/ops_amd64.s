//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Small AVX-512 loops: a sum, 2×2 average pooling forward and backward,
// and the SGD-with-momentum update.

// Lane indices for pooling: even and odd lanes of a 32-lane pair, and each
// of lanes 0–7 (8–15) twice.
DATA poolidx<>+0(SB)/4, $0
DATA poolidx<>+4(SB)/4, $2
DATA poolidx<>+8(SB)/4, $4
DATA poolidx<>+12(SB)/4, $6
DATA poolidx<>+16(SB)/4, $8
DATA poolidx<>+20(SB)/4, $10
DATA poolidx<>+24(SB)/4, $12
DATA poolidx<>+28(SB)/4, $14
DATA poolidx<>+32(SB)/4, $16
DATA poolidx<>+36(SB)/4, $18
DATA poolidx<>+40(SB)/4, $20
DATA poolidx<>+44(SB)/4, $22
DATA poolidx<>+48(SB)/4, $24
DATA poolidx<>+52(SB)/4, $26
DATA poolidx<>+56(SB)/4, $28
DATA poolidx<>+60(SB)/4, $30
DATA poolidx<>+64(SB)/4, $0
DATA poolidx<>+68(SB)/4, $0
DATA poolidx<>+72(SB)/4, $1
DATA poolidx<>+76(SB)/4, $1
DATA poolidx<>+80(SB)/4, $2
DATA poolidx<>+84(SB)/4, $2
DATA poolidx<>+88(SB)/4, $3
DATA poolidx<>+92(SB)/4, $3
DATA poolidx<>+96(SB)/4, $4
DATA poolidx<>+100(SB)/4, $4
DATA poolidx<>+104(SB)/4, $5
DATA poolidx<>+108(SB)/4, $5
DATA poolidx<>+112(SB)/4, $6
DATA poolidx<>+116(SB)/4, $6
DATA poolidx<>+120(SB)/4, $7
DATA poolidx<>+124(SB)/4, $7
DATA poolidx<>+128(SB)/4, $0x3e800000 // 0.25
DATA poolidx<>+132(SB)/4, $1
GLOBL poolidx<>(SB), RODATA|NOPTR, $136

// func sumAVX512(x *float32, n int) float32
TEXT ·sumAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
sum64:
	CMPQ CX, $64
	JLT  sum16
	VADDPS (SI), Z0, Z0
	VADDPS 64(SI), Z1, Z1
	VADDPS 128(SI), Z2, Z2
	VADDPS 192(SI), Z3, Z3
	ADDQ $256, SI
	SUBQ $64, CX
	JMP  sum64
sum16:
	CMPQ CX, $16
	JLT  sumTail
	VADDPS (SI), Z0, Z0
	ADDQ $64, SI
	SUBQ $16, CX
	JMP  sum16
sumTail:
	TESTQ CX, CX
	JZ    sumReduce
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z4
	VADDPS Z4, Z1, Z1
sumReduce:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	MOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func avgPool2x2AVX512(dst, src *float32, planes, h, w int)
// dst (planes × h/2 × w/2) = means of the 2×2 blocks of src (planes × h × w).
TEXT ·avgPool2x2AVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ planes+16(FP), R8
	MOVQ h+24(FP), R9
	MOVQ w+32(FP), R10
	VMOVUPS poolidx<>+0(SB), Z20     // even lanes
	VPBROADCASTD poolidx<>+132(SB), Z21
	VPADDD Z21, Z20, Z21              // odd lanes
	VBROADCASTSS poolidx<>+128(SB), Z22
	SHRQ $1, R9                        // output rows per plane
	MOVQ R10, R11
	SHLQ $2, R11                       // input row bytes
	MOVQ R10, R12
	SHRQ $1, R12                       // output row length
	IMULQ R9, R8                       // output rows in all
prow:
	TESTQ R8, R8
	JZ    pdone
	MOVQ SI, AX                        // input row 2y
	LEAQ (SI)(R11*1), BX               // input row 2y+1
	MOVQ R12, CX                       // outputs left in the row
pchunk:
	TESTQ CX, CX
	JZ    pnext
	// K1: output lanes, K2/K3: input lanes of the two halves.
	MOVQ CX, DX
	CMPQ DX, $16
	JLE  pmask
	MOVQ $16, DX
pmask:
	MOVQ DX, R13
	MOVL $1, R14
	MOVQ R13, R15
	SHLQ $1, R15                       // input lanes 2·outputs
	CMPQ R15, $16
	JLE  plow
	MOVL $0xffff, R14
	KMOVW R14, K2
	SUBQ $16, R15
	MOVQ R15, R13
	MOVL $1, R14
	XCHGQ R13, CX
	SHLL CX, R14
	XCHGQ R13, CX
	DECL R14
	KMOVW R14, K3
	JMP  pload
plow:
	MOVQ R15, R13
	XCHGQ R13, CX
	SHLL CX, R14
	XCHGQ R13, CX
	DECL R14
	KMOVW R14, K2
	KXORW K3, K3, K3
pload:
	MOVL $1, R14
	XCHGQ DX, CX
	SHLL CX, R14
	XCHGQ DX, CX
	DECL R14
	KMOVW R14, K1
	VMOVUPS.Z (AX), K2, Z0
	VMOVUPS.Z 64(AX), K3, Z1
	VADDPS.Z (BX), Z0, K2, Z0
	VADDPS.Z 64(BX), Z1, K3, Z1
	VMOVAPS Z20, Z2
	VPERMI2PS Z1, Z0, Z2
	VMOVAPS Z21, Z3
	VPERMI2PS Z1, Z0, Z3
	VADDPS Z3, Z2, Z2
	VMULPS Z22, Z2, Z2
	VMOVUPS Z2, K1, (DI)
	LEAQ (DI)(DX*4), DI
	ADDQ $128, AX
	ADDQ $128, BX
	SUBQ DX, CX
	JMP  pchunk
pnext:
	LEAQ (SI)(R11*2), SI
	DECQ R8
	JMP  prow
pdone:
	VZEROUPPER
	RET

// func avgPool2x2GradAVX512(gsrc, gdst *float32, planes, h, w int)
// gsrc (planes × h × w) += each 2×2 block's gradient from gdst, divided by 4.
TEXT ·avgPool2x2GradAVX512(SB), NOSPLIT, $0-40
	MOVQ gsrc+0(FP), DI
	MOVQ gdst+8(FP), SI
	MOVQ planes+16(FP), R8
	MOVQ h+24(FP), R9
	MOVQ w+32(FP), R10
	VMOVUPS poolidx<>+64(SB), Z20     // lanes 0,0,1,1,…,7,7
	VPBROADCASTD poolidx<>+132(SB), Z21
	VPSLLD $3, Z21, Z21               // 8
	VPADDD Z21, Z20, Z21              // lanes 8,8,…,15,15
	VBROADCASTSS poolidx<>+128(SB), Z22
	SHRQ $1, R9
	MOVQ R10, R11
	SHLQ $2, R11
	MOVQ R10, R12
	SHRQ $1, R12
	IMULQ R9, R8
grow:
	TESTQ R8, R8
	JZ    gdone
	MOVQ DI, AX
	LEAQ (DI)(R11*1), BX
	MOVQ R12, CX
gchunk:
	TESTQ CX, CX
	JZ    gnext
	MOVQ CX, DX
	CMPQ DX, $16
	JLE  gmask
	MOVQ $16, DX
gmask:
	MOVQ DX, R15
	SHLQ $1, R15
	CMPQ R15, $16
	JLE  glow
	MOVL $0xffff, R14
	KMOVW R14, K2
	SUBQ $16, R15
	MOVL $1, R14
	XCHGQ R15, CX
	SHLL CX, R14
	XCHGQ R15, CX
	DECL R14
	KMOVW R14, K3
	JMP  gload
glow:
	MOVL $1, R14
	XCHGQ R15, CX
	SHLL CX, R14
	XCHGQ R15, CX
	DECL R14
	KMOVW R14, K2
	KXORW K3, K3, K3
gload:
	MOVL $1, R14
	XCHGQ DX, CX
	SHLL CX, R14
	XCHGQ DX, CX
	DECL R14
	KMOVW R14, K1
	VMOVUPS.Z (SI), K1, Z0
	VMULPS Z22, Z0, Z0
	VPERMPS Z0, Z20, Z1                // lanes 0–7 doubled
	VPERMPS Z0, Z21, Z2                // lanes 8–15 doubled
	VMOVUPS.Z (AX), K2, Z3
	VADDPS Z1, Z3, Z3
	VMOVUPS Z3, K2, (AX)
	VMOVUPS.Z 64(AX), K3, Z4
	VADDPS Z2, Z4, Z4
	VMOVUPS Z4, K3, 64(AX)
	VMOVUPS.Z (BX), K2, Z3
	VADDPS Z1, Z3, Z3
	VMOVUPS Z3, K2, (BX)
	VMOVUPS.Z 64(BX), K3, Z4
	VADDPS Z2, Z4, Z4
	VMOVUPS Z4, K3, 64(BX)
	LEAQ (SI)(DX*4), SI
	ADDQ $128, AX
	ADDQ $128, BX
	SUBQ DX, CX
	JMP  gchunk
gnext:
	LEAQ (DI)(R11*2), DI
	DECQ R8
	JMP  grow
gdone:
	VZEROUPPER
	RET

// func sgdMomentumAVX512(p, grad, v *float32, n int, lr, mom, keep float32)
// v = mom·v + keep·g; p -= lr·v.
TEXT ·sgdMomentumAVX512(SB), NOSPLIT, $0-44
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS lr+32(FP), Z20
	VBROADCASTSS mom+36(FP), Z21
	VBROADCASTSS keep+40(FP), Z22
sgdLoop:
	CMPQ CX, $16
	JLT  sgdTail
	VMULPS (SI), Z22, Z0
	VFMADD231PS (DX), Z21, Z0
	VMOVUPS Z0, (DX)
	VMOVUPS (DI), Z1
	VFNMADD231PS Z0, Z20, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  sgdLoop
sgdTail:
	TESTQ CX, CX
	JZ    sgdDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VMULPS Z22, Z0, Z0
	VMOVUPS.Z (DX), K1, Z2
	VFMADD231PS Z2, Z21, Z0
	VMOVUPS Z0, K1, (DX)
	VMOVUPS.Z (DI), K1, Z1
	VFNMADD231PS Z0, Z20, Z1
	VMOVUPS Z1, K1, (DI)
sgdDone:
	VZEROUPPER
	RET

// func reluAVX512(dst, src *float32, n int)
// dst = max(src, 0); NaN stays NaN.
TEXT ·reluAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Z31, Z31, Z31
reluLoop:
	CMPQ CX, $16
	JLT  reluTail
	VMOVUPS (SI), Z0
	VMAXPS Z0, Z31, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  reluLoop
reluTail:
	TESTQ CX, CX
	JZ    reluDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VMAXPS Z0, Z31, Z0
	VMOVUPS Z0, K1, (DI)
reluDone:
	VZEROUPPER
	RET

// func reluGradAVX512(gx, gr, x *float32, n int, set bool)
// gx += gr where x > 0 or x is NaN; with set, gx starts from zero
// instead of its contents.
TEXT ·reluGradAVX512(SB), NOSPLIT, $0-33
	MOVQ gx+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBQZX set+32(FP), R9
	VXORPS Z31, Z31, Z31
rgLoop:
	CMPQ CX, $16
	JLT  rgTail
	VMOVUPS (DX), Z0
	VCMPPS $0x16, Z31, Z0, K1 // !(x <= 0): x > 0 or NaN (NLE_UQ)
	VXORPS Z1, Z1, Z1
	TESTQ R9, R9
	JNZ  rgSet
	VMOVUPS (DI), Z1
rgSet:
	VADDPS (SI), Z1, K1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  rgLoop
rgTail:
	TESTQ CX, CX
	JZ    rgDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K2
	VMOVUPS.Z (DX), K2, Z0
	VCMPPS $0x16, Z31, Z0, K2, K1
	VXORPS Z1, Z1, Z1
	TESTQ R9, R9
	JNZ  rgSetTail
	VMOVUPS.Z (DI), K2, Z1
rgSetTail:
	VADDPS (SI), Z1, K1, Z1
	VMOVUPS Z1, K2, (DI)
rgDone:
	VZEROUPPER
	RET

// func bytesToF32AVX512(dst *float32, src *byte, n int, scale, offset float32)
// dst = float32(src)·scale + offset.
TEXT ·bytesToF32AVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS scale+24(FP), Z20
	VBROADCASTSS offset+28(FP), Z21
btLoop:
	CMPQ CX, $16
	JLT  btTail
	VPMOVZXBD (SI), Z0
	VCVTDQ2PS Z0, Z0
	VFMADD213PS Z21, Z20, Z0
	VMOVUPS Z0, (DI)
	ADDQ $16, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  btLoop
btTail:
	TESTQ CX, CX
	JZ    btDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VPMOVZXBD.Z (SI), K1, Z0
	VCVTDQ2PS Z0, Z0
	VFMADD213PS Z21, Z20, Z0
	VMOVUPS Z0, K1, (DI)
btDone:
	VZEROUPPER
	RET

// func addAVX512(dst, a, b *float32, n int)
// dst = a + b, 32 lanes a step; dst may be a or b.
TEXT ·addAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
addLoop32:
	CMPQ CX, $32
	JLT  addLoop16
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VADDPS  (DX), Z0, Z0
	VADDPS  64(DX), Z1, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  addLoop32
addLoop16:
	CMPQ CX, $16
	JLT  addTail
	VMOVUPS (SI), Z0
	VADDPS  (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $16, CX
addTail:
	TESTQ CX, CX
	JZ    addDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z1
	VADDPS  Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)
addDone:
	VZEROUPPER
	RET

// func adamAVX512(p, grad, m, v *float32, n int, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay float32)
// adamGo, sixteen lanes a step, the tail under a mask, in the same order
// of operations (no fused multiply-adds; VSQRTPS and VDIVPS round
// correctly, as the Go twin does), so the two agree bit for bit.
TEXT ·adamAVX512(SB), NOSPLIT, $0-72
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), R8
	MOVQ n+32(FP), CX
	VBROADCASTSS beta1+40(FP), Z20
	VBROADCASTSS keep1+44(FP), Z21
	VBROADCASTSS beta2+48(FP), Z22
	VBROADCASTSS keep2+52(FP), Z23
	VBROADCASTSS step+56(FP), Z24
	VBROADCASTSS bc2sqrt+60(FP), Z25
	VBROADCASTSS eps+64(FP), Z26
	VBROADCASTSS decay+68(FP), Z27
	MOVL  $0xffff, AX
	KMOVW AX, K1
adamLoop:
	TESTQ CX, CX
	JZ    adamDone
	CMPQ  CX, $16
	JGE   adamBody
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	MOVQ  $16, CX
adamBody:
	VMOVUPS.Z (SI), K1, Z0 // d
	VMOVUPS.Z (DI), K1, Z1 // p
	VMULPS    Z27, Z1, Z1 // times decay
	// m = m·β₁ + keep1·d
	VMOVUPS.Z (DX), K1, Z2
	VMULPS    Z20, Z2, Z2
	VMULPS    Z0, Z21, Z3
	VADDPS    Z3, Z2, Z2
	VMOVUPS   Z2, K1, (DX)
	// v = v·β₂ + keep2·d·d
	VMOVUPS.Z (R8), K1, Z4
	VMULPS    Z22, Z4, Z4
	VMULPS    Z0, Z23, Z5
	VMULPS    Z0, Z5, Z5
	VADDPS    Z5, Z4, Z4
	VMOVUPS   Z4, K1, (R8)
	// p += step·m / (√v / bc2sqrt + ε)
	VSQRTPS   Z4, Z6
	VDIVPS    Z25, Z6, Z6
	VADDPS    Z26, Z6, Z6
	VMULPS    Z2, Z24, Z7
	VDIVPS    Z6, Z7, Z7
	VADDPS    Z7, Z1, Z1
	VMOVUPS   Z1, K1, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	SUBQ $16, CX
	JMP  adamLoop
adamDone:
	VZEROUPPER
	RET

// Index vectors of the 2×2 max pool's permutes (four of 16 dwords): the
// even and odd lanes of two registers, and the interleaving of two
// registers' low and high halves.
DATA mpidx<>+0(SB)/4, $0
DATA mpidx<>+4(SB)/4, $2
DATA mpidx<>+8(SB)/4, $4
DATA mpidx<>+12(SB)/4, $6
DATA mpidx<>+16(SB)/4, $8
DATA mpidx<>+20(SB)/4, $10
DATA mpidx<>+24(SB)/4, $12
DATA mpidx<>+28(SB)/4, $14
DATA mpidx<>+32(SB)/4, $16
DATA mpidx<>+36(SB)/4, $18
DATA mpidx<>+40(SB)/4, $20
DATA mpidx<>+44(SB)/4, $22
DATA mpidx<>+48(SB)/4, $24
DATA mpidx<>+52(SB)/4, $26
DATA mpidx<>+56(SB)/4, $28
DATA mpidx<>+60(SB)/4, $30
DATA mpidx<>+64(SB)/4, $1
DATA mpidx<>+68(SB)/4, $3
DATA mpidx<>+72(SB)/4, $5
DATA mpidx<>+76(SB)/4, $7
DATA mpidx<>+80(SB)/4, $9
DATA mpidx<>+84(SB)/4, $11
DATA mpidx<>+88(SB)/4, $13
DATA mpidx<>+92(SB)/4, $15
DATA mpidx<>+96(SB)/4, $17
DATA mpidx<>+100(SB)/4, $19
DATA mpidx<>+104(SB)/4, $21
DATA mpidx<>+108(SB)/4, $23
DATA mpidx<>+112(SB)/4, $25
DATA mpidx<>+116(SB)/4, $27
DATA mpidx<>+120(SB)/4, $29
DATA mpidx<>+124(SB)/4, $31
DATA mpidx<>+128(SB)/4, $0
DATA mpidx<>+132(SB)/4, $16
DATA mpidx<>+136(SB)/4, $1
DATA mpidx<>+140(SB)/4, $17
DATA mpidx<>+144(SB)/4, $2
DATA mpidx<>+148(SB)/4, $18
DATA mpidx<>+152(SB)/4, $3
DATA mpidx<>+156(SB)/4, $19
DATA mpidx<>+160(SB)/4, $4
DATA mpidx<>+164(SB)/4, $20
DATA mpidx<>+168(SB)/4, $5
DATA mpidx<>+172(SB)/4, $21
DATA mpidx<>+176(SB)/4, $6
DATA mpidx<>+180(SB)/4, $22
DATA mpidx<>+184(SB)/4, $7
DATA mpidx<>+188(SB)/4, $23
DATA mpidx<>+192(SB)/4, $8
DATA mpidx<>+196(SB)/4, $24
DATA mpidx<>+200(SB)/4, $9
DATA mpidx<>+204(SB)/4, $25
DATA mpidx<>+208(SB)/4, $10
DATA mpidx<>+212(SB)/4, $26
DATA mpidx<>+216(SB)/4, $11
DATA mpidx<>+220(SB)/4, $27
DATA mpidx<>+224(SB)/4, $12
DATA mpidx<>+228(SB)/4, $28
DATA mpidx<>+232(SB)/4, $13
DATA mpidx<>+236(SB)/4, $29
DATA mpidx<>+240(SB)/4, $14
DATA mpidx<>+244(SB)/4, $30
DATA mpidx<>+248(SB)/4, $15
DATA mpidx<>+252(SB)/4, $31
GLOBL mpidx<>(SB), RODATA|NOPTR, $256

// mpmask<>[r] is (1<<r) - 1: the lanes of a group of r ≤ 16.
DATA mpmask<>+0(SB)/2, $0x0
DATA mpmask<>+2(SB)/2, $0x1
DATA mpmask<>+4(SB)/2, $0x3
DATA mpmask<>+6(SB)/2, $0x7
DATA mpmask<>+8(SB)/2, $0xf
DATA mpmask<>+10(SB)/2, $0x1f
DATA mpmask<>+12(SB)/2, $0x3f
DATA mpmask<>+14(SB)/2, $0x7f
DATA mpmask<>+16(SB)/2, $0xff
DATA mpmask<>+18(SB)/2, $0x1ff
DATA mpmask<>+20(SB)/2, $0x3ff
DATA mpmask<>+22(SB)/2, $0x7ff
DATA mpmask<>+24(SB)/2, $0xfff
DATA mpmask<>+26(SB)/2, $0x1fff
DATA mpmask<>+28(SB)/2, $0x3fff
DATA mpmask<>+30(SB)/2, $0x7fff
DATA mpmask<>+32(SB)/2, $0xffff
GLOBL mpmask<>(SB), RODATA|NOPTR, $34

// POOLMASKS sets K1 to the lanes of the next group of outputs (the
// fewest of BX and 16) and K2, K3 to those of its 2r inputs in the low
// and high registers. It uses CX.
#define POOLMASKS \
	MOVQ  BX, CX; \
	CMPQ  CX, $16; \
	JLE   2(PC); \
	MOVQ  $16, CX; \
	KMOVW (R10)(CX*2), K1; \
	SHLQ  $1, CX; \
	KXORW K3, K3, K3; \
	CMPQ  CX, $16; \
	JLE   4(PC); \
	SUBQ  $16, CX; \
	KMOVW (R10)(CX*2), K3; \
	MOVQ  $16, CX; \
	KMOVW (R10)(CX*2), K2

// POOLSELECT reads a group's two rows (top at SI, bottom at R12, offset
// AX·2) and leaves in Z4 the value maxIndex picks from each window: the
// first largest, or the last NaN. K4, K5 and K6 say where the top right,
// bottom left and bottom right replaced the best so far; K7 is scratch.
#define POOLSELECT \
	VMOVUPS.Z (SI)(AX*2), K2, Z0; \
	VMOVUPS.Z 64(SI)(AX*2), K3, Z1; \
	VMOVUPS.Z (R12)(AX*2), K2, Z2; \
	VMOVUPS.Z 64(R12)(AX*2), K3, Z3; \
	VMOVAPS   Z0, Z4; \
	VPERMT2PS Z1, Z28, Z4; \
	VMOVAPS   Z0, Z5; \
	VPERMT2PS Z1, Z29, Z5; \
	VMOVAPS   Z2, Z6; \
	VPERMT2PS Z3, Z28, Z6; \
	VMOVAPS   Z2, Z7; \
	VPERMT2PS Z3, Z29, Z7; \
	VCMPPS    $0x1e, Z4, Z5, K4; \
	VCMPPS    $3, Z5, Z5, K7; \
	KORW      K7, K4, K4; \
	VMOVAPS   Z5, K4, Z4; \
	VCMPPS    $0x1e, Z4, Z6, K5; \
	VCMPPS    $3, Z6, Z6, K7; \
	KORW      K7, K5, K5; \
	VMOVAPS   Z6, K5, Z4; \
	VCMPPS    $0x1e, Z4, Z7, K6; \
	VCMPPS    $3, Z7, Z7, K7; \
	KORW      K7, K6, K6; \
	VMOVAPS   Z7, K6, Z4

// func maxPool2x2AVX512(dst, src *float32, oh, ow, w int)
// maxPool2x2Go: dst (oh×ow) is the 2×2, stride-2 max pool of the plane
// src, w pixels wide.
TEXT ·maxPool2x2AVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ oh+16(FP), R8
	MOVQ ow+24(FP), R9
	MOVQ w+32(FP), R11
	SHLQ $2, R11
	LEAQ mpmask<>(SB), R10
	VMOVDQU32 mpidx<>+0(SB), Z28
	VMOVDQU32 mpidx<>+64(SB), Z29
mpRow:
	TESTQ R8, R8
	JZ    mpDone
	LEAQ  (SI)(R11*1), R12
	XORQ  AX, AX
	MOVQ  R9, BX
mpGroup:
	TESTQ BX, BX
	JZ    mpNextRow
	POOLMASKS
	POOLSELECT
	VMOVUPS Z4, K1, (DI)(AX*1)
	ADDQ $64, AX
	CMPQ BX, $16
	JLE  mpNextRow
	SUBQ $16, BX
	JMP  mpGroup
mpNextRow:
	LEAQ (SI)(R11*2), SI
	MOVQ R9, CX
	SHLQ $2, CX
	ADDQ CX, DI
	DECQ R8
	JMP  mpRow
mpDone:
	VZEROUPPER
	RET

// func maxPool2x2GradAVX512(gsrc, gdst, src *float32, oh, ow, w int)
// maxPool2x2GradGo: adds each window's gradient (gdst) to the element
// maxPool2x2AVX512 picked from src, and zero to the other three.
TEXT ·maxPool2x2GradAVX512(SB), NOSPLIT, $0-48
	MOVQ gsrc+0(FP), DX
	MOVQ gdst+8(FP), DI
	MOVQ src+16(FP), SI
	MOVQ oh+24(FP), R8
	MOVQ ow+32(FP), R9
	MOVQ w+40(FP), R11
	SHLQ $2, R11
	LEAQ mpmask<>(SB), R10
	VMOVDQU32 mpidx<>+0(SB), Z28
	VMOVDQU32 mpidx<>+64(SB), Z29
	VMOVDQU32 mpidx<>+128(SB), Z30
	VMOVDQU32 mpidx<>+192(SB), Z31
mgRow:
	TESTQ R8, R8
	JZ    mgDone
	LEAQ  (SI)(R11*1), R12
	LEAQ  (DX)(R11*1), R13
	XORQ  AX, AX
	MOVQ  R9, BX
mgGroup:
	TESTQ BX, BX
	JZ    mgNextRow
	POOLMASKS
	VMOVUPS.Z (DI)(AX*1), K1, Z16 // the windows' gradients
	POOLSELECT
	// The chosen element: bottom right where K6, bottom left where K5
	// but not K6, top right where K4 but neither, top left elsewhere.
	KORW   K6, K5, K7
	KANDNW K5, K6, K5
	KANDNW K4, K7, K4
	KORW   K7, K4, K1
	KNOTW  K1, K1
	VMOVAPS.Z Z16, K1, Z8
	VMOVAPS.Z Z16, K4, Z9
	VMOVAPS.Z Z16, K5, Z10
	VMOVAPS.Z Z16, K6, Z11
	// Interleave back into the rows' pixel order and add.
	VMOVAPS   Z8, Z12
	VPERMT2PS Z9, Z30, Z12
	VMOVAPS   Z8, Z13
	VPERMT2PS Z9, Z31, Z13
	VMOVUPS.Z (DX)(AX*2), K2, Z14
	VADDPS    Z12, Z14, Z14
	VMOVUPS   Z14, K2, (DX)(AX*2)
	VMOVUPS.Z 64(DX)(AX*2), K3, Z15
	VADDPS    Z13, Z15, Z15
	VMOVUPS   Z15, K3, 64(DX)(AX*2)
	VMOVAPS   Z10, Z12
	VPERMT2PS Z11, Z30, Z12
	VMOVAPS   Z10, Z13
	VPERMT2PS Z11, Z31, Z13
	VMOVUPS.Z (R13)(AX*2), K2, Z14
	VADDPS    Z12, Z14, Z14
	VMOVUPS   Z14, K2, (R13)(AX*2)
	VMOVUPS.Z 64(R13)(AX*2), K3, Z15
	VADDPS    Z13, Z15, Z15
	VMOVUPS   Z15, K3, 64(R13)(AX*2)
	ADDQ $64, AX
	CMPQ BX, $16
	JLE  mgNextRow
	SUBQ $16, BX
	JMP  mgGroup
mgNextRow:
	LEAQ (SI)(R11*2), SI
	LEAQ (DX)(R11*2), DX
	MOVQ R9, CX
	SHLQ $2, CX
	ADDQ CX, DI
	DECQ R8
	JMP  mgRow
mgDone:
	VZEROUPPER
	RET

// func biasReLUTileAVX512(c *float32, ldc, rows, cols int, bias *float32, relu bool)
// Each of rows rows of cols numbers, ldc apart: add bias (when not nil),
// then, with relu, set negative numbers to zero, as addAVX512 and
// reluAVX512 do, in one pass over the tile.
TEXT ·biasReLUTileAVX512(SB), NOSPLIT, $0-41
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ rows+16(FP), R9
	MOVQ cols+24(FP), R10
	MOVQ bias+32(FP), DX
	MOVBQZX relu+40(FP), R11
	VXORPS Z31, Z31, Z31
	// K1 masks a row's last partial vector.
	MOVQ R10, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
btRow:
	TESTQ R9, R9
	JZ    btDone
	MOVQ DI, SI
	MOVQ DX, BX
	MOVQ R10, CX
btCol:
	CMPQ CX, $16
	JLT  btTail
	VMOVUPS (SI), Z0
	TESTQ DX, DX
	JZ    btNoBias
	VADDPS (BX), Z0, Z0
btNoBias:
	TESTQ R11, R11
	JZ    btNoReLU
	VMAXPS Z0, Z31, Z0
btNoReLU:
	VMOVUPS Z0, (SI)
	ADDQ $64, SI
	ADDQ $64, BX
	SUBQ $16, CX
	JMP  btCol
btTail:
	TESTQ CX, CX
	JZ    btNext
	VMOVUPS.Z (SI), K1, Z0
	TESTQ DX, DX
	JZ    btTailNoBias
	VADDPS.Z (BX), Z0, K1, Z0
btTailNoBias:
	TESTQ R11, R11
	JZ    btTailNoReLU
	VMAXPS Z0, Z31, Z0
btTailNoReLU:
	VMOVUPS Z0, K1, (SI)
btNext:
	ADDQ R8, DI
	DECQ R9
	JMP  btRow
btDone:
	VZEROUPPER
	RET
