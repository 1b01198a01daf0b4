package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// run executes the baeum command line with args and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runQuiet(args...)
}

func TestTrainReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "report.json")
	curves := filepath.Join(t.TempDir(), "curves.png")
	out, err := run(t, "train", "--model", "softmax", "--limit", "1200", "--val", "200", "--epochs", "2", "--report", path, "--threads", "1",
		"--out", filepath.Join(t.TempDir(), "softmax.safetensors"), "--plot", curves)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"model", "parameters", "epochs", "optimizer", "lr", "batch", "seed", "history", "test_accuracy", "train_images_per_sec", "wall_seconds"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	if rep["model"] != "softmax" || rep["parameters"].(float64) != 7850 || rep["epochs"].(float64) != 2 || rep["optimizer"] != "adam" || rep["lr"].(float64) != 0.001 || rep["batch"].(float64) != 64 {
		t.Errorf("report %v", rep)
	}
	hist := rep["history"].([]any)
	if len(hist) != 2 {
		t.Fatalf("history has %d epochs, want 2", len(hist))
	}
	for _, k := range []string{"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy"} {
		if _, ok := hist[1].(map[string]any)[k]; !ok {
			t.Errorf("history entry lacks %q", k)
		}
	}
	acc := rep["test_accuracy"].(float64)
	if acc <= 0.5 || acc > 1 {
		t.Errorf("test accuracy %v: want a fraction well above chance", acc)
	}
	if ips := rep["train_images_per_sec"].(float64); ips <= 0 {
		t.Errorf("train_images_per_sec %v", ips)
	}
	if !strings.Contains(out, "best epoch") || !strings.Contains(out, "report: "+path) || !strings.Contains(out, "plot: "+curves) {
		t.Errorf("output:\n%s", out)
	}
	if f, err := os.Open(curves); err != nil {
		t.Error(err)
	} else {
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 200 {
			t.Errorf("--plot wrote no usable PNG: %v", err)
		}
	}
}

func TestTrainBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"train", "--model", "vgg16"},
		{"train", "--optimizer", "lbfgs", "--limit", "300", "--val", "100"},
		{"train", "--epochs", "0"},
		{"train", "--init", "glorot", "--limit", "300", "--val", "100"},
		{"train", "--model", "mlp", "--hidden", "12,x"},
		{"train", "--threads", "-2"},
		{"train", "--data", "/nonexistent/mnist"},
	} {
		if _, err := run(t, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "baeum "+Version) {
		t.Errorf("version: %q, %v", out, err)
	}
}

// TestTrainSavesAndResumes trains two epochs straight through, and again
// stopping after the first and resuming: the checkpoints are identical.
func TestTrainSavesAndResumes(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.safetensors")
	parts := filepath.Join(dir, "parts.safetensors")
	common := []string{"train", "--model", "mlp", "--hidden", "32", "--limit", "1200", "--val", "200", "--epochs", "2", "--threads", "1"}
	if out, err := run(t, append(common, "--out", whole)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := run(t, append(common, "--out", parts, "--stop-after", "1")...)
	if err != nil || !strings.Contains(out, "stopped after epoch 1") {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range []string{parts, filepath.Join(dir, "parts.last.safetensors"), filepath.Join(dir, "parts.state.safetensors")} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("after epoch 1: %v", err)
		}
	}
	out, err = run(t, "train", "--out", parts, "--resume")
	if err != nil || !strings.Contains(out, "resuming from") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	for _, pair := range [][2]string{{whole, parts}, {filepath.Join(dir, "whole.last.safetensors"), filepath.Join(dir, "parts.last.safetensors")}} {
		a, _ := os.ReadFile(pair[0])
		b, _ := os.ReadFile(pair[1])
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s and %s differ: resuming did not continue exactly", pair[0], pair[1])
		}
	}
	if _, err := run(t, "train", "--out", filepath.Join(dir, "none.safetensors"), "--resume"); err == nil {
		t.Error("resuming without a state file succeeded")
	}
}

