package train

import (
	"fmt"
	"slices"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/tensor"
)

// Loss is what training minimises: it takes the model's output for a
// batch and the batch itself (its target, lengths and mask) and returns a
// scalar on the graph, the mean over the batch's examples. A Loss must
// be safe for concurrent use: evaluation runs several batches at once.
type Loss interface {
	Loss(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value
}

// Task is implemented by losses that know what to measure and how to pick
// the best epoch: the trainer takes these when Config leaves Metrics and
// Monitor empty.
type Task interface {
	Metrics() []Metric
	Monitor() Monitor
}

// CrossEntropy is the loss of classification: softmax cross-entropy
// between the model's logits (N, C) — or (N, T, C) for one class per step —
// and int64 labels, with PyTorch's options. Examples labelled
// data.IgnoreIndex (-100, PyTorch's default ignore index, and what a batch
// puts in the padded steps of a sequence target) are left out; Ignore
// chooses another label to leave out instead.
type CrossEntropy struct {
	// Weight, if not nil, weighs each class's examples (len C).
	Weight []float64 `json:"weight,omitempty"`
	// LabelSmoothing ε in [0, 1) mixes the one-hot target with the
	// uniform distribution: (1-ε)·onehot + ε/C.
	LabelSmoothing float64 `json:"label_smoothing,omitempty"`
	// Ignore, if set, leaves out every example labelled IgnoreIndex.
	Ignore      bool  `json:"ignore,omitempty"`
	IgnoreIndex int64 `json:"ignore_index,omitempty"`
}

// Loss returns the mean cross-entropy of the batch.
func (c CrossEntropy) Loss(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	labels := b.Target.I64()
	return g.CrossEntropyWith(rowsOf(g, out, len(labels)), labels, c.options(), autograd.ReduceMean)
}

// LossSum returns the cross-entropy summed over the batch: Loss times
// Denominator, right also where the denominator is 0 (see Shareable).
func (c CrossEntropy) LossSum(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	labels := b.Target.I64()
	return g.CrossEntropyWith(rowsOf(g, out, len(labels)), labels, c.options(), autograd.ReduceSum)
}

// options returns the loss's options for the graph's cross-entropy.
func (c CrossEntropy) options() autograd.CrossEntropyOptions {
	o := autograd.CrossEntropyOptions{Weight: c.Weight, LabelSmoothing: c.LabelSmoothing}
	if c.Ignore {
		o.IgnoreIndex, o.UseIgnoreIndex = c.IgnoreIndex, true
	}
	return o
}

// Denominator returns what the mean over b divides by: the summed class
// weights of the labels not ignored (their number without Weight).
func (c CrossEntropy) Denominator(b *data.Batch) float64 {
	return labelWeight(b.Target.I64(), c.options().Ignored(), c.Weight)
}

// labelWeight sums the weights of the labels other than ignored (1 each
// without weights). A label outside the weights counts 0: the loss
// itself refuses it.
func labelWeight(labels []int64, ignored int64, weight []float64) float64 {
	d := 0.0
	for _, y := range labels {
		switch {
		case y == ignored:
		case weight == nil:
			d++
		case y >= 0 && y < int64(len(weight)):
			d += weight[y]
		}
	}
	return d
}

// Metrics returns accuracy.
func (CrossEntropy) Metrics() []Metric { return []Metric{Accuracy{}} }

// Monitor picks the epoch of highest validation accuracy.
func (CrossEntropy) Monitor() Monitor { return Monitor{Metric: "accuracy", Max: true} }

// rowsOf views out as (n, C): a (N, T, C) output of per-step logits
// becomes (N·T, C).
func rowsOf(g *autograd.Graph, out *autograd.Value, n int) *autograd.Value {
	s := out.Shape()
	if len(s) == 2 && s[0] == n {
		return out
	}
	c := s[len(s)-1]
	if tensor.Numel(s) != n*c {
		panic(fmt.Sprintf("train: %d labels for an output of shape %v", n, s))
	}
	return g.Reshape(out, n, c)
}

// BCEWithLogits is the loss of binary (and multi-label) classification:
// binary cross-entropy of float32 targets in [0, 1] given the model's
// logits, of the target's shape. Padded steps (the batch has a mask) are
// left out.
type BCEWithLogits struct{}

// Loss returns the mean binary cross-entropy of the batch.
func (BCEWithLogits) Loss(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	// Without a mask (b.Mask nil) this is the plain mean.
	return g.BCEWithLogitsMasked(like(g, out, b.Target), g.Input(b.Target), b.Mask)
}

// LossSum returns the binary cross-entropy summed over the batch's
// (masked) targets.
func (BCEWithLogits) LossSum(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	return g.BCEWithLogitsWith(like(g, out, b.Target), g.Input(b.Target), autograd.BCEOptions{Mask: b.Mask}, autograd.ReduceSum)
}

// Denominator returns what the mean over b divides by: the target's
// numbers, or the mask's sum when the batch has one.
func (BCEWithLogits) Denominator(b *data.Batch) float64 { return maskedCount(b) }

// maskedCount returns the number of target values a masked mean over b
// averages: the mask's sum when b has one, else all of them.
func maskedCount(b *data.Batch) float64 {
	if b.Mask == nil {
		return float64(b.Target.Len())
	}
	per := 1
	if m := b.Mask.Len(); m > 0 {
		per = b.Target.Len() / m // the features of each step
	}
	return tensor.Sum(b.Mask).Item() * float64(per)
}

// Metrics returns the accuracy of thresholding the logits at 0.
func (BCEWithLogits) Metrics() []Metric { return []Metric{BinaryAccuracy{}} }

// Monitor picks the epoch of highest validation accuracy.
func (BCEWithLogits) Monitor() Monitor { return Monitor{Metric: "accuracy", Max: true} }

// MSE is the loss of regression: the mean squared error between the
// model's output and float32 targets of its shape. Padded steps (the
// batch has a mask) are left out. It reports RMSE, MAE and R².
type MSE struct{}

// Loss returns the mean squared error of the batch.
func (MSE) Loss(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	// Without a mask (b.Mask nil) this is the plain mean.
	return g.MSELossMasked(like(g, out, b.Target), g.Input(b.Target), b.Mask)
}

// LossSum returns the squared error summed over the batch's (masked)
// targets.
func (MSE) LossSum(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	return g.MSELossWith(like(g, out, b.Target), g.Input(b.Target), b.Mask, autograd.ReduceSum)
}

// Denominator returns what the mean over b divides by: the target's
// numbers, or the masked ones when the batch has a mask.
func (MSE) Denominator(b *data.Batch) float64 { return maskedCount(b) }

// Metrics returns RMSE, MAE and R².
func (MSE) Metrics() []Metric { return []Metric{RMSE{}, MAE{}, R2{}} }

// Monitor picks the epoch of lowest validation loss.
func (MSE) Monitor() Monitor { return Monitor{Metric: "loss"} }

// like reshapes a model output to the target's shape when they hold the
// same number of numbers (a (N, 1) output for an (N) target).
func like(g *autograd.Graph, out *autograd.Value, target *tensor.Tensor) *autograd.Value {
	if tensor.Numel(out.Shape()) != target.Len() {
		panic(fmt.Sprintf("train: output of shape %v for a target of shape %v", out.Shape(), target.Shape()))
	}
	if !slices.Equal(out.Shape(), target.Shape()) {
		return g.Reshape(out, target.Shape()...)
	}
	return out
}
