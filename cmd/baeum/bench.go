package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/bench"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// benchRow is every measurement of one configuration: run i of each side
// was made together, one after the other, so that the sides of a pair
// saw the same machine.
type benchRow struct {
	Case          bench.Case     `json:"case"`
	FLOPsPerImage float64        `json:"flops_per_image"`
	Baeum         []bench.Result `json:"baeum"`
	Torch         []bench.Result `json:"pytorch,omitempty"`
	ORT           []bench.Result `json:"onnxruntime,omitempty"`
}

// benchReport is what `baeum bench --json` writes.
type benchReport struct {
	CPU     string       `json:"cpu"`
	Go      string       `json:"go"`
	Date    string       `json:"date"`
	Threads int          `json:"threads"`
	Runs    int          `json:"runs"`
	Peak    tensor.Peak  `json:"fma_peak"`
	Rows    []benchRow   `json:"rows"`
	Check   []checkTrial `json:"check,omitempty"`
}

// benchSide measures one configuration on one side; nil when the side
// does not run.
type benchSide func(bench.Case) bench.Result

// benchSides are the three sides of the benchmark. ONNX Runtime runs
// inference only.
type benchSides struct {
	baeum, torch, ort benchSide
}

// measure runs every case runs times, interleaving the sides: baeum,
// PyTorch, ONNX Runtime, then again, so that a slow spell of a shared
// machine falls on both sides of a pair. progress gets a line per case.
func measure(cases []bench.Case, runs int, s benchSides, progress io.Writer) []benchRow {
	var rows []benchRow
	for _, c := range cases {
		row := benchRow{Case: c}
		row.FLOPsPerImage, _ = bench.FLOPsPerImage(c)
		for range runs {
			row.Baeum = append(row.Baeum, s.baeum(c))
			if s.torch != nil {
				row.Torch = append(row.Torch, s.torch(c))
			}
			if s.ort != nil && c.Mode == "infer" {
				row.ORT = append(row.ORT, s.ort(c))
			}
		}
		fmt.Fprintf(progress, "  %v: baeum %s img/s%s%s\n", c, num(bench.SpreadOf(bench.Values(row.Baeum, ips)).Median),
			rivalNote("PyTorch", row.Torch), rivalNote("ONNX Runtime", row.ORT))
		rows = append(rows, row)
	}
	return rows
}

func newBenchCmd() *cobra.Command {
	var (
		modelsFlag, torchMode, ortMode, python, node, ortDir, jsonOut, child, dataDir string
		runs, warmup, steps                                                           int
		check                                                                         bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure training and inference speed beside PyTorch and ONNX Runtime",
		Long: `Measure images per second for the MLP (784-256-128-10) and LeNet-5: training
at batch 64 (SGD with momentum 0.9, cross-entropy) and inference at batch 64
and 1000, on real MNIST held in memory, after an untimed warm-up.

Beside baeum, in the same invocation and with the same thread count:
  PyTorch, when Debian's Python (/usr/bin/python3) imports torch, in its
    fastest CPU configuration: OpenBLAS's OpenMP build, jemalloc preloaded,
    OpenBLAS's CPU-type variables (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE)
    unset for its command only (apt-get install python3-torch
    libopenblas0-openmp libjemalloc2);
  ONNX Runtime, for inference, through its Node binding, on the same
    architectures exported from PyTorch (bench/onnx_export.py); install it
    with  ` + strings.ReplaceAll(bench.ORTInstall, "DIR", "~/.cache/baeum/onnxruntime") + `

Each configuration runs --runs times (at least 5 for a figure worth quoting),
each time in fresh processes, the sides one after the other; the tables show
each side's median and, for each rival, the median of the per-run ratios with
their min–max. The bench first measures the machine's FMA peak (a loop of
fused multiply-adds on every thread) and shows each side's share of it, the
cores each kept busy (CPU time over wall time) and each one's peak resident
memory.

--check shows that the PyTorch side is PyTorch at its best: for training it
sets the bench's PyTorch loop after 50 and after 500 warm-up steps beside a
plain PyTorch training loop (bench/torch_plain.py), in the same environment.`,
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
				if !slices.Contains(benchModels, m) {
					return fmt.Errorf("--models: unknown model %q (want %s)", m, strings.Join(benchModels, ", "))
				}
				if check {
					cases = append(cases, bench.Case{Model: m, Mode: "train", Batch: 64})
					continue
				}
				cases = append(cases, bench.Case{Model: m, Mode: "train", Batch: 64}, bench.Case{Model: m, Mode: "infer", Batch: 64}, bench.Case{Model: m, Mode: "infer", Batch: 1000})
			}
			for _, f := range []struct{ name, v string }{{"--torch", torchMode}, {"--onnxruntime", ortMode}} {
				if f.v != "auto" && f.v != "on" && f.v != "off" {
					return fmt.Errorf("%s %q: want auto, on or off", f.name, f.v)
				}
			}
			if check {
				torchMode, ortMode = "on", "off"
			}
			stderr := cmd.ErrOrStderr()
			threads := tensor.Threads()
			r, err := newRivals(cmd.Context(), rivalConfig{python: python, node: node, ortDir: ortDir, dataDir: dataDir, threads: threads, torch: torchMode, ort: ortMode}, stderr)
			if err != nil {
				return err
			}
			defer r.close()
			self, err := os.Executable()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			rep := benchReport{CPU: cpuName(), Go: runtime.Version(), Date: time.Now().Format("2006-01-02"), Threads: threads, Runs: runs}
			fmt.Fprintf(out, "baeum bench: %s, %d threads, %s, %s\n", rep.CPU, threads, rep.Go, rep.Date)
			if check {
				rep.Check = runCheck(r, cases, runs, opts, stderr)
				printCheck(out, rep.Check, runs)
			} else {
				rep.Peak = tensor.MeasurePeak(threads, 250*time.Millisecond)
				fmt.Fprintln(out, peakLine(rep.Peak))
				sides := benchSides{baeum: func(c bench.Case) bench.Result { return runChild(self, c, threads, dataDir, opts) }}
				if r.torchOn {
					sides.torch = func(c bench.Case) bench.Result { return r.runTorch(c, opts) }
				}
				if r.ortOn {
					sides.ort = func(c bench.Case) bench.Result { return r.runORT(c, opts) }
				}
				rep.Rows = measure(cases, runs, sides, stderr)
				if err := printBenchTables(out, rep.Rows, rep.Peak, runs); err != nil {
					return err
				}
			}
			if jsonOut != "" {
				return writeJSONFile(jsonOut, rep)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelsFlag, "models", "mlp,lenet5", "models to measure: "+strings.Join(benchModels, ", "))
	f.IntVar(&runs, "runs", 5, "runs of each configuration, the sides interleaved")
	f.StringVar(&torchMode, "torch", "auto", "run PyTorch too: auto (when importable), on or off")
	f.StringVar(&ortMode, "onnxruntime", "auto", "run ONNX Runtime too, for inference: auto (when installed), on or off")
	f.StringVar(&python, "python", "/usr/bin/python3", "the Python that imports torch")
	f.StringVar(&node, "node", "node", "the Node.js that runs ONNX Runtime's binding")
	f.StringVar(&ortDir, "onnxruntime-dir", defaultORTDir(), "the folder onnxruntime-node@"+bench.ORTVersion+" was installed into (npm --prefix)")
	f.StringVar(&jsonOut, "json", "", "also write every measurement as JSON to this file")
	f.StringVar(&dataDir, "data", "", "folder with the MNIST idx files")
	f.IntVar(&warmup, "warmup", 50, "untimed batches before timing")
	f.IntVar(&steps, "steps", 0, "timed batches (default 300 for training; for inference 200, or 100,000 images at small batches)")
	f.BoolVar(&check, "check", false, "check the PyTorch side instead: warm-up 50 against 500, and a plain PyTorch loop")
	f.StringVar(&child, "child", "", "internal: measure one configuration (model:mode:batch) in this process")
	f.MarkHidden("child")
	return cmd
}

