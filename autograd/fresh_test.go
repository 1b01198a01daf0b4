package autograd

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// TestStaleGradientsOverwritten checks the deferred clearing of
// gradients: after ZeroGrad a parameter's gradient reads as zero; a
// backward pass whose ops set their gradients (linear) overwrites stale
// buffers full of NaN — the parameters' after ZeroGrad, the intermediate
// values' in recycled arena memory — and gives the same bits as a fresh
// graph with fresh parameters; a value that is two inputs of one op, or
// the input of several ops, still gets the sum of the contributions.
func TestStaleGradientsOverwritten(t *testing.T) {
	rng := tensor.NewRNG(1)
	newParams := func() (w1, b1, w2 *Value) {
		r := tensor.NewRNG(2)
		return NewParam("w1", tensor.RandNormal(r, tensor.Float32, 0, 1, 5, 4)), NewParam("b1", tensor.RandNormal(r, tensor.Float32, 0, 1, 5)),
			NewParam("w2", tensor.RandNormal(r, tensor.Float32, 0, 1, 3, 5))
	}
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 6, 4)
	// h = relu(dropout(x·w1ᵀ + b1)) is read by two linear layers and a
	// sum; one of them is reshaped; the loss also multiplies w2 by itself
	// through one linear op. Linear, dropout and reshape set their
	// gradients.
	mask := tensor.RandNormal(rng, tensor.Float32, 0, 1, 6, 5)
	for i := range mask.Len() {
		keep := 0.0
		if mask.Flat(i) > 0 {
			keep = 2
		}
		mask.SetFlat(i, keep)
	}
	loss := func(g *Graph, x *tensor.Tensor, w1, b1, w2 *Value) *Value {
		m := mask.To(x.DType())
		h := g.ReLU(g.Dropout(g.Linear(g.Input(x), w1, b1), m))
		y := g.Reshape(g.Linear(h, w2, nil), 18)
		z := g.Linear(h, w2, nil)
		self := g.Linear(w2, w2, nil) // w2·w2ᵀ: w2 is both inputs
		return g.Add(g.Add(g.Sum(g.Mul(y, g.Reshape(z, 18))), g.Sum(h)), g.Sum(self))
	}

	// The reference: fresh parameters, a fresh graph.
	rw1, rb1, rw2 := newParams()
	loss(NewGraph(), x, rw1, rb1, rw2).Backward()

	// The same after a poisoned step: NaN everywhere, in the arena and in
	// the parameters' gradients, then ZeroGrad.
	w1, b1, w2 := newParams()
	g := NewGraph()
	nan := tensor.Full(tensor.Float32, math.NaN(), 6, 4)
	loss(g, nan, w1, b1, w2).Backward()
	for _, p := range []*Value{w1, b1, w2} {
		if !math.IsNaN(p.Grad().Flat(0)) {
			t.Fatalf("the poisoned step gave %s a finite gradient", p.Name())
		}
		p.ZeroGrad()
		if got := tensor.Norm(p.Grad(), math.Inf(1)); got != 0 {
			t.Fatalf("%s after ZeroGrad reads %v, want zeros", p.Name(), got)
		}
		p.Grad().Fill(math.NaN()) // stale again, and poisoned
		p.ZeroGrad()
	}
	g.Reset()
	loss(g, x, w1, b1, w2).Backward()
	for _, c := range [][2]*Value{{w1, rw1}, {b1, rb1}, {w2, rw2}} {
		got, want := c[0].Grad(), c[1].Grad()
		for i := range want.Len() {
			if got.Flat(i) != want.Flat(i) {
				t.Fatalf("%s's gradient [%d] = %v after a poisoned step, want %v", c[0].Name(), i, got.Flat(i), want.Flat(i))
			}
		}
	}

	// Accumulation without ZeroGrad still adds.
	g.Reset()
	loss(g, x, w1, b1, w2).Backward()
	for _, c := range [][2]*Value{{w1, rw1}, {b1, rb1}, {w2, rw2}} {
		for i := range c[1].Grad().Len() {
			if got, want := c[0].Grad().Flat(i), 2*c[1].Grad().Flat(i); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s's gradient after two passes [%d] = %v, want twice %v", c[0].Name(), i, got, c[1].Grad().Flat(i))
			}
		}
	}

	// And the gradients are right: float64, against central differences.
	d1, e1, d2 := newParams()
	for _, p := range []*Value{d1, e1, d2} {
		p.SetData(p.Data().To(tensor.Float64))
	}
	x64 := x.To(tensor.Float64)
	if r := GradCheck(func(g *Graph) *Value { return loss(g, x64, d1, e1, d2) }, d1, e1, d2); r.MaxError > 1e-6 {
		t.Errorf("gradient check: %v", r)
	}
}

