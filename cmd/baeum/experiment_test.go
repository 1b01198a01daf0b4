package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/plot/plottest"
)

// runBaeum executes the command line with args and returns what it wrote
// to standard output and to standard error.
func runBaeum(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// wantPictures checks that the output lists each file as written into dir
// and that each picture is valid and not blank.
func wantPictures(t *testing.T, out, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if !strings.Contains(out, "wrote "+p+"\n") {
			t.Errorf("output does not list %s:\n%s", p, out)
		}
		switch filepath.Ext(n) {
		case ".png", ".svg":
			plottest.Check(t, p, 300, 150)
		default:
			if st, err := os.Stat(p); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", p, err)
			}
		}
	}
}

func csvRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExperimentOptimizers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pics")
	out, _, err := runBaeum(t, "experiment", "optimizers", "--quick", "--out-dir", dir, "--threads", "1")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantPictures(t, out, dir, "optimizers-paths.png", "optimizers-paths.svg", "optimizers-paths.csv",
		"optimizers-mnist.png", "optimizers-mnist.svg", "optimizers-mnist.csv")
	for _, w := range []string{"30 steps on f(x, y) = x²/20 + y²", "Nesterov (NAG)", "50 steps of 20 images (1000 training images), accuracy on 500 test images", "test accuracy"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	rows := csvRows(t, filepath.Join(dir, "optimizers-mnist.csv"))
	if len(rows) != 7 || rows[1][0] != "sgd" || rows[1][2] != "50" {
		t.Errorf("optimizers-mnist.csv: %v", rows)
	}
}

func TestExperimentOptimizersPathsOnly(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runBaeum(t, "experiment", "optimizers", "--skip-mnist", "--steps", "10", "--format", "svg", "--out-dir", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantPictures(t, out, dir, "optimizers-paths.svg", "optimizers-paths.csv")
	if _, err := os.Stat(filepath.Join(dir, "optimizers-paths.png")); err == nil {
		t.Error("--format svg wrote a PNG")
	}
	if rows := csvRows(t, filepath.Join(dir, "optimizers-paths.csv")); rows[1][2] != "10" {
		t.Errorf("--steps 10: %v", rows)
	}
}

func TestExperimentInit(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runBaeum(t, "experiment", "init", "--quick", "--out-dir", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantPictures(t, out, dir, "init-sigmoid.png", "init-sigmoid.svg", "init-tanh.png", "init-tanh.svg",
		"init-relu.png", "init-relu.svg", "init-activations.csv", "init-symmetry.png", "init-symmetry.svg")
	for _, w := range []string{"sigmoid  N(0, 1)", "relu     He", "constant start (every weight 0.3)", "largest difference between units 0)"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestExperimentRNN(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runBaeum(t, "experiment", "rnn", "--out-dir", dir, "--seed", "1")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantPictures(t, out, dir, "rnn-gradients.png", "rnn-gradients.svg", "rnn-gradients.csv",
		"rnn-clipping.png", "rnn-clipping.svg", "rnn-clipping.csv")
	for _, w := range []string{"T = 50 steps", "‖∂L/∂x_1‖", "‖∂L/∂x_25‖", "‖∂L/∂x_50‖", "last / first",
		"tanh RNN (ρ(W_hh) = 0.61)", "LSTM, forget bias 3", "W_hh × 2.5", "final loss:"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	rows := csvRows(t, filepath.Join(dir, "rnn-gradients.csv"))
	if len(rows) != 51 || rows[0][1] != "rnn" || rows[50][0] != "50" {
		t.Errorf("rnn-gradients.csv: %d rows, first %v", len(rows), rows[0])
	}
	if rows := csvRows(t, filepath.Join(dir, "rnn-clipping.csv")); len(rows) != 102 || rows[0][3] != "loss_clipped" {
		t.Errorf("rnn-clipping.csv: %d rows, first %v", len(rows), rows[0])
	}

	out, _, err = runBaeum(t, "experiment", "rnn", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"vanishing gradient", "diag(1 − h_t²)·W_hh", "forget gate", "clip_grad_norm_", "--max-norm"} {
		if !strings.Contains(out, w) {
			t.Errorf("--help lacks %q", w)
		}
	}
}

func TestGraphCommand(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		base  string
		wants []string
	}{
		{"lenet5", []string{"--model", "lenet5"}, "graph-lenet5", []string{"13 operations, 10 parameters, 23 gradients"}},
		{"mlp", []string{"--model", "mlp"}, "graph-mlp", []string{"6 operations, 6 parameters, 12 gradients"}},
		{"softmax", []string{"--model", "softmax"}, "graph-softmax", []string{"2 operations, 2 parameters, 4 gradients"}},
		{"checkpoint", []string{"--model", "../../testdata/lenet5-2epochs.safetensors"}, "graph-lenet5", []string{"13 operations"}},
		{"expression", []string{"--expr", "y = w*x + b"}, "graph-expr", []string{"y = 7; ∂y/∂b = 1, ∂y/∂w = 3, ∂y/∂x = 2"}},
		{"expression with values", []string{"--expr", "f = tanh(a*x)", "--vars", "a=0,x=5"}, "graph-expr", []string{"f = 0; ∂f/∂a = 5, ∂f/∂x = 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, stderr, err := runBaeum(t, append([]string{"graph", "--out-dir", dir}, tc.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s%s", err, out, stderr)
			}
			for _, w := range tc.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			files := []string{tc.base + ".dot"}
			if plot.DotProgram() != "" {
				files = append(files, tc.base+".png", tc.base+".svg")
			}
			wantPictures(t, out, dir, files...)
		})
	}
}

func TestGraphWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", "")
	dir := t.TempDir()
	out, stderr, err := runBaeum(t, "graph", "--model", "mlp", "--out-dir", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	wantPictures(t, out, dir, "graph-mlp.dot")
	if strings.Contains(out, ".svg") || !strings.Contains(stderr, "install the graphviz package") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, stderr)
	}
}

