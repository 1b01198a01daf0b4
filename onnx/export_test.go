package onnx_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/text"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// builtin builds a built-in model for 28×28 grey images and 10 classes,
// with batch-normalisation statistics and shifts that are not the
// identity, so that an exporter that dropped them would be caught.
func builtin(t testing.TB, name string) *models.Model {
	t.Helper()
	classes := make([]string, 10)
	for i := range classes {
		classes[i] = fmt.Sprint(i)
	}
	m, err := models.New(tensor.NewRNG(3), models.Config{Name: name}, data.ImagePrep{Height: 28, Width: 28, Channels: 1, Mean: []float64{0.1307}, Std: []float64{0.3081}}, classes)
	if err != nil {
		t.Fatal(err)
	}
	perturbStats(m)
	return m
}

// perturbStats gives every batch norm random running statistics, scales
// and shifts.
func perturbStats(m nn.Module) {
	rng := rand.New(rand.NewPCG(9, 9))
	nn.Walk(m, func(_ string, l nn.Module) {
		bn, ok := l.(*nn.BatchNorm)
		if !ok {
			return
		}
		for j := range bn.C {
			bn.State.RunningMean.SetFlat(j, 0.3*rng.NormFloat64())
			bn.State.RunningVar.SetFlat(j, 0.5+rng.Float64())
			bn.Weight.Data().SetFlat(j, 1+0.2*rng.NormFloat64())
			bn.Bias.Data().SetFlat(j, 0.2*rng.NormFloat64())
		}
	})
}

// TestExportBuiltinsRunInONNXRuntime exports every built-in model and
// checks ONNX Runtime's outputs against baeum's on the same inputs, at
// batch sizes 1 and 5 (the batch dimension is dynamic).
func TestExportBuiltinsRunInONNXRuntime(t *testing.T) {
	for _, name := range models.Names {
		t.Run(name, func(t *testing.T) {
			m := builtin(t, name)
			b, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{Metadata: map[string]string{"baeum.preprocess": m.Prep.JSON()}})
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range []int{1, 5} {
				x := randomInput(uint64(i+1), n, m.InputShape())
				want := forward(m, x)
				got, dims := ortRun(t, b, x)
				if !tensor.EqualShapes(dims, want.Shape()) {
					t.Fatalf("batch %d: ONNX Runtime's output has shape %v, baeum's %v", n, dims, want.Shape())
				}
				if err := closeTo(got, want.F32(), 1e-5); err != nil {
					t.Fatalf("batch %d: ONNX Runtime against baeum: %v", n, err)
				}
			}
		})
	}
}

// roundTrip builds a built-in model, exports it and imports the file:
// the native model, the import and the file.
func roundTrip(t *testing.T, name string) (*models.Model, *onnx.Model, []byte) {
	t.Helper()
	m := builtin(t, name)
	b, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	im, err := onnx.ImportBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return m, im, b
}

