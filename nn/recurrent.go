package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Recurrent layers read a sequence one step at a time and carry a hidden
// state from step to step: the same weights at every step, so a sequence
// of any length is read with a fixed number of parameters. RNN is the
// plain (Elman) network, h′ = tanh(W_ih·x + b_ih + W_hh·h + b_hh); LSTM
// adds a cell state behind input, forget and output gates, and GRU reset
// and update gates, both so that gradients survive many steps. They are
// PyTorch's nn.RNN, nn.LSTM and nn.GRU: the same options, the same
// parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
// …_reverse for the backward direction of a bidirectional layer), the
// same layouts and gate orders, the same initialization.
//
// Forward maps the input sequence to the output sequence, or, with
// Config.Last, to the last layer's final hidden state, which is what a
// classifier of whole sequences reads:
//
//	model := nn.Sequence(
//		nn.NewLSTM(rng, nn.RecurrentConfig{InputSize: 28, HiddenSize: 128, BatchFirst: true, Last: true}),
//		nn.NewLinear(rng, 128, 10),
//	)
//	logits := model.Forward(g, x) // x (N, 28, 28): an image read row by row
//
// Sequences of different lengths are padded to a common length T and
// passed with their lengths: to Run (or Unroll) as a []int, or, through
// ForwardN and so through a Sequential, as a second input holding the
// lengths as an (N) int64 tensor (an Embedding before the layer passes it
// on). Padded steps do not change the state
// and give zero outputs, as PyTorch's packed sequences do, so a padded
// batch gives each sequence the same results as running it alone.

// RecurrentConfig configures RNN, LSTM and GRU with PyTorch's options.
// Zero values mean PyTorch's defaults: one layer, tanh, biases,
// time-major input, no dropout, one direction.
type RecurrentConfig struct {
	// InputSize is the number of features of each step of the input;
	// HiddenSize, H, that of the hidden state.
	InputSize, HiddenSize int
	// NumLayers stacks that many layers, each reading the previous one's
	// output (0: 1).
	NumLayers int
	// Nonlinearity is the activation of an RNN: "tanh" (or "") or
	// "relu". LSTM and GRU have theirs built in and leave it empty.
	Nonlinearity string
	// NoBias leaves out b_ih and b_hh (PyTorch's bias=False).
	NoBias bool
	// BatchFirst takes input and gives output as (N, T, features);
	// otherwise they are (T, N, features). The states h0, c0 and the
	// final states are (layers·directions, N, H) either way.
	BatchFirst bool
	// Dropout drops each output of every layer but the last with this
	// probability, in training only, with masks drawn from Graph.RNG.
	Dropout float64
	// WeightDrop drops each element of every hidden-to-hidden weight
	// matrix W_hh with this probability, in training only: one mask for
	// the whole sequence of a forward pass, drawn from Graph.RNG (the
	// DropConnect on recurrent weights of Merity et al.'s AWD-LSTM; the
	// survivors are scaled by 1/(1-p)). It has no PyTorch counterpart
	// in nn.LSTM; inference is unchanged.
	WeightDrop float64
	// Bidirectional adds to every layer a second direction that reads
	// the sequence backwards; the output has both directions' features,
	// forward then backward (2H).
	Bidirectional bool
	// Last makes Forward return the last layer's final hidden state,
	// (N, D·H) with D directions, instead of the output sequence: the
	// state after each sequence's last real step in the forward
	// direction, and after its first step in the backward one.
	Last bool
}

// Normalize returns the configuration with defaults filled in (NumLayers
// 1, and an RNN's Nonlinearity "tanh"), or an error saying what is wrong
// for a layer of the given cell. Use it to check a configuration that
// comes from outside; the constructors panic on a bad one.
func (c RecurrentConfig) Normalize(cell tensor.Cell) (RecurrentConfig, error) {
	name := cell.Family()
	if c.NumLayers == 0 {
		c.NumLayers = 1
	}
	switch {
	case c.InputSize <= 0 || c.HiddenSize <= 0 || c.NumLayers < 0:
		return c, fmt.Errorf("%s: input size %d, hidden size %d and %d layers must be positive", name, c.InputSize, c.HiddenSize, c.NumLayers)
	case !(c.Dropout >= 0 && c.Dropout <= 1):
		return c, fmt.Errorf("%s: dropout %v outside [0, 1]", name, c.Dropout)
	case !(c.WeightDrop >= 0 && c.WeightDrop < 1):
		return c, fmt.Errorf("%s: weight drop %v: want at least 0 and less than 1", name, c.WeightDrop)
	}
	switch cell {
	case tensor.CellRNNTanh, tensor.CellRNNReLU:
		switch c.Nonlinearity {
		case "", "tanh":
			c.Nonlinearity = "tanh"
		case "relu":
		default:
			return c, fmt.Errorf("%s: nonlinearity %q (want \"tanh\" or \"relu\")", name, c.Nonlinearity)
		}
	case tensor.CellLSTM, tensor.CellGRU:
		if c.Nonlinearity != "" {
			return c, fmt.Errorf("%s: nonlinearity %q: only an RNN has one", name, c.Nonlinearity)
		}
	default:
		return c, fmt.Errorf("unknown recurrent cell %v", cell)
	}
	return c, nil
}

