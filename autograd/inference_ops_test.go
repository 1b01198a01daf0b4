package autograd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// TestInferenceOnlyOps: the folded inference ops, which have no backward
// pass, panic on a graph that tracks gradients or trains, and on a pool
// of no windows, naming the op; on an inference graph Conv2DPool gives
// the convolution, activation and pool one by one.
func TestInferenceOnlyOps(t *testing.T) {
	x := tensor.RandNormal(tensor.NewRNG(1), tensor.Float32, 0, 1, 2, 1, 8, 8)
	w := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, 3, 1, 3, 3)
	st := &BatchNormState{RunningMean: tensor.New(tensor.Float32, 3), RunningVar: tensor.Full(tensor.Float32, 1, 3), Eps: 1e-5}
	ops := map[string]func(g *Graph, k int){
		"Conv2DBatchNorm": func(g *Graph, _ int) {
			g.Conv2DBatchNorm(g.Input(x), g.Var(w), nil, g.Var(tensor.Full(tensor.Float32, 1, 3)), g.Var(tensor.New(tensor.Float32, 3)), st, true, 1, 0)
		},
		"Conv2DBatchNormMaxPool": func(g *Graph, k int) {
			g.Conv2DBatchNormMaxPool(g.Input(x), g.Var(w), nil, g.Var(tensor.Full(tensor.Float32, 1, 3)), g.Var(tensor.New(tensor.Float32, 3)), st, true, 1, 0, k, 2)
		},
		"Conv2DPool": func(g *Graph, k int) {
			g.Conv2DPool(g.Input(x), g.Var(w), nil, 1, 0, tensor.ActTanh, tensor.AvgPool, k, 2)
		},
	}
	training := func() *Graph { g := NewInferenceGraph(); g.Training = true; return g }
	for name, run := range ops {
		for graph, mk := range map[string]func() *Graph{"tracking": NewGraph, "training": training, "k 0": NewInferenceGraph} {
			k, want := 2, name+" is for inference graphs"
			if graph == "k 0" {
				if name == "Conv2DBatchNorm" {
					continue
				}
				k, want = 0, name+" with a 0×0 pool"
			}
			func() {
				defer func() {
					if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), want) {
						t.Errorf("%s on a %s graph: panic %v, want one that says %q", name, graph, p, want)
					}
				}()
				run(mk(), k)
			}()
		}
	}
	g := NewInferenceGraph()
	got := g.Conv2DPool(g.Input(x), g.Var(w), nil, 1, 0, tensor.ActTanh, tensor.AvgPool, 2, 2).Data()
	ref := NewInferenceGraph()
	want := ref.AvgPool2D(ref.Tanh(ref.Conv2D(ref.Input(x), ref.Var(w), nil, 1, 0)), 2, 2).Data()
	if !tensor.Equal(got, want) {
		t.Errorf("Conv2DPool gives %v, the three ops %v", got.Shape(), want.Shape())
	}
}
