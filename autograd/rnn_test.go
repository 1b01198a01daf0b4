package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

func TestGradCheckRecurrentCells(t *testing.T) {
	const n, h = 3, 4
	xr := randParam(31, "xg", -1.5, 1.5, n, h)
	hr := randParam(32, "hg", -1.5, 1.5, n, h)
	xl := randParam(33, "xg", -1.5, 1.5, n, 4*h)
	hl := randParam(34, "hg", -1.5, 1.5, n, 4*h)
	c := randParam(35, "c", -1, 1, n, h)
	xgr := randParam(36, "xg", -1.5, 1.5, n, 3*h)
	hgr := randParam(37, "hg", -1.5, 1.5, n, 3*h)
	hp := randParam(38, "h", -1, 1, n, h)
	// relu: pre-activations away from the kink at 0.
	xa := awayFrom0(39, "xg", n, h)
	zero := NewParam("hg", tensor.New(tensor.Float64, n, h))
	tests := []struct {
		name string
		f    func(g *Graph) *Value
		wrt  []*Value
	}{
		{"rnn tanh", func(g *Graph) *Value { return weighted(g, g.RNNCell(xr, hr, false)) }, []*Value{xr, hr}},
		{"rnn relu", func(g *Graph) *Value { return weighted(g, g.RNNCell(xa, zero, true)) }, []*Value{xa, zero}},
		{"lstm h", func(g *Graph) *Value { h, _ := g.LSTMCell(xl, hl, c); return weighted(g, h) }, []*Value{xl, hl, c}},
		{"lstm c", func(g *Graph) *Value { _, c := g.LSTMCell(xl, hl, c); return weighted(g, c) }, []*Value{xl, hl, c}},
		{"lstm h and c", func(g *Graph) *Value {
			h, c2 := g.LSTMCell(xl, hl, c)
			return g.Add(weighted(g, h), weighted(g, g.Square(c2)))
		}, []*Value{xl, hl, c}},
		{"gru", func(g *Graph) *Value { return weighted(g, g.GRUCell(xgr, hgr, hp)) }, []*Value{xgr, hgr, hp}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r := GradCheck(tc.f, tc.wrt...); r.MaxError > gradTol {
				t.Errorf("%s: %v", tc.name, r)
			}
		})
	}
}

// rnnNet is a recurrent network's parameters for the tests: weights per
// layer and direction, input and initial states, all float64 parameters.
type rnnNet struct {
	w      []RecurrentWeights
	x      *Value
	h0, c0 *Value
	opt    RecurrentOptions
}

