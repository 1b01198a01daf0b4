package optim_test

import (
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// lenetShapes are the parameter shapes of LeNet-5 (61,706 numbers).
var lenetShapes = [][]int{{6, 1, 5, 5}, {6}, {16, 6, 5, 5}, {16}, {120, 400}, {120}, {84, 120}, {84}, {10, 84}, {10}}

func lenetParams() []nn.Param {
	var ps []nn.Param
	for i, s := range lenetShapes {
		name := string(rune('a'+i)) + ".weight"
		t := tensor.New(tensor.Float32, s...)
		g := tensor.New(tensor.Float32, s...)
		for j := range t.Len() {
			t.SetFlat(j, float64(j%7)*0.01-0.03)
			g.SetFlat(j, float64(j%5)*0.001-0.002)
		}
		v := autograd.NewParam(name, t)
		v.SetGrad(g)
		ps = append(ps, nn.Param{Name: name, Value: v})
	}
	return ps
}

// BenchmarkStep times one optimizer step over LeNet-5's parameters in
// float32; the gradient stays fixed, so the parameters drift slowly.
func BenchmarkStep(b *testing.B) {
	for _, name := range optim.Names() {
		b.Run(name, func(b *testing.B) {
			ps := lenetParams()
			opt, err := optim.New(name, ps, 1e-4)
			if err != nil {
				b.Fatal(err)
			}
			opt.Step()
			n := 0
			for _, p := range ps {
				n += p.Value.Data().Len()
			}
			b.SetBytes(int64(4 * n))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				opt.Step()
			}
		})
	}
}

func BenchmarkClipGradNorm(b *testing.B) {
	ps := lenetParams()
	b.ReportAllocs()
	for b.Loop() {
		optim.ClipGradNorm(ps, 1e9)
	}
}