// Recurrent is what RNN, LSTM and GRU share: a stack of recurrent layers
// of one kind of cell, with their parameters. Each of the three embeds it
// and adds Run, with PyTorch's arguments and results for that kind.
type Recurrent struct {
	// Config is the configuration, normalized.
	Config RecurrentConfig
	// Cell is the step function (for an RNN, CellRNNTanh or
	// CellRNNReLU as Config.Nonlinearity says).
	Cell tensor.Cell
	// Weights holds the parameters of every layer and direction in
	// PyTorch's order: layer 0, layer 0 reverse (when bidirectional),
	// layer 1, …
	Weights []autograd.RecurrentWeights

	// lastSteps is the number of steps of the latest forward pass, read
	// and written atomically: MultiplyAdds counts them when the output's
	// shape does not show them.
	lastSteps int64
}

// RNN is a multi-layer Elman network, PyTorch's nn.RNN: at every step
// h′ = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), or relu instead of tanh.
type RNN struct{ Recurrent }

// LSTM is a multi-layer long short-term memory, PyTorch's nn.LSTM. Its
// weights stack the four gates i, f, g, o: W_ih is (4H, in).
type LSTM struct{ Recurrent }

// GRU is a multi-layer gated recurrent unit, PyTorch's nn.GRU. Its
// weights stack r, z, n: W_ih is (3H, in).
type GRU struct{ Recurrent }

// NewRNN returns an RNN initialised as PyTorch does: every parameter
// uniform in ±1/√H. It panics with the problem when cfg is invalid (see
// RecurrentConfig.Normalize).
func NewRNN(rng *rand.Rand, cfg RecurrentConfig) *RNN {
	cell := tensor.CellRNNTanh
	if cfg.Nonlinearity == "relu" {
		cell = tensor.CellRNNReLU
	}
	return &RNN{newRecurrent(rng, cell, cfg)}
}

// NewLSTM returns an LSTM initialised as PyTorch does: every parameter
// uniform in ±1/√H. It panics with the problem when cfg is invalid.
func NewLSTM(rng *rand.Rand, cfg RecurrentConfig) *LSTM {
	return &LSTM{newRecurrent(rng, tensor.CellLSTM, cfg)}
}

// NewGRU returns a GRU initialised as PyTorch does: every parameter
// uniform in ±1/√H. It panics with the problem when cfg is invalid.
func NewGRU(rng *rand.Rand, cfg RecurrentConfig) *GRU {
	return &GRU{newRecurrent(rng, tensor.CellGRU, cfg)}
}

func newRecurrent(rng *rand.Rand, cell tensor.Cell, cfg RecurrentConfig) Recurrent {
	cfg, err := cfg.Normalize(cell)
	if err != nil {
		panic("nn: " + err.Error())
	}
	r := Recurrent{Config: cfg, Cell: cell}
	gh, h := cell.Gates()*cfg.HiddenSize, cfg.HiddenSize
	bound := 1 / math.Sqrt(float64(h))
	for l := range cfg.NumLayers {
		in := cfg.InputSize
		if l > 0 {
			in = r.directions() * h
		}
		for range r.directions() {
			sfx := r.suffix(len(r.Weights))
			w := autograd.RecurrentWeights{IH: newParam("weight_ih"+sfx, gh, in), HH: newParam("weight_hh"+sfx, gh, h)}
			if !cfg.NoBias {
				w.BiasIH, w.BiasHH = newParam("bias_ih"+sfx, gh), newParam("bias_hh"+sfx, gh)
			}
			for _, p := range []*autograd.Value{w.IH, w.HH, w.BiasIH, w.BiasHH} {
				if p != nil {
					uniform(rng, p.Data(), bound)
				}
			}
			r.Weights = append(r.Weights, w)
		}
	}
	return r
}

