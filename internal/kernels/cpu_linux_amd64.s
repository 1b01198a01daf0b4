//go:build linux && amd64 && !purego && !noasm

#include "textflag.h"

// func lslCPUNode() (v uint32, ok bool)
//
// LSL on segment selector 0x7b (GDT entry 15, ring 3), whose limit
// Linux sets, on every CPU, to node<<12 | cpu: what the vDSO's getcpu
// reads where the CPU has no RDPID. ZF is set when the load succeeds.
TEXT ·lslCPUNode(SB), NOSPLIT, $0-5
	MOVL $0x7b, BX
	XORL AX, AX
	LSLL BX, AX
	SETEQ ok+4(FP)
	MOVL AX, v+0(FP)
	RET
