// Command baeum trains, evaluates and serves the networks of the baeum
// library from the command line: LeNet-5, an MLP and softmax regression on
// MNIST, regression with statistics, and the experiments that show how
// learning works.
//
//	baeum train                    # LeNet-5 on MNIST with good defaults
//	baeum train --model mlp --epochs 5
//	baeum regress linear --csv data.csv --y price
//	baeum version
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/tensor"
)

// Version is baeum's version, reported by `baeum version` and recorded in
// checkpoints.
const Version = "0.3.0"

// exitError carries the exit status a command wants, such as 130 after an
// interrupt.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func newRootCmd() *cobra.Command {
	var threads int
	var cpuProfile string
	var stopProfile func() error
	root := &cobra.Command{
		Use:   "baeum",
		Short: "Deep learning from first principles, in Go",
		Long: `baeum trains and runs neural networks in pure Go: LeNet-5, an MLP and softmax
regression on MNIST, linear and logistic regression with statistics, and
experiments that show how learning works.

Start with:  baeum train`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if threads < 0 {
				return fmt.Errorf("--threads must be at least 1 (or 0 for all cores), got %d", threads)
			}
			if threads > 0 {
				tensor.SetThreads(threads)
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("--cpuprofile: %w", err)
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					f.Close()
					return fmt.Errorf("--cpuprofile: %w", err)
				}
				stopProfile = func() error {
					pprof.StopCPUProfile()
					if err := f.Close(); err != nil {
						return fmt.Errorf("--cpuprofile: %w", err)
					}
					return nil
				}
			}
			return nil
		},
		PersistentPostRunE: func(cmd *cobra.Command, args []string) error {
			if stopProfile != nil {
				return stopProfile()
			}
			return nil
		},
	}
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file (read it with go tool pprof)")
	root.PersistentFlags().IntVar(&threads, "threads", 0, "worker threads for the numeric kernels (0: all cores)")
	root.AddCommand(newVersionCmd(), newTrainCmd(), newEvalCmd(), newPredictCmd(), newBenchCmd(), newRegressCmd(), newServeCmd(), newExperimentCmd(), newGraphCmd(), newSummaryCmd(), newInspectCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print baeum's version and build information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "baeum %s (%s, %s/%s, %d threads)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, tensor.Threads())
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
						fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", s.Key, s.Value)
					}
				}
			}
			return nil
		},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRootCmd().ExecuteContext(ctx)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "baeum:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	os.Exit(1)
}