// directions reports D: 2 for a bidirectional network, 1 otherwise.
func (r *Recurrent) directions() int {
	if r.Config.Bidirectional {
		return 2
	}
	return 1
}

// Unroll runs the network over the sequences x ((N, T, InputSize) with
// BatchFirst, (T, N, InputSize) otherwise) from the initial states h0 and,
// for an LSTM, c0 ((L·D, N, H), or nil for zeros), and returns every
// result: the output sequence, the final states and the last layer's
// final hidden state. lengths, if not nil, holds each sequence's number of
// real steps; the rest is padding (see the package's notes on recurrent
// layers). lengths must not change until the backward pass has run.
func (r *Recurrent) Unroll(g *autograd.Graph, x, h0, c0 *autograd.Value, lengths []int) autograd.RecurrentOutput {
	if x.Data().Dims() != 3 || x.Shape()[2] != r.Config.InputSize {
		panic(fmt.Sprintf("nn: %v expects input %s, got shape %v", r, r.inputShape(), x.Shape()))
	}
	steps := x.Shape()[0]
	if r.Config.BatchFirst {
		steps = x.Shape()[1]
	}
	atomic.StoreInt64(&r.lastSteps, int64(steps))
	return g.Recurrent(x, h0, c0, r.Weights, autograd.RecurrentOptions{
		Cell: r.Cell, Bidirectional: r.Config.Bidirectional, BatchFirst: r.Config.BatchFirst,
		Dropout: r.Config.Dropout, Lengths: lengths, WeightDrop: r.Config.WeightDrop,
	})
}

func (r *Recurrent) inputShape() string {
	if r.Config.BatchFirst {
		return fmt.Sprintf("(N, T, %d)", r.Config.InputSize)
	}
	return fmt.Sprintf("(T, N, %d)", r.Config.InputSize)
}

// Forward runs the network on x from zero states and returns the output
// sequence ((N, T, D·H) with BatchFirst, (T, N, D·H) otherwise) or, with
// Config.Last, the last layer's final hidden state (N, D·H).
func (r *Recurrent) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return r.result(r.Unroll(g, x, nil, nil, nil))
}

func (r *Recurrent) result(o autograd.RecurrentOutput) *autograd.Value {
	if r.Config.Last {
		return o.Last
	}
	return o.Out
}

// ForwardN is Forward for the inputs [x] or [x, lengths], where lengths
// is an (N) tensor of each sequence's number of real steps (int64, or
// floats holding whole numbers), so that a Sequential can pass the
// lengths of a padded batch to its recurrent layer. It returns one value,
// as Forward. Converting the lengths allocates a slice of N ints per call;
// Unroll and Run, which take a []int, do not.
func (r *Recurrent) ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value {
	if len(xs) != 1 && len(xs) != 2 {
		panic(fmt.Sprintf("nn: %v takes the sequences and, optionally, their lengths; got %d inputs", r, len(xs)))
	}
	var lengths []int
	if len(xs) == 2 {
		lengths = lengthsOf(r, xs[1].Data())
	}
	return []*autograd.Value{r.result(r.Unroll(g, xs[0], nil, nil, lengths))}
}

// lengthsOf converts a tensor of lengths to ints.
func lengthsOf(r *Recurrent, t *tensor.Tensor) []int {
	if t.Dims() != 1 {
		panic(fmt.Sprintf("nn: %v: lengths of shape %v, want (N)", r, t.Shape()))
	}
	var src []int64
	if t.DType() == tensor.Int64 {
		src = t.I64()
	} else {
		src = t.Int64s()
	}
	out := make([]int, len(src))
	for i, v := range src {
		out[i] = int(v)
	}
	return out
}

// Params returns, for each layer and direction in PyTorch's order,
// weight_ih_l{k} (a Weight), weight_hh_l{k} (a RecurrentWeight) and,
// unless Config.NoBias, bias_ih_l{k} and bias_hh_l{k} (Biases), with the
// suffix _reverse for the backward direction.
func (r *Recurrent) Params() []Param {
	ps := make([]Param, 0, 4*len(r.Weights))
	for k, w := range r.Weights {
		sfx := r.suffix(k)
		ps = append(ps, Param{Name: "weight_ih" + sfx, Value: w.IH, Role: Weight}, Param{Name: "weight_hh" + sfx, Value: w.HH, Role: RecurrentWeight})
		if w.BiasIH != nil {
			ps = append(ps, Param{Name: "bias_ih" + sfx, Value: w.BiasIH, Role: Bias})
		}
		if w.BiasHH != nil {
			ps = append(ps, Param{Name: "bias_hh" + sfx, Value: w.BiasHH, Role: Bias})
		}
	}
	return ps
}

