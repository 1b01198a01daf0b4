package models

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// TestCNNAndResNet pins the two batch-normalised built-ins for MNIST:
// their parameters, multiply-adds, layers' output shapes and state-dict
// names, as their doc comments list them.
func TestCNNAndResNet(t *testing.T) {
	tests := []struct {
		name          string
		params, madds int
		shapes        map[string][]int
		names         []string // a sample of the state dict's names
		tensors       int      // parameters and buffers
	}{
		{"cnn", 870826, 19094528,
			map[string][]int{"conv1": {1, 32, 28, 28}, "pool1": {1, 32, 14, 14}, "conv4": {1, 64, 14, 14}, "pool2": {1, 64, 7, 7}, "flatten": {1, 3136}, "fc": {1, 256}, "output": {1, 10}},
			[]string{"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "conv4.weight", "bn4.num_batches_tracked", "fc.weight", "fc.bias", "output.weight", "output.bias"},
			4 + 4*5 + 4},
		{"resnet", 174970, 20183936,
			map[string][]int{"conv1": {1, 16, 28, 28}, "layer1": {1, 16, 28, 28}, "layer2": {1, 32, 14, 14}, "layer3": {1, 64, 7, 7}, "pool": {1, 64}, "fc": {1, 10}},
			[]string{"conv1.weight", "bn1.running_var", "layer1.0.body.conv1.weight", "layer1.1.body.bn2.bias", "layer2.0.shortcut.0.weight", "layer2.0.shortcut.1.num_batches_tracked", "layer3.0.shortcut.1.weight", "layer3.1.body.conv2.weight", "fc.weight", "fc.bias"},
			// stem conv + bn, 6 blocks of 2 convs + 2 bns, 2 shortcuts of conv + bn, fc
			1 + 5 + 6*(2+2*5) + 2*(1+5) + 2},
	}
	for _, tt := range tests {
		m, err := ForMNIST(tensor.NewRNG(1), Config{Name: tt.name})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.InputShape(), []int{1, 28, 28}) {
			t.Errorf("%s takes %v, want MNIST's 1×28×28 unpadded", tt.name, m.InputShape())
		}
		if m.Config.Activation != "relu" {
			t.Errorf("%s activation %q, want relu", tt.name, m.Config.Activation)
		}
		if n := nn.CountParams(m); n != tt.params {
			t.Errorf("%s: %d parameters, want %d", tt.name, n, tt.params)
		}
		s := nn.Summarize(m, 1, 1, 28, 28)
		if s.MultiplyAdds != tt.madds {
			t.Errorf("%s: %d multiply-adds per image, want %d", tt.name, s.MultiplyAdds, tt.madds)
		}
		for _, r := range s.Rows {
			if w, ok := tt.shapes[r.Name]; ok {
				if !slices.Equal(r.Output, w) {
					t.Errorf("%s: %s gives %v, want %v", tt.name, r.Name, r.Output, w)
				}
				delete(tt.shapes, r.Name)
			}
		}
		if len(tt.shapes) > 0 {
			t.Errorf("%s: no summary rows for %v", tt.name, tt.shapes)
		}
		spec, _, err := Spec(Config{Name: tt.name}, *m.Prep.Inputs[0].Image, m.Prep.Classes)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ts := range spec {
			names = append(names, ts.Name)
			if ts.Int64 != strings.HasSuffix(ts.Name, "num_batches_tracked") {
				t.Errorf("%s: %s has Int64 %v", tt.name, ts.Name, ts.Int64)
			}
		}
		if len(names) != tt.tensors {
			t.Errorf("%s: %d tensors in the state dict, want %d", tt.name, len(names), tt.tensors)
		}
		for _, n := range tt.names {
			if !slices.Contains(names, n) {
				t.Errorf("%s: no %s in the state dict %v", tt.name, n, names)
			}
		}
	}
}

