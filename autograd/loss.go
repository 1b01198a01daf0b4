package autograd

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/tensor"
)

// Reduction says how a loss turns per-example losses into one number.
type Reduction int

const (
	// ReduceMean averages the per-example losses (the default).
	ReduceMean Reduction = iota
	// ReduceSum adds them up.
	ReduceSum
)

// String returns "mean" or "sum".
func (r Reduction) String() string {
	if r == ReduceSum {
		return "sum"
	}
	return "mean"
}

// lossNode makes the scalar output node of a loss.
func (g *Graph) lossNode(op string, red Reduction, inputs ...*Value) *Value {
	g.check(op, inputs...)
	out := g.result(op, g.arena.Empty(inputs[0].data.DType()), inputs...)
	out.ints[7] = int(red)
	return out
}

// lossScale is the factor that turns a sum over count terms into the
// requested reduction, times the gradient arriving at the loss.
func lossScale(out *Value, count int) float64 {
	s := out.grad.Item()
	if Reduction(out.ints[7]) == ReduceMean && count > 0 {
		s /= float64(count)
	}
	return s
}

func reduceTotal(total float64, count int, red Reduction) float64 {
	if red == ReduceMean {
		return total / float64(count)
	}
	return total
}

func checkLabels(op string, labels []int, n, classes int) {
	if len(labels) != n {
		panic(fmt.Sprintf("autograd: %s: %d labels for a batch of %d", op, len(labels), n))
	}
	for i, l := range labels {
		if l < 0 || l >= classes {
			panic(fmt.Sprintf("autograd: %s: label %d of example %d is outside 0..%d", op, l, i, classes-1))
		}
	}
}

// CrossEntropy returns the cross-entropy between the softmax of logits
// (N, C) and the true classes: the mean (or sum) over examples of
// -log g.softmax(logits)[label]. It is computed from the logits with
// log-sum-exp, never from probabilities, so it is stable for any logits;
// the gradient is (softmax - onehot(label)), divided by N for the mean.
func (g *Graph) CrossEntropy(logits *Value, labels []int, red Reduction) *Value {
	xs := logits.Shape()
	if len(xs) != 2 {
		panic(fmt.Sprintf("autograd: cross_entropy needs logits of shape (N, C), got %v", xs))
	}
	checkLabels("cross_entropy", labels, xs[0], xs[1])
	out := g.lossNode("cross_entropy", red, logits)
	probs := out.graph.arena.EmptyLike(logits.data)
	var total float64
	if probs.DType() == tensor.Float64 {
		total = crossEntropyRows(probs.F64(), logits.data.F64(), labels, xs[1])
	} else {
		total = crossEntropyRows(probs.F32(), logits.data.F32(), labels, xs[1])
	}
	out.data.SetFlat(0, reduceTotal(total, xs[0], red))
	out.saved[0], out.labels = probs, labels
	out.backward = func(out *Value) {
		x := out.parents[0]
		s := lossScale(out, len(out.labels))
		if g := x.gradBuf(); g.DType() == tensor.Float64 {
			crossEntropyGrad(g.F64(), out.saved[0].F64(), out.labels, s)
		} else {
			crossEntropyGrad(g.F32(), out.saved[0].F32(), out.labels, float32(s))
		}
	}
	return out
}

// crossEntropyRows writes the softmax of each row of logits into probs and
// returns the summed negative log-likelihood of the labels.
func crossEntropyRows[T tensor.Float](probs, logits []T, labels []int, c int) float64 {
	var total float64
	for i, l := range labels {
		row, p := logits[i*c:(i+1)*c], probs[i*c:(i+1)*c]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(s)
		for k, v := range row {
			p[k] = T(math.Exp(float64(v) - lse))
		}
		total += lse - float64(row[l])
	}
	return total
}

func crossEntropyGrad[T tensor.Float](g, probs []T, labels []int, s T) {
	c := len(probs) / len(labels)
	for i, l := range labels {
		gr, p := g[i*c:(i+1)*c], probs[i*c:(i+1)*c]
		for k, v := range p {
			gr[k] += s * v
		}
		gr[l] -= s
	}
}

// NLLLoss returns the negative log-likelihood of the labels given
// log-probabilities (N, C), as produced by LogSoftmax: the mean (or sum) of
// -logp[label].
func (g *Graph) NLLLoss(logp *Value, labels []int, red Reduction) *Value {
	xs := logp.Shape()
	if len(xs) != 2 {
		panic(fmt.Sprintf("autograd: nll_loss needs log-probabilities of shape (N, C), got %v", xs))
	}
	checkLabels("nll_loss", labels, xs[0], xs[1])
	out := g.lossNode("nll_loss", red, logp)
	var total float64
	for i, l := range labels {
		total -= logp.data.Flat(i*xs[1] + l)
	}
	out.data.SetFlat(0, reduceTotal(total, xs[0], red))
	out.labels = labels
	out.backward = func(out *Value) {
		x := out.parents[0]
		s := lossScale(out, len(out.labels))
		g := x.gradBuf()
		c := x.Shape()[1]
		for i, l := range out.labels {
			g.SetFlat(i*c+l, g.Flat(i*c+l)-s)
		}
	}
	return out
}

