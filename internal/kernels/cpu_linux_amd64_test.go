//go:build linux && amd64 && !purego && !noasm

package kernels

import (
	"runtime"
	"syscall"
	"testing"
	"unsafe"
)

// TestCurrentCPU checks currentCPU against the getcpu system call, on a
// thread locked to its goroutine (a CPU change between the two reads is
// possible but rare: the test retries).
func TestCurrentCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const sysGetcpu = 309 // amd64
	agreed := 0
	for range 100 {
		var cpu, node uint32
		before := currentCPU()
		if _, _, e := syscall.RawSyscall(sysGetcpu, uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node)), 0); e != 0 {
			t.Skipf("getcpu: %v", e)
		}
		after := currentCPU()
		if before < 0 {
			t.Fatalf("currentCPU cannot tell the CPU on Linux")
		}
		if before == after && before == int(cpu) {
			agreed++
		}
	}
	if agreed < 90 {
		t.Fatalf("currentCPU agreed with getcpu %d times of 100", agreed)
	}
}
