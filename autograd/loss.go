package autograd

import (
	"fmt"

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

// reduced is what every loss op shares: its reduction and the count of
// terms a mean divides by.
type reduced struct {
	red   Reduction
	count int
}

// scalar makes the loss's one-element output from the summed loss.
func (r *reduced) scalar(c Ctx, dtype tensor.DType, total float64, count int) *tensor.Tensor {
	r.count = count
	if r.red == ReduceMean {
		total /= float64(count)
	}
	out := c.Arena().Empty(dtype)
	out.Fill(total)
	return out
}

// scale is the factor that turns the gradient arriving at the loss into
// the gradient of the summed loss: divided by the count for the mean.
func (r *reduced) scale(gout *tensor.Tensor) float64 {
	s := gout.Item()
	if r.red == ReduceMean && r.count > 0 {
		s /= float64(r.count)
	}
	return s
}

// crossEntropyOp is softmax followed by the negative log-likelihood, as one
// node.
type crossEntropyOp struct {
	reduced
	labels []int
	probs  *tensor.Tensor
}

func (*crossEntropyOp) Name() string { return "cross_entropy" }

// CrossEntropy returns the cross-entropy between the softmax of logits
// (N, C) and the true classes: the mean (or sum) over examples of
// -log softmax(logits)[label]. It is computed from the logits with
// log-sum-exp, never from probabilities, so it is stable for any logits;
// the gradient is (softmax - onehot(label)), divided by N for the mean.
func (g *Graph) CrossEntropy(logits *Value, labels []int, red Reduction) *Value {
	op := NewOp[crossEntropyOp](g)
	op.red, op.labels = red, labels
	return g.Apply(op, logits)
}

func (op *crossEntropyOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	if x.Dims() != 2 {
		panic(fmt.Sprintf("autograd: cross_entropy needs logits of shape (N, C), got %v", x.Shape()))
	}
	op.probs = c.Arena().EmptyLike(x)
	total := tensor.SoftmaxCrossEntropy(op.probs, x, op.labels)
	return op.scalar(c, x.DType(), total, len(op.labels))
}

func (op *crossEntropyOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.SoftmaxCrossEntropyBackward(gin[0], op.probs, op.labels, op.scale(gout))
	}
}

// nllOp is the negative log-likelihood of labels given log-probabilities.
type nllOp struct {
	reduced
	labels []int
}

func (*nllOp) Name() string { return "nll_loss" }

// NLLLoss returns the negative log-likelihood of the labels given
// log-probabilities (N, C), as produced by LogSoftmax: the mean (or sum) of
// -logp[label].
func (g *Graph) NLLLoss(logp *Value, labels []int, red Reduction) *Value {
	op := NewOp[nllOp](g)
	op.red, op.labels = red, labels
	return g.Apply(op, logp)
}

func (op *nllOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	if in[0].Dims() != 2 {
		panic(fmt.Sprintf("autograd: nll_loss needs log-probabilities of shape (N, C), got %v", in[0].Shape()))
	}
	return op.scalar(c, in[0].DType(), tensor.NLLSum(in[0], op.labels), len(op.labels))
}

func (op *nllOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.NLLBackward(gin[0], op.labels, op.scale(gout))
	}
}

// checkSame panics unless a loss's prediction and target have one shape.
func checkSame(op string, in []*tensor.Tensor) {
	if !in[0].SameShape(in[1]) {
		panic(fmt.Sprintf("autograd: %s: prediction shape %v and target shape %v differ", op, in[0].Shape(), in[1].Shape()))
	}
}

// mseOp is the mean (or summed) squared error.
type mseOp struct{ reduced }

func (*mseOp) Name() string { return "mse_loss" }

// MSELoss returns the mean (or sum) of the squared differences between
// pred and target, which must have the same shape. d/dpred = 2(pred -
// target), divided by the count for the mean.
func (g *Graph) MSELoss(pred, target *Value, red Reduction) *Value {
	op := NewOp[mseOp](g)
	op.red = red
	return g.Apply(op, pred, target)
}

func (op *mseOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	checkSame("mse_loss", in)
	return op.scalar(c, in[0].DType(), tensor.SquaredErrorSum(in[0], in[1]), in[0].Len())
}

func (op *mseOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	s := 2 * op.scale(gout)
	d := c.Arena().EmptyLike(c.Input(0))
	tensor.SubTo(d, c.Input(0), c.Input(1))
	if gin[0] != nil {
		gin[0].AddScaled(s, d)
	}
	if gin[1] != nil {
		gin[1].AddScaled(-s, d)
	}
}

// bceOp is binary cross-entropy, from probabilities or from logits.
type bceOp struct {
	reduced
	logits bool
}

func (op *bceOp) Name() string {
	if op.logits {
		return "bce_with_logits"
	}
	return "bce_loss"
}

// BCELoss returns the binary cross-entropy between probabilities p (in
// [0, 1]) and targets y: the mean (or sum) of -(y·log p + (1-y)·log(1-p)).
// Like PyTorch it clamps each log at -100 so that p = 0 or 1 gives a large
// finite loss rather than infinity. Prefer BCEWithLogitsLoss, which is
// stable without clamping.
func (g *Graph) BCELoss(p, y *Value, red Reduction) *Value { return g.bce(p, y, red, false) }

// BCEWithLogitsLoss returns the binary cross-entropy between sigmoid(x)
// and targets y, computed from the logits x as
// max(x, 0) - x·y + log(1 + e^-|x|), which never overflows. The gradient
// is sigmoid(x) - y.
func (g *Graph) BCEWithLogitsLoss(x, y *Value, red Reduction) *Value {
	return g.bce(x, y, red, true)
}

func (g *Graph) bce(x, y *Value, red Reduction, logits bool) *Value {
	op := NewOp[bceOp](g)
	op.red, op.logits = red, logits
	return g.Apply(op, x, y)
}

func (op *bceOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	checkSame(op.Name(), in)
	var total float64
	if op.logits {
		total = tensor.BCEWithLogitsSum(in[0], in[1])
	} else {
		total = tensor.BCESum(in[0], in[1])
	}
	return op.scalar(c, in[0].DType(), total, in[0].Len())
}

func (op *bceOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if op.logits {
		tensor.BCEWithLogitsBackward(gin[0], gin[1], c.Input(0), c.Input(1), op.scale(gout))
	} else {
		tensor.BCEBackward(gin[0], gin[1], c.Input(0), c.Input(1), op.scale(gout))
	}
}