// TestCNNAndResNetShapes runs both built-ins, in training and inference,
// on colour images of odd, unequal sides, and checks that images too
// small for the CNN's poolings are an error.
func TestCNNAndResNetShapes(t *testing.T) {
	classes := []string{"a", "b", "c"}
	for _, name := range []string{"cnn", "resnet"} {
		for _, hw := range [][2]int{{4, 4}, {9, 11}, {40, 36}} {
			prep := data.ImagePrep{Height: hw[0], Width: hw[1], Channels: 3}
			m, err := New(tensor.NewRNG(1), Config{Name: name}, prep, classes)
			if err != nil {
				t.Fatalf("%s for %v: %v", name, hw, err)
			}
			x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, 4, 3, hw[0], hw[1])
			g := autograd.NewGraph()
			g.Training, g.RNG = true, tensor.NewRNG(3)
			y := m.Forward(g, g.Input(x))
			if !slices.Equal(y.Shape(), []int{4, 3}) {
				t.Fatalf("%s for %v: output %v, want [4 3]", name, hw, y.Shape())
			}
			g.CrossEntropy(y, []int{0, 1, 2, 0}, autograd.ReduceMean).Backward()
			for _, p := range m.Params() {
				if p.Value.Grad() == nil {
					t.Errorf("%s: no gradient for %s", name, p.Name)
				}
			}
			ig := autograd.NewInferenceGraph()
			if y := m.Forward(ig, ig.Input(x)); !slices.Equal(y.Shape(), []int{4, 3}) {
				t.Errorf("%s for %v in inference: output %v", name, hw, y.Shape())
			}
		}
	}
	if _, err := New(tensor.NewRNG(1), Config{Name: "cnn"}, data.ImagePrep{Height: 3, Width: 28, Channels: 1}, classes); err == nil || !strings.Contains(err.Error(), "at least 4×4") {
		t.Errorf("cnn for 3×28 images: %v, want an error saying at least 4×4", err)
	}
	if _, _, err := Spec(Config{Name: "cnn"}, data.ImagePrep{Height: 4096, Width: 4096, Channels: 3}, classes); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("cnn for 4096×4096 images: %v, want an error saying the parameters are over the limit", err)
	}
	if _, err := New(tensor.NewRNG(1), Config{Name: "resnet"}, data.ImagePrep{Height: 1, Width: 1, Channels: 1}, classes); err != nil {
		t.Errorf("resnet for 1×1 images: %v", err)
	}
}

// TestCNNAndResNetRoundTrip saves both built-ins with their buffers
// (num_batches_tracked as I64) after a training step and loads them
// back: the same outputs.
func TestCNNAndResNetRoundTrip(t *testing.T) {
	for _, name := range []string{"cnn", "resnet"} {
		m, err := New(tensor.NewRNG(1), Config{Name: name}, data.ImagePrep{Height: 12, Width: 10, Channels: 1}, []string{"x", "y"})
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, 3, 1, 12, 10)
		g := autograd.NewGraph()
		g.Training, g.RNG = true, tensor.NewRNG(3)
		m.Forward(g, g.Input(x)) // moves the running statistics
		path := filepath.Join(t.TempDir(), name+".safetensors")
		if err := m.Save(path, nil); err != nil {
			t.Fatal(err)
		}
		back, _, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		run := func(m *Model) *tensor.Tensor {
			g := autograd.NewInferenceGraph()
			return m.Forward(g, g.Input(x)).Data()
		}
		want, got := run(m), run(back)
		for i := range want.Len() {
			if want.Flat(i) != got.Flat(i) {
				t.Fatalf("%s after a round trip: output %d is %v, want %v", name, i, got.Flat(i), want.Flat(i))
			}
		}
	}
}

// The PyTorch twins (bench/torch_bench.py's CNN and ResNet) are checked
// against fixtures made by testdata/make_twins.py: it asks this test for
// baeum checkpoints (-twins-out), loads each into its twin with
// load_state_dict(strict=True), and records the twin's outputs on random
// inputs. TestTwins builds the same models with the same weights and
// compares, so the comparison runs wherever Go does, PyTorch or not.
var twinsOut = flag.String("twins-out", "", "write the twin checkpoints and their cases to this folder (for testdata/make_twins.py)")

// twinCase is one model of the twin fixtures.
type twinCase struct {
	Name         string               `json:"name"`
	Model        string               `json:"model"`
	Channels     int                  `json:"channels"`
	Height       int                  `json:"height"`
	Width        int                  `json:"width"`
	Classes      int                  `json:"classes"`
	Train        bool                 `json:"train"` // outputs in training mode (batch statistics)
	File         string               `json:"file,omitempty"`
	InputShape   []int                `json:"input_shape,omitempty"`
	Input        []float64            `json:"input,omitempty"`
	OutputShape  []int                `json:"output_shape,omitempty"`
	Output       []float64            `json:"output,omitempty"`
	BuffersAfter map[string][]float64 `json:"buffers_after,omitempty"`
}

var twinCases = []twinCase{
	{Name: "cnn-mnist", Model: "cnn", Channels: 1, Height: 28, Width: 28, Classes: 10},
	{Name: "cnn-colour", Model: "cnn", Channels: 3, Height: 9, Width: 11, Classes: 3},
	{Name: "resnet-mnist", Model: "resnet", Channels: 1, Height: 28, Width: 28, Classes: 10},
	{Name: "resnet-colour", Model: "resnet", Channels: 3, Height: 9, Width: 11, Classes: 3},
	{Name: "resnet-colour-train", Model: "resnet", Channels: 3, Height: 9, Width: 11, Classes: 3, Train: true},
}

