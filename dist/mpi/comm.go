package mpi

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ErrUnsupported is returned by Init in a binary built without MPI support:
// with the nompi build tag, or for a platform other than linux/amd64 and
// linux/arm64.
var ErrUnsupported = errors.New("mpi: this binary was built without MPI support " +
	"(nompi build tag, or a platform other than linux/amd64 and linux/arm64); " +
	"rebuild it without -tags nompi to train with --distributed")

// ErrNoOpenMPI is wrapped by the error Init returns when the Open MPI library
// cannot be loaded, or when the library found is another MPI implementation.
var ErrNoOpenMPI = errors.New("mpi: Open MPI not found")

// ErrTimeout is wrapped by the error a call returns when it did not complete
// within the Comm's timeout. See Comm.SetTimeout.
var ErrTimeout = errors.New("mpi: timed out")

// installHint ends every error about a missing library.
const installHint = "install Open MPI with `apt-get install openmpi-bin libopenmpi-dev` " +
	"(Debian/Ubuntu), or put the directory holding libmpi.so.40 on LD_LIBRARY_PATH"

// Config says where to find Open MPI and how long to wait. Its zero value
// finds the library in the usual places and waits forever.
type Config struct {
	// Library is the path of Open MPI's libmpi.so.40. When empty, Init tries
	// the soname libmpi.so.40 (found through LD_LIBRARY_PATH and the loader's
	// cache) and then Debian's multiarch path, such as
	// /usr/lib/x86_64-linux-gnu/libmpi.so.40.
	Library string

	// Timeout bounds every MPI call, Init and Finalize included; zero means
	// no limit. It can be changed later with Comm.SetTimeout.
	Timeout time.Duration
}

// threadFunneled is MPI_THREAD_FUNNELED, the thread-support level Init asks
// for: only the thread that initialized MPI makes MPI calls.
const threadFunneled = 1

// maxCount is the largest element count of one MPI call: counts are C ints.
// Longer slices are sent in several calls.
const maxCount = math.MaxInt32

// dtype names the MPI datatype of a buffer.
type dtype int

const (
	dtFloat32 dtype = iota
	dtFloat64
	dtByte
)

func (d dtype) String() string {
	return [...]string{"float32", "float64", "byte"}[d]
}

// state guards the once-per-process life of MPI: it may be initialized only
// once and never again after Finalize.
var state struct {
	sync.Mutex
	initialized bool
}

// Comm is MPI_COMM_WORLD of an initialized MPI job: every rank of the job,
// numbered 0 to Size()-1.
//
// All MPI calls of the process run on one goroutine locked to its OS thread
// (MPI_THREAD_FUNNELED): the methods hand the work to that goroutine and wait
// for it, so they may be called from any goroutine. Calls are serialized. A
// collective must be called by every rank, in the same order, with buffers of
// the same length; MPI cannot check this, and a mistake hangs the job (see
// SetTimeout) or mixes up data.
type Comm struct {
	lib        *library
	rank, size int

	timeout atomic.Int64 // a time.Duration; 0 waits forever

	mu    sync.Mutex  // held for the whole of each call
	calls chan func() // served by the MPI thread
	done  chan int32  // the MPI return code of the last call; buffered
	timer *time.Timer // reused by wait
	err   error       // once set (timeout, Finalize), every call returns it
}