func TestEvalAndPredict(t *testing.T) {
	ckpt := "../../testdata/lenet5-2epochs.safetensors"
	out, err := run(t, "eval", "--model", ckpt)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"accuracy 0.98", "true \\ predicted", "precision", "recall"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	files, _ := filepath.Glob("../../digits/testdata/single/0*.png")
	out, err = run(t, append([]string{"predict", "--model", ckpt}, files...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	right := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		file, rest, _ := strings.Cut(line, ": ")
		if want := file[strings.LastIndex(file, "label")+5]; rest[0] == want {
			right++
		}
	}
	if right < 9 {
		t.Errorf("predict read %d of %d right:\n%s", right, len(files), out)
	}
	out, err = run(t, "predict", "--json", "--model", ckpt, files[0])
	var res []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 || len(res[0]["probabilities"].([]any)) != 10 {
		t.Errorf("predict --json: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.png")
	if err := os.WriteFile(bad, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "predict", "--model", ckpt, bad); err == nil || !strings.Contains(out, "not a PNG") {
		t.Errorf("bad image: %v\n%s", err, out)
	}
	if _, err := run(t, "eval", "--model", "softmax"); err == nil || !strings.Contains(err.Error(), "architecture") {
		t.Errorf("bare model name: %v", err)
	}
}

// TestTrainStatefulSchedulesResume runs the schedules that keep state
// (one-cycle, which also cycles the momentum, and reduce-on-plateau, which
// watches the validation accuracy) with AdamW's two parameter groups,
// straight through and stopped and resumed: the checkpoints are
// identical, and the state file records the policy.
func TestTrainStatefulSchedulesResume(t *testing.T) {
	for _, sched := range []string{"onecycle", "plateau"} {
		dir := t.TempDir()
		whole := filepath.Join(dir, "whole.safetensors")
		parts := filepath.Join(dir, "parts.safetensors")
		common := []string{"train", "--model", "mlp", "--hidden", "16", "--limit", "900", "--val", "150", "--epochs", "3",
			"--threads", "1", "--optimizer", "adamw", "--schedule", sched, "--lr", "0.003"}
		if out, err := run(t, append(common, "--out", whole)...); err != nil {
			t.Fatalf("%s: %v\n%s", sched, err, out)
		}
		if out, err := run(t, append(common, "--out", parts, "--stop-after", "2")...); err != nil {
			t.Fatalf("%s: %v\n%s", sched, err, out)
		}
		state, err := os.ReadFile(filepath.Join(dir, "parts.state.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		kind := map[string]string{"onecycle": "one_cycle", "plateau": "reduce_lr_on_plateau"}[sched]
		if !strings.Contains(string(state), `\"kind\":\"`+kind+`\"`) || !strings.Contains(string(state), "no_decay") {
			t.Errorf("%s: the state file does not record the %s policy and the AdamW groups", sched, kind)
		}
		if out, err := run(t, "train", "--out", parts, "--resume"); err != nil {
			t.Fatalf("%s resume: %v\n%s", sched, err, out)
		}
		a, _ := os.ReadFile(whole)
		b, _ := os.ReadFile(parts)
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s: resumed run differs from the straight one", sched)
		}
	}
}

// TestCNNDefaultEpochs: --model cnn trains nine epochs unless told
// otherwise, the most that fit in 15 minutes on two cores.
func TestCNNDefaultEpochs(t *testing.T) {
	for _, c := range []struct {
		extra []string
		want  string
	}{
		{nil, "epoch  1/9 "},
		{[]string{"--epochs", "3"}, "epoch  1/3 "},
	} {
		args := []string{"train", "--model", "cnn", "--limit", "96", "--val", "32", "--batch", "32", "--stop-after", "1", "--threads", "1",
			"--out", filepath.Join(t.TempDir(), "cnn.safetensors")}
		out, err := run(t, append(args, c.extra...)...)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v, want %q in\n%s", c.extra, err, c.want, out)
		}
	}
}

// TestResumeRestoresThreads: a run records its thread count, and --resume
// without --threads trains on with it, since results depend on it (the
// convolutions' gradients are summed over the workers): stopped with one
// thread and resumed in a process that would use two, the checkpoint is
// that of a run straight through with one.
func TestResumeRestoresThreads(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.safetensors")
	parts := filepath.Join(dir, "parts.safetensors")
	common := []string{"train", "--model", "lenet5", "--augment=none", "--limit", "600", "--val", "100", "--epochs", "2", "--threads", "1"}
	if out, err := run(t, append(common, "--out", whole)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := run(t, append(common, "--out", parts, "--stop-after", "1")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	defer tensor.SetThreads(tensor.SetThreads(2)) // a process that would use two
	out, err := run(t, "train", "--out", parts, "--resume")
	if err != nil || !strings.Contains(out, "resuming from") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "whole.last.safetensors"))
	b, _ := os.ReadFile(filepath.Join(dir, "parts.last.safetensors"))
	if len(a) == 0 || string(a) != string(b) {
		t.Error("resumed without --threads, the run did not continue with its own thread count")
	}
	// --threads given: used, with a note that the bits will differ.
	again := filepath.Join(dir, "again.safetensors")
	if out, err := run(t, append(common, "--out", again, "--stop-after", "1")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = run(t, "train", "--out", again, "--resume", "--threads", "2")
	if err != nil || !strings.Contains(out, "--threads 2: the run trained with 1") {
		t.Errorf("resume with --threads 2: %v\n%s", err, out)
	}
}

// TestTrainSharesResume checks a run whose batches train in shares
// (--shares): it says so, stops and resumes to the bits of a run straight
// through, records its shares so that a resumed run keeps them, and
// refuses shares that cannot be (a model with batch normalisation, more
// than the batch, a negative count).
func TestTrainSharesResume(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.safetensors")
	parts := filepath.Join(dir, "parts.safetensors")
	common := []string{"train", "--model", "lenet5", "--augment=none", "--limit", "600", "--val", "100", "--epochs", "2", "--threads", "2", "--shares", "2"}
	out, err := run(t, append(common, "--out", whole)...)
	if err != nil || !strings.Contains(out, "a batch in 2 shares") {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := run(t, append(common, "--out", parts, "--stop-after", "1")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := run(t, "train", "--out", parts, "--resume", "--shares", "1"); err == nil || !strings.Contains(out+err.Error(), "--shares") {
		t.Errorf("resumed with other shares: %v\n%s", err, out)
	}
	out, err = run(t, "train", "--out", parts, "--resume")
	if err != nil || !strings.Contains(out, "a batch in 2 shares") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "whole.last.safetensors"))
	b, _ := os.ReadFile(filepath.Join(dir, "parts.last.safetensors"))
	if len(a) == 0 || string(a) != string(b) {
		t.Error("the resumed run in shares did not continue exactly")
	}
	for _, c := range [][]string{
		{"--model", "cnn", "--shares", "2"},
		{"--shares", "65"},
		{"--shares", "-1"},
	} {
		args := append([]string{"train", "--limit", "200", "--epochs", "1", "--out", filepath.Join(dir, "x.safetensors")}, c...)
		if out, err := run(t, args...); err == nil || !strings.Contains(err.Error(), "--shares") {
			t.Errorf("%v: %v\n%s", c, err, out)
		}
	}
}