// twinModel builds a case's model with weights that depend on nothing but
// their names and positions, so that a change in how layers draw their
// initial weights does not invalidate the fixtures.
func twinModel(t *testing.T, c twinCase) *Model {
	t.Helper()
	classes := make([]string, c.Classes)
	for i := range classes {
		classes[i] = fmt.Sprint("class", i)
	}
	m, err := New(tensor.NewRNG(1), Config{Name: c.Model}, data.ImagePrep{Height: c.Height, Width: c.Width, Channels: c.Channels}, classes)
	if err != nil {
		t.Fatal(err)
	}
	wave := func(k, j int) float64 { return math.Sin(0.7*float64(j) + 1.3*float64(k)) }
	k := 0
	for _, p := range m.Params() {
		d := p.Value.Data()
		for j := range d.Len() {
			var v float64
			switch p.Role {
			case nn.Weight:
				v = wave(k, j) / math.Sqrt(float64(d.Len()/d.Shape()[0]))
			case nn.Scale:
				v = 1 + 0.3*wave(k, j)
			default: // biases and shifts
				v = 0.1 * wave(k, j)
			}
			d.SetFlat(j, v)
		}
		k++
	}
	for _, b := range nn.Buffers(m) {
		for j := range b.Tensor.Len() {
			switch {
			case b.Int64:
				b.Tensor.SetFlat(j, 7)
			case strings.HasSuffix(b.Name, "running_var"):
				b.Tensor.SetFlat(j, 1+0.5*wave(k, j))
			default:
				b.Tensor.SetFlat(j, 0.2*wave(k, j))
			}
		}
		k++
	}
	return m
}

// TestWriteTwinCheckpoints writes the twin checkpoints and cases.json to
// the folder -twins-out names; without it, it is skipped.
func TestWriteTwinCheckpoints(t *testing.T) {
	if *twinsOut == "" {
		t.Skip("writes the twin checkpoints only when -twins-out is given (testdata/make_twins.py does)")
	}
	cases := slices.Clone(twinCases)
	for i := range cases {
		cases[i].File = cases[i].Name + ".safetensors"
		if err := twinModel(t, cases[i]).Save(filepath.Join(*twinsOut, cases[i].File), nil); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.MarshalIndent(cases, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*twinsOut, "cases.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTwins compares baeum's cnn and resnet with their PyTorch twins'
// outputs on the fixtures' inputs: within 1e-5 of the outputs' largest
// magnitude, in float32, and for a case in training mode the running
// statistics after the step too.
func TestTwins(t *testing.T) {
	raw, err := os.ReadFile("testdata/twins.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []twinCase
	if err := json.Unmarshal(raw, &fixtures); err != nil {
		t.Fatal(err)
	}
	if len(fixtures) != len(twinCases) {
		t.Fatalf("%d fixtures, want %d: run testdata/make_twins.py", len(fixtures), len(twinCases))
	}
	for i, f := range fixtures {
		c := twinCases[i]
		if f.Name != c.Name || f.Model != c.Model || f.Channels != c.Channels || f.Height != c.Height || f.Width != c.Width || f.Classes != c.Classes || f.Train != c.Train {
			t.Fatalf("fixture %d is %+v, want %+v: run testdata/make_twins.py", i, f, c)
		}
		m := twinModel(t, c)
		x := tensor.New(tensor.Float32, f.InputShape...)
		for j, v := range f.Input {
			x.SetFlat(j, v)
		}
		g := autograd.NewInferenceGraph()
		if c.Train {
			g = autograd.NewGraph()
			g.Training = true
		}
		y := m.Forward(g, g.Input(x)).Data()
		if !slices.Equal(y.Shape(), f.OutputShape) {
			t.Fatalf("%s: output shape %v, PyTorch's %v", c.Name, y.Shape(), f.OutputShape)
		}
		compare(t, c.Name+" output", y, f.Output)
		for _, b := range nn.Buffers(m) {
			if want, ok := f.BuffersAfter[b.Name]; ok {
				compare(t, c.Name+" "+b.Name, b.Tensor, want)
			} else if c.Train {
				t.Errorf("%s: no %s in the fixture", c.Name, b.Name)
			}
		}
	}
}

// compare checks got against want within 1e-5 of want's largest
// magnitude, or of 1 when that is smaller.
func compare(t *testing.T, what string, got *tensor.Tensor, want []float64) {
	t.Helper()
	if got.Len() != len(want) {
		t.Errorf("%s: %d numbers, PyTorch's %d", what, got.Len(), len(want))
		return
	}
	scale := 1.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	for j, w := range want {
		if d := math.Abs(got.Flat(j) - w); d > 1e-5*scale {
			t.Errorf("%s[%d] = %v, PyTorch gives %v (difference %.3g)", what, j, got.Flat(j), w, d)
			return
		}
	}
}
