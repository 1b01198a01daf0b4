package models

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// exportTo writes m as ONNX with its preprocessing record, as baeum
// export does.
func exportTo(t *testing.T, m *Model, path string) {
	t.Helper()
	b, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{Metadata: ONNXMetadata(m)})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func randomBatch(seed uint64, n int, shape []int) *tensor.Tensor {
	return tensor.RandNormal(tensor.NewRNG(seed), tensor.Float32, 0, 1, append([]int{n}, shape...)...)
}

func infer(m nn.Module, x *tensor.Tensor) []float32 {
	g := autograd.NewInferenceGraph()
	return m.Forward(g, g.Input(x)).Data().Clone().F32()
}

// TestONNXModelRoundTrip loads an exported LeNet-5 as a Model: the same
// preparation and classes, the same outputs; saved as a checkpoint (its
// configuration holding the graph's skeleton) it loads again, and
// models.Load takes the .onnx path directly.
func TestONNXModelRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m, err := ForMNIST(tensor.NewRNG(4), Config{Name: "lenet5"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "lenet5.onnx")
	exportTo(t, m, path)
	im, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if im.Config.Name != ONNXName || meta == nil {
		t.Fatalf("loaded %q with metadata %v", im.Config.Name, meta)
	}
	if im.Prep.JSON() != m.Prep.JSON() {
		t.Errorf("preparation %s, want %s", im.Prep.JSON(), m.Prep.JSON())
	}
	x := randomBatch(1, 4, m.InputShape())
	want := infer(m, x)
	for i, v := range infer(im, x) {
		if v != want[i] {
			t.Fatalf("output %d: %v, want %v", i, v, want[i])
		}
	}
	ckpt := filepath.Join(dir, "tuned.safetensors")
	if err := im.Save(ckpt, nil); err != nil {
		t.Fatal(err)
	}
	back, _, err := Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range infer(back, x) {
		if v != want[i] {
			t.Fatalf("checkpoint of the import: output %d is %v, want %v", i, v, want[i])
		}
	}
}

// TestONNXForeignInput loads PyTorch's LeNet-5 export, which has no
// preprocessing record: it is fed 28×28 grey images scaled to [0, 1]
// (the padding is in its graph), its ten outputs named 0 to 9; options
// for such files are refused for files that record their own.
func TestONNXForeignInput(t *testing.T) {
	m, _, err := LoadONNX(filepath.Join("..", "onnx", "testdata", "torch_lenet5.onnx"), ONNXInput{})
	if err != nil {
		t.Fatal(err)
	}
	p := m.Image()
	if p.Height != 28 || p.Width != 28 || p.Channels != 1 || p.Pad != 0 || p.Mean != nil || len(m.Prep.Classes) != 10 || m.Prep.Classes[9] != "9" {
		t.Errorf("foreign preparation %+v, classes %v", *p, m.Prep.Classes)
	}
	if m, _, err := LoadONNX(filepath.Join("..", "onnx", "testdata", "torch_lenet5.onnx"), ONNXInput{Pad: 2}); err != nil || m.Image().Height != 24 {
		t.Errorf("padding by 2 for a 28×28 input: got %v, want 24×24 pictures padded", err)
	}
	if _, _, err := LoadONNX(filepath.Join("..", "onnx", "testdata", "torch_lenet5.onnx"), ONNXInput{Pad: 14}); err == nil || !strings.Contains(err.Error(), "leaves no image") {
		t.Errorf("padding by 14 for a 28×28 input: got %v", err)
	}
	dir := t.TempDir()
	native, err := ForMNIST(tensor.NewRNG(4), Config{Name: "mlp"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mlp.onnx")
	exportTo(t, native, path)
	if _, _, err := LoadONNX(path, ONNXInput{Mean: []float64{0.5}}); err == nil || !strings.Contains(err.Error(), "other ONNX files only") {
		t.Errorf("input options on a baeum file: got %v", err)
	}
}

// TestONNXFineTuneMatchesNative trains an imported LeNet-5 and the native
// one from the same weights for 100 steps of SGD with momentum on MNIST:
// the losses agree to 1e-5 at every step, and the tuned import exports
// and imports again with its new weights.
func TestONNXFineTuneMatchesNative(t *testing.T) {
	set, _, err := mnist.Load("")
	if err != nil {
		t.Fatalf("MNIST: %v", err)
	}
	native, err := ForMNIST(tensor.NewRNG(7), Config{Name: "lenet5"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lenet5.onnx")
	exportTo(t, native, path)
	imported, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := set.Dataset(*native.Image())
	if err != nil {
		t.Fatal(err)
	}
	opts := make([]*optim.SGD, 2)
	for i, m := range []*Model{native, imported} {
		if opts[i], err = optim.NewSGD(nn.Params(m), optim.SGDConfig{LR: 0.05, Momentum: 0.9}); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 32
	b := data.NewBatch(ds.Spec(), batch)
	for step := range 100 {
		idx := make([]int, batch)
		for i := range idx {
			idx[i] = rng.IntN(ds.Len())
		}
		b.Collate(ds, idx)
		x, labels := b.Inputs[0], make([]int, batch)
		for i, l := range b.Labels() {
			labels[i] = int(l)
		}
		var losses [2]float64
		for i, m := range []*Model{native, imported} {
			g := autograd.NewGraph()
			g.Training = true
			nn.ZeroGrad(m)
			loss := g.CrossEntropy(m.Forward(g, g.Input(x)), labels, autograd.ReduceMean)
			loss.Backward()
			opts[i].Step()
			losses[i] = loss.Item()
		}
		if d := math.Abs(losses[0] - losses[1]); d > 1e-5*math.Max(1, math.Abs(losses[0])) {
			t.Fatalf("step %d: imported loss %v, native %v", step, losses[1], losses[0])
		}
	}
	file, err := onnx.Marshal(imported.Module, imported.InputShape(), onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := onnx.ImportBytes(file)
	if err != nil {
		t.Fatal(err)
	}
	x := randomBatch(3, 2, native.InputShape())
	want := infer(native, x)
	for i, v := range infer(again, x) {
		if d := math.Abs(float64(v - want[i])); d > 1e-5 {
			t.Fatalf("the tuned import, exported: output %d is %v, the tuned native %v", i, v, want[i])
		}
	}
}
