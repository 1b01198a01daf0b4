package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The losses' element loops. Each forward function returns the summed loss
// in float64 (the caller divides for a mean); each backward function adds
// s times the summed loss's gradient, s being the gradient arriving at the
// loss divided by the count for a mean.

// SquaredErrorSum returns Σ (a - b)², the summed squared error between a
// prediction and a target of the same shape: MaskedSquaredErrorSum without
// a mask.
func SquaredErrorSum(a, b *Tensor) float64 {
	total, _ := MaskedSquaredErrorSum(a, b, nil)
	return total
}

// BCESum returns the summed binary cross-entropy between probabilities p
// (in [0, 1]) and targets y: Σ -(y·log p + (1-y)·log(1-p)), each log clamped
// at -100 as PyTorch does, so that p = 0 or 1 gives a large finite loss.
func BCESum(p, y *Tensor) float64 {
	checkSameLayout("bce", p, y)
	if p.dtype == Float64 {
		return bceSum(p.f64, y.f64)
	}
	return bceSum(p.f32, y.f32)
}

func clampedLog(v float64) float64 { return math.Max(math.Log(v), -100) }

func bceSum[T Float](p, y []T) float64 {
	y = y[:len(p)]
	var total float64
	for i, pv := range p {
		pv, yv := float64(pv), float64(y[i])
		total -= yv*clampedLog(pv) + (1-yv)*clampedLog(1-pv)
	}
	return total
}

// BCEBackward adds s times the gradient of BCESum(p, y) to gp and gy (each
// nil when not wanted): ∂/∂p = (p - y) / (p(1-p)), the denominator kept away
// from 0, and ∂/∂y = log(1-p) - log p with the clamped logs.
func BCEBackward(gp, gy, p, y *Tensor, s float64) {
	checkSameLayout("bce", p, y)
	if p.dtype == Float64 {
		bceGrad(f64s(gp), f64s(gy), p.f64, y.f64, s)
	} else {
		bceGrad(f32s(gp), f32s(gy), p.f32, y.f32, s)
	}
}

func bceGrad[T Float](gp, gy, p, y []T, s float64) {
	y = y[:len(p)]
	for i, pv := range p {
		pv, yv := float64(pv), float64(y[i])
		if gp != nil {
			gp[i] = T(float64(gp[i]) + s*(pv-yv)/math.Max(pv*(1-pv), 1e-12))
		}
		if gy != nil {
			gy[i] = T(float64(gy[i]) - s*(clampedLog(pv)-clampedLog(1-pv)))
		}
	}
}

// BCEWithLogitsSum returns the summed binary cross-entropy between
// sigmoid(x) and targets y, computed from the logits x as
// max(x, 0) - x·y + log(1 + e^-|x|), which never overflows: it is
// BCEWithLogitsWith with no options.
func BCEWithLogitsSum(x, y *Tensor) float64 {
	total, _ := BCEWithLogitsWith(nil, x, y, BCEOptions{})
	return total
}

// BCEWithLogitsBackward adds s times the gradient of BCEWithLogitsSum(x, y)
// to gx and gy (each nil when not wanted): sigmoid(x) - y for x, -x for y.
// It is BCEWithLogitsWithBackward with no options.
func BCEWithLogitsBackward(gx, gy, x, y *Tensor, s float64) {
	BCEWithLogitsWithBackward(gx, gy, x, y, BCEOptions{}, s, nil)
}

// NLLSum returns -Σ logp[i, labels[i]], the summed negative log-likelihood
// of the labels given log-probabilities logp (N, C).
func NLLSum(logp *Tensor, labels []int) float64 {
	_, c := checkRows("nll_loss", logp, labels, nil)
	var total float64
	for i, l := range labels {
		if logp.dtype == Float64 {
			total -= logp.f64[i*c+l]
		} else {
			total -= float64(logp.f32[i*c+l])
		}
	}
	return total
}

// NLLBackward adds s times the gradient of NLLSum to gx (N, C): -s at each
// row's label, nothing elsewhere.
func NLLBackward(gx *Tensor, labels []int, s float64) {
	_, c := checkRows("nll_loss", gx, labels, nil)
	for i, l := range labels {
		if gx.dtype == Float64 {
			gx.f64[i*c+l] -= s
		} else {
			gx.f32[i*c+l] = float32(float64(gx.f32[i*c+l]) - s)
		}
	}
}

