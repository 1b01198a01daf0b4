package onnx_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/bench"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// ortDir returns the folder holding node_modules/onnxruntime-node:
// $BAEUM_ORT_DIR, or ~/.cache/baeum/onnxruntime where .ci/run and the
// bench's help install it.
func ortDir() string {
	if d := os.Getenv("BAEUM_ORT_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "baeum", "onnxruntime")
}

// needORT returns node's path and the node_modules folder, skipping the
// test outside CI when ONNX Runtime's Node binding is missing and failing
// it in CI.
func needORT(t *testing.T) (node, modules string) {
	t.Helper()
	dir := ortDir()
	missing := ""
	node, err := exec.LookPath("node")
	if err != nil {
		missing = "node (Debian's nodejs) is not installed"
	} else if st, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node")); err != nil || !st.IsDir() {
		missing = "onnxruntime-node is not installed in " + dir + ": " + strings.ReplaceAll(bench.ORTInstall, "DIR", dir)
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("ONNX Runtime is the judge of exported models and CI must have it: %s", missing)
		}
		t.Skipf("skipping the ONNX Runtime check: %s", missing)
	}
	return node, filepath.Join(dir, "node_modules")
}

// ortRun runs the model in ONNX Runtime on x (float32, or int64 token
// ids) and returns its first output.
func ortRun(t *testing.T, model []byte, x *tensor.Tensor) ([]float32, []int) {
	t.Helper()
	node, modules := needORT(t)
	dir := t.TempDir()
	mp, in, out := filepath.Join(dir, "model.onnx"), filepath.Join(dir, "x.f32"), filepath.Join(dir, "y.f32")
	if err := os.WriteFile(mp, model, 0o600); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	dtype := "float32"
	if x.DType() == tensor.Int64 {
		dtype = "int64"
		for _, v := range x.I64() {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
	} else {
		for _, v := range x.F32() {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	}
	if err := os.WriteFile(in, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	shape, _ := json.Marshal(x.Shape())
	script, _ := filepath.Abs(filepath.Join("testdata", "ort_run.js"))
	cmd := exec.Command(node, script, mp, in, string(shape), out, dtype)
	cmd.Env = bench.ORTEnv(os.Environ(), modules)
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ONNX Runtime refused the model: %v\n%s", err, res)
	}
	var info struct{ Dims []int }
	if err := json.Unmarshal(res[strings.LastIndexByte(strings.TrimSpace(string(res)), '\n')+1:], &info); err != nil {
		t.Fatalf("ort_run.js said %q: %v", res, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, len(b)/4)
	for i := range y {
		y[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return y, info.Dims
}

// forward runs m in inference on x.
func forward(m nn.Module, x *tensor.Tensor) *tensor.Tensor {
	g := autograd.NewInferenceGraph()
	return m.Forward(g, g.Input(x)).Data().Clone()
}

// forwardLayered runs m in inference mode layer by layer: on a graph that
// tracks gradients, which keeps a native model from folding its batch
// norms into its convolutions (an imported graph runs its nodes one by
// one either way).
func forwardLayered(m nn.Module, x *tensor.Tensor) *tensor.Tensor {
	g := autograd.NewGraph()
	return m.Forward(g, g.Input(x)).Data().Clone()
}

// randomInput returns a batch of n examples of the given shape, N(0, 1).
func randomInput(seed uint64, n int, example []int) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, seed))
	x := tensor.New(tensor.Float32, append([]int{n}, example...)...)
	d := x.F32()
	for i := range d {
		d[i] = float32(rng.NormFloat64())
	}
	return x
}

// closeTo reports the first element where got and want differ by more
// than tol relative to max(1, |want|).
func closeTo(got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d numbers, want %d", len(got), len(want))
	}
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if !(d <= tol*math.Max(1, math.Abs(float64(want[i])))) {
			return fmt.Errorf("element %d is %v, want %v (difference %.3g)", i, got[i], want[i], d)
		}
	}
	return nil
}
