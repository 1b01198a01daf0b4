package checkpoint_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/internal/statedict"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

var (
	testOnce sync.Once
	testSet  *mnist.Set
	testErr  error
)

// testImages returns the first n MNIST test images as a batch for m.
func testImages(t *testing.T, m *models.Model, n int) *tensor.Tensor {
	t.Helper()
	testOnce.Do(func() { testSet, testErr = mnist.LoadSplit("", mnist.Test) })
	if testErr != nil {
		t.Fatal(testErr)
	}
	all, err := testSet.Dataset(*m.Image())
	if err != nil {
		t.Fatal(err)
	}
	b := data.NewBatch(all.Spec(), n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	b.Collate(all, idx)
	return b.Inputs[0].Clone()
}

func logits(m nn.Module, x *tensor.Tensor) *tensor.Tensor {
	g := autograd.NewInferenceGraph()
	return m.Forward(g, g.Input(x)).Data().Clone()
}

func TestRoundTripGivesIdenticalLogits(t *testing.T) {
	for _, name := range []string{"lenet5", "mlp", "softmax"} {
		m, err := models.ForMNIST(tensor.NewRNG(3), models.Config{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name+".safetensors")
		if err := m.Save(path, map[string]string{"note": "round trip"}); err != nil {
			t.Fatal(err)
		}
		back, meta, err := models.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if meta["note"] != "round trip" || meta[checkpoint.KeyFormat] != "pt" {
			t.Errorf("%s: metadata %v", name, meta)
		}
		x := testImages(t, m, 1000)
		if !tensor.Equal(logits(m, x), logits(back, x)) {
			t.Errorf("%s: logits differ after save and load", name)
		}
	}
}

func TestBatchNormBuffersAreSaved(t *testing.T) {
	bn := nn.NewBatchNorm2d(3)
	bn.State.RunningMean.Fill(0.25)
	bn.Batches.SetFlat(0, 7)
	m := nn.NewSequential(nn.Named{Name: "bn", Module: bn})
	path := filepath.Join(t.TempDir(), "bn.safetensors")
	if err := checkpoint.Save(path, m, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Names(), ","); got != "bn.bias,bn.num_batches_tracked,bn.running_mean,bn.running_var,bn.weight" {
		t.Errorf("tensors %s", got)
	}
	if nb, _ := f.Tensor("bn.num_batches_tracked"); nb.DType != safetensors.I64 || len(nb.Shape) != 0 {
		t.Errorf("num_batches_tracked stored as %s %v, want a scalar I64", nb.DType, nb.Shape)
	}
	bn2 := nn.NewBatchNorm2d(3)
	if _, err := checkpoint.Load(path, nn.NewSequential(nn.Named{Name: "bn", Module: bn2})); err != nil {
		t.Fatal(err)
	}
	if bn2.Batches.Item() != 7 || bn2.State.RunningMean.Flat(2) != 0.25 {
		t.Errorf("buffers not restored: %v %v", bn2.Batches, bn2.State.RunningMean)
	}
}

func TestLoadRejectsMismatches(t *testing.T) {
	dir := t.TempDir()
	lenet, _ := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "lenet5"})
	mlp, _ := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{32}})
	path := filepath.Join(dir, "lenet.safetensors")
	if err := lenet.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	before := logits(mlp, testImages(t, mlp, 5))
	_, err := checkpoint.Load(path, mlp)
	if err == nil || !strings.Contains(err.Error(), "missing fc1.weight") || !strings.Contains(err.Error(), "unexpected c1.bias") {
		t.Errorf("loading LeNet into an MLP: %v", err)
	}
	if !tensor.Equal(before, logits(mlp, testImages(t, mlp, 5))) {
		t.Error("a failed load changed the model")
	}
	// Same names, wrong shape.
	wide, _ := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{33}})
	wpath := filepath.Join(dir, "wide.safetensors")
	if err := wide.Save(wpath, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Load(wpath, mlp); err == nil || !strings.Contains(err.Error(), "fc1.weight has shape [33 784], the model needs [32 784]") {
		t.Errorf("wrong shape: %v", err)
	}
	// A NaN weight.
	tensors := statedict.Tensors(mlp)
	tensors[0].Data[0], tensors[0].Data[1], tensors[0].Data[2], tensors[0].Data[3] = 0, 0, 0xc0, 0x7f
	npath := filepath.Join(dir, "nan.safetensors")
	if err := safetensors.WriteFile(npath, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Load(npath, mlp); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN weight: %v", err)
	}
	// Truncated file: an error naming the file, never a panic.
	raw, _ := os.ReadFile(path)
	tpath := filepath.Join(dir, "truncated.safetensors")
	if err := os.WriteFile(tpath, raw[:len(raw)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := models.Load(tpath); err == nil || !strings.Contains(err.Error(), tpath) {
		t.Errorf("truncated file: %v", err)
	}
	// A file without baeum's model metadata.
	plain := filepath.Join(dir, "plain.safetensors")
	if err := checkpoint.Save(plain, mlp, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := models.Load(plain); err == nil || !strings.Contains(err.Error(), "baeum.model") {
		t.Errorf("no model metadata: %v", err)
	}
}

type interop struct {
	TorchMade  [][]float64 `json:"torch_made_logits"`
	BaeumTorch [][]float64 `json:"baeum_checkpoint_torch_logits"`
	Checkpoint string      `json:"baeum_checkpoint"`
}

func closeLogits(t *testing.T, what string, got *tensor.Tensor, want [][]float64) {
	t.Helper()
	if got.Shape()[0] != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, got.Shape()[0], len(want))
	}
	worst := 0.0
	for i, row := range want {
		for k, w := range row {
			worst = math.Max(worst, math.Abs(got.At(i, k)-w))
		}
	}
	if worst > 1e-4 {
		t.Errorf("%s: logits differ from PyTorch's by up to %g, want ≤ 1e-4", what, worst)
	}
}

// TestPyTorchInterop uses fixtures written by testdata/torch_interop.py: a
// LeNet-5 made in PyTorch loads here and reproduces PyTorch's logits on 100
// MNIST test images, and a checkpoint saved here, which PyTorch loaded with
// strict=True, gives here the logits PyTorch computed from it.
func TestPyTorchInterop(t *testing.T) {
	raw, err := os.ReadFile("testdata/interop.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx interop
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	made, _, err := models.Load("testdata/torch_lenet5.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	x := testImages(t, made, 100)
	closeLogits(t, "PyTorch-made LeNet-5", logits(made, x), fx.TorchMade)
	ours, _, err := models.Load(filepath.Join("..", fx.Checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	closeLogits(t, "baeum checkpoint in PyTorch", logits(ours, x), fx.BaeumTorch)
}
