package train

import (
	"context"

	"math"
	"math/rand/v2"
	"testing"

	"github.com/baeum-ml/baeum/autograd"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// fitTask trains model with Adam at rate lr for epochs on the first 80%
// of ds, validating on the rest, and returns the trainer.
func fitTask(t *testing.T, model nn.Module, ds data.Dataset, lr float64, cfg Config) *Trainer {
	t.Helper()
	opt, err := optim.NewAdam(model.Params(), optim.DefaultAdam(lr))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(model, opt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := ds.Len()
	if stopped, err := tr.Fit(context.Background(), data.Range(ds, 0, n*8/10), data.Range(ds, n*8/10, n), nil, nil); err != nil || stopped != "completed" {
		t.Fatalf("%q, %v", stopped, err)
	}
	return tr
}

// TestRegressionTask fits y = 3·x₁ − 2·x₂ + 0.5 + noise(σ = 0.1) with a
// linear model and MSE: the report has RMSE, MAE and R², the best epoch is
// the one of lowest validation loss.
func TestRegressionTask(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1000
	x, y := tensor.New(tensor.Float32, n, 2), tensor.New(tensor.Float32, n)
	for i := 0; i < n; i++ {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		x.Set(a, i, 0)
		x.Set(b, i, 1)
		y.Set(3*a-2*b+0.5+0.1*rng.NormFloat64(), i)
	}
	ds, err := data.NewTensors(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	model := nn.NewSequential(nn.Named{Name: "out", Module: nn.NewLinear(tensor.NewRNG(1), 2, 1)})
	tr := fitTask(t, model, ds, 0.05, Config{Epochs: 30, Batch: 32, Loss: MSE{}})
	if tr.Cfg.Monitor != (Monitor{Metric: "loss"}) {
		t.Errorf("regression monitor %+v, want the validation loss", tr.Cfg.Monitor)
	}
	best := tr.History[tr.BestEpoch-1]
	for _, h := range tr.History {
		if h.ValLoss < best.ValLoss {
			t.Errorf("epoch %d has validation loss %v, below the best epoch %d's %v", h.Epoch, h.ValLoss, tr.BestEpoch, best.ValLoss)
		}
	}
	v := best.Val
	if v["r2"] < 0.99 || v["rmse"] > 0.15 || v["mae"] > 0.12 || math.Abs(v["rmse"]*v["rmse"]-best.ValLoss) > 1e-4 {
		t.Errorf("validation metrics %v, loss %v: want R² ≥ 0.99, RMSE ≤ 0.15 (σ = 0.1), MAE ≤ 0.12 and RMSE² = MSE", v, best.ValLoss)
	}
	w := model.Params()[0].Value.Data()
	if math.Abs(w.Flat(0)-3) > 0.05 || math.Abs(w.Flat(1)+2) > 0.05 {
		t.Errorf("weights %v, want (3, -2)", w)
	}
}

// TestBinaryTask separates two Gaussian blobs with BCE on logits.
func TestBinaryTask(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 800
	x, y := tensor.New(tensor.Float32, n, 2), tensor.New(tensor.Float32, n, 1)
	for i := 0; i < n; i++ {
		c := float64(i % 2)
		x.Set(2*c-1+0.5*rng.NormFloat64(), i, 0)
		x.Set(1-2*c+0.5*rng.NormFloat64(), i, 1)
		y.Set(c, i, 0)
	}
	ds, err := data.NewTensors(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	model := nn.NewSequential(nn.Named{Name: "out", Module: nn.NewLinear(tensor.NewRNG(1), 2, 1)})
	tr := fitTask(t, model, ds, 0.05, Config{Epochs: 10, Batch: 32, Loss: BCEWithLogits{}})
	best := tr.History[tr.BestEpoch-1]
	if best.ValAccuracy < 0.95 || best.Val["accuracy"] != best.ValAccuracy || best.ValLoss > 0.2 {
		t.Errorf("binary: validation %v, loss %v; want accuracy ≥ 0.95 (the blobs are 2.8σ apart)", best.Val, best.ValLoss)
	}
}

// TestThousandClasses learns 1,000 classes, each a random prototype in 32
// dimensions plus noise, with label smoothing and class weights.
func TestThousandClasses(t *testing.T) {
	const classes, dim, per = 1000, 32, 5
	rng := rand.New(rand.NewPCG(5, 6))
	proto := make([]float64, classes*dim)
	for i := range proto {
		proto[i] = rng.NormFloat64()
	}
	n := classes * per
	x, y := tensor.New(tensor.Float32, n, dim), tensor.New(tensor.Int64, n)
	order := rng.Perm(n)
	for k, i := range order {
		c := k % classes
		for j := 0; j < dim; j++ {
			x.Set(proto[c*dim+j]+0.1*rng.NormFloat64(), i, j)
		}
		y.I64()[i] = int64(c)
	}
	names := make([]string, classes)
	for i := range names {
		names[i] = "class" + string(rune('A'+i%26))
	}
	ds, err := data.NewTensors(x, y, names)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Spec().Target.DType != tensor.Int64 || len(ds.Spec().Classes) != classes {
		t.Fatalf("spec %+v", ds.Spec())
	}
	weight := make([]float64, classes)
	for i := range weight {
		weight[i] = 1 + float64(i%3)/2
	}
	model := nn.NewSequential(nn.Named{Name: "out", Module: nn.NewLinear(tensor.NewRNG(1), dim, classes)})
	tr := fitTask(t, model, ds, 0.02, Config{Epochs: 8, Batch: 64, Loss: CrossEntropy{LabelSmoothing: 0.1, Weight: weight}})
	best := tr.History[tr.BestEpoch-1]
	if best.ValAccuracy < 0.9 {
		t.Errorf("1,000 classes: validation accuracy %.3f, want ≥ 0.9 (chance is 0.001); history %+v", best.ValAccuracy, tr.History)
	}
	preds, labels, _ := Predict(model, data.Range(ds, 0, 200), 64)
	right := 0
	for i := range preds {
		if preds[i] == labels[i] {
			right++
		}
		if labels[i] != int(y.I64()[i]) {
			t.Fatalf("Predict: label %d of example %d, want %d", labels[i], i, y.I64()[i])
		}
	}
	if right < 180 {
		t.Errorf("Predict: %d of 200 right", right)
	}
}

// TestSequenceTask regresses a per-step target on padded sequences of 2
// to 6 steps: the mask keeps padding out of the loss and the metrics, so
// a model that gets real steps right scores perfectly whatever it says on
// padding.
func TestSequenceTask(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var xs, ys []*tensor.Tensor
	for i := 0; i < 300; i++ {
		l := 2 + rng.IntN(5)
		x, y := tensor.New(tensor.Float32, l, 1), tensor.New(tensor.Float32, l)
		for s := 0; s < l; s++ {
			v := rng.NormFloat64()
			x.Set(v, s, 0)
			y.Set(2*v, s)
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	ds, err := data.NewSequences(xs, ys, true, 6, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A per-step linear map, written as (N, 6, 1) → (N, 6): Flatten, then
	// a 6×6 Linear that should learn 2·I.
	model := nn.NewSequential(nn.Named{Name: "flat", Module: nn.Flatten{}}, nn.Named{Name: "out", Module: nn.NewLinear(tensor.NewRNG(1), 6, 6)})
	tr := fitTask(t, model, ds, 0.05, Config{Epochs: 40, Batch: 32, Loss: MSE{}})
	best := tr.History[tr.BestEpoch-1]
	if best.Val["r2"] < 0.99 {
		t.Errorf("sequences: validation %v; want R² ≥ 0.99", best.Val)
	}
	// The padded steps are out of the loss: an output that is wrong only
	// on padding costs nothing.
	b := data.NewBatch(ds.Spec(), 4)
	b.Collate(ds, []int{0, 1, 2, 3})
	out := tensor.New(tensor.Float32, 4, 6)
	for k := 0; k < 4; k++ {
		for s := 0; s < 6; s++ {
			v := 1e3
			if s < b.Lengths[k] {
				v = b.Target.At(k, s)
			}
			out.Set(v, k, s)
		}
	}
	sc := newStats([]Metric{RMSE{}}, 1)
	sc.add(0, out, b)
	if v := sc.values(0)["rmse"]; v != 0 {
		t.Errorf("RMSE of an output wrong only on padding: %v, want 0", v)
	}
	g := autograd.NewInferenceGraph()
	if l := (MSE{}).Loss(g, g.Input(out), b).Item(); l != 0 {
		t.Errorf("MSE of an output wrong only on padding: %v, want 0", l)
	}
}

// TestPlateauPolicyThroughTrainer lets ReduceLROnPlateau watch the
// validation accuracy: a model that cannot improve (rate 1e-300) has its
// rate cut after every epoch without a better one.
func TestPlateauPolicyThroughTrainer(t *testing.T) {
	m := newModel(t, "softmax", 1)
	trainSet, test := subsets(t, m, 400, 100)
	opt, _ := optim.NewSGD(m.Params(), optim.SGDConfig{LR: 1e-300})
	cfg := optim.DefaultPlateau()
	cfg.Maximize, cfg.Patience, cfg.Eps = true, 0, 0
	pol, err := optim.NewReduceLROnPlateau(opt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(m, opt, Config{Epochs: 3, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(context.Background(), trainSet, test, nil, nil); err != nil {
		t.Fatal(err)
	}
	// Epoch 1 sets the best; epochs 2 and 3 do not beat it.
	lrs := []float64{tr.History[0].LR, tr.History[1].LR, tr.History[2].LR, opt.LR()}
	want := []float64{1e-300, 1e-300, 1e-301, 1e-302}
	for i := range want {
		if math.Abs(lrs[i]-want[i]) > want[i]*1e-9 {
			t.Fatalf("rates after each epoch %v, want %v: cuts by 10 after each epoch without improvement", lrs, want)
		}
	}
	if pol.Epochs() != 3 {
		t.Errorf("the policy saw %d epochs, want 3", pol.Epochs())
	}
}

// TestCrossEntropyPassesItsOptions checks that the loss value gives the
// batch's labels and its options to the graph's cross-entropy, and views
// per-step logits (N, T, C) as rows.
func TestCrossEntropyPassesItsOptions(t *testing.T) {
	logits := tensor.RandNormal(tensor.NewRNG(3), tensor.Float64, 0, 1, 2, 3, 4) // N=2, T=3, C=4
	labels := tensor.FromInt64([]int64{0, 3, -100, 2, 1, 1}, 2, 3)               // -100: a padded step
	b := &data.Batch{Target: labels, Size: 2}
	ignoreOne := tensor.FromInt64([]int64{0, 3, 1, 2, 1, 1}, 2, 3)
	for _, ce := range []CrossEntropy{{}, {LabelSmoothing: 0.2, Weight: []float64{1, 2, 3, 4}}, {Ignore: true, IgnoreIndex: 1}} {
		if ce.Ignore {
			b.Target = ignoreOne
		}
		g := autograd.NewInferenceGraph()
		got := ce.Loss(g, g.Input(logits), b).Item()
		o := autograd.CrossEntropyOptions{Weight: ce.Weight, LabelSmoothing: ce.LabelSmoothing, IgnoreIndex: ce.IgnoreIndex, UseIgnoreIndex: ce.Ignore}
		want := g.CrossEntropyWith(g.Input(logits.Reshape(6, 4)), b.Target.I64(), o, autograd.ReduceMean).Item()
		if got != want || math.IsNaN(got) {
			t.Errorf("%+v: loss %v, want %v", ce, got, want)
		}
	}
}
