package tensor

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// This file holds the one log-sum-exp of the library: softmax, log-softmax,
// the cross-entropy of a row of scores and the arg-max of a row all read
// their rows through it, so that training, evaluation and serving compute
// the same numbers the same way.

// logSumExp returns the maximum m of the n elements x[0], x[s], …,
// x[(n-1)s] and log Σ e^(x-m), so that log Σ e^x = m + ls, computed with the
// maximum factored out so that no exponential overflows. A row holding NaN
// gives NaN.
func logSumExp[T Float](x []T, n, s int) (m, ls float64) {
	m = rowMax(x, n, s)
	if m != m {
		return m, m
	}
	if math.IsInf(m, -1) {
		return m, 0 // every score is -Inf: e^x sums to 0
	}
	var sum float64
	for k := 0; k < n; k++ {
		sum += math.Exp(float64(x[k*s]) - m)
	}
	return m, math.Log(sum)
}

// rowMax returns the maximum of the n elements x[0], x[s], …,
// x[(n-1)s], or the first NaN among them; -Inf for n = 0.
func rowMax[T Float](x []T, n, s int) float64 {
	m := math.Inf(-1)
	for k := 0; k < n; k++ {
		v := float64(x[k*s])
		if v > m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}

// checkAxis resolves a possibly negative axis of x, panicking with the
// operation's name when it is out of range.
func checkAxis(op string, x *Tensor, axis int) int {
	if axis < 0 {
		axis += len(x.shape)
	}
	if axis < 0 || axis >= len(x.shape) {
		panic(fmt.Sprintf("tensor: %s: axis out of range for shape %v", op, x.shape))
	}
	return axis
}

func checkSameLayout(op string, a, b *Tensor) {
	if a.dtype != b.dtype || !a.SameShape(b) {
		panic(fmt.Sprintf("tensor: %s: %v %v and %v %v differ", op, a.dtype, a.shape, b.dtype, b.shape))
	}
}

// SoftmaxTo writes e^x / Σ e^x along axis into dst, which has x's shape
// and dtype (and may be x).
func SoftmaxTo(dst, x *Tensor, axis int) { softmaxTo("softmax", dst, x, axis, false) }

// LogSoftmaxTo writes x - log Σ e^x along axis into dst, which has x's
// shape and dtype (and may be x).
func LogSoftmaxTo(dst, x *Tensor, axis int) { softmaxTo("log_softmax", dst, x, axis, true) }

func softmaxTo(op string, dst, x *Tensor, axis int, logOut bool) {
	checkSameLayout(op, dst, x)
	outer, n, inner := SplitAxis(x.shape, checkAxis(op, x, axis))
	if x.dtype == Float64 {
		softmaxRows(dst.f64, x.f64, outer, n, inner, logOut)
	} else {
		softmaxRows(dst.f32, x.f32, outer, n, inner, logOut)
	}
}

func softmaxRows[T Float](dst, src []T, outer, n, inner int, logOut bool) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			m, ls := logSumExp(src[base:], n, inner)
			for k := 0; k < n; k++ {
				v := float64(src[base+k*inner]) - m - ls
				if logOut {
					dst[base+k*inner] = T(v)
				} else {
					dst[base+k*inner] = T(math.Exp(v))
				}
			}
		}
	}
}

// SoftmaxBackward adds to gx the gradient of a softmax along axis whose
// output was y, given the output's gradient g: gx += y·(g - Σ g·y).
func SoftmaxBackward(gx, g, y *Tensor, axis int) { softmaxBackward("softmax", gx, g, y, axis, false) }

// LogSoftmaxBackward adds to gx the gradient of a log-softmax along axis
// whose output was y, given the output's gradient g: gx += g - e^y·Σ g.
func LogSoftmaxBackward(gx, g, y *Tensor, axis int) {
	softmaxBackward("log_softmax", gx, g, y, axis, true)
}

func softmaxBackward(op string, gx, g, y *Tensor, axis int, logOut bool) {
	checkSameLayout(op, gx, y)
	checkSameLayout(op, g, y)
	outer, n, inner := SplitAxis(y.shape, checkAxis(op, y, axis))
	if y.dtype == Float64 {
		softmaxGrad(gx.f64, g.f64, y.f64, outer, n, inner, logOut)
	} else {
		softmaxGrad(gx.f32, g.f32, y.f32, outer, n, inner, logOut)
	}
}

