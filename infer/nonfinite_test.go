package infer

import (
	"errors"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// TestNonFiniteOutputsAreErrors gives a Predictor models whose outputs
// overflow — finite weights of ±3e38, which loading accepts — and checks
// that every way of predicting returns an error wrapping ErrNonFinite,
// never a class with NaN probabilities.
func TestNonFiniteOutputsAreErrors(t *testing.T) {
	stroke := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 4; y < 24; y++ {
		for x := 12; x < 16; x++ {
			stroke.SetGray(x, y, color.Gray{Y: 255})
		}
	}
	tests := []struct {
		name   string
		weight float64
	}{
		{"3e38", 3e38},
		{"-3e38", -3e38},
		{"alternating", math.NaN()}, // stands for ±3e38 by position
	}
	for _, tt := range tests {
		for _, arch := range []string{"lenet5", "mlp", "softmax"} {
			m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: arch})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range m.Params() {
				d := p.Value.Data()
				for i := 0; i < d.Len(); i++ {
					w := tt.weight
					if math.IsNaN(w) {
						w = 3e38 * float64(1-2*(i%2))
					}
					d.SetFlat(i, w)
				}
			}
			p := New(m)
			px := make([]byte, 784)
			for i := 300; i < 500; i++ {
				px[i] = 255
			}
			calls := map[string]func() error{
				"PredictPixels": func() error { _, err := p.PredictPixels(px); return err },
				"PredictBatch":  func() error { _, err := p.PredictBatch([][]byte{make([]byte, 784), px}); return err },
				"PredictImage":  func() error { _, err := p.PredictImage(stroke); return err },
			}
			for name, call := range calls {
				err := call()
				if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "not finite") {
					t.Errorf("%s weights %s: %s error %v, want one wrapping ErrNonFinite", arch, tt.name, name, err)
				}
			}
		}
	}
}

// TestLoadRefusesOverflowingWeights saves a model whose weights are 3e38
// and checks that Load refuses it, naming the cause.
func TestLoadRefusesOverflowingWeights(t *testing.T) {
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{4}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		p.Value.Data().Fill(3e38)
	}
	path := filepath.Join(t.TempDir(), "huge.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load: %v, want an error naming the file and wrapping ErrNonFinite", err)
	}
	if _, err := Load("../testdata/hostile/checkpoints/weights-3e38.safetensors"); !errors.Is(err, ErrNonFinite) {
		t.Errorf("Load of the corpus's weights-3e38: %v, want ErrNonFinite", err)
	}
}