// zoo is a network with every layer and option Export knows: grouped,
// dilated, strided and "same" convolutions, pooling with padding and
// ceil mode, adaptive pooling, branches joined by concatenation and by
// addition, a residual block with a projection, batch norm in both
// forms, dropout and every activation.
func zoo(rng *rand.Rand) nn.Module {
	conv := func(cfg nn.Conv2DConfig) nn.Module { return nn.NewConv2DWith(rng, cfg) }
	seq := func(layers ...nn.Module) *nn.Sequential {
		named := make([]nn.Named, len(layers))
		for i, l := range layers {
			named[i] = nn.Named{Name: fmt.Sprint("l", i), Module: l}
		}
		return nn.NewSequential(named...)
	}
	return seq(
		conv(nn.Conv2DConfig{InC: 3, OutC: 8, K: 3, Padding: "same"}),
		nn.NewBatchNorm2d(8),
		nn.GELU{},
		conv(nn.Conv2DConfig{InC: 8, OutC: 8, KH: 3, KW: 2, Groups: 4, Dilation: 2, Pad: 2}),
		nn.SiLU{},
		nn.MaxPool2DWith(nn.Pool2DConfig{K: 3, Stride: 2, Pad: 1, CeilMode: true}),
		nn.NewBranches(nn.Concat{Axis: 1},
			nn.Named{Name: "a", Module: seq(conv(nn.Conv2DConfig{InC: 8, OutC: 4, K: 1}), nn.ELU{Alpha: 0.7})},
			nn.Named{Name: "b", Module: seq(conv(nn.Conv2DConfig{InC: 8, OutC: 4, K: 3, Pad: 1, NoBias: true}), nn.LeakyReLU{Slope: 0.1})}),
		nn.NewResidual(seq(conv(nn.Conv2DConfig{InC: 8, OutC: 6, K: 3, Stride: 2, Pad: 1}), nn.NewBatchNorm2d(6), nn.Softplus{Beta: 2, Threshold: 1}),
			conv(nn.Conv2DConfig{InC: 8, OutC: 6, K: 1, Stride: 2})),
		nn.AvgPool2DWith(nn.Pool2DConfig{K: 3, Stride: 1, Pad: 1, ExcludePad: true}),
		nn.NewBranches(nn.Add{},
			nn.Named{Name: "p", Module: nn.GELU{Approximate: "tanh"}},
			nn.Named{Name: "q", Module: nn.Sigmoid{}}),
		nn.AdaptiveAvgPool2D{H: 2, W: 2},
		nn.Flatten{},
		nn.Dropout{P: 0.3},
		nn.NewLinear(rng, 24, 16),
		nn.NewBatchNorm1d(16),
		nn.Tanh{},
		nn.NewLinear(rng, 16, 5),
		nn.LogSoftmax{Axis: 1},
	)
}

// TestExportEveryLayerRunsInONNXRuntime checks the zoo in ONNX Runtime.
func TestExportEveryLayerRunsInONNXRuntime(t *testing.T) {
	m := zoo(tensor.NewRNG(5))
	perturbStats(m)
	example := []int{3, 12, 10}
	b, err := onnx.Marshal(m, example, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(7, 4, example)
	want := forward(m, x)
	got, dims := ortRun(t, b, x)
	if !tensor.EqualShapes(dims, want.Shape()) {
		t.Fatalf("ONNX Runtime's output has shape %v, baeum's %v", dims, want.Shape())
	}
	if err := closeTo(got, want.F32(), 1e-5); err != nil {
		t.Fatalf("ONNX Runtime against baeum: %v", err)
	}
}

// TestExportOpsets writes each opset from 13 to 17, and refuses others.
func TestExportOpsets(t *testing.T) {
	m := builtin(t, "lenet5")
	for op := onnx.MinExportOpset; op <= onnx.MaxExportOpset; op++ {
		b, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{Opset: op})
		if err != nil {
			t.Fatalf("opset %d: %v", op, err)
		}
		x := randomInput(1, 2, m.InputShape())
		got, _ := ortRun(t, b, x)
		if err := closeTo(got, forward(m, x).F32(), 1e-5); err != nil {
			t.Fatalf("opset %d: %v", op, err)
		}
	}
	for _, op := range []int{12, 18} {
		if _, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{Opset: op}); err == nil || !strings.Contains(err.Error(), "want 13 to 17") {
			t.Errorf("opset %d: got %v, want a refusal naming 13 to 17", op, err)
		}
	}
}

// opaque is a layer Export does not know.
type opaque struct{}

func (opaque) Forward(_ *autograd.Graph, x *autograd.Value) *autograd.Value { return x }
func (opaque) Params() []nn.Param                                           { return nil }

