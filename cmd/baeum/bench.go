package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/bench"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

type benchRow struct {
	Case  bench.Case     `json:"case"`
	Baeum []bench.Result `json:"baeum"`
	Torch []bench.Result `json:"pytorch"`
}

func newBenchCmd() *cobra.Command {
	var (
		modelsFlag, torchMode, python, jsonOut, child, dataDir string
		runs, warmup, steps                                    int
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure training and inference speed beside PyTorch",
		Long: `Measure images per second for the MLP (784-256-128-10) and LeNet-5: training
at batch 64 (SGD with momentum 0.9, cross-entropy) and inference at batch 64
and 1000, on real MNIST held in memory, excluding a warm-up. When Debian's
Python (/usr/bin/python3) imports torch, the same models run in PyTorch in the
same invocation, with the same thread count and OpenBLAS's OpenMP build when it
is installed (its fastest CPU configuration), and the table shows both sides,
their ratio and each process's peak resident memory. Each configuration runs
--runs times, each time in fresh processes; the table shows medians.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := bench.Options{Warmup: warmup, Steps: steps}
			if child != "" {
				return benchChild(cmd, child, dataDir, opts)
			}
			if runs < 1 {
				return fmt.Errorf("--runs must be at least 1")
			}
			var cases []bench.Case
			for _, m := range strings.Split(modelsFlag, ",") {
				m = strings.TrimSpace(m)
				if m != "mlp" && m != "lenet5" {
					return fmt.Errorf("--models: unknown model %q (want mlp, lenet5)", m)
				}
				cases = append(cases, bench.Case{Model: m, Mode: "train", Batch: 64}, bench.Case{Model: m, Mode: "infer", Batch: 64}, bench.Case{Model: m, Mode: "infer", Batch: 1000})
			}
			useTorch := torchMode != "off"
			if useTorch {
				if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
					if torchMode == "on" {
						return fmt.Errorf("--torch on: %s cannot import torch: %v", python, err)
					}
					useTorch = false
					fmt.Fprintf(cmd.ErrOrStderr(), "PyTorch not found (%s cannot import torch): measuring baeum only\n", python)
				}
			}
			var script, mnistDir string
			if useTorch {
				// The PyTorch side reads the same MNIST files.
				dir, err := mnist.Dir(dataDir)
				if err != nil {
					return err
				}
				mnistDir = dir
				if script, err = writeTorchScript(); err != nil {
					return err
				}
				defer os.Remove(script)
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			threads := tensor.Threads()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "baeum bench: %s, %d threads, %s, %s\n", cpuName(), threads, runtime.Version(), time.Now().Format("2006-01-02"))
			var rows []benchRow
			for _, c := range cases {
				row := benchRow{Case: c}
				for r := 0; r < runs; r++ {
					row.Baeum = append(row.Baeum, runChild(self, c, threads, dataDir, opts))
					if useTorch {
						row.Torch = append(row.Torch, runTorch(python, script, mnistDir, c, threads, opts))
					}
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "  %v: baeum %.0f img/s%s\n", c, median(row.Baeum, ips), torchNote(row.Torch))
				rows = append(rows, row)
			}
			if err := printBenchTable(out, rows, useTorch, runs); err != nil {
				return err
			}
			if jsonOut != "" {
				return writeJSONFile(jsonOut, map[string]any{"cpu": cpuName(), "threads": threads, "runs": runs, "go": runtime.Version(), "rows": rows})
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelsFlag, "models", "mlp,lenet5", "models to measure")
	f.IntVar(&runs, "runs", 3, "runs of each configuration; the table shows medians")
	f.StringVar(&torchMode, "torch", "auto", "run PyTorch too: auto (when importable), on or off")
	f.StringVar(&python, "python", "/usr/bin/python3", "the Python that imports torch")
	f.StringVar(&jsonOut, "json", "", "also write every measurement as JSON to this file")
	f.StringVar(&dataDir, "data", "", "folder with the MNIST idx files")
	f.IntVar(&warmup, "warmup", 50, "untimed batches before timing")
	f.IntVar(&steps, "steps", 0, "timed batches (default 300 for training, 200 for inference)")
	f.StringVar(&child, "child", "", "internal: measure one configuration (model:mode:batch) in this process")
	f.MarkHidden("child")
	return cmd
}

func ips(r bench.Result) float64 { return r.ImagesPerSec }
func rss(r bench.Result) float64 { return r.PeakRSSMB }

// median returns the median of f over the results without errors (0 if
// none).
func median(rs []bench.Result, f func(bench.Result) float64) float64 {
	var v []float64
	for _, r := range rs {
		if r.Error == "" {
			v = append(v, f(r))
		}
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func torchNote(rs []bench.Result) string {
	if len(rs) == 0 {
		return ""
	}
	if m := median(rs, ips); m > 0 {
		return fmt.Sprintf(", PyTorch %.0f img/s", m)
	}
	return ", PyTorch failed: " + rs[0].Error
}

// writeTorchScript writes the PyTorch side of the benchmark to a new
// temporary file and returns its name; the caller removes it.
func writeTorchScript() (string, error) {
	f, err := os.CreateTemp("", "baeum-torch-bench-*.py")
	if err != nil {
		return "", fmt.Errorf("creating the PyTorch script: %w", err)
	}
	_, err = f.Write(bench.TorchScript)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("writing the PyTorch script: %w", err)
	}
	return f.Name(), nil
}

// printBenchTable writes the medians as a table with the ratio of baeum's
// throughput to PyTorch's.
func printBenchTable(w io.Writer, rows []benchRow, torch bool, runs int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "model\tmode\tbatch\tbaeum img/s\t")
	if torch {
		fmt.Fprintf(tw, "PyTorch img/s\tbaeum/PyTorch\t")
	}
	fmt.Fprintf(tw, "baeum peak RSS\t")
	if torch {
		fmt.Fprintf(tw, "PyTorch peak RSS\t")
	}
	fmt.Fprintln(tw)
	for _, r := range rows {
		b := median(r.Baeum, ips)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t", r.Case.Model, r.Case.Mode, r.Case.Batch, num(b))
		if torch {
			t := median(r.Torch, ips)
			ratio := "—"
			if t > 0 && b > 0 {
				ratio = fmt.Sprintf("%.2f×", b/t)
			}
			fmt.Fprintf(tw, "%s\t%s\t", num(t), ratio)
		}
		fmt.Fprintf(tw, "%.0f MB\t", median(r.Baeum, rss))
		if torch {
			fmt.Fprintf(tw, "%.0f MB\t", median(r.Torch, rss))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "medians of %d runs", runs)
	if torch {
		for _, r := range rows {
			for _, t := range r.Torch {
				if t.Config != "" {
					fmt.Fprintf(w, "; %s", t.Config)
					torch = false
					break
				}
			}
			if !torch {
				break
			}
		}
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		for _, res := range append(slices.Clone(r.Baeum), r.Torch...) {
			if res.Error != "" {
				fmt.Fprintf(w, "%v: error: %s\n", r.Case, res.Error)
			}
		}
	}
	return nil
}

// num formats a throughput with thousands separators.
func num(v float64) string {
	if v <= 0 {
		return "—"
	}
	return nn.Thousands(int(v + 0.5))
}

// benchChild measures one configuration in this process and prints its
// result as JSON.
func benchChild(cmd *cobra.Command, spec, dataDir string, opts bench.Options) error {
	var c bench.Case
	parts := strings.Split(spec, ":")
	if len(parts) != 3 {
		return fmt.Errorf("--child %q: want model:mode:batch", spec)
	}
	c.Model, c.Mode = parts[0], parts[1]
	if _, err := fmt.Sscan(parts[2], &c.Batch); err != nil {
		return fmt.Errorf("--child %q: bad batch", spec)
	}
	split := mnist.Train
	if c.Mode == "infer" {
		split = mnist.Test
	}
	set, err := mnist.LoadSplit(dataDir, split)
	if err != nil {
		return err
	}
	ds, err := set.Dataset(set.Prep())
	if err != nil {
		return err
	}
	v, err := bench.Run(c, ds, opts)
	res := bench.Result{ImagesPerSec: v, Threads: tensor.Threads(), PeakRSSMB: peakRSSMB()}
	if err != nil {
		res.Error = err.Error()
	}
	return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
}

// peakRSSMB returns this process's peak resident memory in MiB.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

func runChild(self string, c bench.Case, threads int, dataDir string, opts bench.Options) bench.Result {
	args := []string{"--threads", fmt.Sprint(threads), "bench", "--child", fmt.Sprintf("%s:%s:%d", c.Model, c.Mode, c.Batch),
		"--warmup", fmt.Sprint(opts.Warmup), "--steps", fmt.Sprint(opts.Steps)}
	if dataDir != "" {
		args = append(args, "--data", dataDir)
	}
	return runJSON(exec.Command(self, args...))
}

// runTorch measures one configuration in PyTorch, reading MNIST from
// mnistDir.
func runTorch(python, script, mnistDir string, c bench.Case, threads int, opts bench.Options) bench.Result {
	args := []string{script, "--model", c.Model, "--mode", c.Mode, "--batch", fmt.Sprint(c.Batch), "--threads", fmt.Sprint(threads), "--warmup", fmt.Sprint(opts.Warmup)}
	if opts.Steps > 0 {
		args = append(args, "--steps", fmt.Sprint(opts.Steps))
	} else if c.Mode == "infer" {
		args = append(args, "--steps", "200")
	}
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("OMP_NUM_THREADS=%d", threads), mnist.EnvDir+"="+mnistDir)
	if dir := "/usr/lib/x86_64-linux-gnu/openblas-openmp"; dirExists(dir) {
		cmd.Env = append(cmd.Env, "LD_LIBRARY_PATH="+dir)
	} else {
		cmd.Env = append(cmd.Env, "OPENBLAS_NUM_THREADS=1")
	}
	return runJSON(cmd)
}

func dirExists(d string) bool {
	st, err := os.Stat(d)
	return err == nil && st.IsDir()
}

func runJSON(cmd *exec.Cmd) bench.Result {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return bench.Result{Error: fmt.Sprintf("%v: %s", err, lastLine(stderr.String()))}
	}
	var r bench.Result
	if err := json.Unmarshal([]byte(lastLine(stdout.String())), &r); err != nil {
		return bench.Result{Error: fmt.Sprintf("bad output %q", lastLine(stdout.String()))}
	}
	return r
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// cpuName returns the processor's model name from /proc/cpuinfo.
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return fmt.Sprintf("%s (%d CPUs)", strings.TrimSpace(v), runtime.NumCPU())
		}
	}
	return runtime.GOARCH
}
