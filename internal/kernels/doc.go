// Package kernels holds baeum's hot loops: matrix multiplication and the
// other dense loops that training spends its time in.
//
// Kernels work on plain slices with explicit destinations, in the style of
// gonum's BLAS: the destination comes first or is named, nothing is
// allocated inside a kernel, and every matrix is row-major with an explicit
// leading dimension (the distance between the starts of two rows). The
// package knows nothing about tensors or graphs, so a faster implementation
// (assembly, another backend) can replace a kernel without touching callers.
//
// Shape and length mismatches are programmer errors and panic.
//
// # SGEMM
//
// Sgemm is a GotoBLAS/BLIS-style blocked GEMM (sgemm_blocked.go): panels of
// op(A) and op(B) are packed into the order a register-tile micro-kernel
// reads them, in blocks sized for L1, L2 and L3, so that transposes and
// leading dimensions are dealt with once, in packing. The micro-kernels and
// the packing routines are amd64 assembly written by a generator
// (./asmgen, run by go generate): AVX-512 tiles of 14×32 and 6×64 (with
// narrower siblings for the last columns) where the CPU has AVX-512F,
// otherwise a 6×16 AVX2+FMA tile, chosen at run time. Other architectures,
// and builds with the purego or noasm tag, use a 4×4 micro-kernel in Go.
//
// Large products are split over Threads() workers in disjoint blocks of C
// cut at tile boundaries; each element of C is computed by one worker with
// the same operations whatever the split, so results depend neither on
// scheduling nor on the thread count (on a given micro-kernel). Packing buffers are kept between calls, and
// a call in steady state allocates nothing.
//
// The worker pool (Parallel) is shared by every parallel kernel. Its
// goroutines, and a caller waiting for them, poll for a short while
// (100 µs) before they sleep, as OpenBLAS's threads do: waking a sleeping
// CPU costs tens of microseconds, more than a mid-sized GEMM. While they
// poll, idle workers take the items of a Task, one at a time between
// the kernels' jobs: a training loop prepares its next batch so.
//
// bench_openblas.py times numpy+OpenBLAS at the shapes of BenchmarkSgemm,
// for comparison on the same machine.
//
// # Assembly and Go twins
//
// The other hot loops (activations, pooling, im2col's row copies, direct
// convolution, the SGD update, the float64 exponential of the
// cross-entropy) have AVX-512 assembly and a Go twin that
// computes the same thing, in gonum's manner: stubs_amd64.go declares the
// assembly, and stubs_noasm.go, built on other architectures and with the
// purego or noasm tag, holds Go functions of the same names that run the
// twins. Every such kernel chooses the same way:
//
//	if useAVX512 && len(x) > 0 {
//		kernelAVX512(&x[0], len(x))
//		return
//	}
//	kernelGo(x)
//
// useAVX512 is set from the CPU at start-up, so an amd64 machine without
// AVX-512 runs the Go twins too. The tests run every kernel both ways and
// compare the two with each other or with a float64 reference.
package kernels