// DropoutMask fills mask with the multipliers of inverted dropout: 0 with
// probability p (a dropped element) and 1/(1-p) otherwise, so that kept
// activations need no rescaling at inference. p = 1 drops everything.
//
// Each rng.Uint64 draws two elements in order, its low 32 bits the first
// and its high 32 bits the second: an element is dropped when its 32-bit
// number u is below p·2³² (u < ⌈p·2³²⌉). With one draw per element, as
// this used to be, drawing masks took a tenth of the character language
// model's training time.
func DropoutMask(rng *rand.Rand, mask *Tensor, p float64) {
	keep := 0.0
	if p < 1 {
		keep = 1 / (1 - p)
	}
	thr := uint64(math.Ceil(min(max(p, 0), 1) * (1 << 32)))
	if mask.dtype == Float64 {
		dropFill(rng, mask.f64, thr, keep)
	} else {
		dropFill(rng, mask.f32, thr, float32(keep))
	}
}

// dropFill fills m as DropoutMask says, dropping an element whose 32-bit
// draw is below thr.
// The pair is written out: a loop over its two elements measured slower.
func dropFill[T float32 | float64](r *rand.Rand, m []T, thr uint64, keep T) {
	i := 0
	for ; i+1 < len(m); i += 2 {
		u := r.Uint64()
		a, b := keep, keep
		if u&0xffffffff < thr {
			a = 0
		}
		if u>>32 < thr {
			b = 0
		}
		m[i], m[i+1] = a, b
	}
	if i < len(m) {
		v := keep
		if r.Uint64()&0xffffffff < thr {
			v = 0
		}
		m[i] = v
	}
}

// maskSpan checks a loss's mask against its prediction x and returns how
// many consecutive elements of x each element of the mask covers: 1 when
// the mask has x's shape, more when the mask's shape, less any trailing
// dimensions of size 1, is a leading part of x's — a mask (N, T) or
// (N, T, 1) for steps of a prediction (N, T, D), (N, 1) for whole rows. A
// nil mask covers every element with weight 1 (span 0).
func maskSpan(op string, x, mask *Tensor) int {
	if mask == nil {
		return 0
	}
	if mask.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: %s: mask of dtype %v for a prediction of dtype %v", op, mask.dtype, x.dtype))
	}
	ms := mask.shape
	for len(ms) > 0 && ms[len(ms)-1] == 1 {
		ms = ms[:len(ms)-1]
	}
	if len(ms) > len(x.shape) || !EqualShapes(ms, x.shape[:len(ms)]) {
		panic(fmt.Sprintf("tensor: %s: mask shape %v does not fit prediction shape %v (want the same shape or a leading part of it)", op, mask.shape, x.shape))
	}
	return Numel(x.shape[len(ms):])
}

// checkMasked panics unless the prediction x and the target y are float
// tensors of one dtype and shape and the mask fits x; it returns the
// mask's span (see maskSpan).
func checkMasked(op string, x, y, mask *Tensor) (span int) {
	checkFloat(op, x)
	checkSameLayout(op, x, y)
	return maskSpan(op, x, mask)
}

// maskSum returns the sum of the mask m over n elements, each entry of m
// covering span of them: n without a mask. A mean divides by it.
func maskSum[T Float](m []T, span, n int) float64 {
	if m == nil {
		return float64(n)
	}
	var sum float64
	for _, mv := range m {
		sum += float64(mv) * float64(span)
	}
	return sum
}

// MaskedSquaredErrorSum returns Σ m·(a - b)², the squared error between a
// prediction and a target of the same shape weighed by the mask m, and the
// sum of the mask over a's elements, by which a mean divides. The mask has
// a's dtype and either a's shape or a leading part of it (see maskSpan:
// a mask (N, T) weighs every feature of step t of a (N, T, D) alike, and
// counts D times in the sum); it may hold 0 and 1 or any weights. A nil
// mask weighs every element 1, and its sum is a.Len().
func MaskedSquaredErrorSum(a, b, mask *Tensor) (total, weight float64) {
	span := checkMasked("squared error", a, b, mask)
	if a.dtype == Float64 {
		return maskedSquaredError(a.f64, b.f64, f64s(mask), span), maskSum(f64s(mask), span, a.Len())
	}
	return maskedSquaredError(a.f32, b.f32, f32s(mask), span), maskSum(f32s(mask), span, a.Len())
}

