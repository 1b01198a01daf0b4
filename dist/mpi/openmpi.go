//go:build !nompi && linux && (amd64 || arm64)

package mpi

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Supported reports whether this binary was built with MPI support. It is
// false with the nompi build tag, where Init returns ErrUnsupported.
const Supported = true

// inPlace is Open MPI's MPI_IN_PLACE, ((void *) 1) in its mpi.h.
const inPlace = 1

// library holds the entry points and predefined handles of a loaded Open MPI.
// Open MPI's handles are the addresses of global objects of the library:
// MPI_COMM_WORLD is &ompi_mpi_comm_world, MPI_FLOAT is &ompi_mpi_float, and so
// on.
type library struct {
	fnInitThread, fnCommRank, fnCommSize uintptr // C functions
	fnAllreduce, fnBcast, fnBarrier      uintptr
	fnFinalize, fnAbort                  uintptr
	commWorld, opSum                     uintptr
	types                                [3]uintptr // indexed by dtype
	path                                 string
}

// candidates returns the paths Init tries, in order.
func candidates(path string) []string {
	if path != "" {
		return []string{path}
	}
	multiarch := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[runtime.GOARCH]
	return []string{"libmpi.so.40", "/usr/lib/" + multiarch + "/libmpi.so.40"}
}

// openLibrary loads Open MPI with dlopen(RTLD_NOW|RTLD_GLOBAL) and looks up
// the functions and handles the package uses. RTLD_GLOBAL matters: Open MPI
// dlopens its own plugins, which expect its symbols to be global.
func openLibrary(path string) (*library, error) {
	var tried []string
	var handle uintptr
	for _, p := range candidates(path) {
		h, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err == nil {
			handle, path = h, p
			break
		}
		tried = append(tried, fmt.Sprintf("dlopen(%q): %v", p, err))
	}
	if handle == 0 {
		return nil, fmt.Errorf("%w: %s; %s", ErrNoOpenMPI, strings.Join(tried, "; "), installHint)
	}
	l := &library{path: path}
	syms := []struct {
		name string
		addr *uintptr
	}{
		// The handles first: their absence means another MPI, such as MPICH.
		{"ompi_mpi_comm_world", &l.commWorld},
		{"ompi_mpi_op_sum", &l.opSum},
		{"ompi_mpi_float", &l.types[dtFloat32]},
		{"ompi_mpi_double", &l.types[dtFloat64]},
		{"ompi_mpi_byte", &l.types[dtByte]},
		{"MPI_Init_thread", &l.fnInitThread},
		{"MPI_Comm_rank", &l.fnCommRank},
		{"MPI_Comm_size", &l.fnCommSize},
		{"MPI_Allreduce", &l.fnAllreduce},
		{"MPI_Bcast", &l.fnBcast},
		{"MPI_Barrier", &l.fnBarrier},
		{"MPI_Finalize", &l.fnFinalize},
		{"MPI_Abort", &l.fnAbort},
	}
	for _, s := range syms {
		addr, err := purego.Dlsym(handle, s.name)
		if err != nil || addr == 0 {
			purego.Dlclose(handle)
			return nil, fmt.Errorf("%w: %s was loaded but has no symbol %s, so it is not Open MPI "+
				"(MPICH, Intel MPI and others are not supported); %s", ErrNoOpenMPI, path, s.name, installHint)
		}
		*s.addr = addr
	}
	return l, nil
}

// ccall calls a C function returning int and returns that int. The functions
// of this package take only integer and pointer arguments.
//
//go:uintptrescapes
func ccall(fn uintptr, args ...uintptr) int32 {
	r, _, _ := purego.SyscallN(fn, args...)
	return int32(r)
}

func (l *library) initThread(required int32, provided *int32) int32 {
	// MPI_Init_thread(NULL, NULL, required, &provided): MPI-2 allows NULL
	// argc and argv.
	return ccall(l.fnInitThread, 0, 0, uintptr(required), uintptr(unsafe.Pointer(provided)))
}

func (l *library) commRank(rank *int32) int32 {
	return ccall(l.fnCommRank, l.commWorld, uintptr(unsafe.Pointer(rank)))
}

func (l *library) commSize(size *int32) int32 {
	return ccall(l.fnCommSize, l.commWorld, uintptr(unsafe.Pointer(size)))
}

func (l *library) allreduceSum(buf unsafe.Pointer, n int32, dt dtype) int32 {
	return ccall(l.fnAllreduce, inPlace, uintptr(buf), uintptr(n), l.types[dt], l.opSum, l.commWorld)
}

func (l *library) bcast(buf unsafe.Pointer, n int32, dt dtype, root int32) int32 {
	return ccall(l.fnBcast, uintptr(buf), uintptr(n), l.types[dt], uintptr(root), l.commWorld)
}

func (l *library) barrier() int32 { return ccall(l.fnBarrier, l.commWorld) }

func (l *library) finalize() int32 { return ccall(l.fnFinalize) }

func (l *library) abort(code int32) int32 {
	return ccall(l.fnAbort, l.commWorld, uintptr(code))
}
