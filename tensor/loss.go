package tensor

import (
	"math"
)

// The losses' element loops. Each forward function returns the summed loss
// in float64 (the caller divides for a mean); each backward function adds
// s times the summed loss's gradient, s being the gradient arriving at the
// loss divided by the count for a mean.

// SquaredErrorSum returns Σ (a - b)², the summed squared error between a
// prediction and a target of the same shape.
func SquaredErrorSum(a, b *Tensor) float64 {
	checkSameLayout("squared error", a, b)
	if a.dtype == Float64 {
		return squaredErrorSum(a.f64, b.f64)
	}
	return squaredErrorSum(a.f32, b.f32)
}

func squaredErrorSum[T Float](a, b []T) float64 {
	b = b[:len(a)]
	var total float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		total += d * d
	}
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
// max(x, 0) - x·y + log(1 + e^-|x|), which never overflows.
func BCEWithLogitsSum(x, y *Tensor) float64 {
	checkSameLayout("bce_with_logits", x, y)
	if x.dtype == Float64 {
		return bceLogitsSum(x.f64, y.f64)
	}
	return bceLogitsSum(x.f32, y.f32)
}

func bceLogitsSum[T Float](x, y []T) float64 {
	y = y[:len(x)]
	var total float64
	for i, xv := range x {
		xv, yv := float64(xv), float64(y[i])
		total += math.Max(xv, 0) - xv*yv + math.Log1p(math.Exp(-math.Abs(xv)))
	}
	return total
}

// BCEWithLogitsBackward adds s times the gradient of BCEWithLogitsSum(x, y)
// to gx and gy (each nil when not wanted): sigmoid(x) - y for x, -x for y.
func BCEWithLogitsBackward(gx, gy, x, y *Tensor, s float64) {
	checkSameLayout("bce_with_logits", x, y)
	if x.dtype == Float64 {
		bceLogitsGrad(f64s(gx), f64s(gy), x.f64, y.f64, s)
	} else {
		bceLogitsGrad(f32s(gx), f32s(gy), x.f32, y.f32, s)
	}
}

func bceLogitsGrad[T Float](gx, gy, x, y []T, s float64) {
	y = y[:len(x)]
	for i, xv := range x {
		xv := float64(xv)
		if gx != nil {
			gx[i] = T(float64(gx[i]) + s*(sigmoid(xv)-float64(y[i])))
		}
		if gy != nil {
			gy[i] = T(float64(gy[i]) - s*xv)
		}
	}
}

// NLLSum returns -Σ logp[i, labels[i]], the summed negative log-likelihood
// of the labels given log-probabilities logp (N, C).
func NLLSum(logp *Tensor, labels []int) float64 {
	_, c := checkRows("nll_loss", logp, labels)
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
	_, c := checkRows("nll_loss", gx, labels)
	for i, l := range labels {
		if gx.dtype == Float64 {
			gx.f64[i*c+l] -= s
		} else {
			gx.f32[i*c+l] = float32(float64(gx.f32[i*c+l]) - s)
		}
	}
}

// DropoutMask fills mask with the multipliers of inverted dropout: 0 with
// probability p (a dropped element) and 1/(1-p) otherwise, one draw of
// rng.Float64 per element in order, so that kept activations need no
// rescaling at inference. p = 1 drops everything.
func DropoutMask(rng interface{ Float64() float64 }, mask *Tensor, p float64) {
	keep := 0.0
	if p < 1 {
		keep = 1 / (1 - p)
	}
	n := mask.Len()
	for i := 0; i < n; i++ {
		v := keep
		if rng.Float64() < p {
			v = 0
		}
		if mask.dtype == Float64 {
			mask.f64[i] = v
		} else {
			mask.f32[i] = float32(v)
		}
	}
}
