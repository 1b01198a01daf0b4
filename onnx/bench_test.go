package onnx_test

import (
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx"
)

// BenchmarkInference times a batch of 64 through a built-in model and
// through its ONNX export imported again: the interpreter's cost over
// the native module tree.
//
//	go test ./onnx -run '^$' -bench Inference -benchmem -count 5
func BenchmarkInference(b *testing.B) {
	for _, name := range []string{"lenet5", "mlp", "cnn"} {
		m := builtin(b, name)
		file, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{})
		if err != nil {
			b.Fatal(err)
		}
		im, err := onnx.ImportBytes(file)
		if err != nil {
			b.Fatal(err)
		}
		x := randomInput(1, 64, m.InputShape())
		for _, c := range []struct {
			kind string
			m    nn.Module
		}{{"native", m.Module}, {"imported", im}} {
			b.Run(name+"/"+c.kind, func(b *testing.B) {
				g := autograd.NewInferenceGraph()
				b.ReportAllocs()
				for b.Loop() {
					g.Reset()
					c.m.Forward(g, g.Input(x))
				}
				b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "img/s")
			})
		}
	}
}
