package autograd

import (
	"fmt"

	"github.com/baeum-ml/baeum/tensor"
)

// Recurrent networks. A recurrent layer applies the same cell at every
// step of a sequence, feeding each step's hidden state to the next; its
// gradient is backpropagation through time, the chain rule along that
// loop. This file has the cells as single fused steps (RNNCell, LSTMCell,
// GRUCell), for writing a loop by hand, and Recurrent, a whole
// multi-layer, optionally bidirectional network over a batch of padded
// sequences, as PyTorch's nn.RNN, nn.LSTM and nn.GRU compute it.
//
// A cell's matrix products are ordinary operations: its inputs are the
// input projection xg = x·W_ihᵀ + b_ih and the hidden projection
// hg = h·W_hhᵀ + b_hh (two Linear calls); the cell fuses everything
// element-wise that follows, with a hand-written backward pass. Recurrent
// projects the inputs of every step with one matrix product per layer and
// direction, then runs the time loop (a product with W_hh and a fused
// cell step per step) as one node per layer and direction, whose backward
// pass runs the loop in reverse; see tensor.Recurrence.

// rnnCellOp is a plain RNN step: h′ = act(xg + hg).
type rnnCellOp struct{ relu bool }

func (op *rnnCellOp) Name() string {
	if op.relu {
		return "rnn_relu_cell"
	}
	return "rnn_tanh_cell"
}

// RNNCell returns one step of an Elman network, h′ = tanh(xg + hg), or
// relu(xg + hg) when relu is set, for the input projection
// xg = x·W_ihᵀ + b_ih and the hidden projection hg = h·W_hhᵀ + b_hh, both
// (N, H). Backward: both projections get g·act′.
func (g *Graph) RNNCell(xg, hg *Value, relu bool) *Value {
	op := NewOp[rnnCellOp](g)
	op.relu = relu
	return g.Apply(op, xg, hg)
}

func (op *rnnCellOp) act() tensor.UnaryOp {
	if op.relu {
		return tensor.OpReLU
	}
	return tensor.OpTanh
}

func (op *rnnCellOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	if !in[0].SameShape(in[1]) || in[0].Dims() != 2 {
		panic(fmt.Sprintf("autograd: %s: projections %v and %v, want two (N, H)", op.Name(), in[0].Shape(), in[1].Shape()))
	}
	out := c.Arena().EmptyLike(in[0])
	tensor.AddTo(out, in[0], in[1])
	tensor.UnaryTo(op.act(), out, out, 0)
	return out
}

func (op *rnnCellOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	y := c.Output()
	da := c.Arena().ZerosLike(gout)
	tensor.UnaryGradTo(op.act(), da, gout, y, y, 0)
	for _, gi := range gin[:2] {
		if gi != nil {
			gi.AddScaled(1, da)
		}
	}
}

// lstmCellOp is an LSTM step; its output stacks h′ over c′.
type lstmCellOp struct{ gates *tensor.Tensor }

func (*lstmCellOp) Name() string { return "lstm_cell" }

// LSTMCell returns one step of a long short-term memory, the new hidden
// state h′ and cell state c′ (N, H), for the input projection
// xg = x·W_ihᵀ + b_ih and the hidden projection hg = h·W_hhᵀ + b_hh, both
// (N, 4H) with PyTorch's gates i, f, g, o, and the cell state c (N, H):
//
//	i, f, o = σ(xg + hg)    g = tanh(xg + hg)    (each its block of H)
//	c′ = f⊙c + i⊙g           h′ = o⊙tanh(c′)
//
// The step is one node, whose output holds h′ over c′ (2N, H); h′ and c′
// are views of it.
func (g *Graph) LSTMCell(xg, hg, c *Value) (h, cNext *Value) {
	y := g.Apply(NewOp[lstmCellOp](g), xg, hg, c)
	n := xg.Shape()[0]
	return g.Slice(y, 0, n), g.Slice(y, n, 2*n)
}