// Init loads Open MPI, initializes it with MPI_Init_thread asking for
// MPI_THREAD_FUNNELED on a dedicated OS thread, and returns MPI_COMM_WORLD.
// It may be called once per process. Without a launcher (see Launched) Open
// MPI starts a single-rank job.
//
// Before initializing, Init sets OMPI_MCA_opal_signal to the empty string, so
// that Open MPI installs no SIGSEGV, SIGBUS, SIGFPE or SIGABRT handlers of its
// own: they lack SA_ONSTACK and would take over from Go's, which turn a nil
// dereference into a panic with a stack trace. (Open MPI 4.1 already leaves
// installed handlers alone; see the package documentation.)
func Init(cfg Config) (*Comm, error) {
	state.Lock()
	defer state.Unlock()
	if state.initialized {
		return nil, errors.New("mpi: Init called twice: MPI can be initialized once per process")
	}
	lib, err := openLibrary(cfg.Library)
	if err != nil {
		return nil, err
	}
	if err := os.Setenv("OMPI_MCA_opal_signal", ""); err != nil {
		return nil, fmt.Errorf("mpi: cannot set OMPI_MCA_opal_signal: %v", err)
	}
	c := &Comm{
		lib:   lib,
		calls: make(chan func()),
		done:  make(chan int32, 1),
		rank:  -1,
	}
	c.timeout.Store(int64(cfg.Timeout))
	go c.serve()

	// Whatever happens now, MPI_Init_thread runs: there is no second try.
	state.initialized = true
	var provided, rank, size int32
	err = c.call(opDesc{name: "MPI_Init_thread", root: -1}, func() int32 {
		return lib.initThread(threadFunneled, &provided)
	})
	if err != nil {
		return nil, err
	}
	err = c.call(opDesc{name: "MPI_Comm_rank/MPI_Comm_size", root: -1}, func() int32 {
		if rc := lib.commRank(&rank); rc != 0 {
			return rc
		}
		return lib.commSize(&size)
	})
	if err != nil {
		return nil, err
	}
	c.rank, c.size = int(rank), int(size)
	return c, nil
}

// serve runs on the MPI thread: every MPI call of the process happens here.
// The goroutine stays locked to its thread; when it returns after Finalize
// the thread exits with it.
func (c *Comm) serve() {
	runtime.LockOSThread()
	for f := range c.calls {
		f()
	}
}

// opDesc describes a call for error messages; it is formatted only when one
// is needed.
type opDesc struct {
	name string
	n    int   // element count of a collective
	dt   dtype // element type when n > 0
	root int   // root rank of a broadcast, or -1
}

func (o opDesc) String() string {
	switch {
	case o.root >= 0:
		return fmt.Sprintf("%s(%d %s from rank %d)", o.name, o.n, o.dt, o.root)
	case o.n > 0:
		return fmt.Sprintf("%s(%d %s)", o.name, o.n, o.dt)
	}
	return o.name
}

// call runs f on the MPI thread and waits for its MPI return code, at most
// for the Comm's timeout. op names the call in errors.
func (c *Comm) call(op opDesc, f func() int32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	c.calls <- func() { c.done <- f() }
	rc, err := c.wait(op)
	if err != nil {
		return err
	}
	if rc != 0 {
		return fmt.Errorf("mpi: %s failed on rank %d of %d with MPI error code %d", op, c.rank, c.size, rc)
	}
	return nil
}

// wait receives the return code of the call in progress. After a timeout it
// marks the Comm unusable: the MPI thread is still blocked in the call.
func (c *Comm) wait(op opDesc) (int32, error) {
	d := time.Duration(c.timeout.Load())
	if d <= 0 {
		return <-c.done, nil
	}
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case rc := <-c.done:
		c.timer.Stop()
		return rc, nil
	case <-c.timer.C:
		who := "this rank"
		if c.rank >= 0 {
			who = fmt.Sprintf("rank %d of %d", c.rank, c.size)
		}
		c.err = fmt.Errorf("%w: %s did not complete within %v on %s: "+
			"another rank has probably died, hangs or skipped the call; "+
			"MPI cannot be used any more and the process should exit",
			ErrTimeout, op, d, who)
		return 0, c.err
	}
}

// Rank returns this process's rank in MPI_COMM_WORLD, from 0 to Size()-1.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of ranks in MPI_COMM_WORLD.
func (c *Comm) Size() int { return c.size }

// SetTimeout bounds every later MPI call: a call that has not completed after
// d returns an error wrapping ErrTimeout; zero or less waits forever.
//
// A timeout is a watchdog, not a cancellation: MPI has no way to cancel a
// blocking collective, so the MPI thread stays blocked in it, may still write
// into the buffer, and every later call (Finalize included) returns the same
// error at once. The only safe reaction is to report the error and exit the
// process with a non-zero status; the launcher then stops the other ranks.
// This is what keeps survivors from hanging when a rank dies without the
// launcher noticing, for example on a node that vanished.
func (c *Comm) SetTimeout(d time.Duration) { c.timeout.Store(int64(d)) }

