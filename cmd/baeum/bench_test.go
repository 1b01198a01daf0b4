package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/bench"
	"github.com/baeum-ml/baeum/tensor"
)

// TestMeasureInterleaves checks the order of the measurements: each run
// of a case goes baeum, PyTorch, ONNX Runtime before the next run starts,
// and ONNX Runtime measures inference only.
func TestMeasureInterleaves(t *testing.T) {
	var calls []string
	side := func(name string) benchSide {
		return func(c bench.Case) bench.Result {
			calls = append(calls, fmt.Sprintf("%s %s/%d", name, c.Mode, c.Batch))
			return bench.Result{ImagesPerSec: float64(len(calls))}
		}
	}
	cases := []bench.Case{{Model: "mlp", Mode: "train", Batch: 64}, {Model: "mlp", Mode: "infer", Batch: 1000}}
	var log bytes.Buffer
	rows := measure(cases, 2, benchSides{baeum: side("baeum"), torch: side("torch"), ort: side("ort")}, &log)
	want := []string{"baeum train/64", "torch train/64", "baeum train/64", "torch train/64",
		"baeum infer/1000", "torch infer/1000", "ort infer/1000", "baeum infer/1000", "torch infer/1000", "ort infer/1000"}
	if strings.Join(calls, ", ") != strings.Join(want, ", ") {
		t.Errorf("calls\n%v\nwant\n%v", calls, want)
	}
	if len(rows) != 2 || len(rows[0].ORT) != 0 || len(rows[1].ORT) != 2 || len(rows[1].Torch) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	if rows[1].FLOPsPerImage != 2*(784*256+256*128+128*10) {
		t.Errorf("MLP inference: %v FLOP per image", rows[1].FLOPsPerImage)
	}
	if !strings.Contains(log.String(), "mlp infer batch 1000: baeum 7 img/s, PyTorch 8 img/s, ONNX Runtime 9 img/s") {
		t.Errorf("progress:\n%s", log.String())
	}
}

// TestPrintBenchTables checks the tables on made-up measurements: each
// ratio is the median of the runs' own ratios with their min–max (not the
// ratio of the medians), a failed run drops out of its pair, shares of the
// peak and cores come from the model's arithmetic and the CPU time, and
// every side's configuration and error is printed.
func TestPrintBenchTables(t *testing.T) {
	res := func(ips, wall, cpu, rss float64) bench.Result {
		return bench.Result{ImagesPerSec: ips, WallSec: wall, CPUSec: cpu, PeakRSSMB: rss}
	}
	rows := []benchRow{{
		Case: bench.Case{Model: "mlp", Mode: "infer", Batch: 64}, FLOPsPerImage: 1e6,
		// baeum/PyTorch per run: 2, 4, 3 → median 3, min 2, max 4; the
		// ratio of medians would be 300/100.
		Baeum: []bench.Result{res(200, 1, 2, 20), res(400, 1, 1.5, 22), res(300, 1, 2, 21)},
		Torch: []bench.Result{res(100, 1, 2, 300), res(100, 1, 2, 310), res(100, 1, 2, 305)},
		// The second run failed: two pairs, ratios 1 and 1.5.
		ORT: []bench.Result{res(200, 2, 4, 100), {Error: "boom"}, res(200, 2, 4, 100)},
	}}
	rows[0].Torch[0].Config = "PyTorch X, jemalloc"
	rows[0].ORT[0].Config, rows[0].ORT[0].CallOverheadUS, rows[0].ORT[2].CallOverheadUS = "ONNX Runtime Y", 10, 14
	var out bytes.Buffer
	if err := printBenchTables(&out, rows, tensor.Peak{ISA: "avx512", Threads: 2, FLOPS: 1e9}, 3); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"3.00× (2.00–4.00)", "1.25× (1.00–1.50)",
		"30.0%", "10.0%", "20.0%", // 300, 100 and 200 img/s × 1 MFLOP of a 1 GFLOP/s peak
		"2.00", "1.00", // cores: ONNX Runtime's 4 s of CPU in 2 s, PyTorch's 2 in 1
		"21 MB", "305 MB", "100 MB",
		"PyTorch: PyTorch X, jemalloc", "ONNX Runtime: ONNX Runtime Y; one session.run of a trivial model: 12.0 µs (median)",
		"mlp infer batch 64, ONNX Runtime: error: boom",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tables lack %q:\n%s", want, got)
		}
	}
	// baeum alone: no rival columns.
	out.Reset()
	if err := printBenchTables(&out, []benchRow{{Case: rows[0].Case, Baeum: rows[0].Baeum}}, tensor.Peak{}, 3); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "PyTorch") || strings.Contains(out.String(), "%") {
		t.Errorf("baeum-only tables mention a rival or a peak share:\n%s", out.String())
	}
	if peakLine(tensor.Peak{}) != "FMA peak: not measured (this build has no FMA loop for the CPU)" {
		t.Errorf("peakLine of nothing = %q", peakLine(tensor.Peak{}))
	}
}