func (op *lstmCellOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	xg, ar := in[0], c.Arena()
	if xg.Dims() != 2 || xg.Shape()[1]%4 != 0 {
		panic(fmt.Sprintf("autograd: lstm_cell: input projection %v is not (N, 4H)", xg.Shape()))
	}
	n, h := xg.Shape()[0], xg.Shape()[1]/4
	y := ar.Empty(xg.DType(), 2*n, h)
	op.gates = ar.Empty(xg.DType(), n, 4*h)
	tensor.LSTMCellTo(ar.Slice(y, 0, n), ar.Slice(y, n, 2*n), op.gates, xg, in[1], in[2])
	return y
}

func (op *lstmCellOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	ar, y := c.Arena(), c.Output()
	n := y.Shape()[0] / 2
	tensor.LSTMCellBackward(gin[0], gin[1], gin[2], ar.Slice(gout, 0, n), ar.Slice(gout, n, 2*n), op.gates, ar.Slice(y, n, 2*n), c.Input(2), ar)
}

// gruCellOp is a GRU step.
type gruCellOp struct{ gates *tensor.Tensor }

func (*gruCellOp) Name() string { return "gru_cell" }

// GRUCell returns one step of a gated recurrent unit, the new state h′
// (N, H), for the input projection xg = x·W_ihᵀ + b_ih and the hidden
// projection hg = h·W_hhᵀ + b_hh, both (N, 3H) with PyTorch's parts
// r, z, n, and the state h (N, H):
//
//	r, z = σ(xg + hg)    n = tanh(xg_n + r⊙hg_n)    h′ = (1−z)⊙n + z⊙h
func (g *Graph) GRUCell(xg, hg, h *Value) *Value {
	return g.Apply(NewOp[gruCellOp](g), xg, hg, h)
}

func (op *gruCellOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	xg, ar := in[0], c.Arena()
	if xg.Dims() != 2 || xg.Shape()[1]%3 != 0 {
		panic(fmt.Sprintf("autograd: gru_cell: input projection %v is not (N, 3H)", xg.Shape()))
	}
	n, h := xg.Shape()[0], xg.Shape()[1]/3
	y := ar.Empty(xg.DType(), n, h)
	op.gates = ar.Empty(xg.DType(), n, 4*h)
	tensor.GRUCellTo(y, op.gates, xg, in[1], in[2])
	return y
}

func (op *gruCellOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	tensor.GRUCellBackward(gin[0], gin[1], gin[2], gout, op.gates, c.Input(2), c.Arena())
}

// RecurrentWeights are the parameters of one layer of a recurrent network
// in one direction, laid out as PyTorch's: W_ih (G·H, in), W_hh (G·H, H)
// and the biases b_ih and b_hh (G·H) or nil, where G is the cell's
// tensor.Cell.Gates() and the blocks of H rows are its gates in PyTorch's
// order.
type RecurrentWeights struct {
	IH, HH         *Value
	BiasIH, BiasHH *Value
}

// RecurrentOptions configure Graph.Recurrent.
type RecurrentOptions struct {
	// Cell is the step function.
	Cell tensor.Cell
	// Bidirectional runs every layer in both directions and joins their
	// outputs, forward then backward, along the features.
	Bidirectional bool
	// BatchFirst says the input and output are (N, T, …); otherwise they
	// are (T, N, …).
	BatchFirst bool
	// Dropout is the probability of dropping each output of every layer
	// but the last, in training (Graph.Training) only, with masks drawn
	// from Graph.RNG, as PyTorch's dropout argument.
	Dropout float64
	// Lengths, if not nil, holds each sequence's number of real steps;
	// the steps after them are padding (see tensor.Recurrence). It must
	// not change until Backward has run.
	Lengths []int
	// WeightDrop drops each element of every W_hh with this probability,
	// in training only (DropConnect on the recurrent weights, as Merity
	// et al.'s AWD-LSTM): one mask for the whole pass for each layer and
	// direction, drawn from Graph.RNG in the weights' order before the
	// pass, the survivors scaled by 1/(1-p).
	WeightDrop float64
}

