package experiment_test

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/plot/plottest"
)

var (
	mnistOnce             sync.Once
	mnistTrain, mnistTest *mnist.Set
	mnistErr              error
)

// mnistSets returns the first nTrain training and nTest test images of
// MNIST prepared as prep says.
func mnistSets(t *testing.T, prep data.ImagePrep, nTrain, nTest int) (train, test *data.Images) {
	t.Helper()
	mnistOnce.Do(func() { mnistTrain, mnistTest, mnistErr = mnist.Load("") })
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	tr, err := mnistTrain.Dataset(prep)
	if err != nil {
		t.Fatal(err)
	}
	te, err := mnistTest.Dataset(prep)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Slice(0, nTrain), te.Slice(0, nTest)
}

// flat is MNIST as the MLP takes it: normalised and flattened to
// 784-vectors.
var flat = func() data.ImagePrep {
	p := mnist.DigitPrep()
	p.Flatten = true
	return p
}()

// checkFiles checks that want (base names) were written, in dir, as
// pictures of at least minW×minH pixels, and returns the paths by name.
func checkFiles(t *testing.T, files []string, dir string, minW, minH int, want ...string) {
	t.Helper()
	for _, w := range want {
		p := filepath.Join(dir, w)
		if !slices.Contains(files, p) {
			t.Errorf("%s not among the files written: %v", w, files)
			continue
		}
		if strings.HasSuffix(w, ".png") || strings.HasSuffix(w, ".svg") {
			plottest.Check(t, p, minW, minH)
		}
	}
	if len(files) != len(want) {
		t.Errorf("wrote %v, want %v", files, want)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestOptimizerPaths(t *testing.T) {
	r, err := experiment.OptimizerPaths(0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != experiment.DefaultPathSteps || len(r.Paths) != 6 {
		t.Fatalf("%d steps, %d paths", r.Steps, len(r.Paths))
	}
	start := math.Hypot(r.Start[0], r.Start[1])
	for _, p := range r.Paths {
		if len(p.Points) != r.Steps+1 || p.Points[0] != experiment.ValleyStart {
			t.Errorf("%s: %d points from %v", p.Name, len(p.Points), p.Points[0])
		}
		if p.Distance >= start/5 {
			t.Errorf("%s: %.3g from the minimum after %d steps, started %.3g away", p.Name, p.Distance, r.Steps, start)
		}
	}
	sgd := r.Path("sgd")
	crossesZero := func(p *experiment.OptimizerPath) bool {
		for _, pt := range p.Points {
			if pt[0] > 0 {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name string
		ok   func(p *experiment.OptimizerPath) bool
		want string
	}{
		// The zig-zag: at η = 0.95 the factor for y is 1 - 2η = -0.9.
		{"sgd", func(p *experiment.OptimizerPath) bool { return p.SignChanges == r.Steps && !crossesZero(p) }, "y changes sign at every step and x never overshoots"},
		// Velocity carries the walk past the minimum along the valley.
		{"momentum", crossesZero, "overshoots the minimum along x"},
		{"nesterov", func(p *experiment.OptimizerPath) bool {
			return crossesZero(p) && p.Distance < r.Path("momentum").Distance
		}, "overshoots, but ends nearer than Momentum"},
		// Per-coordinate step sizes: straight down the valley, no zig-zag.
		{"adagrad", func(p *experiment.OptimizerPath) bool { return p.SignChanges == 0 && p.Distance < sgd.Distance/2 }, "never zig-zags and ends less than half as far as SGD"},
		{"rmsprop", func(p *experiment.OptimizerPath) bool { return p.SignChanges == 0 && p.Distance < sgd.Distance/2 }, "never zig-zags and ends less than half as far as SGD"},
		// At these settings Adam ends a little nearer than SGD (0.346
		// against 0.361): it swings across the valley floor near the end.
		{"adam", func(p *experiment.OptimizerPath) bool { return p.Distance < sgd.Distance && p.SignChanges <= 3 }, "ends nearer the minimum than SGD, with at most 3 swings across"},
	}
	for _, tc := range tests {
		p := r.Path(tc.name)
		if p == nil {
			t.Errorf("no path for %s", tc.name)
			continue
		}
		if !tc.ok(p) {
			t.Errorf("%s (η = %g) should have %s: ended at %v, %.4g from the minimum, %d sign changes of y",
				tc.name, p.LR, tc.want, p.Final(), p.Distance, p.SignChanges)
		}
	}

	dir := t.TempDir()
	files, err := r.Draw(experiment.Output{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 1000, 500, "optimizers-paths.png", "optimizers-paths.svg", "optimizers-paths.csv")
	rows := readCSV(t, filepath.Join(dir, "optimizers-paths.csv"))
	if len(rows) != 7 || rows[1][0] != "sgd" || rows[6][0] != "adam" {
		t.Errorf("CSV rows: %v", rows)
	}
	if !strings.Contains(r.Table(), "Nesterov (NAG)") {
		t.Errorf("table:\n%s", r.Table())
	}
}

func TestOptimizerPathsErrors(t *testing.T) {
	tests := []struct {
		name     string
		steps    int
		settings []experiment.OptimizerSetting
		want     string
	}{
		{"negative budget", -1, nil, "step budget"},
		{"unknown optimizer", 10, []experiment.OptimizerSetting{{Name: "lbfgs", LR: 0.1}}, "unknown optimizer"},
		{"negative learning rate", 10, []experiment.OptimizerSetting{{Name: "sgd", LR: -1}}, "learning rate"},
		{"divergence", 2000, []experiment.OptimizerSetting{{Name: "sgd", LR: 5}}, "diverged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := experiment.OptimizerPaths(tc.steps, tc.settings...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestCompareOptimizers(t *testing.T) {
	train, test := mnistSets(t, flat, 1000, 500)
	cfg := experiment.MNISTConfig{Train: train, Test: test, Batch: 20, Seed: 1}
	r, err := experiment.CompareOptimizers(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != 50 || len(r.Runs) != len(experiment.MNISTOptimizers) || r.Parameters != 235146 {
		t.Fatalf("%d steps, %d runs, %d parameters", r.Steps, len(r.Runs), r.Parameters)
	}
	for _, run := range r.Runs {
		if len(run.Losses) != r.Steps {
			t.Errorf("%s: %d losses for %d steps", run.Name, len(run.Losses), r.Steps)
		}
		// The same start and the same first batch for everyone.
		if run.Losses[0] != r.Runs[0].Losses[0] {
			t.Errorf("%s: first loss %v, SGD's %v: not the same start", run.Name, run.Losses[0], r.Runs[0].Losses[0])
		}
		if !(run.FinalLoss < run.Losses[0]) || run.TestAccuracy <= 0.1 {
			t.Errorf("%s did not learn: loss %v → %v, test accuracy %v", run.Name, run.Losses[0], run.FinalLoss, run.TestAccuracy)
		}
	}
	sgd, adam := r.Run("sgd"), r.Run("adam")
	if !(adam.FinalLoss < sgd.FinalLoss/2) || !(adam.TestAccuracy > sgd.TestAccuracy) {
		t.Errorf("after %d steps Adam has loss %.3f and accuracy %.3f, SGD %.3f and %.3f: want Adam far ahead",
			r.Steps, adam.FinalLoss, adam.TestAccuracy, sgd.FinalLoss, sgd.TestAccuracy)
	}
	// Deterministic: a second run gives the same numbers.
	cfg.Optimizers = experiment.MNISTOptimizers[5:]
	again, err := experiment.CompareOptimizers(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Runs[0].Losses, adam.Losses) || again.Runs[0].TestAccuracy != adam.TestAccuracy {
		t.Error("a second run of Adam gave different numbers")
	}

	dir := t.TempDir()
	files, err := r.Draw(experiment.Output{Dir: dir, Formats: []string{"svg", "png"}})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 1000, 400, "optimizers-mnist.svg", "optimizers-mnist.png", "optimizers-mnist.csv")
	rows := readCSV(t, filepath.Join(dir, "optimizers-mnist.csv"))
	if len(rows) != 7 || rows[0][7] != "test_accuracy" || rows[6][0] != "adam" {
		t.Errorf("CSV rows: %v", rows)
	}
}

func TestCompareOptimizersErrors(t *testing.T) {
	train, test := mnistSets(t, flat, 100, 50)
	lenetTrain, err := train.WithPrep(data.ImagePrep{Height: 28, Width: 28, Channels: 1, Pad: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		cfg  experiment.MNISTConfig
		want string
	}{
		{"no data", context.Background(), experiment.MNISTConfig{}, "needs training and test images"},
		{"images, not vectors", context.Background(), experiment.MNISTConfig{Train: lenetTrain, Test: test}, "flattened images"},
		{"negative batch", context.Background(), experiment.MNISTConfig{Train: train, Test: test, Batch: -1}, "positive"},
		{"unknown optimizer", context.Background(), experiment.MNISTConfig{Train: train, Test: test, Optimizers: []experiment.OptimizerSetting{{Name: "newton", LR: 1}}}, "unknown optimizer"},
		{"divergence", context.Background(), experiment.MNISTConfig{Train: train, Test: test, Batch: 10, Optimizers: []experiment.OptimizerSetting{{Name: "sgd", LR: 1e6}}}, "loss is not finite"},
		{"canceled", ctx, experiment.MNISTConfig{Train: train, Test: test}, "canceled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := experiment.CompareOptimizers(tc.ctx, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if tc.name == "divergence" && !errors.Is(err, optim.ErrNonFinite) {
				t.Errorf("divergence: %v does not wrap optim.ErrNonFinite", err)
			}
		})
	}
}

func TestSmooth(t *testing.T) {
	tests := []struct {
		in   []float64
		w    int
		want []float64
	}{
		{[]float64{1, 2, 3, 4}, 2, []float64{1, 1.5, 2.5, 3.5}},
		{[]float64{1, 2, 3, 4}, 1, []float64{1, 2, 3, 4}},
		{[]float64{1, 2, 3, 4}, 0, []float64{1, 2, 3, 4}},
		{[]float64{4, 2}, 10, []float64{4, 3}},
		{nil, 3, []float64{}},
	}
	for _, tc := range tests {
		if got := experiment.Smooth(tc.in, tc.w); !slices.Equal(got, tc.want) {
			t.Errorf("Smooth(%v, %d) = %v, want %v", tc.in, tc.w, got, tc.want)
		}
	}
}