func softmaxGrad[T Float](gx, g, y []T, outer, n, inner int, logOut bool) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			var s float64
			for k := 0; k < n; k++ {
				j := base + k*inner
				if logOut {
					s += float64(g[j])
				} else {
					s += float64(g[j]) * float64(y[j])
				}
			}
			for k := 0; k < n; k++ {
				j := base + k*inner
				if logOut {
					gx[j] += g[j] - T(math.Exp(float64(y[j]))*s)
				} else {
					gx[j] += y[j] * (g[j] - T(s))
				}
			}
		}
	}
}

// label is the set of integer types that class labels come in: []int from
// the older entry points, []int64 from a batch's targets.
type label interface{ ~int | ~int64 }

// classRule is how a cross-entropy row is weighed: the zero value is the
// plain cross-entropy, every label a class in 0..C-1.
type classRule struct {
	weight []float64 // per class, nil for all 1
	eps    float64   // label smoothing
	ignore int64     // the ignored label, when skip
	skip   bool      // rows labelled ignore count for nothing
}

// plain reports whether the rule is the plain cross-entropy, whose
// gradient keeps the older entry points' arithmetic.
func (r *classRule) plain() bool { return r.weight == nil && r.eps == 0 }

// classWeight returns the weight of class k.
func (r *classRule) classWeight(k int) float64 {
	if r.weight == nil {
		return 1
	}
	return r.weight[k]
}

// checkRows panics unless x is a matrix (N, C) of floats with one label per
// row, each in 0..C-1 or, when the rule r skips rows, the ignored label,
// and unless r's class weights, if any, are C.
func checkRows[L label](op string, x *Tensor, labels []L, r *classRule) (n, c int) {
	if len(x.shape) != 2 {
		panic(fmt.Sprintf("tensor: %s needs scores of shape (N, C), got %v", op, x.shape))
	}
	checkFloat(op, x)
	n, c = x.shape[0], x.shape[1]
	if r != nil && r.weight != nil && len(r.weight) != c {
		panic(fmt.Sprintf("tensor: %s: %d class weights for %d classes", op, len(r.weight), c))
	}
	if labels == nil {
		return n, c
	}
	if len(labels) != n {
		panic(fmt.Sprintf("tensor: %s: %d labels for %d rows", op, len(labels), n))
	}
	for i, l := range labels {
		if r != nil && r.skip && int64(l) == r.ignore {
			continue
		}
		if l < 0 || int64(l) >= int64(c) {
			if r != nil && r.skip {
				panic(fmt.Sprintf("tensor: %s: label %d of row %d is outside 0..%d and is not the ignore index %d", op, l, i, c-1, r.ignore))
			}
			panic(fmt.Sprintf("tensor: %s: label %d of row %d is outside 0..%d", op, l, i, c-1))
		}
	}
	return n, c
}

// ArgMaxRows writes into dst[i] the index of the largest score of row i of
// the matrix x (N, C) — the first one on ties, and the first NaN if the
// row has one — and returns dst, grown to N entries if it is shorter.
func ArgMaxRows(dst []int, x *Tensor) []int {
	n, c := checkRows[int]("ArgMaxRows", x, nil, nil)
	if cap(dst) < n {
		dst = make([]int, n)
	}
	dst = dst[:n]
	if x.dtype == Float64 {
		argMaxRows(dst, x.f64, c)
	} else {
		argMaxRows(dst, x.f32, c)
	}
	return dst
}

func argMaxRows[T Float](dst []int, x []T, c int) {
	for i := range dst {
		dst[i] = argMax(x[i*c:], c, 1)
	}
}

// CrossEntropyRows writes into losses[i] the cross-entropy of row i of the
// scores (logits) x (N, C) against its label: log Σ e^x - x[label], the
// negative log of the softmax probability of the label. It returns losses,
// grown to N entries if it is shorter.
func CrossEntropyRows(losses []float64, x *Tensor, labels []int) []float64 {
	n, c := checkRows("CrossEntropyRows", x, labels, nil)
	if cap(losses) < n {
		losses = make([]float64, n)
	}
	losses = losses[:n]
	var r classRule
	if x.dtype == Float64 {
		crossEntropyRows(losses, nil, x.f64, labels, c, &r)
	} else {
		crossEntropyRows(losses, nil, x.f32, labels, c, &r)
	}
	return losses
}

