package mpi_test

import (
	"fmt"
	"os"
	"time"

	"github.com/baeum-ml/baeum/dist/mpi"
)

// Data-parallel training averages the gradients of every rank after each
// step. Run the program with: mpirun -np 4 ./train. The example has no
// Output comment: it needs mpirun and is compiled but not run by go test.
func Example() {
	if !mpi.Launched() {
		fmt.Fprintln(os.Stderr, "start me with: mpirun -np 4 ./train")
		os.Exit(2)
	}
	comm, err := mpi.Init(mpi.Config{Timeout: 5 * time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer comm.Finalize()

	weights := make([]float32, 1000)
	if err := comm.BcastFloat32(weights, 0); err != nil { // everyone starts from rank 0's weights
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1) // after a timeout, exiting is the only safe reaction
	}
	grads := make([]float32, len(weights))
	// ... compute this rank's gradients into grads ...
	if err := comm.AllreduceSumFloat32(grads); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := range grads {
		grads[i] /= float32(comm.Size())
	}
	if comm.Rank() == 0 {
		fmt.Println("averaged gradients of", comm.Size(), "ranks")
	}
}