// TestExportUnknownLayer names the layer that has no ONNX form.
func TestExportUnknownLayer(t *testing.T) {
	m := nn.NewSequential(nn.Named{Name: "fc", Module: nn.NewLinear(tensor.NewRNG(1), 4, 3)}, nn.Named{Name: "mystery", Module: opaque{}})
	_, err := onnx.Marshal(m, []int{4}, onnx.Options{})
	if err == nil || !strings.Contains(err.Error(), `"mystery"`) || !strings.Contains(err.Error(), "onnx.Exporter") {
		t.Fatalf("got %v, want an error naming the layer and onnx.Exporter", err)
	}
}

// TestFineTunedImportRunsInONNXRuntime imports the CNN's export, trains
// it for a few steps (its weights and batch-norm statistics change) and
// exports it again: ONNX Runtime agrees with baeum on the tuned model.
func TestFineTunedImportRunsInONNXRuntime(t *testing.T) {
	m, im, _ := roundTrip(t, "cnn")
	opt, err := optim.NewSGD(im.Params(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	before := forward(im, randomInput(9, 2, m.InputShape())).F32()
	for step := range 3 {
		g := autograd.NewGraph()
		g.Training, g.RNG = true, tensor.NewRNG(uint64(step))
		nn.ZeroGrad(im)
		x := randomInput(uint64(10+step), 8, m.InputShape())
		g.CrossEntropy(im.Forward(g, g.Input(x)), []int{0, 1, 2, 3, 4, 5, 6, 7}, autograd.ReduceMean).Backward()
		opt.Step()
	}
	if closeTo(forward(im, randomInput(9, 2, m.InputShape())).F32(), before, 1e-4) == nil {
		t.Fatal("three training steps changed nothing")
	}
	tuned, err := onnx.Marshal(im, nil, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(11, 4, m.InputShape())
	got, _ := ortRun(t, tuned, x)
	if err := closeTo(got, forward(im, x).F32(), 1e-5); err != nil {
		t.Fatalf("ONNX Runtime on the tuned import: %v", err)
	}
}

// TestExportCharLMRunsInONNXRuntime exports the character language model
// (an embedding, two LSTM layers with dropout between them, the output
// layer at every step) with int64 token ids of a dynamic length, and
// checks ONNX Runtime's logits against baeum's for batches of 1 and 3
// sequences of lengths other than the one traced. Importing it back
// gives a clear error: baeum's importer runs float32 inputs.
func TestExportCharLMRunsInONNXRuntime(t *testing.T) {
	vocab, err := text.NewVocab([]string{"abc", "cab's", "bead"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.NewText(tensor.NewRNG(4), models.Config{Name: models.CharLMName, Hidden: []int{12, 12}, Embed: 6, Dropout: 0.3}, vocab.Prep(9))
	if err != nil {
		t.Fatal(err)
	}
	b, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{InputType: tensor.Int64, DimNames: []string{"T"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := tensor.New(tensor.Int64, 3, 5)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range ids.Len() {
		ids.SetFlat(i, float64(rng.IntN(vocab.Size())))
	}
	for _, x := range []*tensor.Tensor{ids.Slice(0, 1), ids, ids.Slice(1, 3).Reshape(2, 5)} {
		want := forward(m, x)
		got, dims := ortRun(t, b, x)
		if !tensor.EqualShapes(dims, want.Shape()) {
			t.Fatalf("ids %v: ONNX Runtime's logits have shape %v, baeum's %v", x.Shape(), dims, want.Shape())
		}
		if err := closeTo(got, want.F32(), 1e-5); err != nil {
			t.Fatalf("ids %v: ONNX Runtime against baeum: %v", x.Shape(), err)
		}
	}
	if _, err := onnx.ImportBytes(b); err == nil || !strings.Contains(err.Error(), "INT64") {
		t.Errorf("importing the language model: %v, want an error about its int64 input", err)
	}
	if _, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{InputType: tensor.Float64}); err == nil || !strings.Contains(err.Error(), "input type") {
		t.Errorf("a float64 input: %v, want an error naming the input type", err)
	}
}