// SoftmaxCrossEntropy returns the summed cross-entropy of the rows of the
// scores x (N, C) against their labels, and writes the softmax of each row
// into probs (x's shape and dtype), which is what its gradient needs:
// ∂/∂x = probs - onehot(label).
func SoftmaxCrossEntropy(probs, x *Tensor, labels []int) float64 {
	_, c := checkRows("SoftmaxCrossEntropy", x, labels, nil)
	checkSameLayout("SoftmaxCrossEntropy", probs, x)
	var r classRule
	if x.dtype == Float64 {
		total, _ := crossEntropyRows[float64](nil, probs.f64, x.f64, labels, c, &r)
		return total
	}
	total, _ := crossEntropyRows[float64](nil, probs.f32, x.f32, labels, c, &r)
	return total
}

// DefaultIgnoreIndex is the label that cross-entropy ignores unless
// CrossEntropyOptions names another: PyTorch's default ignore_index.
const DefaultIgnoreIndex = -100

// CrossEntropyOptions are the choices of PyTorch's
// torch.nn.functional.cross_entropy beyond the reduction: class weights,
// label smoothing and an ignored label. The zero value is PyTorch's
// defaults: every class weighs 1, no smoothing, and rows labelled -100
// (DefaultIgnoreIndex) are ignored.
//
// For a row with label t that is not ignored, with log-probabilities
// logp = log softmax(x) over C classes, class weights w and smoothing ε,
// the loss is
//
//	(1-ε)·w[t]·(-logp[t]) + (ε/C)·Σₖ w[k]·(-logp[k])
//
// which is the cross-entropy against the target (1-ε)·onehot(t) + ε/C with
// each class's term weighed by its weight. An ignored row's loss is 0. The
// mean divides the summed loss by Σ w[t] over the rows not ignored (their
// number when Weight is nil), exactly as PyTorch 1.13 does — also for the
// smoothing term — so that a mean over a batch in which every row is
// ignored, or whose labels all weigh 0, is NaN (0/0), as in PyTorch.
type CrossEntropyOptions struct {
	// Weight holds one weight per class (C entries); nil weighs every
	// class 1. Weights may be any numbers, as in PyTorch.
	Weight []float64
	// LabelSmoothing is ε, in [0, 1]: 0 is the plain cross-entropy, 1
	// compares with the uniform distribution alone.
	LabelSmoothing float64
	// IgnoreIndex is the label of rows that contribute nothing — neither
	// loss, nor gradient, nor weight in a mean's denominator — when
	// UseIgnoreIndex is true; such rows are typically padded steps of a
	// sequence. It may be a class (0..C-1), which is then never learnt, or
	// any other number.
	IgnoreIndex int64
	// UseIgnoreIndex says that IgnoreIndex is the ignored label. When it
	// is false the ignored label is DefaultIgnoreIndex (-100), PyTorch's
	// default, which is never a class, so that the zero options ignore
	// nothing a batch could mean as a class.
	UseIgnoreIndex bool
}

// Ignored returns the label whose rows are ignored: IgnoreIndex when
// UseIgnoreIndex is set, DefaultIgnoreIndex otherwise.
func (o CrossEntropyOptions) Ignored() int64 {
	if o.UseIgnoreIndex {
		return o.IgnoreIndex
	}
	return DefaultIgnoreIndex
}

// rule checks the label smoothing and returns the loops' rule; checkRows
// checks the class weights against the scores.
func (o *CrossEntropyOptions) rule(op string) classRule {
	if !(o.LabelSmoothing >= 0 && o.LabelSmoothing <= 1) {
		panic(fmt.Sprintf("tensor: %s: label smoothing %v is outside [0, 1]", op, o.LabelSmoothing))
	}
	return classRule{weight: o.Weight, eps: o.LabelSmoothing, ignore: o.Ignored(), skip: true}
}

// SoftmaxCrossEntropyWith computes the cross-entropy of the rows of the
// scores x (N, C) against their labels with the options o (see
// CrossEntropyOptions). It returns the summed loss and the weight a mean
// divides it by (Σ w[label] over the rows not ignored), writes each row's
// loss into losses (N, x's dtype; 0 for an ignored row) unless losses is
// nil, and writes each row's softmax into probs (x's shape and dtype;
// ignored rows are left as they were) unless probs is nil: it is what
// SoftmaxCrossEntropyWithBackward needs. A label that is neither a class
// nor the ignored label panics, naming the label and its row.
func SoftmaxCrossEntropyWith(losses, probs, x *Tensor, labels []int64, o CrossEntropyOptions) (total, weight float64) {
	const op = "cross_entropy"
	r := o.rule(op)
	n, c := checkRows(op, x, labels, &r)
	if probs != nil {
		checkSameLayout(op, probs, x)
	}
	checkPerRow(op, "per-row losses", losses, x.dtype, n)
	if x.dtype == Float64 {
		return crossEntropyRows(f64s(losses), f64s(probs), x.f64, labels, c, &r)
	}
	return crossEntropyRows(f32s(losses), f32s(probs), x.f32, labels, c, &r)
}

