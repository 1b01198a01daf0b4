package train

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

var (
	mnistOnce          sync.Once
	mnistTrain, mnistT *mnist.Set
	mnistErr           error
)

// subsets returns the first n training and m test images of real MNIST
// with the model's transform.
func subsets(t *testing.T, m *models.Model, n, k int) (trainSet, test data.Dataset) {
	t.Helper()
	mnistOnce.Do(func() { mnistTrain, mnistT, mnistErr = mnist.Load("") })
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	tr, err := mnistTrain.Dataset(*m.Image())
	if err != nil {
		t.Fatal(err)
	}
	te, err := mnistT.Dataset(*m.Image())
	if err != nil {
		t.Fatal(err)
	}
	return tr.Slice(0, n), te.Slice(0, k)
}

// trainerFor builds what the command line builds from names: the named
// optimizer at rate lr (0: 0.001 for Adam, 0.05 for the SGD family) and
// the named schedule over the run ("" or "cosine": cosine annealing;
// "none": a constant rate).
func trainerFor(t *testing.T, m nn.Module, n int, opt string, lr float64, schedule string, cfg Config) *Trainer {
	t.Helper()
	if opt == "" {
		opt = "adam"
	}
	if lr == 0 {
		lr = 0.001
		if opt == "sgd" || opt == "momentum" || opt == "nesterov" {
			lr = 0.05
		}
	}
	o, err := optim.New(opt, m.Params(), lr)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Epochs == 0 {
		cfg.Epochs = 10
	}
	if cfg.Batch == 0 {
		cfg.Batch = 64
	}
	if schedule != "none" {
		sc, err := optim.NewScheduler(o, optim.Cosine{TMax: cfg.Epochs * StepsPerEpoch(n, cfg.Batch)})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Policy = sc
	}
	tr, err := New(m, o, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func newModel(t *testing.T, name string, seed uint64) *models.Model {
	m, err := models.ForMNIST(tensor.NewRNG(seed), models.Config{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestShortRunBeatsChance trains on 2,000 real MNIST images; chance is
// 10%.
func TestShortRunBeatsChance(t *testing.T) {
	for _, tc := range []struct {
		model  string
		epochs int
		want   float64
	}{{"mlp", 3, 0.80}, {"softmax", 3, 0.70}, {"lenet5", 2, 0.70}} {
		m := newModel(t, tc.model, 1)
		trainSet, test := subsets(t, m, 2000, 1000)
		tr := trainerFor(t, m, 1800, "", 0, "", Config{Epochs: tc.epochs, Seed: 1})
		stopped, err := tr.Fit(context.Background(), data.Range(trainSet, 0, 1800), data.Range(trainSet, 1800, 2000), test, nil)
		if err != nil || stopped != "completed" {
			t.Fatalf("%s: %q, %v", tc.model, stopped, err)
		}
		last := tr.History[len(tr.History)-1]
		if last.TestAccuracy < tc.want || last.TrainLoss >= tr.History[0].TrainLoss && tc.epochs > 1 {
			t.Errorf("%s: history %+v; want test accuracy ≥ %v and a falling loss", tc.model, tr.History, tc.want)
		}
		if tr.ImagesPerSecond() <= 0 {
			t.Errorf("%s: no throughput measured", tc.model)
		}
	}
}

func TestDeterministic(t *testing.T) {
	run := func() []*tensor.Tensor {
		m := newModel(t, "mlp", 7)
		trainSet, _ := subsets(t, m, 600, 10)
		tr := trainerFor(t, m, 600, "momentum", 0, "", Config{Epochs: 2, Seed: 3})
		if _, err := tr.Fit(context.Background(), trainSet, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		return paramTensors(m)
	}
	a, b := run(), run()
	for i := range a {
		if !tensor.Equal(a[i], b[i]) {
			t.Fatalf("parameter %d differs between two runs with the same seed", i)
		}
	}
}

func TestNonFiniteLossStops(t *testing.T) {
	m := newModel(t, "mlp", 1)
	trainSet, _ := subsets(t, m, 640, 10)
	tr := trainerFor(t, m, 640, "sgd", 1e8, "none", Config{Epochs: 1})
	_, err := tr.Fit(context.Background(), trainSet, nil, nil, nil)
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "epoch 1, step ") {
		t.Fatalf("error %v, want one naming the epoch and step of a non-finite loss", err)
	}
}

func TestInterruptAndEarlyStopping(t *testing.T) {
	m := newModel(t, "softmax", 1)
	trainSet, test := subsets(t, m, 640, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr := trainerFor(t, m, 640, "", 0, "", Config{Epochs: 3})
	if stopped, err := tr.Fit(ctx, trainSet, test, nil, nil); stopped != "interrupted" || err != nil || tr.Epoch != 0 {
		t.Errorf("cancelled run: %q, %v after %d epochs", stopped, err, tr.Epoch)
	}
	// With a learning rate of 0 nothing improves after the first epoch, so
	// patience 2 stops after epoch 3.
	tr = trainerFor(t, m, 640, "sgd", 1e-300, "none", Config{Epochs: 10, Patience: 2})
	stopped, err := tr.Fit(context.Background(), trainSet, test, nil, nil)
	if stopped != "early stopping" || err != nil || tr.Epoch != 3 || tr.BestEpoch != 1 {
		t.Errorf("early stopping: %q, %v, %d epochs, best %d", stopped, err, tr.Epoch, tr.BestEpoch)
	}
}
