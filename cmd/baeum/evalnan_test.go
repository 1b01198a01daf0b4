package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// TestEvalRefusesOverflowOnRealImages gives eval an MLP that loading
// accepts — finite weights, finite outputs on the neutral inputs of
// models.CheckFinite — but whose output overflows on MNIST digits with
// ink in the middle: its one hidden unit adds the 4×4 pixels at the centre
// and subtracts the 4×4 at the top-left corner (always background), so
// that inputs equal everywhere give 0 and a digit gives up to 5e37, which
// the next layer's weight of 1e3 takes past float32's range. eval must
// stop with an error naming the image, not report a NaN loss.
func TestEvalRefusesOverflowOnRealImages(t *testing.T) {
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	ps := nn.Params(m)
	if len(ps) != 4 {
		t.Fatalf("%d parameters, want 4", len(ps))
	}
	w1, b1, w2, b2 := ps[0].Value.Data().F32(), ps[1].Value.Data().F32(), ps[2].Value.Data().F32(), ps[3].Value.Data().F32()
	clear(w1)
	clear(b1)
	clear(b2)
	for r := range 4 {
		for c := range 4 {
			w1[(12+r)*28+12+c] = 1e36
			w1[r*28+c] = -1e36
		}
	}
	for i := range w2 {
		w2[i] = 1e3
	}
	if err := m.CheckFinite(); err != nil {
		t.Fatalf("the model fails the load-time check already: %v", err)
	}
	path := filepath.Join(t.TempDir(), "overflow.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "eval", "--model", path)
	if err == nil || !strings.Contains(err.Error(), "not finite") || !strings.Contains(err.Error(), "test image") {
		t.Errorf("eval of an overflowing model: %v, want an error naming a test image and the non-finite output", err)
	}
}
