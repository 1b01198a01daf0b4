package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// accuracyOf reads "accuracy 0.9844" from eval's first line.
func accuracyOf(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`accuracy (\d\.\d{4})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no accuracy in %q", out)
	}
	return m[1]
}

// TestExportThenEvalONNX exports a trained checkpoint and evaluates the
// .onnx file: the same accuracy and loss on MNIST's test set, read with
// the preparation the file records.
func TestExportThenEvalONNX(t *testing.T) {
	ckpt, err := filepath.Abs("../../testdata/lenet5-2epochs.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "lenet5.onnx")
	stdout, _, err := runBaeum(t, "export", "--model", ckpt, "--out", out, "--opset", "13", "--quiet")
	if err != nil || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("export: %v\n%s", err, stdout)
	}
	native, _, err := runBaeum(t, "eval", "--model", ckpt, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	viaONNX, _, err := runBaeum(t, "eval", "--model", out, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	first := func(s string) string { return s[strings.Index(s, " on "):strings.IndexByte(s, '\n')] }
	if first(native) != first(viaONNX) {
		t.Errorf("eval of the export: %q, of the checkpoint: %q", first(viaONNX), first(native))
	}
	for _, args := range [][]string{
		{"export", "--model", ckpt, "--out", out, "--opset", "12"},
		{"export", "--model", ckpt},
		{"export", "--model", "vgg16", "--out", out},
	} {
		if _, _, err := runBaeum(t, args...); err == nil {
			t.Errorf("baeum %s: no error", strings.Join(args, " "))
		}
	}
	// A model file and an architecture without weights export untrained.
	stdout, _, err = runBaeum(t, "export", "--model", "../../examples/models/resnet.yaml", "--out", filepath.Join(dir, "r.onnx"))
	if err != nil || !strings.Contains(stdout, "untrained weights drawn with seed 1") {
		t.Errorf("export of a model file: %v\n%s", err, stdout)
	}
}

// TestEvalForeignONNX evaluates the LeNet-5 that PyTorch trained on MNIST
// (onnx/testdata/torch_export.py), whose graph normalises and pads raw
// pixels itself: baeum feeds it 28×28 pixels in [0, 1], as nothing in
// the file says otherwise, and gets PyTorch's own test accuracy.
func TestEvalForeignONNX(t *testing.T) {
	raw, err := os.ReadFile("../../onnx/testdata/torch_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Accuracy float64 `json:"mnist_lenet5_accuracy"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil || fx.Accuracy < 0.97 {
		t.Fatalf("fixture accuracy %v: %v", fx.Accuracy, err)
	}
	stdout, _, err := runBaeum(t, "eval", "--model", "../../onnx/testdata/torch_mnist_lenet5.onnx", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := accuracyOf(t, stdout), fmt.Sprintf("%.4f", fx.Accuracy); got != want {
		t.Errorf("baeum's accuracy for PyTorch's model is %s, PyTorch's %s", got, want)
	}
	// Telling baeum to normalise again ruins it: the flags reach the model.
	stdout, _, err = runBaeum(t, "eval", "--model", "../../onnx/testdata/torch_mnist_lenet5.onnx", "--input-mean", "0.5", "--input-std", "0.1", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if accuracyOf(t, stdout) > "0.9" {
		t.Errorf("normalising twice still gives %s", accuracyOf(t, stdout))
	}
}

// TestTrainInitFrom fine-tunes PyTorch's LeNet-5 and a baeum checkpoint
// for a few steps: the runs start from the loaded weights (their first
// epoch is already accurate), save checkpoints that evaluate, and refuse
// a --model beside --init-from.
func TestTrainInitFrom(t *testing.T) {
	dir := t.TempDir()
	for _, from := range []string{"../../onnx/testdata/torch_mnist_lenet5.onnx", "../../testdata/lenet5-2epochs.safetensors"} {
		out := filepath.Join(dir, filepath.Base(from)+".tuned.safetensors")
		stdout, _, err := runBaeum(t, "train", "--init-from", from, "--epochs", "1", "--limit", "1200", "--lr", "0.0002", "--out", out, "--quiet")
		if err != nil {
			t.Fatalf("%s: %v\n%s", from, err, stdout)
		}
		m := regexp.MustCompile(`test accuracy (\d\.\d+)`).FindStringSubmatch(stdout)
		if m == nil || m[1] < "0.95" {
			t.Errorf("%s: fine-tuning from trained weights: %q", from, stdout)
		}
		if _, _, err := runBaeum(t, "eval", "--model", out, "--quiet"); err != nil {
			t.Errorf("%s: eval of the fine-tuned checkpoint: %v", from, err)
		}
		if _, _, err := runBaeum(t, "export", "--model", out, "--out", out+".onnx"); err != nil {
			t.Errorf("%s: export of the fine-tuned checkpoint: %v", from, err)
		}
	}
	if _, _, err := runBaeum(t, "train", "--init-from", "../../testdata/lenet5-2epochs.safetensors", "--model", "mlp"); err == nil || !strings.Contains(err.Error(), "leave out --model") {
		t.Errorf("--init-from with --model: %v", err)
	}
}
