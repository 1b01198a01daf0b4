package bench

import (
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
	"github.com/baeum-ml/baeum/train"
)

// benchStep times one training step (forward, cross-entropy, backward,
// SGD with momentum) of a model at batch 64 on fixed random input; with
// -benchmem it shows what a steady-state step allocates.
func benchStep(b *testing.B, name string) {
	m, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: name})
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, append([]int{64}, m.InputShape()...)...)
	labels := tensor.New(tensor.Int64, 64)
	for i := range labels.I64() {
		labels.I64()[i] = int64(i % 10)
	}
	ds, err := data.NewTensors(x, labels, nil)
	if err != nil {
		b.Fatal(err)
	}
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i
	}
	batch := data.NewBatch(ds.Spec(), 64)
	batch.Collate(ds, idx)
	opt, _ := optim.NewSGD(m.Params(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	g := autograd.NewGraph()
	g.Training, g.RNG = true, tensor.NewRNG(3) // cnn's dropout draws masks
	var loss train.Loss = train.CrossEntropy{}
	step := func() {
		if _, _, err := train.Step(g, m, loss, opt, batch); err != nil {
			b.Fatal(err)
		}
		g.Reset()
	}
	// As baeum train does, a model that AutoShares splits trains on
	// shares of the batch at once.
	if n := train.AutoShares(m, loss, 64); n > 1 {
		sh, err := train.NewShared(m, opt.Params(), loss, n)
		if err != nil {
			b.Fatal(err)
		}
		shares := make([]*data.Batch, n)
		for k := range shares {
			shares[k] = data.NewBatch(ds.Spec(), 64)
			shares[k].Collate(ds, idx[64*k/n:64*(k+1)/n])
		}
		step = func() {
			if _, err := sh.Step(opt, shares, 1); err != nil {
				b.Fatal(err)
			}
			sh.Reset()
		}
	}
	for range 3 {
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.ReportMetric(64*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkLeNetTrainStep(b *testing.B)  { benchStep(b, "lenet5") }
func BenchmarkMLPTrainStep(b *testing.B)    { benchStep(b, "mlp") }
func BenchmarkCNNTrainStep(b *testing.B)    { benchStep(b, "cnn") }
func BenchmarkResNetTrainStep(b *testing.B) { benchStep(b, "resnet") }
func BenchmarkLSTMTrainStep(b *testing.B)   { benchStep(b, "lstm") }

// benchInfer times one inference pass at the given batch size.
func benchInfer(b *testing.B, name string, batch int) {
	m, _ := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: name})
	x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, append([]int{batch}, m.InputShape()...)...)
	g := autograd.NewInferenceGraph()
	for range 3 {
		m.Forward(g, g.Input(x))
		g.Reset()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Forward(g, g.Input(x))
		g.Reset()
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkLeNetInfer64(b *testing.B)   { benchInfer(b, "lenet5", 64) }
func BenchmarkLeNetInfer1000(b *testing.B) { benchInfer(b, "lenet5", 1000) }
func BenchmarkMLPInfer64(b *testing.B)     { benchInfer(b, "mlp", 64) }
func BenchmarkMLPInfer1000(b *testing.B)   { benchInfer(b, "mlp", 1000) }
func BenchmarkCNNInfer64(b *testing.B)     { benchInfer(b, "cnn", 64) }
func BenchmarkResNetInfer64(b *testing.B)  { benchInfer(b, "resnet", 64) }
func BenchmarkLSTMInfer64(b *testing.B)    { benchInfer(b, "lstm", 64) }