func (r *rnnNet) params() []*Value {
	var ps []*Value
	for _, w := range r.w {
		for _, p := range []*Value{w.IH, w.HH, w.BiasIH, w.BiasHH} {
			if p != nil {
				ps = append(ps, p)
			}
		}
	}
	ps = append(ps, r.x)
	for _, p := range []*Value{r.h0, r.c0} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

func newRNNNet(seed uint64, cell tensor.Cell, in, h, layers, n, steps int, bidir, batchFirst, bias, states bool) *rnnNet {
	d := 1
	if bidir {
		d = 2
	}
	gh := cell.Gates() * h
	r := &rnnNet{opt: RecurrentOptions{Cell: cell, Bidirectional: bidir, BatchFirst: batchFirst}}
	s := seed * 100
	next := func(name string, shape ...int) *Value {
		s++
		return randParam(s, name, -0.6, 0.6, shape...)
	}
	for l := range layers {
		for range d {
			lin := in
			if l > 0 {
				lin = d * h
			}
			w := RecurrentWeights{IH: next("w_ih", gh, lin), HH: next("w_hh", gh, h)}
			if bias {
				w.BiasIH, w.BiasHH = next("b_ih", gh), next("b_hh", gh)
			}
			r.w = append(r.w, w)
		}
	}
	if batchFirst {
		r.x = next("x", n, steps, in)
	} else {
		r.x = next("x", steps, n, in)
	}
	if states {
		r.h0 = next("h0", layers*d, n, h)
		if cell == tensor.CellLSTM {
			r.c0 = next("c0", layers*d, n, h)
		}
	}
	return r
}

func (r *rnnNet) run(g *Graph) RecurrentOutput {
	return g.Recurrent(r.x, r.h0, r.c0, r.w, r.opt)
}

// loss weighs every result of the network with fixed random weights.
func (r *rnnNet) loss(g *Graph) *Value {
	o := r.run(g)
	l := g.Add(weighted(g, o.Out), weighted(g, o.H))
	if o.C != nil {
		l = g.Add(l, weighted(g, o.C))
	}
	return g.Add(l, weighted(g, o.Last))
}

var cells = []tensor.Cell{tensor.CellRNNTanh, tensor.CellRNNReLU, tensor.CellLSTM, tensor.CellGRU}

func TestGradCheckRecurrent(t *testing.T) {
	type conf struct {
		name                            string
		layers                          int
		bidir, batchFirst, bias, states bool
		lengths                         []int
	}
	confs := []conf{
		{name: "one layer", layers: 1, batchFirst: true, bias: true},
		{name: "time-major, h0", layers: 1, bias: true, states: true},
		{name: "no bias", layers: 1, batchFirst: true, states: true},
		{name: "bidirectional", layers: 1, bidir: true, batchFirst: true, bias: true, states: true},
		{name: "two layers", layers: 2, batchFirst: true, bias: true, states: true},
		{name: "two layers bidirectional", layers: 2, bidir: true, bias: true, states: true},
		{name: "padded", layers: 1, batchFirst: true, bias: true, states: true, lengths: []int{4, 2, 0}},
		{name: "padded bidirectional two layers", layers: 2, bidir: true, bias: true, states: true, lengths: []int{1, 4, 3}},
		{name: "padded time-major", layers: 1, bidir: true, bias: true, lengths: []int{3, 4, 1}},
	}
	for _, cell := range cells {
		for i, c := range confs {
			t.Run(fmt.Sprintf("%v %s", cell, c.name), func(t *testing.T) {
				r := newRNNNet(uint64(10*i)+uint64(cell), cell, 3, 4, c.layers, 3, 4, c.bidir, c.batchFirst, c.bias, c.states)
				r.opt.Lengths = c.lengths
				if res := GradCheck(r.loss, r.params()...); res.MaxError > gradTol {
					t.Errorf("%v", res)
				}
			})
		}
	}
}

// TestRecurrentMatchesCells runs a one-layer network both ways: with
// Recurrent, and as a loop of Linear and cell nodes, and compares the
// outputs and gradients.
func TestRecurrentMatchesCells(t *testing.T) {
	const in, h, n, steps = 3, 5, 2, 4
	for _, cell := range cells {
		t.Run(cell.String(), func(t *testing.T) {
			r := newRNNNet(7, cell, in, h, 1, n, steps, false, false, true, true)
			loop := func(g *Graph) (out, hN, cN *Value) {
				w := r.w[0]
				hs := g.Reshape(r.h0, n, h)
				var cs *Value
				if r.c0 != nil {
					cs = g.Reshape(r.c0, n, h)
				}
				xs := g.Reshape(r.x, steps*n, in)
				var outs []*Value
				for s := range steps {
					xg := g.Linear(g.Slice(xs, s*n, (s+1)*n), w.IH, w.BiasIH)
					hg := g.Linear(hs, w.HH, w.BiasHH)
					switch cell {
					case tensor.CellLSTM:
						hs, cs = g.LSTMCell(xg, hg, cs)
					case tensor.CellGRU:
						hs = g.GRUCell(xg, hg, hs)
					default:
						hs = g.RNNCell(xg, hg, cell == tensor.CellRNNReLU)
					}
					outs = append(outs, hs)
				}
				return g.Reshape(g.Concat(0, outs...), steps, n, h), hs, cs
			}
			g1, g2 := NewGraph(), NewGraph()
			o := r.run(g1)
			out, hN, cN := loop(g2)
			ws := tensor.RandUniform(tensor.NewRNG(5), tensor.Float64, -1, 1, steps, n, h)
			for _, p := range r.params() {
				p.ZeroGrad()
			}
			g1.Sum(g1.Mul(o.Out, g1.Input(ws))).Backward()
			want := map[*Value]*tensor.Tensor{}
			for _, p := range r.params() {
				want[p] = p.Grad().Clone()
				p.ZeroGrad()
			}
			g2.Sum(g2.Mul(out, g2.Input(ws))).Backward()
			near(t, "output", o.Out.Data(), out.Data())
			near(t, "h_n", o.H.Data(), hN.Data())
			if cN != nil {
				near(t, "c_n", o.C.Data(), cN.Data())
			}
			for _, p := range r.params() {
				near(t, p.Name()+" gradient", want[p], p.Grad())
			}
		})
	}
}

func near(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("%s: %v elements, want %v", what, got.Len(), want.Len())
	}
	for i := 0; i < got.Len(); i++ {
		if math.Abs(got.Flat(i)-want.Flat(i)) > 1e-12*(1+math.Abs(want.Flat(i))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got.Flat(i), want.Flat(i))
		}
	}
}

