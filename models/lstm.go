package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx"
)

// LSTMHidden is the default hidden size of the lstm model.
const LSTMHidden = 128

// SequentialLSTM builds the lstm model: an image read as a sequence of
// its rows (sequential MNIST: 28 steps of 28 pixels, each row's channels
// side by side), an LSTM of hidden units, and a linear classifier of its
// last hidden state:
//
//	rows    (N, C, H, W) → (N, H, C·W)
//	lstm    LSTM(C·W → hidden), batch first, last state
//	output  Linear(hidden → classes)
//
// The PyTorch twin in bench/torch_bench.py has the same layers.
func SequentialLSTM(rng *rand.Rand, channels, width, hidden, classes int) *nn.Sequential {
	return nn.NewSequential(
		nn.Named{Name: "rows", Module: RowsAsSteps{}},
		nn.Named{Name: "lstm", Module: nn.NewLSTM(rng, nn.RecurrentConfig{InputSize: channels * width, HiddenSize: hidden, BatchFirst: true, Last: true})},
		nn.Named{Name: "output", Module: nn.NewLinear(rng, hidden, classes)},
	)
}

// RowsAsSteps turns images (N, C, H, W) into sequences (N, H, C·W): one
// step per row, the row's channels side by side. It has no parameters.
type RowsAsSteps struct{}

// Forward reshapes x.
func (RowsAsSteps) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	s := x.Shape()
	if len(s) != 4 {
		panic(fmt.Sprintf("models: RowsAsSteps of a %d-D value %v, want (N, C, H, W)", len(s), s))
	}
	if s[1] != 1 {
		x = g.Permute(x, 0, 2, 1, 3)
	}
	return g.Reshape(x, s[0], s[2], s[1]*s[3])
}

// Params returns nothing.
func (RowsAsSteps) Params() []nn.Param { return nil }

// String describes the layer.
func (RowsAsSteps) String() string { return "RowsAsSteps" }

// ExportONNX writes the layer as ONNX: a Transpose when there are
// several channels, and a Reshape whose 0 keeps the dynamic batch.
func (RowsAsSteps) ExportONNX(e *onnx.Emitter, in []string) ([]string, error) {
	s := e.Shape(in[0])
	if len(s) != 4 {
		return nil, fmt.Errorf("RowsAsSteps of a %d-D value", len(s))
	}
	x := in[0]
	if s[1] != 1 {
		x = e.Node("Transpose", []string{x}, onnx.IntsAttr("perm", 0, 2, 1, 3))
	}
	return []string{e.Node("Reshape", []string{x, e.Ints([]int64{0, int64(s[2]), int64(s[1] * s[3])})})}, nil
}