// checkPerRow panics unless t, one number per row of N rows, is nil or a
// vector of dtype and length n.
func checkPerRow(op, what string, t *Tensor, dtype DType, n int) {
	if t != nil && (t.dtype != dtype || len(t.shape) != 1 || t.shape[0] != n) {
		panic(fmt.Sprintf("tensor: %s: %s %v %v for %d rows; want %v [%d]", op, what, t.dtype, t.shape, n, dtype, n))
	}
}

// crossEntropyRows computes each row's loss under the rule r, storing it in
// losses and the row's softmax in probs when they are not nil, and returns
// the total and the summed weight of the rows not skipped.
//
// The exponentials are taken crossEntropyBlock scores at a time, a block
// of rows in one kernels.ExpF64, which gives math.Exp's bits eight lanes
// at a time: each row has the numbers logSumExp and a loop of math.Exp
// would give it (the same arguments, summed in the same order):
// TestCrossEntropyBlocksSameBits. The MLP's loss at batch 64 (64 rows of
// 10), on one core while the other waits, took a median of 14.4 µs of a
// training step with a call of math.Exp a score, and 6.3 µs a block at a
// time (3,500 steps each timed in a throwaway test, 2026-12-03).
func crossEntropyRows[O, T Float, L label](losses []O, probs, x []T, labels []L, c int, r *classRule) (total, weight float64) {
	var e, lse [crossEntropyBlock]float64
	wide := c == 0 || c > crossEntropyBlock // a row at a time through logSumExp
	per := 1
	if !wide {
		per = crossEntropyBlock / c
	}
	for i0 := 0; i0 < len(labels); i0 += per {
		i1 := min(i0+per, len(labels))
		var exps []float64 // e^(x-lse) of the block's rows, when probs wants them
		if wide {
			m, ls := logSumExp(x[i0*c:i1*c], c, 1)
			lse[0] = m + ls
		} else {
			exps = blockLogSumExp(lse[:i1-i0], e[:(i1-i0)*c], x[i0*c:i1*c], c, probs != nil)
		}
		for i := i0; i < i1; i++ {
			l := labels[i]
			if r.skip && int64(l) == r.ignore {
				if losses != nil {
					losses[i] = 0
				}
				continue
			}
			var p []float64
			if exps != nil {
				p = exps[(i-i0)*c : (i-i0+1)*c]
			}
			loss, w := crossEntropyLoss(losses, probs, x[i*c:(i+1)*c], i, l, lse[i-i0], r, p)
			total += loss
			weight += w
		}
	}
	return total, weight
}

// blockLogSumExp sets lse[j] to the log-sum-exp of row j of the rows of c
// scores in x, as logSumExp computes it, taking the exponentials of the
// whole block in one kernels.ExpF64 through buf (len(x) numbers). With
// softmax it then returns the rows' e^(x-lse) in buf, else nil.
func blockLogSumExp[T Float](lse, buf []float64, x []T, c int, softmax bool) []float64 {
	for j := range lse {
		row, d := x[j*c:(j+1)*c], buf[j*c:(j+1)*c]
		m := rowMax(row, c, 1)
		for k, v := range row {
			d[k] = float64(v) - m
		}
		lse[j] = m
	}
	kernels.ExpF64(buf, buf)
	for j, m := range lse {
		ls := m // a row holding NaN gives NaN
		switch {
		case math.IsInf(m, -1):
			ls = 0 // every score is -Inf: e^x sums to 0
		case m == m:
			var sum float64
			for _, v := range buf[j*c : (j+1)*c] {
				sum += v
			}
			ls = math.Log(sum)
		}
		lse[j] = m + ls
	}
	if !softmax {
		return nil
	}
	for j, v := range x {
		buf[j] = float64(v) - lse[j/c]
	}
	kernels.ExpF64(buf, buf)
	return buf
}

// crossEntropyBlock is the most scores crossEntropyRows exponentiates at
// once, in a buffer on the stack.
const crossEntropyBlock = 512