func TestSummaryCommand(t *testing.T) {
	tests := []struct {
		model string
		wants []string
	}{
		{"lenet5", []string{"LeNet-5 (tanh)", "c1       Conv2D(1→6, 5×5, stride 1, pad 0)     (1, 6, 28, 28)            156", "Total params: 61,706", "4,821,600"}},
		{"mlp", []string{"MLP 784-256-128-10 (relu)", "Total params: 235,146", "weight sharing"}},
		{"../../testdata/lenet5-2epochs.safetensors", []string{"Total params: 61,706"}},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		out, _, err := runBaeum(t, "summary", "--model", tc.model, "--out-dir", dir)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.model, err, out)
		}
		for _, w := range tc.wants {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.model, w, out)
			}
		}
		wantPictures(t, out, dir, "summary-params.png", "summary-params.svg")
	}
}

func TestInspectCommand(t *testing.T) {
	const ckpt = "../../testdata/lenet5-2epochs.safetensors"
	dir := t.TempDir()
	out, _, err := runBaeum(t, "inspect", "--model", ckpt, "--index", "0", "--out-dir", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "MNIST test image 0, predicted 7") {
		t.Errorf("output:\n%s", out)
	}
	wantPictures(t, out, dir, "inspect-lenet5-test0.png", "inspect-lenet5-test0.svg")

	// A picture file: a digit drawn dark on light, as a photo would be.
	img := filepath.Join(t.TempDir(), "my digit!.png")
	writeDigitPNG(t, img)
	out, _, err = runBaeum(t, "inspect", "--model", ckpt, "--image", img, "--out-dir", dir, "--format", "png")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "my digit!.png, predicted 2") {
		t.Errorf("output:\n%s", out)
	}
	wantPictures(t, out, dir, "inspect-lenet5-mydigit.png")
}

func TestPictureCommandErrors(t *testing.T) {
	const ckpt = "../../testdata/lenet5-2epochs.safetensors"
	bad := filepath.Join(t.TempDir(), "bad.png")
	if err := os.WriteFile(bad, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"experiment", "optimizers", "--format", "pdf"}, "--format"},
		{[]string{"experiment", "optimizers", "--steps", "0"}, "--steps"},
		{[]string{"experiment", "optimizers", "--out-dir", ""}, "--out-dir"},
		{[]string{"experiment", "init", "--format", ""}, "no picture format"},
		{[]string{"experiment", "rnn", "--steps", "1"}, "--steps"},
		{[]string{"experiment", "rnn", "--lr", "-1"}, "--lr"},
		{[]string{"experiment", "rnn", "--forget-bias", "0"}, "--forget-bias"},
		{[]string{"experiment", "rnn", "--format", "gif"}, "--format"},
		{[]string{"experiment", "optimizers", "--quick", "--data", "/nonexistent/mnist"}, "/nonexistent/mnist"},
		{[]string{"graph", "--model", "vgg16"}, "neither a built-in model"},
		{[]string{"graph", "--model", "missing.safetensors"}, "missing.safetensors"},
		{[]string{"graph", "--expr", "w*"}, "--expr"},
		{[]string{"graph", "--expr", "p*q"}, "no value for p, q (give them, e.g. --vars p=1,q=1)"},
		{[]string{"graph", "--expr", "w*x", "--vars", "w:2"}, "--vars"},
		{[]string{"summary", "--model", "vgg16"}, "neither a built-in model"},
		{[]string{"inspect", "--model", ckpt, "--index", "10000"}, "images 0 to 9999"},
		{[]string{"inspect", "--model", ckpt, "--index", "-1"}, "--index -1"},
		{[]string{"inspect", "--model", ckpt, "--index", "2", "--image", bad}, "not both"},
		{[]string{"inspect", "--model", ckpt, "--image", bad}, "not a PNG, JPEG or GIF"},
		{[]string{"inspect", "--model", ckpt, "--image", "/nonexistent.png"}, "--image"},
		{[]string{"inspect", "--model", "nothing-here.safetensors"}, "nothing-here.safetensors"},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		args := append(tc.args, "--out-dir", dir)
		if tc.args[len(tc.args)-1] == "" && tc.args[len(tc.args)-2] == "--out-dir" {
			args = tc.args
		}
		_, _, err := runBaeum(t, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

// writeDigitPNG writes MNIST test image 1 (a 2) as a 140×140 picture of
// dark ink on white.
func writeDigitPNG(t *testing.T, path string) {
	t.Helper()
	test, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, digits.FromMNIST(test.Image(1), 140, 140, true)); err != nil {
		t.Fatal(err)
	}
}
