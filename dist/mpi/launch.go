package mpi

import (
	"os"
	"strconv"
	"strings"
)

// Launched reports whether this process was started by a parallel launcher
// (Open MPI's mpirun/mpiexec, or Slurm's srun), so that Init will join a job
// of several ranks. It only reads environment variables: it never loads MPI
// and works in a binary built with the nompi tag.
//
// The variables it looks at are OMPI_COMM_WORLD_SIZE (mpirun), PMIX_RANK
// (PMIx launchers, including srun --mpi=pmix), PMI_SIZE (srun --mpi=pmi2, MPICH's
// Hydra) and SLURM_PROCID together with SLURM_STEP_ID (any srun step). A
// Slurm batch script itself has SLURM_NTASKS but no step, so it does not count
// as launched: the script still has to call srun or mpirun.
func Launched() bool {
	for _, name := range []string{"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"} {
		if _, ok := os.LookupEnv(name); ok {
			return true
		}
	}
	_, proc := os.LookupEnv("SLURM_PROCID")
	_, step := os.LookupEnv("SLURM_STEP_ID")
	return proc && step
}

// LocalSize returns how many ranks of the job the launcher started on this
// node, or 1 when the process was not launched or the launcher did not say.
// Callers use it to share the node's cores between ranks, for example
// GOMAXPROCS = runtime.NumCPU() / LocalSize(). Like Launched it only reads
// environment variables: OMPI_COMM_WORLD_LOCAL_SIZE (mpirun), MPI_LOCALNRANKS
// (MPICH's Hydra), then Slurm's SLURM_STEP_TASKS_PER_NODE or
// SLURM_TASKS_PER_NODE at index SLURM_NODEID.
func LocalSize() int {
	if !Launched() {
		return 1
	}
	for _, name := range []string{"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"} {
		if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
			return n
		}
	}
	node, err := strconv.Atoi(os.Getenv("SLURM_NODEID"))
	if err != nil {
		node = 0
	}
	for _, name := range []string{"SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"} {
		if n, ok := slurmTasksOnNode(os.Getenv(name), node); ok {
			return n
		}
	}
	return 1
}

// slurmTasksOnNode reads Slurm's compressed tasks-per-node list, such as
// "2(x3),1" for nodes 0-2 with two tasks and node 3 with one, and returns the
// count for the given node index.
func slurmTasksOnNode(list string, node int) (int, bool) {
	if list == "" || node < 0 {
		return 0, false
	}
	for _, group := range strings.Split(list, ",") {
		count, repeat := group, "1"
		if i := strings.IndexByte(group, '('); i >= 0 {
			if !strings.HasPrefix(group[i:], "(x") || !strings.HasSuffix(group, ")") {
				return 0, false
			}
			count, repeat = group[:i], group[i+2:len(group)-1]
		}
		n, err1 := strconv.Atoi(count)
		r, err2 := strconv.Atoi(repeat)
		if err1 != nil || err2 != nil || n <= 0 || r <= 0 {
			return 0, false
		}
		if node < r {
			return n, true
		}
		node -= r
	}
	return 0, false
}