// RecurrentOutput holds the results of Graph.Recurrent.
type RecurrentOutput struct {
	// Out is the last layer's output at every step, (N, T, D·H) or
	// (T, N, D·H) with D = 2 for a bidirectional network (the forward
	// direction's H features, then the backward one's); padded steps are
	// zero.
	Out *Value
	// H is the final hidden state of every layer and direction, (L·D, N,
	// H) in PyTorch's order (layer 0 forward, layer 0 backward, layer 1
	// forward, …); with Lengths, the state after each sequence's last
	// real step.
	H *Value
	// C is the final cell state, laid out as H, for an LSTM; nil
	// otherwise.
	C *Value
	// Last is the last layer's final hidden state, (N, D·H): both
	// directions side by side, what a classifier of whole sequences
	// reads.
	Last *Value
}

// Recurrent runs a multi-layer recurrent network over a batch of
// sequences x, (N, T, in) with BatchFirst or (T, N, in), as PyTorch's
// nn.RNN, nn.LSTM and nn.GRU do. w holds the weights of each layer and
// direction in PyTorch's order: layer 0 (forward, then backward when
// Bidirectional), layer 1, …, so len(w) is L·D. h0 and c0 are the initial
// states, (L·D, N, H), or nil for zeros; c0 is for an LSTM only. Layer
// l > 0 reads layer l−1's output, with dropout between them in training.
//
// Each layer and direction is a Linear node (the input projection of
// every step at once, with b_hh folded into the bias for an RNN or LSTM)
// and a node for the time loop, named after the cell; a bidirectional
// layer adds a node that joins the two directions. A warm training step
// allocates nothing for networks of up to four layers.
func (g *Graph) Recurrent(x, h0, c0 *Value, w []RecurrentWeights, o RecurrentOptions) RecurrentOutput {
	d := 1
	if o.Bidirectional {
		d = 2
	}
	if len(w) == 0 || len(w)%d != 0 {
		panic(fmt.Sprintf("autograd: recurrent: %d sets of weights for %d directions", len(w), d))
	}
	layers := len(w) / d
	if x.data.Dims() != 3 {
		panic(fmt.Sprintf("autograd: recurrent: input %v is not (N, T, in) or (T, N, in)", x.Shape()))
	}
	n, t := x.Shape()[1], x.Shape()[0]
	if o.BatchFirst {
		n, t = t, n
	}
	if w[0].HH == nil || w[0].HH.data.Dims() != 2 {
		panic("autograd: recurrent: W_hh must be a (G·H, H) matrix")
	}
	h := w[0].HH.Shape()[1]
	gh := o.Cell.Gates() * h
	for k, wk := range w {
		in := x.Shape()[2]
		if k >= d {
			in = d * h
		}
		if wk.IH == nil || wk.HH == nil || !tensor.EqualShapes(wk.IH.Shape(), []int{gh, in}) || !tensor.EqualShapes(wk.HH.Shape(), []int{gh, h}) {
			panic(fmt.Sprintf("autograd: recurrent: %v weights %d are W_ih %v and W_hh %v, want (%d, %d) and (%d, %d)", o.Cell, k, shapeOf(wk.IH), shapeOf(wk.HH), gh, in, gh, h))
		}
		for _, b := range [2]*Value{wk.BiasIH, wk.BiasHH} {
			if b != nil && !tensor.EqualShapes(b.Shape(), []int{gh}) {
				panic(fmt.Sprintf("autograd: recurrent: %v weights %d have a bias of shape %v, want (%d)", o.Cell, k, b.Shape(), gh))
			}
		}
	}
	for _, s := range [...]struct {
		v    *Value
		name string
	}{{h0, "h0"}, {c0, "c0"}} {
		if s.v != nil && !tensor.EqualShapes(s.v.Shape(), []int{layers * d, n, h}) {
			panic(fmt.Sprintf("autograd: recurrent: %s has shape %v, want (%d, %d, %d)", s.name, s.v.Shape(), layers*d, n, h))
		}
	}
	if c0 != nil && o.Cell != tensor.CellLSTM {
		panic(fmt.Sprintf("autograd: recurrent: %v has no cell state c0", o.Cell))
	}
	if g.Training && o.WeightDrop > 0 {
		// The pass's own copy of the weights, W_hh dropped.
		var dropped [8]RecurrentWeights
		w = append(dropped[:0], w...)
		for i := range w {
			w[i].HH = g.recurrentDropout(w[i].HH, o.WeightDrop)
		}
	}
	var buf [4]*Value
	ys := buf[:0]
	in := g.Reshape(x, n*t, -1)
	for l := range layers {
		var dirs [2]*Value
		for k := range d {
			dirs[k] = g.direction(in, h0, c0, w[l*d+k], l*d+k, n, t, k == 1, o)
		}
		y := dirs[0]
		if d == 2 {
			y = g.Apply(&joinV, dirs[0], dirs[1])
		}
		ys = append(ys, y)
		in = g.Slice(y, 0, n*t)
		if l < layers-1 && g.Training && o.Dropout > 0 {
			in = g.recurrentDropout(in, o.Dropout)
		}
	}
	top := ys[len(ys)-1]
	var out RecurrentOutput
	if o.BatchFirst {
		out.Out = g.Reshape(in, n, t, d*h)
	} else {
		out.Out = g.Reshape(in, t, n, d*h)
	}
	out.Last = g.Slice(top, n*t, n*t+n)
	op := NewOp[statesOp](g)
	op.n, op.t, op.d, op.h, op.cells = n, t, d, h, o.Cell == tensor.CellLSTM
	states := g.Apply(op, ys...)
	out.H = g.Slice(states, 0, layers*d)
	if op.cells {
		out.C = g.Slice(states, layers*d, 2*layers*d)
	}
	return out
}