// TestFreshOnlyInBackward checks that Ctx.Fresh is false outside the
// Backward of an op that sets its gradients.
func TestFreshOnlyInBackward(t *testing.T) {
	g := NewGraph()
	v := g.Var(tensor.Full(tensor.Float32, 1, 2))
	y := g.Sum(g.Mul(v, v))
	if (Ctx{y}).Fresh(0) {
		t.Error("Fresh outside Backward")
	}
}

// TestStaleGradientsConvNet is TestStaleGradientsOverwritten for the ops
// of a convolutional network, which set their input's gradient and add
// to their parameters': convolution (direct and im2col), batch norm in
// training, ReLU, tanh, max and average pooling. After a poisoned step
// and ZeroGrad, the parameters' and the input's gradients are bit for bit
// those of a fresh graph; without ZeroGrad they double; and in float64
// they pass the gradient check.
func TestStaleGradientsConvNet(t *testing.T) {
	newParams := func() []*Value {
		r := tensor.NewRNG(4)
		return []*Value{
			NewParam("w1", tensor.RandNormal(r, tensor.Float32, 0, 0.5, 4, 3, 3, 3)), NewParam("b1", tensor.RandNormal(r, tensor.Float32, 0, 1, 4)),
			NewParam("gamma", tensor.RandNormal(r, tensor.Float32, 1, 0.2, 4)), NewParam("beta", tensor.RandNormal(r, tensor.Float32, 0, 0.2, 4)),
			NewParam("w2", tensor.RandNormal(r, tensor.Float32, 0, 0.5, 5, 4, 2, 2)),
		}
	}
	loss := func(g *Graph, x *Value, p []*Value) *Value {
		st := &BatchNormState{RunningMean: tensor.New(x.Data().DType(), 4), RunningVar: tensor.Full(x.Data().DType(), 1, 4), Momentum: 0.1, Eps: 1e-5}
		h := g.ReLU(g.BatchNorm(g.Conv2D(x, p[0], p[1], 1, 1), p[2], p[3], st, true))
		h = g.Tanh(g.Conv2D(g.MaxPool2D(h, 2, 2), p[4], nil, 1, 0)) // 2×2 filters: im2col
		return g.Sum(g.Mul(g.AvgPool2D(h, 2, 2), g.AvgPool2D(h, 2, 2)))
	}
	rng := tensor.NewRNG(3)
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 2, 3, 10, 10)

	ref := newParams()
	rx := NewParam("x", x.Clone())
	loss(NewGraph(), rx, ref).Backward()

	p := newParams()
	px := NewParam("x", x.Clone())
	all := append([]*Value{px}, p...)
	g := NewGraph()
	loss(g, NewParam("x", tensor.Full(tensor.Float32, math.NaN(), 2, 3, 10, 10)), p).Backward() // NaN in the arena
	g.Reset()
	loss(g, px, p).Backward() // the input's gradient exists
	g.Reset()
	for _, v := range all {
		v.Grad().Fill(math.NaN())
		v.ZeroGrad()
	}
	loss(g, px, p).Backward()
	for i, v := range all {
		got, want := v.Grad(), append([]*Value{rx}, ref...)[i].Grad()
		for k := range want.Len() {
			if math.Float32bits(float32(got.Flat(k))) != math.Float32bits(float32(want.Flat(k))) {
				t.Fatalf("%s's gradient [%d] = %v after a poisoned step, want %v", v.Name(), k, got.Flat(k), want.Flat(k))
			}
		}
	}

	g.Reset()
	loss(g, px, p).Backward()
	for i, v := range all {
		want := append([]*Value{rx}, ref...)[i].Grad()
		for k := range want.Len() {
			if got, w := v.Grad().Flat(k), 2*want.Flat(k); math.Abs(got-w) > 1e-4*math.Max(1, math.Abs(w)) {
				t.Fatalf("%s's gradient after two passes [%d] = %v, want twice %v", v.Name(), k, got, want.Flat(k))
			}
		}
	}

	d := newParams()
	dx := NewParam("x", x.To(tensor.Float64))
	for _, v := range d {
		v.SetData(v.Data().To(tensor.Float64))
	}
	if r := GradCheck(func(g *Graph) *Value { return loss(g, dx, d) }, append([]*Value{dx}, d...)...); r.MaxError > 1e-6 {
		t.Errorf("gradient check: %v", r)
	}
}
