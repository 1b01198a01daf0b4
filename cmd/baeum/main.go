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
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/internal/atomicfile"
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
	var quiet bool
	var cpuProfile string
	var stopProfile func() error
	root := &cobra.Command{
		Use:   "baeum",
		Short: "Deep learning from first principles, in Go",
		Long: `baeum trains and runs neural networks in pure Go: LeNet-5, an MLP and softmax
regression on MNIST, linear and logistic regression with statistics, and
experiments that show how learning works.

Start with:  baeum train

On a terminal, a command that is a step of the course (docs/tutorial) ends
with a line on standard error naming the next step; --quiet turns it off.`,
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
				if err := stopProfile(); err != nil {
					return err
				}
			}
			// A command that finished its work although it was
			// interrupted still failed to do all it was asked.
			if err := context.Cause(cmd.Context()); err != nil && !shutsDownItself[cmd.Name()] {
				return interrupted(err)
			}
			printHint(cmd, quiet)
			return nil
		},
	}
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file (read it with go tool pprof)")
	root.PersistentFlags().BoolVar(&quiet, "quiet", false, "print no hint of the course's next step (hints appear only on a terminal, on standard error)")
	root.PersistentFlags().IntVar(&threads, "threads", 0, "worker threads for the numeric kernels (0: all cores)")
	root.AddCommand(newVersionCmd(), newTrainCmd(), newEvalCmd(), newPredictCmd(), newExportCmd(), newBenchCmd(), newRegressCmd(), newServeCmd(), newGenerateCmd(), newExperimentCmd(), newGraphCmd(), newSummaryCmd(), newInspectCmd())
	return root
}

// requireSubcommand makes cmd, which only groups its subcommands, print
// its help when run alone and refuse anything else with an error naming
// the unknown word (what, "experiment" say) and the known ones: cobra
// would otherwise print the help and succeed.
func requireSubcommand(cmd *cobra.Command, what string) {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		return fmt.Errorf("unknown %s %q (want %s); see baeum %s --help", what, args[0], strings.Join(names, ", "), cmd.Name())
	}
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

// interruptGrace is how long a command has, after Ctrl-C or SIGTERM, to
// stop by itself (the commands check their context between steps) before
// baeum exits without waiting; a second signal exits at once.
const interruptGrace = 5 * time.Second

// shutsDownItself names the commands for which a cancelled context is the
// normal way to stop, and which handle the time after it themselves: serve
// drains its requests for its own --grace and stops at once on a second
// signal, then succeeds.
var shutsDownItself = map[string]bool{"serve": true}

// signalError is the cause of the context's cancellation on a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return e.sig.String() }

// interrupted returns the error of a command stopped by the cancellation
// of its context, whose cause is cause: exit status 128+N after signal N
// (130 after Ctrl-C), 130 otherwise.
func interrupted(cause error) error {
	code := 130
	var se signalError
	if errors.As(cause, &se) {
		if s, ok := se.sig.(syscall.Signal); ok {
			code = 128 + int(s)
		}
		return &exitError{code: code, err: fmt.Errorf("interrupted (%v)", se.sig)}
	}
	return &exitError{code: code, err: fmt.Errorf("interrupted (%v)", cause)}
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain runs the command line args and returns the exit status. Ctrl-C
// (SIGINT) and SIGTERM cancel the command's context: every command stops
// promptly with an "interrupted" error and status 130 (143 after
// SIGTERM), keeping the files it had finished writing (see
// internal/atomicfile). A command that does not stop within
// interruptGrace, or a second signal, ends the process at once, after
// removing the temporary files of the writes in progress.
func runMain(args []string, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	done := make(chan error, 1)
	target, _, _ := root.Find(args)
	own := target != nil && shutsDownItself[target.Name()]
	go func() { done <- root.ExecuteContext(ctx) }()
	var err error
	select {
	case err = <-done:
	case sig := <-sigs:
		cancel(signalError{sig})
		if own {
			// It shuts down by itself, and a second signal cuts that short
			// (serve's Force). Should it not be listening for one yet (the
			// model still loading, say), the process ends here, a moment
			// after the second signal.
			select {
			case err = <-done:
			case <-sigs:
				select {
				case err = <-done:
				case <-time.After(time.Second):
					atomicfile.RemoveTemporary()
					err = interrupted(signalError{sig})
				}
			}
			break
		}
		select {
		case err = <-done:
		case <-sigs:
			atomicfile.RemoveTemporary()
			err = interrupted(signalError{sig})
		case <-time.After(interruptGrace):
			atomicfile.RemoveTemporary()
			err = interrupted(signalError{sig})
		}
	}
	err = interruptedError(ctx, err)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "baeum:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// interruptedError returns err, the error of a command run with ctx,
// marked as an interruption when ctx was cancelled and err is not one
// already: the command failed because it was interrupted (a read cut
// short, say), which the message and the exit status say.
func interruptedError(ctx context.Context, err error) error {
	var ee *exitError
	if err == nil || errors.As(err, &ee) || ctx.Err() == nil {
		return err
	}
	ie := interrupted(context.Cause(ctx)).(*exitError)
	return &exitError{code: ie.code, err: fmt.Errorf("%w: %w", ie.err, err)}
}