// squaredErrorSum is Σ (a - b)².
func squaredErrorSum[T Float](a, b []T) float64 {
	b = b[:len(a)]
	var total float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		total += d * d
	}
	return total
}

// maskedSquaredError is Σ m·(a - b)², each entry of m covering span
// consecutive elements; squaredErrorSum without a mask.
func maskedSquaredError[T Float](a, b, m []T, span int) (total float64) {
	if m == nil {
		return squaredErrorSum(a, b)
	}
	b = b[:len(a)]
	for j, mv := range m {
		mv := float64(mv)
		for i := j * span; i < (j+1)*span; i++ {
			d := float64(a[i]) - float64(b[i])
			total += mv * d * d
		}
	}
	return total
}

// MaskedSquaredErrorBackward adds s times the gradient of
// MaskedSquaredErrorSum(a, b, mask) to ga and gb (each nil when not
// wanted): 2·m·(a - b) for a, its negative for b.
func MaskedSquaredErrorBackward(ga, gb, a, b, mask *Tensor, s float64) {
	span := checkMasked("squared error backward", a, b, mask)
	if a.dtype == Float64 {
		maskedSquaredErrorGrad(f64s(ga), f64s(gb), a.f64, b.f64, f64s(mask), span, s)
	} else {
		maskedSquaredErrorGrad(f32s(ga), f32s(gb), a.f32, b.f32, f32s(mask), span, s)
	}
}

func maskedSquaredErrorGrad[T Float](ga, gb, a, b, m []T, span int, s float64) {
	b = b[:len(a)]
	if m == nil {
		// Without a mask: 2s·(a - b) in T, in one pass and no scratch.
		c, nc := T(2*s), T(-2*s)
		for i, av := range a {
			d := av - b[i]
			if ga != nil {
				ga[i] += c * d
			}
			if gb != nil {
				gb[i] += nc * d
			}
		}
		return
	}
	for i, av := range a {
		d := s * (2 * float64(m[i/span]) * (float64(av) - float64(b[i])))
		if ga != nil {
			ga[i] = T(float64(ga[i]) + d)
		}
		if gb != nil {
			gb[i] = T(float64(gb[i]) - d)
		}
	}
}

// BCEOptions are the choices of binary cross-entropy with logits beyond
// the reduction. The zero value is the plain loss of BCEWithLogitsSum.
type BCEOptions struct {
	// PosWeight is PyTorch's pos_weight: one weight per output column
	// (the last dimension of the logits), multiplying the term of the
	// positive targets, so that an element's loss is
	//
	//	-(p·y·log σ(x) + (1-y)·log(1-σ(x)))
	//
	// with p its column's weight. p > 1 favours recall of rare positives.
	// nil weighs every column 1.
	PosWeight []float64
	// Mask weighs each element's loss, typically 1 for real and 0 for
	// padded steps. It has the logits' dtype and either their shape or a
	// leading part of it (a mask (N, T) covers every output of step t of
	// logits (N, T, K); trailing dimensions of size 1 are allowed); a mean
	// divides by the sum of the mask over the logits' elements, not by
	// their number — unlike PyTorch's weight argument, which only rescales.
	// nil weighs every element 1.
	Mask *Tensor
}

// BCEWithLogitsWith returns the summed binary cross-entropy between
// sigmoid(x) and targets y (x's dtype and shape) with the options o, and
// the weight a mean divides it by (the sum of the mask over x's elements,
// or x.Len() without a mask). It writes each element's weighed loss into
// losses (x's dtype and shape) unless losses is nil. Each element is
// computed as PyTorch does, without overflow for any x:
//
//	(1-y)·x + (1 + (p-1)·y)·(max(-x, 0) + log(1 + e^-|x|))
func BCEWithLogitsWith(losses, x, y *Tensor, o BCEOptions) (total, weight float64) {
	span := checkBCE("bce_with_logits", x, y, losses, &o)
	if x.dtype == Float64 {
		return bceLogitsWith(f64s(losses), x.f64, y.f64, f64s(o.Mask), span, o.PosWeight), maskSum(f64s(o.Mask), span, x.Len())
	}
	return bceLogitsWith(f32s(losses), x.f32, y.f32, f32s(o.Mask), span, o.PosWeight), maskSum(f32s(o.Mask), span, x.Len())
}

