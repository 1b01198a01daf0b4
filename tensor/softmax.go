package tensor

import (
	"fmt"
	"math"
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
	m = math.Inf(-1)
	for k := 0; k < n; k++ {
		v := float64(x[k*s])
		if v > m || v != v {
			m = v
			if v != v {
				return v, v
			}
		}
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

// checkRows panics unless x is a matrix (N, C) with one label per row, each
// in 0..C-1.
func checkRows(op string, x *Tensor, labels []int) (n, c int) {
	if len(x.shape) != 2 {
		panic(fmt.Sprintf("tensor: %s needs scores of shape (N, C), got %v", op, x.shape))
	}
	n, c = x.shape[0], x.shape[1]
	if labels == nil {
		return n, c
	}
	if len(labels) != n {
		panic(fmt.Sprintf("tensor: %s: %d labels for %d rows", op, len(labels), n))
	}
	for i, l := range labels {
		if l < 0 || l >= c {
			panic(fmt.Sprintf("tensor: %s: label %d of row %d is outside 0..%d", op, l, i, c-1))
		}
	}
	return n, c
}

// ArgMaxRows writes into dst[i] the index of the largest score of row i of
// the matrix x (N, C) — the first one on ties, and the first NaN if the
// row has one — and returns dst, grown to N entries if it is shorter.
func ArgMaxRows(dst []int, x *Tensor) []int {
	n, c := checkRows("ArgMaxRows", x, nil)
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
	n, c := checkRows("CrossEntropyRows", x, labels)
	if cap(losses) < n {
		losses = make([]float64, n)
	}
	losses = losses[:n]
	if x.dtype == Float64 {
		crossEntropyRows(losses, nil, x.f64, labels, c)
	} else {
		crossEntropyRows(losses, nil, x.f32, labels, c)
	}
	return losses
}

// SoftmaxCrossEntropy returns the summed cross-entropy of the rows of the
// scores x (N, C) against their labels, and writes the softmax of each row
// into probs (x's shape and dtype), which is what its gradient needs:
// ∂/∂x = probs - onehot(label).
func SoftmaxCrossEntropy(probs, x *Tensor, labels []int) float64 {
	_, c := checkRows("SoftmaxCrossEntropy", x, labels)
	checkSameLayout("SoftmaxCrossEntropy", probs, x)
	if x.dtype == Float64 {
		return crossEntropyRows(nil, probs.f64, x.f64, labels, c)
	}
	return crossEntropyRows(nil, probs.f32, x.f32, labels, c)
}

// crossEntropyRows computes each row's loss, storing it in losses and the
// row's softmax in probs when they are not nil, and returns the total.
func crossEntropyRows[T Float](losses []float64, probs, x []T, labels []int, c int) float64 {
	var total float64
	for i, l := range labels {
		row := x[i*c : (i+1)*c]
		m, ls := logSumExp(row, c, 1)
		lse := m + ls
		if probs != nil {
			p := probs[i*c : (i+1)*c]
			for k, v := range row {
				p[k] = T(math.Exp(float64(v) - lse))
			}
		}
		loss := lse - float64(row[l])
		if losses != nil {
			losses[i] = loss
		}
		total += loss
	}
	return total
}

// SoftmaxCrossEntropyBackward adds s·(probs - onehot(label)) to each row of
// gx, the gradient of s times the summed cross-entropy that
// SoftmaxCrossEntropy computed (s = 1/N for the mean).
func SoftmaxCrossEntropyBackward(gx, probs *Tensor, labels []int, s float64) {
	_, c := checkRows("SoftmaxCrossEntropyBackward", probs, labels)
	checkSameLayout("SoftmaxCrossEntropyBackward", gx, probs)
	if gx.dtype == Float64 {
		crossEntropyGrad(gx.f64, probs.f64, labels, c, s)
	} else {
		crossEntropyGrad(gx.f32, probs.f32, labels, c, float32(s))
	}
}

func crossEntropyGrad[T Float](g, probs []T, labels []int, c int, s T) {
	for i, l := range labels {
		gr, p := g[i*c:(i+1)*c], probs[i*c:(i+1)*c]
		for k, v := range p {
			gr[k] += s * v
		}
		gr[l] -= s
	}
}
