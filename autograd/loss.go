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
	// ReduceNone keeps one loss per example (per row for CrossEntropyWith,
	// per element for BCEWithLogitsWith), as PyTorch's reduction="none".
	// Only the losses whose documentation says so accept it; the others
	// panic.
	ReduceNone
)

// String returns "mean", "sum" or "none".
func (r Reduction) String() string {
	switch r {
	case ReduceSum:
		return "sum"
	case ReduceNone:
		return "none"
	}
	return "mean"
}

// scalarOnly panics when a loss that makes one number is asked for
// ReduceNone.
func scalarOnly(op string, red Reduction) {
	if red == ReduceNone {
		panic("autograd: " + op + " reduces to one number; ReduceNone needs CrossEntropyWith or BCEWithLogitsWith")
	}
}

// reduced is what every loss op shares: its reduction and the weight a
// mean divides the summed loss by — the number of terms, or a sum of class
// weights or of a mask.
type reduced struct {
	red    Reduction
	weight float64
}

// output returns the loss's output: for ReduceNone each, the per-example
// losses the op wrote; otherwise a one-element tensor holding the summed
// loss total, divided by weight for the mean. A mean over no weight is
// NaN — for a batch whose rows are all ignored or whose mask is all 0 — as
// in PyTorch, where it is 0/0.
func (r *reduced) output(c Ctx, dtype tensor.DType, each *tensor.Tensor, total, weight float64) *tensor.Tensor {
	r.weight = weight
	if r.red == ReduceNone {
		return each
	}
	if r.red == ReduceMean {
		if weight == 0 {
			total = math.NaN()
		} else {
			total /= weight
		}
	}
	out := c.Arena().Empty(dtype)
	out.Fill(total)
	return out
}

// grad returns what an op's backward hands its kernel: the factor s that
// turns the gradient arriving at the loss into the gradient of the summed
// loss and, for ReduceNone, each, the gradient of every per-example loss
// (gout itself, with s = 1). A mean over no weight has no finite gradient:
// NaN, which reaches every element that takes part (every element of a
// masked loss; the rows not ignored of a cross-entropy), where PyTorch has
// NaN too.
func (r *reduced) grad(gout *tensor.Tensor) (s float64, each *tensor.Tensor) {
	if r.red == ReduceNone {
		return 1, gout
	}
	s = gout.Item()
	if r.red == ReduceMean {
		if r.weight == 0 {
			return math.NaN(), nil
		}
		s /= r.weight
	}
	return s, nil
}

// scale is grad's factor for the losses that reduce to one number.
func (r *reduced) scale(gout *tensor.Tensor) float64 {
	s, _ := r.grad(gout)
	return s
}

// softmaxBuffer checks that a cross-entropy's input holds logits (N, C)
// and returns the tensor in which it saves their softmax for its backward.
func softmaxBuffer(c Ctx, x *tensor.Tensor) *tensor.Tensor {
	if x.Dims() != 2 {
		panic(fmt.Sprintf("autograd: cross_entropy needs logits of shape (N, C), got %v", x.Shape()))
	}
	return c.Arena().EmptyLike(x)
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
// CrossEntropyWith adds class weights, label smoothing, an ignored label
// and ReduceNone.
func (g *Graph) CrossEntropy(logits *Value, labels []int, red Reduction) *Value {
	scalarOnly("cross_entropy", red)
	op := NewOp[crossEntropyOp](g)
	op.red, op.labels = red, labels
	return g.Apply(op, logits)
}

func (op *crossEntropyOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	op.probs = softmaxBuffer(c, in[0])
	total := tensor.SoftmaxCrossEntropy(op.probs, in[0], op.labels)
	return op.output(c, in[0].DType(), nil, total, float64(len(op.labels)))
}

func (op *crossEntropyOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		tensor.SoftmaxCrossEntropyBackward(gin[0], op.probs, op.labels, op.scale(gout))
	}
}

// CrossEntropyOptions are the class weights, label smoothing and ignored
// label of CrossEntropyWith, with PyTorch's meaning; the zero value is
// PyTorch's defaults (rows labelled -100 are ignored). See
// tensor.CrossEntropyOptions for the formula.
type CrossEntropyOptions = tensor.CrossEntropyOptions

// crossEntropyWithOp is CrossEntropy with a batch's int64 labels, class
// weights, label smoothing, an ignored label and any reduction.
type crossEntropyWithOp struct {
	reduced
	labels []int64
	opts   CrossEntropyOptions
	probs  *tensor.Tensor
}

func (*crossEntropyWithOp) Name() string { return "cross_entropy" }

