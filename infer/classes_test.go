package infer

import (
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// TestClassNamesFromTheRecord saves and loads a model of colour 16×16
// pictures of three named classes (not a digit reader) and classifies a
// picture of another size: the answer names its class from the record,
// the model says it reads no digits, and a class the record does not name
// is called by its index.
func TestClassNamesFromTheRecord(t *testing.T) {
	classes := []string{"cat", "dog", "ship"}
	prep := data.ImagePrep{Height: 16, Width: 16, Channels: 3, Mean: []float64{0.5}, Std: []float64{0.25}, Resize: "stretch"}
	m, err := models.New(tensor.NewRNG(3), models.Config{Name: "mlp", Hidden: []int{8}}, prep, classes)
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), "pets.safetensors")
	if err := m.Save(ck, nil); err != nil {
		t.Fatal(err)
	}
	p, err := Load(ck)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Classes(), classes) || p.ReadsDigits() {
		t.Fatalf("loaded model: classes %q, reads digits %v; want %q, false", p.Classes(), p.ReadsDigits(), classes)
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			img.Set(x, y, color.RGBA{uint8(6 * x), uint8(8 * y), 200, 255})
		}
	}
	pred, err := p.PredictImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(pred.Probabilities) != 3 || pred.Label != classes[pred.Digit] || pred.Flag != nil || len(pred.Input) != 3*16*16 {
		t.Errorf("prediction %q (class %d of %d, flag %v, %d input bytes), want a named class of 3 and 768 input bytes", pred.Label, pred.Digit, len(pred.Probabilities), pred.Flag, len(pred.Input))
	}
	for k, want := range map[int]string{0: "cat", 2: "ship", 3: "3", -1: "-1"} {
		if got := p.ClassName(k); got != want {
			t.Errorf("ClassName(%d) = %q, want %q", k, got, want)
		}
	}
}
