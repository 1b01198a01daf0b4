// Package mpi runs the few MPI calls data-parallel training needs, with Open
// MPI loaded at run time and no cgo.
//
// A job of N ranks is N copies of the same program started by a launcher,
// usually Open MPI's mpirun:
//
//	mpirun -np 4 baeum train --distributed ...
//
// Each copy calls Init, learns its Rank and the job's Size, and then takes
// part in collectives: every rank calls the same collective in the same order
// and MPI combines their buffers. Data-parallel training needs only three:
// BcastFloat32 to start every rank from rank 0's weights,
// AllreduceSumFloat32 to sum the gradients of all ranks after each step, and
// Barrier. Launched and LocalSize read the launcher's environment variables
// without loading MPI, so a program can tell the user how to start it.
//
// # Loading Open MPI at run time
//
// The package has no cgo. Init opens Open MPI's libmpi.so.40 with dlopen
// (RTLD_NOW|RTLD_GLOBAL) through github.com/ebitengine/purego, trying the
// soname and then Debian's path (/usr/lib/x86_64-linux-gnu/libmpi.so.40 on
// amd64), and finds the eight functions it calls and Open MPI's predefined
// handles, which are addresses of global objects of the library:
// MPI_COMM_WORLD is &ompi_mpi_comm_world, MPI_FLOAT &ompi_mpi_float, MPI_SUM
// &ompi_mpi_op_sum and so on. Other MPI implementations (MPICH, Intel MPI)
// define their handles differently and are refused with ErrNoOpenMPI, as is a
// missing library; the error names every path tried and the package to
// install (apt-get install openmpi-bin libopenmpi-dev).
//
// Nothing is loaded until Init is called, so a binary that never uses MPI
// runs where MPI is not installed. It still pays one cost for importing this
// package: purego makes a CGO_ENABLED=0 binary dynamically linked against the
// C library. On linux/amd64, file(1) reports the helper program of the tests
// as "dynamically linked, interpreter /lib64/ld-linux-x86-64.so.2" and ldd
// lists libc.so.6, libdl.so.2 and libpthread.so.0 (not libmpi); built with
// the nompi tag, the same program is "statically linked" and ldd says "not a
// dynamic executable". Such a binary needs glibc at run time (it will not
// start in a scratch or musl-based image), and purego's runtime shim starts
// Go's threads with pthread_create.
//
// # Building without MPI
//
// With the build tag nompi (go build -tags nompi) the package does not import
// purego, the binary stays statically linked, Supported is false and Init
// returns ErrUnsupported. The same happens on platforms other than
// linux/amd64 and linux/arm64. Launched and LocalSize work in every build.
//
// # Threads
//
// Init asks for MPI_THREAD_FUNNELED: only the thread that initialized MPI
// may call it. Go moves goroutines between OS threads, so Init starts one
// goroutine locked to its thread with runtime.LockOSThread, calls
// MPI_Init_thread there, and every later call of a Comm method hands its work
// to that goroutine and waits for the result. Methods may therefore be called
// from any goroutine; they run one at a time.
//
// # Signals
//
// Open MPI can install handlers that print a backtrace for SIGABRT, SIGBUS,
// SIGFPE and SIGSEGV (its MCA parameter opal_signal, "6,7,8,11" by
// default). Such handlers lack SA_ONSTACK and would replace Go's, which turn
// a nil dereference into a panic with a goroutine trace. Open MPI 4.1 does
// not replace a handler that is already installed, and Go installs its own
// at start-up, so in practice they never appear: the tests check that
// MPI_Init leaves all 64 signal handlers unchanged and that a nil dereference
// in a rank under mpirun prints Go's panic and stack trace. Init still sets
// OMPI_MCA_opal_signal to the empty string before MPI_Init, to disable them
// outright. An explicit mpirun --mca opal_signal, or -x
// OMPI_MCA_opal_signal=..., takes precedence over that empty value.
//
// # Failures and timeouts
//
// When a rank dies, even with kill -9, mpirun normally notices and stops the
// others: in the tests the survivor receives SIGTERM about one second later,
// and mpirun exits with status 137. A collective cannot notice a dead peer by
// itself, though: when the launcher does not stop the job (mpirun
// --enable-recovery, a node that vanished), the survivors would wait forever.
// Config.Timeout and Comm.SetTimeout bound every call; a call that has not
// completed in time returns an error wrapping ErrTimeout, after which the
// Comm is unusable and the process should exit with a non-zero status,
// which makes mpirun stop the remaining ranks.
//
// # Running the tests
//
// The tests run the program in internal/mpitest under mpirun with
//
//	mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 \
//	    --mca btl self,tcp --mca btl_tcp_if_include lo ./mpitest basic
//
// --allow-run-as-root is needed as root (in containers), --oversubscribe
// when the machine has fewer cores than ranks. They are skipped when
// Open MPI's mpirun is missing, and fail instead when the environment
// variable CI is set.
package mpi
