package infer

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// TestCheckpointsFromBeforeTheRecordPredictAsBefore loads the two
// checkpoints baeum 0.2.0 wrote (no preprocessing record: they get
// MNIST's) and predicts the first 64 MNIST test images: the classes are
// those 0.2.0 predicted, and the probabilities agree to 1e-6. (0.2.0's
// serving normalised pixels in float64; the one function both paths use
// now computes in float32 as training always did, which moves the inputs
// by at most an ulp of float32.)
func TestCheckpointsFromBeforeTheRecordPredictAsBefore(t *testing.T) {
	raw, err := os.ReadFile("../testdata/predictions-0.2.0.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden []struct {
		Checkpoint string      `json:"checkpoint"`
		Images     int         `json:"images"`
		Classes    []int       `json:"classes"`
		Probs      [][]float64 `json:"probabilities"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	test, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		t.Fatal(err)
	}
	if len(golden) != 2 {
		t.Fatalf("%d golden checkpoints, want 2", len(golden))
	}
	for _, g := range golden {
		p, err := Load(filepath.Join("..", g.Checkpoint))
		if err != nil {
			t.Fatal(err)
		}
		if p.Meta[data.KeyPreprocess] != "" {
			t.Fatalf("%s has a preprocessing record: it is not a checkpoint from before records", g.Checkpoint)
		}
		var imgs [][]byte
		for i := 0; i < g.Images; i++ {
			imgs = append(imgs, test.Image(i))
		}
		preds, err := p.PredictBatch(imgs)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i, q := range preds {
			if q.Digit != g.Classes[i] || q.Label != mnist.Classes[g.Classes[i]] {
				t.Errorf("%s image %d: class %d (%q), 0.2.0 said %d", g.Checkpoint, i, q.Digit, q.Label, g.Classes[i])
			}
			for k, v := range q.Probabilities {
				worst = math.Max(worst, math.Abs(v-g.Probs[i][k]))
			}
		}
		if worst > 1e-6 {
			t.Errorf("%s: probabilities differ from 0.2.0's by up to %g", g.Checkpoint, worst)
		}
		t.Logf("%s: %d classes as before, probabilities within %.1e", g.Checkpoint, len(preds), worst)
	}
}

// trainingInputs returns the tensor training's loader makes of examples
// idx of ds.
func trainingInputs(ds data.Dataset, idx []int) *tensor.Tensor {
	b := data.NewBatch(ds.Spec(), len(idx))
	b.Collate(ds, idx)
	return b.Inputs[0].Clone()
}

// TestTrainingAndServingPrepareTheSameTensor feeds the same images through
// the training path (a dataset prepared by the model's record, collated by
// the loader) and the serving path (the checkpoint loaded back, stored
// pixels or an encoded PNG prepared by the record read from it): the
// model's input tensors are bit-identical. Once for LeNet-5 on MNIST
// (padded to 32×32), once for an MLP on colour 12×10 images normalised per
// channel (flattened).
func TestTrainingAndServingPrepareTheSameTensor(t *testing.T) {
	dir := t.TempDir()

	// MNIST and LeNet-5, through the raw-pixels path of serving.
	set, err := mnist.LoadSplit("", mnist.Test)
	if err != nil {
		t.Fatal(err)
	}
	lenet, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "lenet5"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := set.Dataset(*lenet.Image())
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "lenet.safetensors")
	if err := lenet.Save(ck, nil); err != nil {
		t.Fatal(err)
	}
	p, err := Load(ck)
	if err != nil {
		t.Fatal(err)
	}
	idx := []int{0, 1, 2, 3, 4, 5, 6, 7}
	var px [][]byte
	for _, i := range idx {
		px = append(px, set.Image(i))
	}
	served, err := p.Inputs(px)
	if err != nil {
		t.Fatal(err)
	}
	if want := trainingInputs(ds, idx); !tensor.Equal(served, want) || served.Shape()[2] != 32 {
		t.Fatalf("LeNet-5: serving prepared %v, training %v", served.Shape(), want.Shape())
	}

	// Colour images, through the PNG path of serving.
	const h, w, n = 12, 10, 4
	pixels := make([]byte, n*3*h*w)
	for i := range pixels {
		pixels[i] = byte(i*37 + i/7)
	}
	prep := data.ImagePrep{Height: h, Width: w, Channels: 3, Mean: []float64{0.4, 0.5, 0.6}, Std: []float64{0.2, 0.25, 0.3}}
	colour, err := data.NewImages(pixels, []int{0, 1, 2, 0}, prep, []string{"red", "green", "blue"})
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := models.New(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{8}}, prep, []string{"red", "green", "blue"})
	if err != nil {
		t.Fatal(err)
	}
	trainSet, err := colour.WithPrep(*mlp.Image())
	if err != nil {
		t.Fatal(err)
	}
	ck = filepath.Join(dir, "mlp.safetensors")
	if err := mlp.Save(ck, nil); err != nil {
		t.Fatal(err)
	}
	if p, err = Load(ck); err != nil {
		t.Fatal(err)
	}
	if got := p.Model.InputShape(); len(got) != 1 || got[0] != 3*h*w {
		t.Fatalf("loaded MLP takes %v, want [%d]", got, 3*h*w)
	}
	for i := 0; i < n; i++ {
		// The stored planes as an RGB picture, encoded and decoded as a
		// request's body would be.
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		raw := colour.Pixels(i)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				j := y*w + x
				img.Set(x, y, color.RGBA{raw[j], raw[h*w+j], raw[2*h*w+j], 255})
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		dec, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		back, err := p.Prep().Raw(dec)
		if err != nil {
			t.Fatal(err)
		}
		served, err := p.Inputs([][]byte{back})
		if err != nil {
			t.Fatal(err)
		}
		if want := trainingInputs(trainSet, []int{i}); !tensor.Equal(served, want) {
			t.Fatalf("colour image %d: serving and training prepared different tensors", i)
		}
		pred, err := p.PredictImage(dec)
		if err != nil || len(pred.Probabilities) != 3 || pred.Label == "" {
			t.Fatalf("colour image %d: %+v, %v", i, pred, err)
		}
	}
}