// defaultORTDir is where the install command of the help puts ONNX
// Runtime's Node binding.
func defaultORTDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "baeum", "onnxruntime")
}

func ips(r bench.Result) float64   { return r.ImagesPerSec }
func rss(r bench.Result) float64   { return r.PeakRSSMB }
func cores(r bench.Result) float64 { return r.Cores() }

func rivalNote(name string, rs []bench.Result) string {
	if len(rs) == 0 {
		return ""
	}
	if m := bench.SpreadOf(bench.Values(rs, ips)).Median; m > 0 {
		return fmt.Sprintf(", %s %s img/s", name, num(m))
	}
	return fmt.Sprintf(", %s failed: %s", name, rs[0].Error)
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
	t, err := bench.Run(c, ds, opts)
	res := bench.Result{Threads: tensor.Threads(), PeakRSSMB: bench.PeakRSSMB(),
		Config: fmt.Sprintf("baeum %s, %s, %d threads", Version, runtime.Version(), tensor.Threads())}
	if err != nil {
		res.Error = err.Error()
	} else {
		res.ImagesPerSec, res.WallSec, res.CPUSec = t.ImagesPerSec(), t.Wall.Seconds(), t.CPU.Seconds()
	}
	return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
}

func runChild(self string, c bench.Case, threads int, dataDir string, opts bench.Options) bench.Result {
	args := []string{"--threads", fmt.Sprint(threads), "bench", "--child", fmt.Sprintf("%s:%s:%d", c.Model, c.Mode, c.Batch),
		"--warmup", fmt.Sprint(opts.Warmup), "--steps", fmt.Sprint(opts.Steps)}
	if dataDir != "" {
		args = append(args, "--data", dataDir)
	}
	return runJSON(exec.Command(self, args...))
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
	if r.ImagesPerSec <= 0 && r.Error == "" {
		r.Error = fmt.Sprintf("no throughput in %q", lastLine(stdout.String()))
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

// commandContext is exec.CommandContext, or exec.Command without a
// context.
func commandContext(ctx context.Context, name string, args ...string) *exec.Cmd {
	if ctx == nil {
		return exec.Command(name, args...)
	}
	return exec.CommandContext(ctx, name, args...)
}

// benchModels are the built-in models the benchmark has PyTorch twins of
// (bench/torch_bench.py).
var benchModels = []string{"mlp", "lenet5", "cnn", "resnet", "lstm"}
