//go:build amd64 && !purego && !noasm

#include "textflag.h"

// expF64AVX512 is math.Exp eight lanes at a time: the algorithm of the
// Go runtime's own amd64 assembly (math/exp_amd64.s, its FMA path, which
// every CPU with AVX-512 takes), step for step, so that each lane has the
// bits math.Exp gives: the argument reduced by k·ln2 in two fused parts
// (k = x·log2e rounded to the nearest integer), a Taylor polynomial of a
// sixteenth of the remainder, squared back four times as y·(y+2), then
// scaled by 2^k, in two steps where the result is subnormal. Special
// lanes follow its branches: NaN and +Inf give x, -Inf gives 0, an x
// above 709.78 or a k too large gives +Inf, a k too small gives 0.

DATA expf64<>+0(SB)/8, $0x7fffffffffffffff // absolute-value mask
DATA expf64<>+8(SB)/8, $0x7ff0000000000000 // +Inf
DATA expf64<>+16(SB)/8, $0xfff0000000000000 // -Inf
DATA expf64<>+24(SB)/8, $0x40862e42fefa39ef // 7.09782712893384e+02, the overflow bound
DATA expf64<>+32(SB)/8, $0x3ff71547652b82fe // log2(e)
DATA expf64<>+40(SB)/8, $0x3fe62e42fefa3000 // ln2, upper part
DATA expf64<>+48(SB)/8, $0x3d53de6af278ece6 // ln2, lower part
DATA expf64<>+56(SB)/8, $0x3fb0000000000000 // 1/16
DATA expf64<>+64(SB)/8, $0x3efa01a01a01a01a // 1/8!
DATA expf64<>+72(SB)/8, $0x3f2a01a01a01a01a // 1/7!
DATA expf64<>+80(SB)/8, $0x3f56c16c16c16c17 // 1/6!
DATA expf64<>+88(SB)/8, $0x3f81111111111111 // 1/5!
DATA expf64<>+96(SB)/8, $0x3fa5555555555555 // 1/4!
DATA expf64<>+104(SB)/8, $0x3fc5555555555555 // 1/3!
DATA expf64<>+112(SB)/8, $0x3fe0000000000000 // 1/2
DATA expf64<>+120(SB)/8, $0x3ff0000000000000 // 1
DATA expf64<>+128(SB)/8, $0x4000000000000000 // 2
DATA expf64<>+136(SB)/8, $1023 // the exponent bias
DATA expf64<>+144(SB)/8, $1022 // the bias less one, for subnormal results
DATA expf64<>+152(SB)/8, $2047 // the first exponent that overflows
DATA expf64<>+160(SB)/8, $-52 // below it, the result underflows to 0
DATA expf64<>+168(SB)/8, $0x0010000000000000 // 2^-1022
GLOBL expf64<>(SB), RODATA|NOPTR, $176

// Work in Z0–Z7, constants in Z8–Z31 (Z31 zero), K1 kept for the tail.
#define EXPCONSTS \
	VPBROADCASTQ expf64<>+0(SB), Z8; \
	VPBROADCASTQ expf64<>+8(SB), Z9; \
	VPBROADCASTQ expf64<>+16(SB), Z10; \
	VBROADCASTSD expf64<>+24(SB), Z11; \
	VBROADCASTSD expf64<>+32(SB), Z12; \
	VBROADCASTSD expf64<>+40(SB), Z13; \
	VBROADCASTSD expf64<>+48(SB), Z14; \
	VBROADCASTSD expf64<>+56(SB), Z15; \
	VBROADCASTSD expf64<>+64(SB), Z16; \
	VBROADCASTSD expf64<>+72(SB), Z17; \
	VBROADCASTSD expf64<>+80(SB), Z18; \
	VBROADCASTSD expf64<>+88(SB), Z19; \
	VBROADCASTSD expf64<>+96(SB), Z20; \
	VBROADCASTSD expf64<>+104(SB), Z21; \
	VBROADCASTSD expf64<>+112(SB), Z22; \
	VBROADCASTSD expf64<>+120(SB), Z23; \
	VBROADCASTSD expf64<>+128(SB), Z24; \
	VPBROADCASTQ expf64<>+136(SB), Z25; \
	VPBROADCASTQ expf64<>+144(SB), Z26; \
	VPBROADCASTQ expf64<>+152(SB), Z27; \
	VPBROADCASTQ expf64<>+160(SB), Z28; \
	VPBROADCASTQ expf64<>+168(SB), Z29; \
	VPXORQ Z31, Z31, Z31

// EXP8 replaces the eight float64 in Z0 by their exponentials.
#define EXP8 \
	VPANDQ Z8, Z0, Z1; \
	VPCMPQ $5, Z9, Z1, K2; \
	VPCMPQ $0, Z10, Z0, K3; \
	VCMPPD $0x1e, Z11, Z0, K4; \
	VMULPD Z12, Z0, Z1; \
	VCVTPD2DQ Z1, Y2; \
	VCVTDQ2PD Y2, Z1; \
	VMOVAPD Z0, Z3; \
	VFNMADD231PD Z13, Z1, Z3; \
	VFNMADD231PD Z14, Z1, Z3; \
	VMULPD Z15, Z3, Z3; \
	VMOVAPD Z16, Z4; \
	VFMADD213PD Z17, Z3, Z4; \
	VFMADD213PD Z18, Z3, Z4; \
	VFMADD213PD Z19, Z3, Z4; \
	VFMADD213PD Z20, Z3, Z4; \
	VFMADD213PD Z21, Z3, Z4; \
	VFMADD213PD Z22, Z3, Z4; \
	VFMADD213PD Z23, Z3, Z4; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z24, Z3, Z4; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z24, Z3, Z4; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z24, Z3, Z4; \
	VMULPD Z4, Z3, Z3; \
	VADDPD Z24, Z3, Z4; \
	VFMADD213PD Z23, Z4, Z3; \
	VPMOVSXDQ Y2, Z5; \
	VPADDQ Z25, Z5, Z5; \
	VPSLLQ $52, Z5, Z6; \
	VMULPD Z6, Z3, Z7; \
	VPCMPQ $2, Z31, Z5, K5; \
	VPADDQ Z26, Z5, Z6; \
	VPSLLQ $52, Z6, Z6; \
	VMULPD Z6, Z3, Z6; \
	VMULPD Z29, Z6, Z6; \
	VMOVAPD Z6, K5, Z7; \
	VPCMPQ $1, Z28, Z5, K6; \
	VMOVAPD Z31, K6, Z7; \
	VPCMPQ $5, Z27, Z5, K7; \
	VMOVAPD Z9, K7, Z7; \
	VMOVAPD Z9, K4, Z7; \
	VMOVAPD Z0, K2, Z7; \
	VMOVAPD Z31, K3, Z7; \
	VMOVAPD Z7, Z0

// func expF64AVX512(dst, src *float64, n int)
// dst = math.Exp(src), eight lanes a step; dst may be src.
TEXT ·expF64AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS
expLoop:
	CMPQ CX, $8
	JLT  expTail
	VMOVUPD (SI), Z0
	EXP8
	VMOVUPD Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  expLoop
expTail:
	TESTQ CX, CX
	JZ    expDone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPD.Z (SI), K1, Z0
	EXP8
	VMOVUPD Z0, K1, (DI)
expDone:
	VZEROUPPER
	RET
