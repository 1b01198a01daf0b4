package checkpoint_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// TestReaderChecksTheHeaderFirst opens a checkpoint, compares its header
// with specs given by name and shape (no model built), then loads it.
func TestReaderChecksTheHeaderFirst(t *testing.T) {
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mlp.safetensors")
	if err := m.Save(path, map[string]string{"note": "x"}); err != nil {
		t.Fatal(err)
	}
	r, err := checkpoint.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Metadata["note"] != "x" || r.Metadata[checkpoint.KeyFormat] != "pt" {
		t.Errorf("metadata %v", r.Metadata)
	}
	want := []checkpoint.TensorSpec{
		{Name: "fc1.bias", Shape: []int{3}}, {Name: "fc1.weight", Shape: []int{3, 784}},
		{Name: "output.bias", Shape: []int{10}}, {Name: "output.weight", Shape: []int{10, 3}},
	}
	if got := r.Tensors(); !reflect.DeepEqual(got, want) {
		t.Errorf("Tensors = %v, want %v", got, want)
	}
	tests := []struct {
		name string
		spec []checkpoint.TensorSpec
		want string
	}{
		{"the same", want, ""},
		{"wider", []checkpoint.TensorSpec{want[0], {Name: "fc1.weight", Shape: []int{1 << 40, 784}}, want[2], want[3]}, "fc1.weight has shape [3 784], the model needs [1099511627776 784]"},
		{"another model", []checkpoint.TensorSpec{{Name: "c1.weight", Shape: []int{6, 1, 5, 5}}}, "missing c1.weight; unexpected fc1.bias"},
	}
	for _, tt := range tests {
		err := r.Check(tt.spec)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path)) {
			t.Errorf("%s: Check = %v, want %q", tt.name, err, tt.want)
		}
	}
	back, err := models.ForMNIST(tensor.NewRNG(2), models.Config{Name: "mlp", Hidden: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Load(back); err != nil {
		t.Fatal(err)
	}
	x := testImages(t, m, 5)
	if !tensor.Equal(logits(m, x), logits(back, x)) {
		t.Error("logits differ after Open, Check and Load")
	}
}