// TestPrintCheck checks the verdicts of --check.
func TestPrintCheck(t *testing.T) {
	r := func(v ...float64) []bench.Result {
		var rs []bench.Result
		for _, x := range v {
			rs = append(rs, bench.Result{ImagesPerSec: x, Config: "PyTorch Z"})
		}
		return rs
	}
	trials := []checkTrial{
		{Case: bench.Case{Model: "mlp", Mode: "train", Batch: 64}, Warmup50: r(100, 100, 100), Warmup500: r(102, 98, 105), Plain: r(95, 97, 90)},
		// 8% slower after the long warm-up, but in one run 2% faster.
		{Case: bench.Case{Model: "mlp", Mode: "infer", Batch: 64}, Warmup50: r(100, 100, 100), Warmup500: r(92, 90, 102), Plain: r(100, 100, 100)},
		{Case: bench.Case{Model: "lenet5", Mode: "train", Batch: 64}, Warmup50: r(100, 100, 100), Warmup500: r(150, 140, 160), Plain: r(50, 60, 55)},
	}
	var out bytes.Buffer
	printCheck(&out, trials, 3)
	for _, want := range []string{
		"mlp: warm-up 500 against 50: median ratio 1.020, runs 0.98–1.05, the same within 5%; the bench against the plain loop: median ratio 1.053, within 15%",
		"mlp: warm-up 500 against 50: median ratio 0.920, runs 0.90–1.02, the same within the noise;",
		"lenet5: warm-up 500 against 50: median ratio 1.500, runs 1.40–1.60, DIFFERENT beyond the noise; the bench against the plain loop: median ratio 1.818, NOT within 15%",
		"PyTorch: PyTorch Z",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestBenchChild runs one configuration in process, as the bench's child
// does, and checks its JSON.
func TestBenchChild(t *testing.T) {
	out, err := run(t, "--threads", "1", "bench", "--child", "mlp:infer:8", "--warmup", "1", "--steps", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var r bench.Result
	if err := json.Unmarshal([]byte(lastLine(out)), &r); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if r.Error != "" || r.ImagesPerSec <= 0 || r.WallSec <= 0 || r.Threads != 1 || r.PeakRSSMB <= 0 || !strings.HasPrefix(r.Config, "baeum "+Version) {
		t.Errorf("child result %+v", r)
	}
	for _, bad := range [][]string{{"--child", "mlp:infer"}, {"--child", "mlp:infer:x"}, {"--runs", "0"}, {"--models", "vgg16"}, {"--torch", "maybe"}, {"--onnxruntime", "yes"}} {
		if out, err := run(t, append([]string{"bench"}, bad...)...); err == nil {
			t.Errorf("bench %v accepted:\n%s", bad, out)
		}
	}
}

// TestBenchRivalsOn checks that a rival asked for with "on" that cannot
// run is an error that says what to install.
func TestBenchRivalsOn(t *testing.T) {
	_, err := run(t, "bench", "--torch", "on", "--python", filepath.Join(t.TempDir(), "no-python"))
	if err == nil || !strings.Contains(err.Error(), "apt-get install python3-torch") {
		t.Errorf("--torch on without PyTorch: %v", err)
	}
	// "true" imports anything: PyTorch passes, and ONNX Runtime's missing
	// package is the error.
	empty := t.TempDir()
	_, err = run(t, "bench", "--torch", "off", "--onnxruntime", "on", "--python", "true", "--onnxruntime-dir", empty)
	if err == nil || !strings.Contains(err.Error(), "npm install --ignore-scripts --no-audit --no-fund --prefix "+empty+" onnxruntime-node@1.30.0") {
		t.Errorf("--onnxruntime on without the package: %v", err)
	}
	_, err = run(t, "bench", "--torch", "off", "--onnxruntime", "on", "--node", filepath.Join(empty, "no-node"), "--python", "true")
	if err == nil || !strings.Contains(err.Error(), "apt-get install nodejs") {
		t.Errorf("--onnxruntime on without Node.js: %v", err)
	}
}

// TestRivalScriptsParse checks that the rival scripts at least parse:
// they run only where PyTorch and ONNX Runtime are installed.
func TestRivalScriptsParse(t *testing.T) {
	dir := t.TempDir()
	for name, body := range bench.Scripts() {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range []struct {
		bin  string
		pkg  string
		args []string
	}{
		{"python3", "python3", []string{"-m", "py_compile", "torch_bench.py", "onnx_export.py", "torch_plain.py"}},
		{"node", "nodejs", []string{"--check", "ort_bench.js"}},
	} {
		if _, err := exec.LookPath(tool.bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not found: .ci/run installs %s", tool.bin, tool.pkg)
			}
			t.Logf("skipping %s: not installed (Debian package %s)", tool.bin, tool.pkg)
			continue
		}
		cmd := exec.Command(tool.bin, tool.args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s %v: %v\n%s", tool.bin, tool.args, err, out)
		}
	}
}
