package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/baeum-ml/baeum/bench"
	"github.com/baeum-ml/baeum/data/mnist"
)

// rivalConfig is what the bench's flags say about its rivals.
type rivalConfig struct {
	python, node, ortDir, dataDir string
	threads                       int
	torch, ort                    string // auto, on or off
}

// rivals runs PyTorch's and ONNX Runtime's sides of the benchmark from
// the scripts embedded in package bench, written to a temporary folder
// with the ONNX files exported from PyTorch.
type rivals struct {
	cfg             rivalConfig
	ctx             context.Context
	setup           bench.TorchSetup
	dir, mnistDir   string
	torchOn, ortOn  bool
	torchConfigNote string // what PyTorch's setup lacks, if anything
}

// newRivals finds out which rivals can run, prepares them and says on
// log what it left out and why. A rival asked for with "on" that cannot
// run is an error naming what to install.
func newRivals(ctx context.Context, cfg rivalConfig, log io.Writer) (*rivals, error) {
	r := &rivals{cfg: cfg, ctx: ctx, setup: bench.FindTorchSetup()}
	torchOK := false
	if cfg.torch != "off" || cfg.ort != "off" {
		if err := r.command(cfg.python, "-c", "import torch").Run(); err != nil {
			why := fmt.Sprintf("%s cannot import torch (%v); on Debian: apt-get install python3-torch", cfg.python, err)
			switch {
			case cfg.torch == "on":
				return nil, fmt.Errorf("--torch on: %s", why)
			case cfg.ort == "on":
				return nil, fmt.Errorf("--onnxruntime on: the ONNX models are exported from PyTorch, and %s", why)
			}
			fmt.Fprintf(log, "PyTorch not measured: %s\n", why)
		} else {
			torchOK = true
		}
	}
	r.torchOn = torchOK && cfg.torch != "off"
	if r.torchOn {
		if miss := r.setup.Missing(); len(miss) > 0 {
			r.torchConfigNote = "PyTorch is not at its best here: apt-get install " + strings.Join(miss, " ")
			fmt.Fprintln(log, r.torchConfigNote)
		}
	}
	if cfg.ort != "off" {
		why := ""
		if _, err := exec.LookPath(cfg.node); err != nil {
			why = fmt.Sprintf("no Node.js (%s): apt-get install nodejs", cfg.node)
		} else if st, err := os.Stat(filepath.Join(cfg.ortDir, "node_modules", "onnxruntime-node")); err != nil || !st.IsDir() {
			why = fmt.Sprintf("onnxruntime-node is not installed in %s: %s", cfg.ortDir, strings.ReplaceAll(bench.ORTInstall, "DIR", cfg.ortDir))
		} else if !torchOK {
			why = "the ONNX models are exported from PyTorch, which is not available"
		}
		if why != "" && cfg.ort == "on" {
			return nil, fmt.Errorf("--onnxruntime on: %s", why)
		}
		if why != "" {
			fmt.Fprintf(log, "ONNX Runtime not measured: %s\n", why)
		}
		r.ortOn = why == ""
	}
	if !r.torchOn && !r.ortOn {
		return r, nil
	}
	var err error
	if r.mnistDir, err = mnist.Dir(cfg.dataDir); err != nil {
		return nil, err
	}
	if r.dir, err = os.MkdirTemp("", "baeum-bench-*"); err != nil {
		return nil, err
	}
	for name, body := range bench.Scripts() {
		if err := os.WriteFile(filepath.Join(r.dir, name), body, 0o644); err != nil {
			r.close()
			return nil, fmt.Errorf("writing the rivals' scripts: %w", err)
		}
	}
	if r.ortOn {
		cmd := r.command(cfg.python, filepath.Join(r.dir, "onnx_export.py"), r.dir)
		cmd.Env = r.setup.Env(os.Environ(), cfg.threads)
		if out, err := cmd.CombinedOutput(); err != nil {
			if cfg.ort == "on" {
				r.close()
				return nil, fmt.Errorf("--onnxruntime on: exporting the models from PyTorch: %v: %s", err, lastLine(string(out)))
			}
			fmt.Fprintf(log, "ONNX Runtime not measured: exporting the models from PyTorch failed: %v: %s\n", err, lastLine(string(out)))
			r.ortOn = false
		}
	}
	return r, nil
}

