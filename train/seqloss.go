package train

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// SequenceModel is a model of padded sequences that reads each example's
// length: Forward passes a batch of one sequence input with its lengths
// to ForwardLengths rather than to Forward, so that the model can leave
// out the padded steps (a recurrent layer with packed semantics) and
// the steps past the longest example altogether.
type SequenceModel interface {
	nn.Module
	// ForwardLengths runs the model on x (N, T, …), of which example i
	// has lengths[i] real steps. Its output may cover only the first T′
	// steps, T′ ≤ T, (N, T′, C): SequenceCrossEntropy and
	// SequenceAccuracy read the targets' first T′ steps.
	ForwardLengths(g *autograd.Graph, x *autograd.Value, lengths []int) *autograd.Value
}

// SequenceCrossEntropy is the loss of a sequence model that predicts a
// class at every step, such as the next character of a language model:
// the mean softmax cross-entropy over the real steps of the batch, the
// padded steps (labelled data.IgnoreIndex) left out. The model's output
// is (N, T′, C) for targets (N, T), T′ ≤ T: a model that stops at the
// batch's longest example gives T′ < T, and the steps past it, all
// padding, are not read.
type SequenceCrossEntropy struct{}

// Loss returns the mean cross-entropy per real step of the batch.
func (SequenceCrossEntropy) Loss(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	logits, labels := stepRows(g, out, b)
	return g.CrossEntropyWith(logits, labels, autograd.CrossEntropyOptions{}, autograd.ReduceMean)
}

// LossSum returns the cross-entropy summed over the real steps of the
// batch: Loss times Denominator.
func (SequenceCrossEntropy) LossSum(g *autograd.Graph, out *autograd.Value, b *data.Batch) *autograd.Value {
	logits, labels := stepRows(g, out, b)
	return g.CrossEntropyWith(logits, labels, autograd.CrossEntropyOptions{}, autograd.ReduceSum)
}

// Denominator returns what the mean over b divides by: the batch's real
// steps, the labels other than data.IgnoreIndex.
func (SequenceCrossEntropy) Denominator(b *data.Batch) float64 {
	return labelWeight(b.Target.I64(), tensor.DefaultIgnoreIndex, nil)
}

// Metrics returns the accuracy of the steps' predictions.
func (SequenceCrossEntropy) Metrics() []Metric { return []Metric{SequenceAccuracy{}} }

// Monitor picks the epoch of lowest validation loss.
func (SequenceCrossEntropy) Monitor() Monitor { return Monitor{Metric: "loss"} }

// stepRows views a sequence model's output as one row of logits per step,
// (N·T′, C), and returns the labels of those steps: the target itself
// when the output covers all its steps, otherwise its first T′ steps
// copied into the graph's arena (no allocation when warm).
func stepRows(g *autograd.Graph, out *autograd.Value, b *data.Batch) (*autograd.Value, []int64) {
	n, t, c := outputSteps(out.Shape(), b)
	logits := out
	if len(out.Shape()) != 2 {
		logits = g.Reshape(out, n*t, c)
	}
	return logits, firstSteps(g.Arena(), b.Target, t)
}

// outputSteps returns the examples, steps and classes of a sequence
// model's output (N, T′, C) or (N·T′, C) for the batch's (N, T) target.
func outputSteps(s []int, b *data.Batch) (n, t, c int) {
	ts := b.Target.Shape()
	if len(ts) != 2 {
		panic(fmt.Sprintf("train: a per-step target of shape %v, want (N, T)", ts))
	}
	n = ts[0]
	switch {
	case len(s) == 3 && s[0] == n:
		t, c = s[1], s[2]
	case len(s) == 2 && n > 0 && s[0]%n == 0:
		t, c = s[0]/n, s[1]
	default:
		panic(fmt.Sprintf("train: an output of shape %v for a per-step target of shape %v", s, ts))
	}
	if t > ts[1] {
		panic(fmt.Sprintf("train: an output of %d steps for a target of %d", t, ts[1]))
	}
	return n, t, c
}

// firstSteps returns the labels of the first t steps of every row of an
// (N, T) target, in a tensor from ar when t < T.
func firstSteps(ar *tensor.Arena, target *tensor.Tensor, t int) []int64 {
	n, full := target.Shape()[0], target.Shape()[1]
	labels := target.I64()
	if t == full {
		return labels
	}
	dst := ar.Empty(tensor.Int64, n*t).I64()
	for i := range n {
		copy(dst[i*t:(i+1)*t], labels[i*full:])
	}
	return dst
}

// SequenceAccuracy is the share of real steps whose largest logit is at
// their label, for a sequence model's output (N, T′, C) and targets
// (N, T), T′ ≤ T (see SequenceCrossEntropy): for a language model, the
// next-token accuracy.
type SequenceAccuracy struct{}

// Name returns "accuracy".
func (SequenceAccuracy) Name() string { return "accuracy" }

// Stats returns 2: steps right, steps counted.
func (SequenceAccuracy) Stats() int { return 2 }

// Accumulate counts the batch's right predictions.
func (SequenceAccuracy) Accumulate(s []float64, out *tensor.Tensor, b *data.Batch) {
	n, t, c := outputSteps(out.Shape(), b)
	full := b.Target.Shape()[1]
	labels := b.Target.I64()
	for i := range n {
		for j := range t {
			l := labels[i*full+j]
			if l < 0 {
				continue // padding
			}
			if tensor.ArgMaxRow(out, i*t+j, c) == int(l) {
				s[0]++
			}
			s[1]++
		}
	}
}

// Value returns the share right.
func (SequenceAccuracy) Value(s []float64) float64 { return ratio(s[0], s[1]) }

// SequenceLoss returns the mean cross-entropy per real step of a sequence
// model over all the examples of ds, in nats — every step weighing the
// same, where the loss Fit reports averages the batches' means — and the
// number of steps. For a language model of characters it is the
// held-out loss per character (each character and each example's end)
// that n-gram models are compared by. It runs over tensor.Threads()
// workers; the figure does not depend on their number.
func SequenceLoss(model nn.Module, ds data.Dataset, batch int) (float64, int) {
	nb := StepsPerEpoch(ds.Len(), batch)
	sums, counts := make([]float64, nb), make([]int, nb)
	forEachBatch(model, ds, batch, func(bi int, g *autograd.Graph, out *autograd.Value, b *data.Batch) {
		logits, labels := stepRows(g, out, b)
		sums[bi] = g.CrossEntropyWith(logits, labels, autograd.CrossEntropyOptions{}, autograd.ReduceSum).Item()
		for _, l := range labels {
			if l >= 0 {
				counts[bi]++
			}
		}
	})
	var sum float64
	n := 0
	for i := range sums {
		sum += sums[i]
		n += counts[i]
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}