// AllreduceSumFloat32 replaces buf on every rank by the elementwise sum of
// the bufs of all ranks (MPI_Allreduce with MPI_SUM and MPI_IN_PLACE).
func (c *Comm) AllreduceSumFloat32(buf []float32) error {
	return allreduceSum(c, buf, dtFloat32)
}

// AllreduceSumFloat64 replaces buf on every rank by the elementwise sum of
// the bufs of all ranks (MPI_Allreduce with MPI_SUM and MPI_IN_PLACE).
func (c *Comm) AllreduceSumFloat64(buf []float64) error {
	return allreduceSum(c, buf, dtFloat64)
}

// BcastFloat32 copies buf of rank root into buf of every other rank
// (MPI_Bcast).
func (c *Comm) BcastFloat32(buf []float32, root int) error {
	return bcast(c, buf, root, dtFloat32)
}

// BcastFloat64 copies buf of rank root into buf of every other rank
// (MPI_Bcast).
func (c *Comm) BcastFloat64(buf []float64, root int) error {
	return bcast(c, buf, root, dtFloat64)
}

// BcastBytes copies buf of rank root into buf of every other rank
// (MPI_Bcast). To send data whose length only the root knows, broadcast the
// length first.
func (c *Comm) BcastBytes(buf []byte, root int) error {
	return bcast(c, buf, root, dtByte)
}

// Barrier returns once every rank has called it (MPI_Barrier).
func (c *Comm) Barrier() error {
	return c.call(opDesc{name: "MPI_Barrier", root: -1}, c.lib.barrier)
}

// Finalize shuts MPI down (MPI_Finalize) and stops the MPI thread. Every rank
// must call it before exiting normally; afterwards no MPI call is possible in
// this process.
func (c *Comm) Finalize() error {
	if err := c.call(opDesc{name: "MPI_Finalize", root: -1}, c.lib.finalize); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = errors.New("mpi: Finalize has been called; MPI cannot be used any more")
	close(c.calls)
	return nil
}

// Abort stops every rank of the job with the given exit code (MPI_Abort on
// MPI_COMM_WORLD) and does not return. When the MPI thread is busy in a call
// that does not return, after a timeout or after Finalize, it cannot call
// MPI_Abort and exits this process with code instead; the launcher then stops
// the others.
func (c *Comm) Abort(code int) {
	if c.mu.TryLock() && c.err == nil {
		c.calls <- func() { c.done <- c.lib.abort(int32(code)) }
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
		}
	}
	fmt.Fprintf(os.Stderr, "mpi: rank %d exits with code %d\n", c.rank, code)
	os.Exit(code)
}

// allreduceSum runs MPI_Allreduce in place in pieces of at most maxCount.
func allreduceSum[T float32 | float64](c *Comm, buf []T, dt dtype) error {
	op := opDesc{name: "MPI_Allreduce(MPI_SUM)", n: len(buf), dt: dt, root: -1}
	return c.call(op, func() int32 {
		for len(buf) > 0 {
			n := min(len(buf), maxCount)
			if rc := c.lib.allreduceSum(unsafe.Pointer(&buf[0]), int32(n), dt); rc != 0 {
				return rc
			}
			buf = buf[n:]
		}
		return 0
	})
}

// bcast runs MPI_Bcast in pieces of at most maxCount.
func bcast[T float32 | float64 | byte](c *Comm, buf []T, root int, dt dtype) error {
	if root < 0 || root >= c.size {
		return fmt.Errorf("mpi: Bcast root %d out of range: the job has ranks 0 to %d", root, c.size-1)
	}
	op := opDesc{name: "MPI_Bcast", n: len(buf), dt: dt, root: root}
	return c.call(op, func() int32 {
		for len(buf) > 0 {
			n := min(len(buf), maxCount)
			if rc := c.lib.bcast(unsafe.Pointer(&buf[0]), int32(n), dt, int32(root)); rc != 0 {
				return rc
			}
			buf = buf[n:]
		}
		return 0
	})
}