// close removes the temporary folder.
func (r *rivals) close() {
	if r.dir != "" {
		os.RemoveAll(r.dir)
	}
}

func (r *rivals) command(name string, args ...string) *exec.Cmd {
	return commandContext(r.ctx, name, args...)
}

// torchArgs returns the arguments of a PyTorch script of the bench
// folder for c.
func (r *rivals) torchArgs(script string, c bench.Case, opts bench.Options) []string {
	opts = opts.For(c)
	return []string{filepath.Join(r.dir, script), "--model", c.Model, "--batch", fmt.Sprint(c.Batch),
		"--threads", fmt.Sprint(r.cfg.threads), "--warmup", fmt.Sprint(opts.Warmup), "--steps", fmt.Sprint(opts.Steps)}
}

// torchCmd runs a PyTorch script in PyTorch's best configuration.
func (r *rivals) torchCmd(args []string) *exec.Cmd {
	cmd := r.command(r.cfg.python, args...)
	cmd.Env = append(r.setup.Env(os.Environ(), r.cfg.threads), mnist.EnvDir+"="+r.mnistDir)
	return cmd
}

// runTorch measures c in PyTorch.
func (r *rivals) runTorch(c bench.Case, opts bench.Options) bench.Result {
	res := runJSON(r.torchCmd(append(r.torchArgs("torch_bench.py", c, opts), "--mode", c.Mode)))
	if r.torchConfigNote != "" && res.Config != "" {
		res.Config += " (" + r.torchConfigNote + ")"
	}
	return res
}

// runORT measures inference case c in ONNX Runtime.
func (r *rivals) runORT(c bench.Case, opts bench.Options) bench.Result {
	opts = opts.For(c)
	cmd := r.command(r.cfg.node, filepath.Join(r.dir, "ort_bench.js"), "--onnx", filepath.Join(r.dir, c.Model+".onnx"),
		"--model", c.Model, "--batch", fmt.Sprint(c.Batch), "--threads", fmt.Sprint(r.cfg.threads),
		"--warmup", fmt.Sprint(opts.Warmup), "--steps", fmt.Sprint(opts.Steps),
		"--mnist", r.mnistDir, "--call", filepath.Join(r.dir, "call.onnx"))
	cmd.Env = bench.ORTEnv(os.Environ(), filepath.Join(r.cfg.ortDir, "node_modules"))
	return runJSON(cmd)
}

// checkTrial is what --check measured for one training case: the bench's
// PyTorch loop after a short and a long warm-up, and the plain loop.
type checkTrial struct {
	Case      bench.Case     `json:"case"`
	Warmup50  []bench.Result `json:"bench_warmup_50"`
	Warmup500 []bench.Result `json:"bench_warmup_500"`
	Plain     []bench.Result `json:"plain_loop"`
}

// runCheck measures the PyTorch side against itself and against the
// plain loop, interleaved, runs times.
func runCheck(r *rivals, cases []bench.Case, runs int, opts bench.Options, log io.Writer) []checkTrial {
	var trials []checkTrial
	for _, c := range cases {
		t := checkTrial{Case: c}
		short, long := opts, opts
		short.Warmup, long.Warmup = 50, 500
		for range runs {
			t.Warmup50 = append(t.Warmup50, r.runTorch(c, short))
			t.Warmup500 = append(t.Warmup500, r.runTorch(c, long))
			t.Plain = append(t.Plain, runJSON(r.torchCmd(r.torchArgs("torch_plain.py", c, short))))
		}
		fmt.Fprintf(log, "  %v: bench %s, %s img/s; plain loop %s img/s\n", c, num(bench.SpreadOf(bench.Values(t.Warmup50, ips)).Median),
			num(bench.SpreadOf(bench.Values(t.Warmup500, ips)).Median), num(bench.SpreadOf(bench.Values(t.Plain, ips)).Median))
		trials = append(trials, t)
	}
	return trials
}