// CrossEntropyWith returns the cross-entropy between the softmax of logits
// (N, C) and the labels (N, each a class in 0..C-1 or the ignored label),
// with the class weights, label smoothing and ignored label of o, exactly
// as PyTorch 1.13's torch.nn.functional.cross_entropy(logits, labels,
// weight, ignore_index, reduction, label_smoothing) computes it:
//
//   - ReduceNone gives the N per-row losses, 0 for an ignored row;
//   - ReduceSum gives their sum;
//   - ReduceMean divides that sum by Σ weight[label] over the rows not
//     ignored (by their number without weights); when that is 0 the mean
//     is NaN, as in PyTorch: a batch whose rows are all ignored gets no
//     gradient, and one whose labels all weigh 0 gets NaN gradients in
//     the rows not ignored.
//
// Ignored rows receive no gradient. A label that is neither a class nor
// the ignored label panics, naming it and its row; so do a Weight whose
// length is not C and a LabelSmoothing outside [0, 1]. Like CrossEntropy,
// it is one node computed with log-sum-exp, stable for any logits, and a
// warm step allocates nothing. With the zero options and no label -100 it
// computes what CrossEntropy does, to the bit.
func (g *Graph) CrossEntropyWith(logits *Value, labels []int64, o CrossEntropyOptions, red Reduction) *Value {
	op := NewOp[crossEntropyWithOp](g)
	op.red, op.labels, op.opts = red, labels, o
	return g.Apply(op, logits)
}

func (op *crossEntropyWithOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	x := in[0]
	op.probs = softmaxBuffer(c, x)
	var rows *tensor.Tensor
	if op.red == ReduceNone {
		rows = c.Arena().Empty(x.DType(), x.Dim(0))
	}
	total, w := tensor.SoftmaxCrossEntropyWith(rows, op.probs, x, op.labels, op.opts)
	return op.output(c, x.DType(), rows, total, w)
}

