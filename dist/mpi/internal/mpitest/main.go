//go:build linux

// Command mpitest is run by the tests of package mpi under mpirun. Each mode
// exercises one behaviour and prints lines the test checks:
//
//	mpitest basic  rank, size, AllreduceSum, Bcast, Barrier, and that
//	               MPI_Init left every signal handler as Go installed it
//	mpitest panic  rank 1 dereferences a nil pointer after MPI_Init
//	mpitest kill   rank 1 kills itself with SIGKILL between two collectives
//	mpitest hang   rank 1 never joins the collective; rank 0 times out
//	mpitest abort  rank 1 calls Abort(7) while rank 0 waits in Barrier
//
// It exits with status 1 on a wrong result and 3 on an MPI error.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/baeum-ml/baeum/dist/mpi"
)

func main() {
	timeout := flag.Duration("timeout", 0, "bound every MPI call (0: none)")
	flag.Parse()
	mode := flag.Arg(0)

	before := signalActions()
	comm, err := mpi.Init(mpi.Config{Timeout: *timeout})
	if err != nil {
		fail(3, "init: %v", err)
	}
	after := signalActions()
	rank, size := comm.Rank(), comm.Size()
	fmt.Printf("rank %d size %d launched %v localsize %d\n", rank, size, mpi.Launched(), mpi.LocalSize())

	switch mode {
	case "basic":
		for sig := 1; sig < len(before); sig++ {
			if before[sig] != after[sig] {
				fail(1, "rank %d: MPI_Init changed the handler of signal %d (%v): %#x -> %#x",
					comm.Rank(), sig, syscall.Signal(sig), before[sig], after[sig])
			}
		}
		fmt.Printf("rank %d signals ok: MPI_Init left %d handlers unchanged\n", comm.Rank(), len(before)-1)
		basic(comm)
	case "panic":
		check(comm.Barrier())
		if rank == 1 {
			var p *struct{ x int }
			fmt.Println(p.x) // SIGSEGV, which Go turns into a panic
		}
		check(comm.Barrier())
	case "kill":
		// Say how this rank ends if the launcher stops it rather than the
		// timeout.
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		go func() {
			s := <-sigs
			fmt.Printf("rank %d stopped by %v at %s\n", rank, s, time.Now().Format(time.RFC3339Nano))
			os.Exit(4)
		}()
		buf := make([]float64, 1000)
		for i := 0; ; i++ {
			if rank == 1 && i == 3 {
				fmt.Printf("rank 1 kills itself at %s\n", time.Now().Format(time.RFC3339Nano))
				os.Stdout.Sync()
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
			check(comm.AllreduceSumFloat64(buf))
			time.Sleep(50 * time.Millisecond)
		}
	case "hang":
		if rank == 1 {
			time.Sleep(time.Minute)
		}
		buf := make([]float32, 10)
		check(comm.AllreduceSumFloat32(buf))
	case "abort":
		if rank == 1 {
			fmt.Println("rank 1 calls Abort(7)")
			comm.Abort(7)
		}
		check(comm.Barrier())
	default:
		fail(1, "unknown mode %q", mode)
	}
	check(comm.Finalize())
	if err := comm.Barrier(); err == nil {
		fail(1, "rank %d: Barrier after Finalize did not fail", rank)
	}
	if _, err := mpi.Init(mpi.Config{}); err == nil {
		fail(1, "rank %d: a second Init did not fail", rank)
	}
	fmt.Printf("rank %d done\n", rank)
}

// basic checks collective results against values computed locally.
func basic(comm *mpi.Comm) {
	rank, size := comm.Rank(), comm.Size()

	// Rank r contributes (r+1)*(i+1) at index i; the sum is s(s+1)/2*(i+1).
	const n = 1001
	f32 := make([]float32, n)
	f64 := make([]float64, n)
	for i := range n {
		f32[i] = float32((rank + 1) * (i + 1))
		f64[i] = float64((rank+1)*(i+1)) + 0.25
	}
	check(comm.AllreduceSumFloat32(f32))
	check(comm.AllreduceSumFloat64(f64))
	tri := size * (size + 1) / 2
	for i := range n {
		if want := float32(tri * (i + 1)); f32[i] != want {
			fail(1, "rank %d: AllreduceSumFloat32[%d] = %v, want %v", rank, i, f32[i], want)
		}
		if want := float64(tri*(i+1)) + 0.25*float64(size); f64[i] != want {
			fail(1, "rank %d: AllreduceSumFloat64[%d] = %v, want %v", rank, i, f64[i], want)
		}
	}
	fmt.Printf("rank %d allreduce ok: f32[%d]=%v f64[%d]=%v\n", rank, n-1, f32[n-1], n-1, f64[n-1])

	root := size - 1
	b32 := []float32{float32(rank), -1.5, 2}
	b64 := []float64{float64(rank), 3.25}
	bb := []byte(fmt.Sprintf("from rank %d", rank))
	check(comm.BcastFloat32(b32, root))
	check(comm.BcastFloat64(b64, root))
	check(comm.BcastBytes(bb, root))
	if !slices.Equal(b32, []float32{float32(root), -1.5, 2}) || !slices.Equal(b64, []float64{float64(root), 3.25}) ||
		string(bb) != fmt.Sprintf("from rank %d", root) {
		fail(1, "rank %d: Bcast from %d gave %v %v %q", rank, root, b32, b64, bb)
	}
	fmt.Printf("rank %d bcast ok: %q\n", rank, bb)
	if err := comm.BcastBytes(bb, size); err == nil {
		fail(1, "rank %d: Bcast from rank %d of %d did not fail", rank, size, size)
	}

	before := time.Now()
	if rank == 0 {
		time.Sleep(300 * time.Millisecond)
	}
	check(comm.Barrier())
	fmt.Printf("rank %d barrier ok after %d ms\n", rank, time.Since(before).Milliseconds())
}

// signalActions reads the kernel's sigaction of signals 1 to 64 (handler,
// flags, restorer, mask), so that changes made by MPI_Init can be seen.
func signalActions() (acts [65][4]uint64) {
	for sig := 1; sig < len(acts); sig++ {
		_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0,
			uintptr(unsafe.Pointer(&acts[sig])), 8, 0, 0)
		if errno != 0 {
			acts[sig] = [4]uint64{^uint64(0), uint64(errno)}
		}
	}
	return acts
}

func check(err error) {
	if err != nil {
		fail(3, "%v", err)
	}
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mpitest: "+format+"\n", args...)
	os.Exit(code)
}