// checkBCE checks the operands of BCEWithLogitsWith and its backward —
// out, when not nil, is the per-element losses or their gradient, of x's
// layout — and returns the mask's span.
func checkBCE(op string, x, y, out *Tensor, o *BCEOptions) (span int) {
	span = checkMasked(op, x, y, o.Mask)
	if out != nil {
		checkSameLayout(op, out, x)
	}
	if pw := o.PosWeight; pw != nil && (len(x.shape) == 0 || len(pw) != x.shape[len(x.shape)-1]) {
		panic(fmt.Sprintf("tensor: %s: %d positive weights for logits of shape %v (want one per column of the last dimension)", op, len(pw), x.shape))
	}
	return span
}

// softplusNeg returns softplus(-x) = log(1 + e^-x) = max(-x, 0) +
// log(1 + e^-|x|), which never overflows.
func softplusNeg(x float64) float64 { return math.Max(-x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// bceLogitsElem returns the loss of element i, whose column's positive
// weight is pw[i % len(pw)] when pw is not nil: without positive weights
// max(x, 0) - x·y + log(1 + e^-|x|), the plain loss.
func bceLogitsElem(x, y float64, pw []float64, i int) float64 {
	if pw == nil {
		return math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
	}
	return (1-y)*x + (1+(pw[i%len(pw)]-1)*y)*softplusNeg(x)
}

// bceLogitsWith writes each element's loss, weighed by the mask, into
// losses unless it is nil, and returns their sum.
func bceLogitsWith[T Float](losses, x, y, m []T, span int, pw []float64) (total float64) {
	y = y[:len(x)]
	for i, xv := range x {
		l := bceLogitsElem(float64(xv), float64(y[i]), pw, i)
		if m != nil {
			l *= float64(m[i/span])
		}
		if losses != nil {
			losses[i] = T(l)
		}
		total += l
	}
	return total
}

// BCEWithLogitsWithBackward adds to gx and gy (each nil when not wanted)
// the gradient of s times the summed loss of BCEWithLogitsWith(x, y, o),
// each element's further multiplied by gout's (x's dtype and shape) when
// gout is not nil: the gradient of per-element losses. For an element of
// mask m and positive weight p it is m·((1-y) - (1 + (p-1)·y)·σ(-x)) for x
// (σ(x) - y when p = 1) and m·((p-1)·softplus(-x) - x) for y.
func BCEWithLogitsWithBackward(gx, gy, x, y *Tensor, o BCEOptions, s float64, gout *Tensor) {
	span := checkBCE("bce_with_logits backward", x, y, gout, &o)
	if x.dtype == Float64 {
		bceLogitsWithGrad(f64s(gx), f64s(gy), x.f64, y.f64, f64s(o.Mask), f64s(gout), span, o.PosWeight, s)
	} else {
		bceLogitsWithGrad(f32s(gx), f32s(gy), x.f32, y.f32, f32s(o.Mask), f32s(gout), span, o.PosWeight, s)
	}
}

func bceLogitsWithGrad[T Float](gx, gy, x, y, m, gout []T, span int, pw []float64, s float64) {
	y = y[:len(x)]
	for i, xv := range x {
		xv, yv := float64(xv), float64(y[i])
		si := s
		if m != nil {
			si *= float64(m[i/span])
		}
		if gout != nil {
			si *= float64(gout[i])
		}
		dx, dy := sigmoid(xv)-yv, -xv
		if pw != nil {
			p := pw[i%len(pw)]
			dx = (1 - yv) - (1+(p-1)*yv)*sigmoid(-xv)
			if gy != nil {
				dy += (p - 1) * softplusNeg(xv)
			}
		}
		if gx != nil {
			gx[i] = T(float64(gx[i]) + si*dx)
		}
		if gy != nil {
			gy[i] = T(float64(gy[i]) + si*dy)
		}
	}
}