func TestRecurrentWarmStepAllocatesNothing(t *testing.T) {
	for _, bidir := range []bool{false, true} {
		r := newRNNNet(3, tensor.CellLSTM, 3, 4, 2, 5, 6, bidir, true, true, true)
		r.opt.Lengths = []int{6, 1, 3, 6, 0}
		for i := range r.w {
			for _, p := range []*Value{r.w[i].IH, r.w[i].HH, r.w[i].BiasIH, r.w[i].BiasHH} {
				p.SetData(p.Data().To(tensor.Float32))
			}
		}
		for _, p := range []*Value{r.x, r.h0, r.c0} {
			p.SetData(p.Data().To(tensor.Float32))
		}
		g := NewGraph()
		g.Training = true
		g.RNG = tensor.NewRNG(1)
		r.opt.Dropout = 0.3
		step := func() {
			o := r.run(g)
			g.Add(g.Add(g.Sum(o.Out), g.Sum(o.H)), g.Add(g.Sum(o.C), g.Sum(o.Last))).Backward()
			g.Reset()
		}
		step()
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Errorf("bidirectional %v: a warm step allocates %v times, want 0", bidir, n)
		}
	}
}

func TestRecurrentPanics(t *testing.T) {
	r := newRNNNet(1, tensor.CellGRU, 3, 4, 1, 2, 3, false, true, true, true)
	for name, f := range map[string]func(g *Graph){
		"length too long":   func(g *Graph) { o := r.opt; o.Lengths = []int{4, 1}; g.Recurrent(r.x, r.h0, nil, r.w, o) },
		"lengths count":     func(g *Graph) { o := r.opt; o.Lengths = []int{1}; g.Recurrent(r.x, r.h0, nil, r.w, o) },
		"c0 for a GRU":      func(g *Graph) { g.Recurrent(r.x, r.h0, r.h0, r.w, r.opt) },
		"h0 shape":          func(g *Graph) { g.Recurrent(r.x, g.Reshape(r.h0, 2, 4), nil, r.w, r.opt) },
		"2-D input":         func(g *Graph) { g.Recurrent(g.Reshape(r.x, 6, 3), nil, nil, r.w, r.opt) },
		"bidirectional odd": func(g *Graph) { o := r.opt; o.Bidirectional = true; g.Recurrent(r.x, nil, nil, r.w, o) },
		"LSTM weights":      func(g *Graph) { o := r.opt; o.Cell = tensor.CellLSTM; g.Recurrent(r.x, nil, nil, r.w, o) },
		"no W_ih": func(g *Graph) {
			w := []RecurrentWeights{{HH: r.w[0].HH}}
			g.Recurrent(r.x, nil, nil, w, r.opt)
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(NewGraph())
		})
	}
}

// TestRecurrentManyLayers runs more layers than the graph keeps inputs
// inline for, and checks that the final states line up with the layers.
func TestRecurrentManyLayers(t *testing.T) {
	r := newRNNNet(2, tensor.CellGRU, 3, 4, 5, 2, 3, true, true, true, true)
	g := NewGraph()
	o := r.run(g)
	if !tensor.EqualShapes(o.H.Shape(), []int{10, 2, 4}) || !tensor.EqualShapes(o.Out.Shape(), []int{2, 3, 8}) {
		t.Fatalf("h_n %v, output %v", o.H.Shape(), o.Out.Shape())
	}
	// The top layer's states are Last's two halves.
	for n := range 2 {
		for k := range 4 {
			if f, b := o.H.Data().At(8, n, k), o.H.Data().At(9, n, k); f != o.Last.Data().At(n, k) || b != o.Last.Data().At(n, 4+k) {
				t.Fatalf("h_n of the top layer does not match Last")
			}
		}
	}
	// The forward direction's final state is its output at the last step.
	if got, want := o.Out.Data().At(1, 2, 3), o.H.Data().At(8, 1, 3); got != want {
		t.Errorf("last output %v, h_n %v", got, want)
	}
	if res := GradCheck(r.loss, r.params()...); res.MaxError > gradTol {
		t.Errorf("%v", res)
	}
}
