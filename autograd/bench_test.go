package autograd

import (
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// BenchmarkLinearForwardBackward times one Linear node (the MLP's first
// layer at batch 64) forward and backward, through the graph's arena.
func BenchmarkLinearForwardBackward(b *testing.B) {
	rng := tensor.NewRNG(1)
	w := NewParam("w", tensor.RandNormal(rng, tensor.Float32, 0, 0.05, 256, 784))
	bias := NewParam("b", tensor.New(tensor.Float32, 256))
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 64, 784)
	g := NewGraph()
	b.ReportAllocs()
	for b.Loop() {
		g.Sum(g.Linear(g.Input(x), w, bias)).Backward()
		g.Reset()
	}
}

// BenchmarkTanhForwardBackward times an element-wise op over a LeNet-sized
// activation (batch 64 × 6 × 28 × 28).
func BenchmarkTanhForwardBackward(b *testing.B) {
	x := NewParam("x", tensor.RandNormal(tensor.NewRNG(1), tensor.Float32, 0, 1, 64, 6, 28, 28))
	g := NewGraph()
	b.ReportAllocs()
	for b.Loop() {
		g.Sum(g.Tanh(x)).Backward()
		g.Reset()
	}
}