func (op *crossEntropyWithOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if gin[0] != nil {
		s, rows := op.grad(gout)
		tensor.SoftmaxCrossEntropyWithBackward(gin[0], op.probs, op.labels, op.opts, s, rows)
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
	scalarOnly("nll_loss", red)
	op := NewOp[nllOp](g)
	op.red, op.labels = red, labels
	return g.Apply(op, logp)
}

func (op *nllOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	if in[0].Dims() != 2 {
		panic(fmt.Sprintf("autograd: nll_loss needs log-probabilities of shape (N, C), got %v", in[0].Shape()))
	}
	return op.output(c, in[0].DType(), nil, tensor.NLLSum(in[0], op.labels), float64(len(op.labels)))
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

// mseOp is the squared error, summed or averaged, weighed by a mask when
// there is one.
type mseOp struct {
	reduced
	mask *tensor.Tensor
}

func (op *mseOp) Name() string {
	if op.mask != nil {
		return "masked_mse_loss"
	}
	return "mse_loss"
}

// MSELoss returns the mean (or sum) of the squared differences between
// pred and target, which must have the same shape. d/dpred = 2(pred -
// target), divided by the count for the mean.
func (g *Graph) MSELoss(pred, target *Value, red Reduction) *Value {
	scalarOnly("mse_loss", red)
	return g.mse(pred, target, nil, red)
}

// MSELossMasked returns the mean squared error between pred and target
// (one shape) over the elements the mask selects: Σ m·(pred-target)² /
// Σ m, for padded steps of sequences. The mask has pred's dtype and either
// pred's shape or a leading part of it, trailing dimensions of size 1
// allowed: a mask (N, T) or (N, T, 1) weighs every feature of step t of a
// prediction (N, T, D) alike, and the sum it is divided by counts each of
// its entries D times, so that the result is the mean over the selected
// elements. Entries may be 0/1 or any weights; a mask of ones gives
// MSELoss's mean, and a nil mask is MSELoss(pred, target, ReduceMean). A
// mask that sums to 0 gives NaN (0/0) and NaN gradients, as the same
// expression does in PyTorch. The gradient is 2·m·(pred-target)/Σ m for
// pred and its negative for target; the mask gets none.
func (g *Graph) MSELossMasked(pred, target *Value, mask *tensor.Tensor) *Value {
	return g.MSELossWith(pred, target, mask, ReduceMean)
}

// MSELossWith is the squared error between pred and target over the
// elements the mask selects (nil: all of them), reduced as red says:
// ReduceSum gives Σ m·(pred-target)², ReduceMean that divided by the
// mask's sum as MSELossMasked does. It is the twin of BCEWithLogitsWith.
func (g *Graph) MSELossWith(pred, target *Value, mask *tensor.Tensor, red Reduction) *Value {
	scalarOnly("mse_loss", red)
	return g.mse(pred, target, mask, red)
}

func (g *Graph) mse(pred, target *Value, mask *tensor.Tensor, red Reduction) *Value {
	op := NewOp[mseOp](g)
	op.red, op.mask = red, mask
	return g.Apply(op, pred, target)
}

func (op *mseOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	checkSame(op.Name(), in)
	total, w := tensor.MaskedSquaredErrorSum(in[0], in[1], op.mask)
	return op.output(c, in[0].DType(), nil, total, w)
}

func (op *mseOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	tensor.MaskedSquaredErrorBackward(gin[0], gin[1], c.Input(0), c.Input(1), op.mask, op.scale(gout))
}

// bceOp is binary cross-entropy from probabilities.
type bceOp struct{ reduced }

func (*bceOp) Name() string { return "bce_loss" }

// BCELoss returns the binary cross-entropy between probabilities p (in
// [0, 1]) and targets y: the mean (or sum) of -(y·log p + (1-y)·log(1-p)).
// Like PyTorch it clamps each log at -100 so that p = 0 or 1 gives a large
// finite loss rather than infinity. Prefer BCEWithLogitsLoss, which is
// stable without clamping.
func (g *Graph) BCELoss(p, y *Value, red Reduction) *Value {
	scalarOnly("bce_loss", red)
	op := NewOp[bceOp](g)
	op.red = red
	return g.Apply(op, p, y)
}

func (op *bceOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	checkSame(op.Name(), in)
	return op.output(c, in[0].DType(), nil, tensor.BCESum(in[0], in[1]), float64(in[0].Len()))
}

func (op *bceOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	tensor.BCEBackward(gin[0], gin[1], c.Input(0), c.Input(1), op.scale(gout))
}

// BCEOptions are the positive weights and the mask of BCEWithLogitsWith;
// the zero value is BCEWithLogitsLoss. See tensor.BCEOptions.
type BCEOptions = tensor.BCEOptions

// bceWithOp is binary cross-entropy with logits, positive weights, a mask
// and any reduction.
type bceWithOp struct {
	reduced
	opts BCEOptions
}

func (*bceWithOp) Name() string { return "bce_with_logits" }

// BCEWithLogitsLoss returns the binary cross-entropy between sigmoid(x)
// and targets y, computed from the logits x as
// max(x, 0) - x·y + log(1 + e^-|x|), which never overflows. The gradient
// is sigmoid(x) - y. It is BCEWithLogitsWith with no options.
func (g *Graph) BCEWithLogitsLoss(x, y *Value, red Reduction) *Value {
	scalarOnly("bce_with_logits", red)
	return g.BCEWithLogitsWith(x, y, BCEOptions{}, red)
}

// BCEWithLogitsWith returns the binary cross-entropy between sigmoid(x)
// and targets y (x's shape) with PyTorch's pos_weight (o.PosWeight, one
// weight per column of x's last dimension) and a mask (o.Mask) for padded
// steps, the element loss being
//
//	m·((1-y)·x + (1 + (p-1)·y)·log(1 + e^-x))
//
// computed without overflow, as PyTorch 1.13's
// binary_cross_entropy_with_logits(x, y, pos_weight=p) does. ReduceNone
// gives these element losses (x's shape), ReduceSum their sum, and
// ReduceMean their sum divided by the sum of the mask over x's elements —
// by x.Len() without a mask, matching PyTorch; a mask that sums to 0 gives
// NaN. The mask has x's dtype and x's shape or a leading part of it (see
// MSELossMasked). Gradients reach x and, if it requires them, y.
func (g *Graph) BCEWithLogitsWith(x, y *Value, o BCEOptions, red Reduction) *Value {
	op := NewOp[bceWithOp](g)
	op.red, op.opts = red, o
	return g.Apply(op, x, y)
}

// BCEWithLogitsMasked returns the mean binary cross-entropy with logits
// over the elements the mask selects, Σ m·loss / Σ m: it is
// BCEWithLogitsWith(x, y, BCEOptions{Mask: mask}, ReduceMean), the twin of
// MSELossMasked for padded steps.
func (g *Graph) BCEWithLogitsMasked(x, y *Value, mask *tensor.Tensor) *Value {
	return g.BCEWithLogitsWith(x, y, BCEOptions{Mask: mask}, ReduceMean)
}

func (op *bceWithOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	checkSame(op.Name(), in)
	var each *tensor.Tensor
	if op.red == ReduceNone {
		each = c.Arena().EmptyLike(in[0])
	}
	total, w := tensor.BCEWithLogitsWith(each, in[0], in[1], op.opts)
	return op.output(c, in[0].DType(), each, total, w)
}

func (op *bceWithOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	s, each := op.grad(gout)
	tensor.BCEWithLogitsWithBackward(gin[0], gin[1], c.Input(0), c.Input(1), op.opts, s, each)
}