// shapeOf returns v's shape, or nil for a nil v.
func shapeOf(v *Value) []int {
	if v == nil {
		return nil
	}
	return v.Shape()
}

// direction runs one layer of the network in one direction on the layer's
// input in (N·T rows); k is its index among the L·D layers and directions.
func (g *Graph) direction(in, h0, c0 *Value, w RecurrentWeights, k, n, t int, reverse bool, o RecurrentOptions) *Value {
	cell := o.Cell
	bias := w.BiasIH
	if cell != tensor.CellGRU && w.BiasHH != nil {
		// b_hh is added at every step, as b_ih is: fold it into the
		// input projection's bias. The GRU's cannot be folded, since
		// r multiplies its n part.
		bias = w.BiasHH
		if w.BiasIH != nil {
			bias = g.Add(w.BiasIH, w.BiasHH)
		}
	}
	xp := g.Linear(in, w.IH, bias)
	var hk, ck *Value
	if h0 != nil {
		hk = g.Slice(h0, k, k+1)
	}
	if c0 != nil {
		ck = g.Slice(c0, k, k+1)
	}
	op := NewOp[recurrenceOp](g)
	op.r = tensor.Recurrence{Cell: cell, Batch: n, Steps: t, BatchFirst: o.BatchFirst, Reverse: reverse, Lengths: o.Lengths,
		ForwardOnly: g.noGrad}
	switch cell {
	case tensor.CellLSTM:
		return g.Apply(op, xp, w.HH, hk, ck)
	case tensor.CellGRU:
		return g.Apply(op, xp, w.HH, w.BiasHH, hk)
	}
	return g.Apply(op, xp, w.HH, hk)
}

// recurrentDropout drops outputs of a layer with probability p, as
// nn.Dropout does.
func (g *Graph) recurrentDropout(x *Value, p float64) *Value {
	if !(p > 0 && p <= 1) {
		panic(fmt.Sprintf("autograd: recurrent: dropout probability %v outside [0, 1]", p))
	}
	mask := g.arena.EmptyLike(x.data)
	if p == 1 {
		mask.Fill(0)
		return g.Dropout(x, mask)
	}
	if g.RNG == nil {
		panic("autograd: recurrent: dropout in training needs a random source: set Graph.RNG")
	}
	tensor.DropoutMask(g.RNG, mask, p)
	return g.Dropout(x, mask)
}

// recurrenceOp is the time loop of one layer in one direction. Its inputs
// are the input projection of every step and W_hh, then h0 and c0 for an
// LSTM, b_hh and h0 for a GRU, h0 for an RNN; its output is what
// tensor.Recurrence.Forward writes: (N·T + N rows, or + 2N for an LSTM,
// of H numbers).
type recurrenceOp struct{ r tensor.Recurrence }

