package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/baeum-ml/baeum/dist/mpi"
	"github.com/baeum-ml/baeum/tensor"
)

// mpiComm adapts an MPI communicator to the trainer's Comm.
type mpiComm struct{ c *mpi.Comm }

func (m mpiComm) Rank() int                             { return m.c.Rank() }
func (m mpiComm) Size() int                             { return m.c.Size() }
func (m mpiComm) AllreduceSum(x []float32) error        { return m.c.AllreduceSumFloat32(x) }
func (m mpiComm) AllreduceSum64(x []float64) error      { return m.c.AllreduceSumFloat64(x) }
func (m mpiComm) Broadcast(x []float32, root int) error { return m.c.BcastFloat32(x, root) }

// launchHelp says how to start a distributed run.
const launchHelp = `start it with an MPI launcher, one process per rank:
  mpirun -np 2 baeum train --distributed ...          (add --allow-run-as-root as root)
  mpirun -H host1,host2 -np 2 baeum train --distributed ...
  srun -n 2 baeum train --distributed ...             (Slurm)`

// startDistributed joins the MPI job this process was launched in, with
// collectives that give up after timeout, and sets the kernels' threads
// to the cores divided among the ranks on this machine unless --threads
// was given. It returns the communicator and the function that leaves
// the job.
func startDistributed(timeout time.Duration, threadsGiven bool) (mpiComm, func(), error) {
	if !mpi.Launched() {
		return mpiComm{}, nil, errors.New("--distributed: this process was not started by an MPI launcher; " + launchHelp)
	}
	c, err := mpi.Init(mpi.Config{Timeout: timeout})
	if err != nil {
		return mpiComm{}, nil, fmt.Errorf("--distributed: %w", err)
	}
	if !threadsGiven {
		tensor.SetThreads(max(1, runtime.NumCPU()/max(1, mpi.LocalSize())))
	}
	return mpiComm{c}, func() { _ = c.Finalize() }, nil
}
