package autograd

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// TestWeightPacks checks Linear with packed weights in an inference graph:
// the same bits as without, a parameter packed once however many passes
// use it, an input's weights never packed, a training or recording graph
// not using the packs, a parameter given a new tensor packed anew, and a
// change in place seen only after Reset (the documented contract).
func TestWeightPacks(t *testing.T) {
	rng := tensor.NewRNG(8)
	w := NewParam("w", tensor.RandNormal(rng, tensor.Float32, 0, 0.1, 128, 300))
	b := NewParam("b", tensor.RandNormal(rng, tensor.Float32, 0, 0.1, 128))
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 64, 300)
	plain := func() *tensor.Tensor {
		g := NewInferenceGraph()
		return g.Linear(g.Input(x), w, b).Data().Clone()
	}
	packs := NewWeightPacks()
	packed := func() *tensor.Tensor {
		g := NewInferenceGraph()
		g.Packs = packs
		return g.Linear(g.Input(x), w, b).Data().Clone()
	}
	same := func(what string, got, want *tensor.Tensor) {
		t.Helper()
		for i := range want.Len() {
			if math.Float32bits(float32(got.Flat(i))) != math.Float32bits(float32(want.Flat(i))) {
				t.Fatalf("%s: [%d] = %v, want %v", what, i, got.Flat(i), want.Flat(i))
			}
		}
	}
	want := plain()
	same("packed", packed(), want)
	// Linear and ReLU as one op: the bits of the two.
	g0 := NewInferenceGraph()
	wantReLU := g0.ReLU(g0.Linear(g0.Input(x), w, b)).Data()
	g1 := NewInferenceGraph()
	g1.Packs = packs
	same("LinearReLU packed", g1.LinearReLU(g1.Input(x), w, b).Data(), wantReLU)
	same("LinearReLU without packs", g0.LinearReLU(g0.Input(x), w, b).Data(), wantReLU)
	zeros := 0
	for i := range wantReLU.Len() {
		if wantReLU.Flat(i) == 0 {
			zeros++
		}
	}
	if zeros == 0 || zeros == wantReLU.Len() {
		t.Fatalf("the ReLU zeroed %d of %d outputs: the test checks nothing", zeros, wantReLU.Len())
	}
	same("packed again", packed(), want)
	if packs.Len() != 1 {
		t.Fatalf("%d matrices packed, want 1", packs.Len())
	}

	// Weights that are an input, not a parameter, are not packed.
	g := NewInferenceGraph()
	g.Packs = packs
	g.Linear(g.Input(x), g.Input(w.Data()), nil)
	if packs.Len() != 1 {
		t.Error("an input's weights were packed")
	}
	// A graph that tracks gradients does not use the packs.
	tg := NewGraph()
	tg.Packs = NewWeightPacks()
	tg.Linear(tg.Input(x), w, b)
	if tg.Packs.Len() != 0 {
		t.Error("a training graph packed weights")
	}

	// In place: the packed copy stands until Reset.
	w.Data().Fill(0.01)
	changed := plain()
	same("changed in place, before Reset", packed(), want)
	// LinearReLU multiplies by the packed copy too.
	g2 := NewInferenceGraph()
	g2.Packs = packs
	same("LinearReLU changed in place, before Reset", g2.LinearReLU(g2.Input(x), w, b).Data(), wantReLU)
	packs.Reset()
	same("changed in place, after Reset", packed(), changed)

	// A new tensor is packed anew.
	w.SetData(tensor.RandNormal(rng, tensor.Float32, 0, 0.1, 128, 300))
	same("after SetData", packed(), plain())
}