// suffix returns the ending of the parameter names of Weights[k]: "_l1",
// or "_l1_reverse" for a backward direction.
func (r *Recurrent) suffix(k int) string {
	d := r.directions()
	if k%d == 1 {
		return fmt.Sprintf("_l%d_reverse", k/d)
	}
	return fmt.Sprintf("_l%d", k/d)
}

// MultiplyAdds counts the multiply-adds of the matrix products, G·H·(in +
// H) per layer, direction and step for G gates, times the steps: the
// leading dimension of out for a batch-first output sequence, otherwise
// the steps of the latest forward pass (as Summarize has just run one),
// or one step before any.
func (r *Recurrent) MultiplyAdds(out []int) int {
	h, gh := r.Config.HiddenSize, r.Cell.Gates()*r.Config.HiddenSize
	step := 0
	for l := range r.Config.NumLayers {
		in := r.Config.InputSize
		if l > 0 {
			in = r.directions() * h
		}
		step += r.directions() * gh * (in + h)
	}
	return step * r.steps(out)
}

// InputMultiplyAdds counts the part of MultiplyAdds that multiplies the
// layer's input: the first layer's input projection, G·H·in per
// direction and step. The rest multiplies the recurrent states and the
// inner layers' outputs.
func (r *Recurrent) InputMultiplyAdds(out []int) int {
	return r.directions() * r.Cell.Gates() * r.Config.HiddenSize * r.Config.InputSize * r.steps(out)
}

// steps is the number of time steps MultiplyAdds counts for an output of
// shape out (per example).
func (r *Recurrent) steps(out []int) int {
	if r.Config.BatchFirst && !r.Config.Last && len(out) >= 2 {
		return out[0]
	}
	return max(int(atomic.LoadInt64(&r.lastSteps)), 1)
}

// String describes the layer, as "LSTM(28→128)" with the options that
// differ from the defaults.
func (r *Recurrent) String() string {
	c := r.Config
	var b strings.Builder
	fmt.Fprintf(&b, "%s(%d→%d", r.Cell.Family(), c.InputSize, c.HiddenSize)
	if r.Cell == tensor.CellRNNReLU {
		b.WriteString(", relu")
	}
	if c.NumLayers > 1 {
		fmt.Fprintf(&b, ", %d layers", c.NumLayers)
	}
	if c.Bidirectional {
		b.WriteString(", bidirectional")
	}
	if c.NoBias {
		b.WriteString(", no bias")
	}
	if c.BatchFirst {
		b.WriteString(", batch first")
	}
	if c.Dropout > 0 {
		fmt.Fprintf(&b, ", dropout %g", c.Dropout)
	}
	if c.WeightDrop > 0 {
		fmt.Fprintf(&b, ", weight drop %g", c.WeightDrop)
	}
	if c.Last {
		b.WriteString(", last state")
	}
	b.WriteString(")")
	return b.String()
}

// Run runs the RNN on x from the initial state h0 ((L·D, N, H), or nil for
// zeros), with lengths as in Unroll (nil: every sequence has T steps),
// and returns the output sequence and the final hidden states, as
// PyTorch's rnn(x, h0) returns (output, h_n).
func (m *RNN) Run(g *autograd.Graph, x, h0 *autograd.Value, lengths []int) (out, hN *autograd.Value) {
	o := m.Unroll(g, x, h0, nil, lengths)
	return o.Out, o.H
}

// Run runs the GRU on x from the initial state h0 ((L·D, N, H), or nil for
// zeros), with lengths as in Unroll, and returns the output sequence and
// the final hidden states, as PyTorch's gru(x, h0) returns (output, h_n).
func (m *GRU) Run(g *autograd.Graph, x, h0 *autograd.Value, lengths []int) (out, hN *autograd.Value) {
	o := m.Unroll(g, x, h0, nil, lengths)
	return o.Out, o.H
}

// Run runs the LSTM on x from the initial states h0 and c0 ((L·D, N, H)
// each, or nil for zeros), with lengths as in Unroll, and returns the
// output sequence and the final hidden and cell states, as PyTorch's
// lstm(x, (h0, c0)) returns (output, (h_n, c_n)).
func (m *LSTM) Run(g *autograd.Graph, x, h0, c0 *autograd.Value, lengths []int) (out, hN, cN *autograd.Value) {
	o := m.Unroll(g, x, h0, c0, lengths)
	return o.Out, o.H, o.C
}
