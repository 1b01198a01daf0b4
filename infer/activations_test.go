package infer

import (
	"errors"
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// stroke784 is a 28×28 vertical bar: a plausible "1".
func stroke784() []byte {
	px := make([]byte, 784)
	for y := 4; y < 24; y++ {
		for x := 13; x < 16; x++ {
			px[28*y+x] = 255
		}
	}
	return px
}

// TestActivationsLayers checks the layers reported for each built-in
// architecture: names, kinds, activations folded in, shapes, and that the
// last layer's output gives the prediction.
func TestActivationsLayers(t *testing.T) {
	lenet, err := Load(twoEpochs)
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{32, 16}})
	if err != nil {
		t.Fatal(err)
	}
	type layer struct {
		name, kind, act string
		shape           []int
	}
	tests := []struct {
		name string
		p    *Predictor
		want []layer
	}{
		{"lenet5", lenet, []layer{
			{"c1", KindConv, "Tanh", []int{6, 28, 28}},
			{"s2", KindPool, "", []int{6, 14, 14}},
			{"c3", KindConv, "Tanh", []int{16, 10, 10}},
			{"s4", KindPool, "", []int{16, 5, 5}},
			{"c5", KindConv, "Tanh", []int{120, 1, 1}},
			{"f6", KindDense, "Tanh", []int{84}},
			{"output", KindDense, "", []int{10}},
		}},
		{"mlp", New(mlp), []layer{
			{"fc1", KindDense, "ReLU", []int{32}},
			{"fc2", KindDense, "ReLU", []int{16}},
			{"output", KindDense, "", []int{10}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px := stroke784()
			acts, pred, err := tt.p.Activations(px)
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) != len(tt.want) {
				t.Fatalf("%d layers, want %d: %+v", len(acts), len(tt.want), acts)
			}
			for i, w := range tt.want {
				a := acts[i]
				if a.Name != w.name || a.Kind != w.kind || a.Activation != w.act || !slices.Equal(a.Shape, w.shape) {
					t.Errorf("layer %d: %s %s (%s) %v, want %s %s (%s) %v", i, a.Name, a.Kind, a.Activation, a.Shape, w.name, w.kind, w.act, w.shape)
				}
				n := 1
				for _, d := range a.Shape {
					n *= d
				}
				if len(a.Values) != n {
					t.Errorf("layer %s: %d values, want %d", a.Name, len(a.Values), n)
				}
				if a.Activation == "Tanh" {
					for _, v := range a.Values {
						if v < -1 || v > 1 {
							t.Fatalf("layer %s: %v after tanh", a.Name, v)
						}
					}
				}
			}
			logits := acts[len(acts)-1].Values
			best := 0
			for k, v := range logits {
				if v > logits[best] {
					best = k
				}
			}
			want, err := tt.p.PredictPixels(px)
			if err != nil {
				t.Fatal(err)
			}
			if best != want.Digit || pred.Digit != want.Digit {
				t.Errorf("the logits' argmax is %d and the prediction %d, PredictPixels says %d", best, pred.Digit, want.Digit)
			}
			if tt.name == "lenet5" && want.Digit != 1 {
				t.Errorf("a vertical bar read as %d", want.Digit)
			}
		})
	}
}

// TestActivationsRefuseBlank checks that an input with nothing to read is
// refused as PredictPixels refuses it, and a wrong size is an error.
func TestActivationsRefuseBlank(t *testing.T) {
	p, err := Load(twoEpochs)
	if err != nil {
		t.Fatal(err)
	}
	var flag *digits.Flag
	if _, _, err := p.Activations(make([]byte, 784)); !errors.As(err, &flag) {
		t.Errorf("blank input: error %v, want a *digits.Flag", err)
	}
	if _, _, err := p.Activations(make([]byte, 100)); err == nil {
		t.Error("100 bytes for a 784-byte model: no error")
	}
}
