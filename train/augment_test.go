package train

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/augment"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// mnistImages returns the first n training and k test images of real
// MNIST prepared for m, as images whose stored bytes can be augmented.
func mnistImages(tb testing.TB, m *models.Model, n, k int) (trainSet, test *data.Images) {
	tb.Helper()
	mnistOnce.Do(func() { mnistTrain, mnistT, mnistErr = mnist.Load("") })
	if mnistErr != nil {
		tb.Fatal(mnistErr)
	}
	tr, err := mnistTrain.Dataset(*m.Image())
	if err != nil {
		tb.Fatal(err)
	}
	te, err := mnistT.Dataset(*m.Image())
	if err != nil {
		tb.Fatal(err)
	}
	return tr.Slice(0, n), te.Slice(0, k)
}

func digitAugmenter(tb testing.TB, spec string, seed uint64) data.Augmenter {
	tb.Helper()
	cfg, err := augment.Parse(spec, 28, 28)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := augment.New(1, 28, 28, seed, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// TestAugmentedResumeIsBitIdentical trains LeNet-5 on augmented digits
// for two epochs straight, and for one epoch, saved and resumed into
// fresh values for the second: the weights agree bit for bit, because
// each example's transform is keyed by (seed, epoch, index), not drawn
// from a stream that the first epoch advanced.
func TestAugmentedResumeIsBitIdentical(t *testing.T) {
	const n = 320
	cfg := Config{Epochs: 2, Batch: 32, Seed: 4}
	m := newModel(t, "lenet5", 2)
	images, test := mnistImages(t, m, n, 50)
	aug := digitAugmenter(t, "digits", cfg.Seed)
	fit := data.Augment(images, aug)

	whole := trainerFor(t, m, n, "adam", 0, "", cfg)
	if _, err := whole.Fit(context.Background(), fit, nil, test, nil); err != nil {
		t.Fatal(err)
	}
	want := paramTensors(m)

	path := filepath.Join(t.TempDir(), "state.safetensors")
	m1 := newModel(t, "lenet5", 2)
	first := trainerFor(t, m1, n, "adam", 0, "", cfg)
	first.Cfg.Epochs = 1
	if _, err := first.Fit(context.Background(), fit, nil, test, nil); err != nil {
		t.Fatal(err)
	}
	first.Cfg.Epochs = cfg.Epochs
	if err := first.SaveState(path, nil); err != nil {
		t.Fatal(err)
	}
	// A fresh model, trainer and augmenter, as a resumed command builds
	// them.
	m2 := newModel(t, "lenet5", 99)
	resumed := trainerFor(t, m2, n, "adam", 0, "", cfg)
	if err := resumed.LoadState(path); err != nil {
		t.Fatal(err)
	}
	fit2 := data.Augment(images, digitAugmenter(t, "digits", cfg.Seed))
	if _, err := resumed.Fit(context.Background(), fit2, nil, test, nil); err != nil {
		t.Fatal(err)
	}
	got := paramTensors(m2)
	for i := range want {
		if !tensor.Equal(want[i], got[i]) {
			t.Fatalf("parameter %d differs after resuming an augmented run", i)
		}
	}
	if resumed.History[1].TrainLoss != whole.History[1].TrainLoss || resumed.History[1].TestAccuracy != whole.History[1].TestAccuracy {
		t.Errorf("second epoch %+v, want %+v", resumed.History[1], whole.History[1])
	}

	// The augmentation did change the training: a plain run differs.
	m3 := newModel(t, "lenet5", 2)
	plain := trainerFor(t, m3, n, "adam", 0, "", cfg)
	if _, err := plain.Fit(context.Background(), images, nil, test, nil); err != nil {
		t.Fatal(err)
	}
	if plain.History[0].TrainLoss == whole.History[0].TrainLoss {
		t.Errorf("the augmented run trained on the same examples as a plain one")
	}
}

// TestEvaluationIsNotAugmented checks that evaluation sees the images as
// they are, even when handed an augmented set.
func TestEvaluationIsNotAugmented(t *testing.T) {
	m := newModel(t, "lenet5", 3)
	images, _ := mnistImages(t, m, 200, 1)
	loss, acc := Evaluate(m, images, 64)
	aloss, aacc := Evaluate(m, data.Augment(images, digitAugmenter(t, "digits", 1)), 64)
	if loss != aloss || acc != aacc {
		t.Errorf("evaluation of an augmented set: loss %v accuracy %v, want %v %v", aloss, aacc, loss, acc)
	}
}

// BenchmarkAugmentedTrain measures LeNet-5's training throughput (batch
// 64: collating the batch, forward, backward, Adam) on real MNIST digits,
// plain and augmented, so that augmentation's cost is the ratio of the
// images/s figures of one run:
//
//	go test ./train -run '^$' -bench AugmentedTrain -benchtime 5x
func BenchmarkAugmentedTrain(b *testing.B) {
	const n = 1024
	for _, spec := range []string{"none", "natural", "affine", "elastic", "digits"} {
		b.Run(spec, func(b *testing.B) {
			m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "lenet5"})
			if err != nil {
				b.Fatal(err)
			}
			images, _ := mnistImages(b, m, n, 1)
			var ds data.Dataset = images
			if spec != "none" {
				ds = data.Augment(images, digitAugmenter(b, spec, 1))
			}
			opt, err := optim.New("adam", m.Params(), 0.001)
			if err != nil {
				b.Fatal(err)
			}
			loader := data.NewLoader(ds, 64, true, false, tensor.NewRNG(1))
			g := autograd.NewGraph()
			g.Training = true
			var loss Loss = CrossEntropy{}
			epoch := func() {
				for batch := range loader.Epoch() {
					if _, _, err := Step(g, m, loss, opt, batch); err != nil {
						b.Fatal(err)
					}
					g.Reset()
				}
			}
			epoch()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				epoch()
			}
			b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