// MSELoss returns the mean (or sum) of the squared differences between
// pred and target, which must have the same shape. d/dpred = 2(pred -
// target), divided by the count for the mean.
func (g *Graph) MSELoss(pred, target *Value, red Reduction) *Value {
	checkSame("mse_loss", pred, target)
	out := g.lossNode("mse_loss", red, pred, target)
	var total float64
	for i := 0; i < pred.data.Len(); i++ {
		d := pred.data.Flat(i) - target.data.Flat(i)
		total += d * d
	}
	out.data.SetFlat(0, reduceTotal(total, pred.data.Len(), red))
	out.backward = func(out *Value) {
		p, t := out.parents[0], out.parents[1]
		s := 2 * lossScale(out, p.data.Len())
		d := scratchLike(out, p)
		tensor.SubTo(d, p.data, t.data)
		if p.requiresGrad {
			p.gradBuf().AddScaled(s, d)
		}
		if t.requiresGrad {
			t.gradBuf().AddScaled(-s, d)
		}
	}
	return out
}

func scratchLike(out, v *Value) *tensor.Tensor { return out.graph.arena.EmptyLike(v.data) }

func checkSame(op string, a, b *Value) {
	if !a.data.SameShape(b.data) {
		panic(fmt.Sprintf("autograd: %s: prediction shape %v and target shape %v differ", op, a.Shape(), b.Shape()))
	}
}

// BCELoss returns the binary cross-entropy between probabilities p (in
// [0, 1]) and targets y: the mean (or sum) of -(y·log p + (1-y)·log(1-p)).
// Like PyTorch it clamps each log at -100 so that p = 0 or 1 gives a large
// finite loss rather than infinity. Prefer BCEWithLogitsLoss, which is
// stable without clamping.
func (g *Graph) BCELoss(p, y *Value, red Reduction) *Value {
	checkSame("bce_loss", p, y)
	out := g.lossNode("bce_loss", red, p, y)
	var total float64
	for i := 0; i < p.data.Len(); i++ {
		pv, yv := p.data.Flat(i), y.data.Flat(i)
		total -= yv*math.Max(math.Log(pv), -100) + (1-yv)*math.Max(math.Log(1-pv), -100)
	}
	out.data.SetFlat(0, reduceTotal(total, p.data.Len(), red))
	out.backward = func(out *Value) {
		p, y := out.parents[0], out.parents[1]
		s := lossScale(out, p.data.Len())
		if p.requiresGrad {
			g := p.gradBuf()
			for i := 0; i < g.Len(); i++ {
				pv, yv := p.data.Flat(i), y.data.Flat(i)
				// d/dp = (p - y) / (p(1-p)), with the denominator kept away from 0.
				g.SetFlat(i, g.Flat(i)+s*(pv-yv)/math.Max(pv*(1-pv), 1e-12))
			}
		}
		if y.requiresGrad {
			g := y.gradBuf()
			for i := 0; i < g.Len(); i++ {
				pv := p.data.Flat(i)
				g.SetFlat(i, g.Flat(i)-s*(math.Max(math.Log(pv), -100)-math.Max(math.Log(1-pv), -100)))
			}
		}
	}
	return out
}

// BCEWithLogitsLoss returns the binary cross-entropy between sigmoid(x)
// and targets y, computed from the logits x as
// max(x, 0) - x·y + log(1 + e^-|x|), which never overflows. The gradient
// is sigmoid(x) - y.
func (g *Graph) BCEWithLogitsLoss(x, y *Value, red Reduction) *Value {
	checkSame("bce_with_logits", x, y)
	out := g.lossNode("bce_with_logits", red, x, y)
	var total float64
	for i := 0; i < x.data.Len(); i++ {
		xv, yv := x.data.Flat(i), y.data.Flat(i)
		total += math.Max(xv, 0) - xv*yv + math.Log1p(math.Exp(-math.Abs(xv)))
	}
	out.data.SetFlat(0, reduceTotal(total, x.data.Len(), red))
	out.backward = func(out *Value) {
		x, y := out.parents[0], out.parents[1]
		s := lossScale(out, x.data.Len())
		if x.requiresGrad {
			g := x.gradBuf()
			for i := 0; i < g.Len(); i++ {
				xv := x.data.Flat(i)
				sig := 1 / (1 + math.Exp(-xv))
				if xv < 0 {
					e := math.Exp(xv)
					sig = e / (1 + e)
				}
				g.SetFlat(i, g.Flat(i)+s*(sig-y.data.Flat(i)))
			}
		}
		if y.requiresGrad {
			g := y.gradBuf()
			for i := 0; i < g.Len(); i++ {
				g.SetFlat(i, g.Flat(i)-s*x.data.Flat(i))
			}
		}
	}
	return out
}