// crossEntropyLoss returns the loss and weight of row i (the scores row,
// its log-sum-exp lse, its label l) under the rule r, storing the loss in
// losses and the row's softmax in probs when they are not nil: e^(x-lse)
// from exps when it is not nil, else computed here.
func crossEntropyLoss[O, T Float, L label](losses []O, probs, row []T, i int, l L, lse float64, r *classRule, exps []float64) (loss, w float64) {
	c := len(row)
	if probs != nil {
		p := probs[i*c : (i+1)*c]
		if exps != nil {
			for k, v := range exps {
				p[k] = T(v)
			}
		} else {
			for k, v := range row {
				p[k] = T(math.Exp(float64(v) - lse))
			}
		}
	}
	w = r.classWeight(int(l))
	loss = w * (lse - float64(row[l])) // exact for the plain rule's w = 1
	if r.eps != 0 {
		var smooth float64
		for k, v := range row {
			smooth += r.classWeight(k) * (lse - float64(v))
		}
		loss = (1-r.eps)*loss + r.eps/float64(c)*smooth
	}
	if losses != nil {
		losses[i] = O(loss)
	}
	return loss, w
}

// SoftmaxCrossEntropyBackward adds s·(probs - onehot(label)) to each row of
// gx, the gradient of s times the summed cross-entropy that
// SoftmaxCrossEntropy computed (s = 1/N for the mean).
func SoftmaxCrossEntropyBackward(gx, probs *Tensor, labels []int, s float64) {
	_, c := checkRows("SoftmaxCrossEntropyBackward", probs, labels, nil)
	checkSameLayout("SoftmaxCrossEntropyBackward", gx, probs)
	var r classRule
	if gx.dtype == Float64 {
		crossEntropyGrad(gx.f64, probs.f64, nil, labels, c, &r, s)
	} else {
		crossEntropyGrad(gx.f32, probs.f32, nil, labels, c, &r, s)
	}
}

// SoftmaxCrossEntropyWithBackward adds to gx the gradient of s times the
// summed loss that SoftmaxCrossEntropyWith computed with the same labels
// and options, given the softmax probs it wrote (s is the gradient arriving
// at the loss, divided by the weight for a mean). When rowScale (N, gx's
// dtype) is not nil, row i's gradient is multiplied by rowScale[i] as well:
// the gradient of per-row losses. For a row with label t that is not
// ignored the gradient is
//
//	s·(p·((1-ε)·w[t] + (ε/C)·Σₖ w[k]) - (1-ε)·w[t]·onehot(t) - (ε/C)·w)
//
// and an ignored row receives nothing.
func SoftmaxCrossEntropyWithBackward(gx, probs *Tensor, labels []int64, o CrossEntropyOptions, s float64, rowScale *Tensor) {
	const op = "cross_entropy backward"
	r := o.rule(op)
	n, c := checkRows(op, probs, labels, &r)
	checkSameLayout(op, gx, probs)
	checkPerRow(op, "row scales", rowScale, gx.dtype, n)
	if gx.dtype == Float64 {
		crossEntropyGrad(gx.f64, probs.f64, f64s(rowScale), labels, c, &r, s)
	} else {
		crossEntropyGrad(gx.f32, probs.f32, f32s(rowScale), labels, c, &r, s)
	}
}

// crossEntropyGrad adds the gradient of s times crossEntropyRows' total to
// g, row i scaled by rowScale[i] when rowScale is not nil. The plain rule
// keeps the original arithmetic in T.
func crossEntropyGrad[T Float, L label](g, probs, rowScale []T, labels []L, c int, r *classRule, s float64) {
	// sumW is Σₖ w[k], which the smoothing term spreads over each row.
	sumW := float64(c)
	if r.weight != nil {
		sumW = 0
		for _, w := range r.weight {
			sumW += w
		}
	}
	epsC := r.eps / float64(c)
	for i, l := range labels {
		if r.skip && int64(l) == r.ignore {
			continue
		}
		gr, p := g[i*c:(i+1)*c], probs[i*c:(i+1)*c]
		si := s
		if rowScale != nil {
			si *= float64(rowScale[i])
		}
		if r.plain() {
			st := T(si)
			for k, v := range p {
				gr[k] += st * v
			}
			gr[l] -= st
			continue
		}
		wt := (1 - r.eps) * r.classWeight(int(l))
		a := wt + epsC*sumW
		for k, v := range p {
			d := a * float64(v)
			if epsC != 0 {
				d -= epsC * r.classWeight(k)
			}
			gr[k] += T(si * d)
		}
		gr[l] -= T(si * wt)
	}
}
