package infer

import (
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The checkpoint of a LeNet-5 trained for 2 epochs, made by
// `baeum train --epochs 2 --out testdata/lenet5-2epochs.safetensors`.
const twoEpochs = "../testdata/lenet5-2epochs.safetensors"

func loadPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestPredictGeneratedPNGs reads the digits that
// digits/internal/gendigits made from MNIST test images: odd sizes from 40
// to 400 pixels, off-centre, half dark on light, some in colour.
func TestPredictGeneratedPNGs(t *testing.T) {
	p, err := Load(twoEpochs)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../digits/testdata/single/*.png")
	if len(files) < 30 {
		t.Fatalf("%d test images, want at least 30", len(files))
	}
	right := 0
	for _, f := range files {
		want := int(f[strings.LastIndex(f, "label")+5] - '0')
		pred, err := p.PredictImage(loadPNG(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if pred.Digit == want {
			right++
		} else {
			t.Logf("%s: read %d (%.2f), want %d", f, pred.Digit, pred.Probabilities[pred.Digit], want)
		}
		var sum float64
		for _, q := range pred.Probabilities {
			sum += q
		}
		if sum < 0.999 || sum > 1.001 || len(pred.Input) != 784 {
			t.Errorf("%s: probabilities sum to %v, input has %d pixels", f, sum, len(pred.Input))
		}
	}
	if acc := float64(right) / float64(len(files)); acc < 0.9 {
		t.Errorf("%d of %d right (%.0f%%), want at least 90%%", right, len(files), 100*acc)
	}
}

// TestConcurrentPredictions shares one Predictor across goroutines; run
// with -race.
func TestConcurrentPredictions(t *testing.T) {
	p, err := Load(twoEpochs)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../digits/testdata/single/*.png")
	imgs := make([]image.Image, 8)
	want := make([]int, 8)
	for i := range imgs {
		imgs[i] = loadPNG(t, files[i])
		pred, err := p.PredictImage(imgs[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = pred.Digit
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				i := (w + k) % len(imgs)
				pred, err := p.PredictImage(imgs[i])
				if err != nil || pred.Digit != want[i] {
					t.Errorf("goroutine %d: image %d read %d (%v), want %d", w, i, pred.Digit, err, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestPredictErrors(t *testing.T) {
	p, err := Load(twoEpochs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PredictPixels(make([]byte, 100)); err == nil || !strings.Contains(err.Error(), "100 bytes, want 784") {
		t.Errorf("wrong pixel count: %v", err)
	}
	if _, err := p.PredictImage(image.NewGray(image.Rect(0, 0, 30, 30))); err == nil {
		t.Error("blank image accepted")
	}
	if _, err := Load("no/such/file.safetensors"); err == nil {
		t.Error("missing checkpoint accepted")
	}
	top := Prediction{Probabilities: []float64{0.1, 0.5, 0.4}}.Top()
	if top[0] != 1 || top[1] != 2 || top[2] != 0 {
		t.Errorf("Top = %v", top)
	}
}