var recurrenceNames = [2][4]string{
	{"rnn_tanh", "rnn_relu", "lstm", "gru"},
	{"rnn_tanh_reverse", "rnn_relu_reverse", "lstm_reverse", "gru_reverse"},
}

func (op *recurrenceOp) Name() string {
	k := 0
	if op.r.Reverse {
		k = 1
	}
	if int(op.r.Cell) < len(recurrenceNames[k]) {
		return recurrenceNames[k][op.r.Cell]
	}
	return op.r.Cell.String()
}

// slots returns the positions among the op's inputs of b_hh, h0 and c0
// (-1 for none).
func (op *recurrenceOp) slots() (bhh, h0, c0 int) {
	switch op.r.Cell {
	case tensor.CellLSTM:
		return -1, 2, 3
	case tensor.CellGRU:
		return 2, 3, -1
	}
	return -1, 2, -1
}

// slot returns ts[i], or nil for i = -1.
func slot(ts []*tensor.Tensor, i int) *tensor.Tensor {
	if i < 0 {
		return nil
	}
	return ts[i]
}

func (op *recurrenceOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	b, h0, c0 := op.slots()
	whh := in[1]
	if whh.Dims() != 2 {
		panic(fmt.Sprintf("autograd: %s: W_hh %v is not a matrix", op.Name(), whh.Shape()))
	}
	y := c.Arena().Empty(whh.DType(), op.r.OutputRows(), whh.Shape()[1])
	op.r.Forward(y, in[0], whh, slot(in, b), slot(in, h0), slot(in, c0), c.Arena())
	return y
}

func (op *recurrenceOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	b, h0, c0 := op.slots()
	op.r.Backward(gin[0], gin[1], slot(gin, b), slot(gin, h0), slot(gin, c0), gout, c.Input(1), c.Arena())
}

// joinOp joins the outputs of a layer's two directions row by row.
type joinOp struct{}

var joinV joinOp

func (joinOp) Name() string { return "join_directions" }

func (joinOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	a, b := in[0], in[1]
	y := c.Arena().Empty(a.DType(), a.Shape()[0], a.Shape()[1]+b.Shape()[1])
	tensor.ConcatColumnsTo(y, a, b)
	return y
}

func (joinOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	tensor.SplitColumnsAddTo(gin[0], gin[1], gout)
}

// statesOp gathers the final states of every layer (the rows after the
// N·T output rows of each layer's output, (N, D·H) each) into PyTorch's
// h_n and c_n, (L·D, N, H) each, one over the other.
type statesOp struct {
	n, t, d, h int
	cells      bool
}

func (*statesOp) Name() string { return "final_states" }

// parts reports how many kinds of state there are: h, and c for an LSTM.
func (op *statesOp) parts() int {
	if op.cells {
		return 2
	}
	return 1
}

// block returns, for layer l and state kind s, the rows of that layer's
// output (N, D·H) viewed as (N, D, H), and the rows of the gathered
// states, (D, N, H).
func (op *statesOp) block(ar *tensor.Arena, y, states *tensor.Tensor, layers, l, s int) (src, dst *tensor.Tensor) {
	lo := op.n*op.t + s*op.n
	src = ar.Reshape(ar.Slice(y, lo, lo+op.n), op.n, op.d, op.h)
	lo = (s*layers + l) * op.d
	dst = ar.Slice(states, lo, lo+op.d)
	return src, dst
}

func (op *statesOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	ar, layers := c.Arena(), len(in)
	states := ar.Empty(in[0].DType(), op.parts()*layers*op.d, op.n, op.h)
	for l, y := range in {
		for s := range op.parts() {
			src, dst := op.block(ar, y, states, layers, l, s)
			tensor.PermuteTo(dst, src, 1, 0, 2)
		}
	}
	return states
}

func (op *statesOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	ar, layers := c.Arena(), len(gin)
	for l, gy := range gin {
		if gy == nil {
			continue
		}
		for s := range op.parts() {
			dst, src := op.block(ar, gy, gout, layers, l, s)
			t := ar.Empty(gout.DType(), op.n, op.d, op.h)
			tensor.PermuteTo(t, src, 1, 0, 2)
			dst.AddScaled(1, t)
		}
	}
}
