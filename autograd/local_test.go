package autograd

import (
	"math"
	"sync"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// TestLocalGrads checks graphs that keep their own gradients of the
// parameters (SetLocalGrads): several of them, run at once on the same
// parameters, each get the bits a plain graph gives its inputs, the
// parameters' own gradients are left alone, a parameter used twice by one
// op adds its two gradients, ZeroLocalGrads starts the next pass from
// zero, an unreached parameter has no local gradient, and a parameter
// given a new tensor is followed.
func TestLocalGrads(t *testing.T) {
	rng := tensor.NewRNG(5)
	w := NewParam("w", tensor.RandNormal(rng, tensor.Float32, 0, 0.3, 8, 12))
	b := NewParam("b", tensor.RandNormal(rng, tensor.Float32, 0, 0.3, 8))
	v := NewParam("v", tensor.RandNormal(rng, tensor.Float32, 0, 0.3, 8))
	unused := NewParam("unused", tensor.RandNormal(rng, tensor.Float32, 0, 0.3, 3))
	xs := make([]*tensor.Tensor, 4)
	for i := range xs {
		xs[i] = tensor.RandNormal(rng, tensor.Float32, 0, 1, 5+i, 12)
	}
	// loss = Σ tanh(x·wᵀ + b)·v·v: v is both operands of one Mul.
	loss := func(g *Graph, x *tensor.Tensor) *Value {
		h := g.Tanh(g.Linear(g.Input(x), w, b))
		return g.Sum(g.Mul(h, g.Mul(v, v)))
	}
	// What a plain graph gives each input: the parameters' gradients.
	want := make([][3]*tensor.Tensor, len(xs))
	for i, x := range xs {
		for _, p := range []*Value{w, b, v} {
			p.ZeroGrad()
		}
		g := NewGraph()
		loss(g, x).Backward()
		want[i] = [3]*tensor.Tensor{w.Grad().Clone(), b.Grad().Clone(), v.Grad().Clone()}
	}
	for _, p := range []*Value{w, b, v} {
		p.SetGrad(nil)
	}

	graphs := make([]*Graph, len(xs))
	for i := range graphs {
		graphs[i] = NewGraph()
		graphs[i].SetLocalGrads(true)
	}
	same := func(what string, got, want *tensor.Tensor) {
		t.Helper()
		if got == nil {
			t.Fatalf("%s: no gradient", what)
		}
		for i := range want.Len() {
			if math.Float32bits(float32(got.Flat(i))) != math.Float32bits(float32(want.Flat(i))) {
				t.Fatalf("%s: [%d] = %v, want %v", what, i, got.Flat(i), want.Flat(i))
			}
		}
	}
	for pass := range 2 {
		var wg sync.WaitGroup
		for i, g := range graphs {
			wg.Go(func() {
				g.ZeroLocalGrads()
				loss(g, xs[i]).Backward()
			})
		}
		wg.Wait()
		for i, g := range graphs {
			for j, p := range []*Value{w, b, v} {
				same(p.Name(), g.LocalGrad(p), want[i][j])
			}
			if g.LocalGrad(unused) != nil {
				t.Error("a parameter no op used has a local gradient")
			}
			g.Reset()
		}
		for _, p := range []*Value{w, b, v} {
			if p.Grad() != nil {
				t.Fatalf("pass %d: %s's own gradient was written", pass, p.Name())
			}
		}
	}
	// Without ZeroLocalGrads, a second pass adds to the first.
	g := graphs[0]
	loss(g, xs[0]).Backward()
	g.Reset()
	twice := tensor.MulScalar(want[0][0], 2)
	same("accumulated", g.LocalGrad(w), twice)

	// A parameter given a new tensor of another shape is followed, and
	// its stale local gradient dropped.
	g.ZeroLocalGrads()
	w.SetData(tensor.RandNormal(rng, tensor.Float32, 0, 0.3, 8, 7))
	x7 := tensor.RandNormal(rng, tensor.Float32, 0, 1, 4, 7)
	loss(g, x7).Backward()
	g.Reset()
	pg := NewGraph()
	loss(pg, x7).Backward()
	same("after SetData", g.LocalGrad(w), w.Grad())
}
