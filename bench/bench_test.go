package bench

import (
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// benchStep times one training step (forward, cross-entropy, backward,
// SGD with momentum) of a model at batch 64 on fixed random input; with
// -benchmem it shows what a steady-state step allocates.
func benchStep(b *testing.B, name string) {
	m, err := models.New(tensor.NewRNG(1), models.Config{Name: name})
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, append([]int{64}, m.InputShape()...)...)
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = i % 10
	}
	opt, _ := optim.NewSGD(m.Params(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	g := autograd.NewGraph()
	g.Training = true
	step := func() {
		opt.ZeroGrad()
		g.CrossEntropy(m.Forward(g, g.Input(x)), labels, autograd.ReduceMean).Backward()
		opt.Step()
		g.Reset()
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

func BenchmarkLeNetTrainStep(b *testing.B) { benchStep(b, "lenet5") }
func BenchmarkMLPTrainStep(b *testing.B)   { benchStep(b, "mlp") }

// benchInfer times one inference pass at the given batch size.
func benchInfer(b *testing.B, name string, batch int) {
	m, _ := models.New(tensor.NewRNG(1), models.Config{Name: name})
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
