package train

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// stepBatch collates three token sequences of lengths 2, 4 and 1 into a
// batch of 5 steps, with per-step class targets.
func stepBatch(t *testing.T) *data.Batch {
	t.Helper()
	var xs, ys []*tensor.Tensor
	for _, s := range [][]int64{{1, 2}, {3, 0, 1, 2}, {2}} {
		x := tensor.FromInt64(append([]int64(nil), s...), len(s))
		y := make([]int64, len(s))
		for i, v := range s {
			y[i] = (v + 1) % 3
		}
		xs, ys = append(xs, x), append(ys, tensor.FromInt64(y, len(s)))
	}
	ds, err := data.NewSequences(xs, ys, true, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := data.NewBatch(ds.Spec(), 3)
	b.Collate(ds, []int{0, 1, 2})
	return b
}

// manualLoss is the mean cross-entropy of the real steps, logits (N, T′, C).
func manualLoss(logits *tensor.Tensor, b *data.Batch) float64 {
	n, tp, c := logits.Shape()[0], logits.Shape()[1], logits.Shape()[2]
	labels, full := b.Target.I64(), b.Target.Shape()[1]
	sum, count := 0.0, 0
	for i := range n {
		for s := range tp {
			l := labels[i*full+s]
			if l < 0 {
				continue
			}
			z := 0.0
			for k := range c {
				z += math.Exp(logits.At(i, s, k))
			}
			sum += math.Log(z) - logits.At(i, s, int(l))
			count++
		}
	}
	return sum / float64(count)
}

// TestSequenceCrossEntropyMasks checks the loss against a direct sum over
// the real steps, for an output of every step and for one cut at the
// longest example; padded steps get no gradient; the metric counts real
// steps only.
func TestSequenceCrossEntropyMasks(t *testing.T) {
	b := stepBatch(t)
	rng := tensor.NewRNG(3)
	full := tensor.RandNormal(rng, tensor.Float32, 0, 1, 3, 5, 3)
	cut := tensor.New(tensor.Float32, 3, 4, 3)
	for i := range 3 {
		for s := range 4 {
			for k := range 3 {
				cut.Set(full.At(i, s, k), i, s, k)
			}
		}
	}
	for name, logits := range map[string]*tensor.Tensor{"every step": full, "cut": cut} {
		g := autograd.NewGraph()
		x := autograd.NewParam("logits", logits.Clone())
		l := SequenceCrossEntropy{}.Loss(g, x, b)
		if got, want := l.Item(), manualLoss(logits, b); math.Abs(got-want) > 1e-5 {
			t.Errorf("%s: loss %v, want %v", name, got, want)
		}
		l.Backward()
		for i, n := range b.Lengths {
			for s := n; s < logits.Shape()[1]; s++ {
				for k := range 3 {
					if gr := x.Grad().At(i, s, k); gr != 0 {
						t.Errorf("%s: padded step %d of example %d has gradient %v", name, s, i, gr)
					}
				}
			}
		}
		acc := make([]float64, 2)
		SequenceAccuracy{}.Accumulate(acc, logits, b)
		if acc[1] != 7 {
			t.Errorf("%s: %v steps counted, want 7", name, acc[1])
		}
	}
}

// stepModel gives fixed logits for each token id, whatever came before:
// it stops at the longest example, as charlm does, when given lengths.
type stepModel struct{ table *autograd.Value }

func (m stepModel) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Embedding(m.table, x)
}

func (m stepModel) ForwardLengths(g *autograd.Graph, x *autograd.Value, lengths []int) *autograd.Value {
	t := 0
	for _, l := range lengths {
		t = max(t, l)
	}
	n, full := x.Shape()[0], x.Shape()[1]
	ids := tensor.New(tensor.Int64, n, t)
	for i := range n {
		copy(ids.I64()[i*t:(i+1)*t], x.Data().I64()[i*full:])
	}
	return g.Embedding(m.table, g.Input(ids))
}

func (m stepModel) Params() []nn.Param {
	return []nn.Param{{Name: "table", Value: m.table, Role: nn.Other}}
}

// TestSequenceLossIsPerStep checks that SequenceLoss weighs every real
// step alike, across batches of different lengths, and that Forward
// passes the lengths to a SequenceModel.
func TestSequenceLossIsPerStep(t *testing.T) {
	b := stepBatch(t)
	m := stepModel{autograd.NewParam("table", tensor.RandNormal(tensor.NewRNG(5), tensor.Float32, 0, 1, 4, 3))}
	g := autograd.NewInferenceGraph()
	if s := Forward(g, m, b).Shape(); s[1] != 4 {
		t.Fatalf("Forward gave %v: the lengths did not reach the model", s)
	}
	var xs, ys []*tensor.Tensor
	for _, s := range [][]int64{{1, 2}, {3, 0, 1, 2}, {2}} {
		y := make([]int64, len(s))
		for i, v := range s {
			y[i] = (v + 1) % 3
		}
		xs, ys = append(xs, tensor.FromInt64(append([]int64(nil), s...), len(s))), append(ys, tensor.FromInt64(y, len(s)))
	}
	ds, _ := data.NewSequences(xs, ys, true, 5, nil)
	// One batch of all three against batches of two and one: the same
	// mean over the 7 steps.
	all, steps := SequenceLoss(m, ds, 3)
	split, _ := SequenceLoss(m, ds, 2)
	g2 := autograd.NewInferenceGraph()
	want := manualLoss(m.Forward(g2, g2.Input(b.Inputs[0])).Data(), b)
	if steps != 7 || math.Abs(all-want) > 1e-5 || math.Abs(split-want) > 1e-5 {
		t.Errorf("SequenceLoss %v (batch 3), %v (batch 2) over %d steps; want %v over 7", all, split, steps, want)
	}
}
