package tensor

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// This file holds the optimizers' update rules, each fused into one call
// per parameter, and the reductions that gradient clipping needs. They are
// the backend's job: a GPU backend runs each update as one kernel over
// the parameter, its gradient and its state, so package optim only keeps
// the books (step counts, buffers, hyper-parameters) and never touches the
// numbers themselves.
//
// Every update works in the parameter's own type: scalar factors are
// computed in float64 and rounded to float32 once for a float32
// parameter, as PyTorch does. The gradient and the state buffers must
// have the parameter's dtype and number of elements; a state buffer that
// an option does not use is passed as nil.

// SGDHyper holds the hyper-parameters of one SGDUpdate.
type SGDHyper struct {
	// LR is the learning rate η.
	LR float64
	// Momentum μ is the decay factor of the velocity.
	Momentum float64
	// Dampening τ scales the gradient entering the velocity by 1-τ.
	Dampening float64
	// WeightDecay λ adds λ·θ to the gradient.
	WeightDecay float64
	// Nesterov steps by g + μv instead of v.
	Nesterov bool
	// Step is the number of this update of the parameter, counting from
	// 1. At step 1 the velocity is set to the gradient.
	Step int
}

// SGDUpdate applies one step of stochastic gradient descent to the
// parameter p with gradient g and velocity v, which is nil without
// momentum:
//
//	g ← g + λθ                                  (if λ ≠ 0)
//	v ← g at step 1, else μv + (1-τ)g           (if v ≠ nil)
//	g ← g + μv (Nesterov) or g ← v              (if v ≠ nil)
//	θ ← θ - ηg
//
// g is only read. It panics if the tensors do not match or Step < 1.
func SGDUpdate(p, g, v *Tensor, h SGDHyper) {
	checkUpdate("SGDUpdate", h.Step, p, g, v, nil, nil)
	first := h.Step == 1
	switch {
	case p.dtype == Float64:
		sgdLoop(p.f64, g.f64, f64s(v), h.LR, h.WeightDecay, h.Momentum, 1-h.Dampening, h.Nesterov, first)
	case v != nil && h.WeightDecay == 0 && !h.Nesterov && !first:
		// The common case, with the vector kernel.
		kernels.SGDMomentum(p.f32, g.f32, v.f32, float32(h.LR), float32(h.Momentum), float32(1-h.Dampening))
	default:
		sgdLoop(p.f32, g.f32, f32s(v), float32(h.LR), float32(h.WeightDecay), float32(h.Momentum),
			float32(1-h.Dampening), h.Nesterov, first)
	}
}

// sgdLoop is SGDUpdate on slices; keep is 1-τ, the share of the gradient
// that enters the velocity v (nil without momentum).
func sgdLoop[T Float](p, g, v []T, lr, wd, mom, keep T, nesterov, first bool) {
	g = g[:len(p)]
	if v == nil {
		for i, d := range g {
			if wd != 0 {
				d += wd * p[i]
			}
			p[i] -= lr * d
		}
		return
	}
	v = v[:len(p)]
	for i, d := range g {
		if wd != 0 {
			d += wd * p[i]
		}
		if first {
			v[i] = d
		} else {
			v[i] = v[i]*mom + keep*d
		}
		if nesterov {
			d += mom * v[i]
		} else {
			d = v[i]
		}
		p[i] -= lr * d
	}
}

// AdamHyper holds the hyper-parameters of one AdamUpdate.
type AdamHyper struct {
	// LR is the learning rate η.
	LR float64
	// Beta1 β₁ and Beta2 β₂ are the decay factors of the running averages
	// of the gradient and of its square.
	Beta1, Beta2 float64
	// Eps ε is added to the root-mean-square before dividing by it.
	Eps float64
	// WeightDecay λ is added to the gradient as λ·θ, or, when Decoupled
	// is set (AdamW), shrinks the parameter directly: θ ← θ(1 - ηλ).
	WeightDecay float64
	// Decoupled makes the weight decay AdamW's.
	Decoupled bool
	// Step is the number of this update of the parameter, counting from
	// 1; the bias corrections 1-β₁ᵗ and 1-β₂ᵗ depend on it.
	Step int
}

// AdamUpdate applies one step of Adam (or AdamW) to the parameter p with
// gradient g, first moment m, second moment v and, for AMSGrad, the
// largest second moment so far vmax (nil without AMSGrad). At step t:
//
//	g ← g + λθ (Adam)   or   θ ← θ(1 - ηλ) (AdamW)
//	m ← β₁m + (1-β₁)g
//	v ← β₂v + (1-β₂)g²
//	v̂ ← max(v̂, v) (AMSGrad)   or   v̂ ← v
//	θ ← θ - η/(1-β₁ᵗ) · m / (√v̂/√(1-β₂ᵗ) + ε)
//
// g is only read. It panics if the tensors do not match or Step < 1.
func AdamUpdate(p, g, m, v, vmax *Tensor, h AdamHyper) {
	if m == nil || v == nil {
		panic("tensor: AdamUpdate needs both moments")
	}
	checkUpdate("AdamUpdate", h.Step, p, g, m, v, vmax)
	decay, l2 := 1.0, h.WeightDecay // AdamW multiplies θ by decay; Adam adds l2·θ to g
	if h.Decoupled {
		decay, l2 = 1-h.LR*h.WeightDecay, 0
	}
	t := float64(h.Step)
	bc1 := 1 - math.Pow(h.Beta1, t)
	bc2 := 1 - math.Pow(h.Beta2, t)
	step := -h.LR / bc1
	bc2sqrt := math.Sqrt(bc2)
	if p.dtype == Float64 {
		adamLoop(p.f64, g.f64, m.f64, v.f64, f64s(vmax),
			h.Beta1, 1-h.Beta1, h.Beta2, 1-h.Beta2, step, bc2sqrt, h.Eps, l2, decay)
		return
	}
	if vmax == nil && float32(l2) == 0 {
		// Without AMSGrad and L2, the vectorised kernel, to the same bits.
		kernels.Adam(p.f32, g.f32, m.f32, v.f32,
			float32(h.Beta1), float32(1-h.Beta1), float32(h.Beta2), float32(1-h.Beta2),
			float32(step), float32(bc2sqrt), float32(h.Eps), float32(decay))
		return
	}
	adamLoop(p.f32, g.f32, m.f32, v.f32, f32s(vmax),
		float32(h.Beta1), float32(1-h.Beta1), float32(h.Beta2), float32(1-h.Beta2),
		float32(step), float32(bc2sqrt), float32(h.Eps), float32(l2), float32(decay))
}

// adamLoop is AdamUpdate on slices. keep1 and keep2 are 1-β₁ and 1-β₂,
// step is -η/(1-β₁ᵗ) and bc2sqrt is √(1-β₂ᵗ); l2 is Adam's weight decay,
// decay AdamW's factor 1-ηλ.
func adamLoop[T Float](p, g, m, v, vmax []T, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, l2, decay T) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, d := range g {
		if l2 != 0 {
			d += l2 * p[i]
		}
		if decay != 1 {
			p[i] *= decay
		}
		m[i] = m[i]*beta1 + keep1*d
		v[i] = v[i]*beta2 + keep2*d*d
		den := v[i]
		if vmax != nil {
			den = max(vmax[i], den)
			vmax[i] = den
		}
		p[i] += step * m[i] / (sqrt(den)/bc2sqrt + eps)
	}
}

// RMSPropHyper holds the hyper-parameters of one RMSPropUpdate.
type RMSPropHyper struct {
	// LR is the learning rate η.
	LR float64
	// Alpha α is the decay factor of the running averages.
	Alpha float64
	// Eps ε is added to the root-mean-square before dividing by it.
	Eps float64
	// WeightDecay λ adds λ·θ to the gradient.
	WeightDecay float64
	// Momentum μ is the decay factor of the velocity, used when a
	// velocity is given.
	Momentum float64
}

// RMSPropUpdate applies one step of RMSProp to the parameter p with
// gradient g and running mean square s; the velocity v is nil without
// momentum and the running mean gradient a is nil unless centered:
//
//	g ← g + λθ                     (if λ ≠ 0)
//	s ← αs + (1-α)g²
//	a ← αa + (1-α)g, r ← √(s - a²) (if a ≠ nil)   or   r ← √s
//	v ← μv + g/(r+ε), θ ← θ - ηv   (if v ≠ nil)   or   θ ← θ - η·g/(r+ε)
//
// g is only read. It panics if the tensors do not match.
func RMSPropUpdate(p, g, s, v, a *Tensor, h RMSPropHyper) {
	if s == nil {
		panic("tensor: RMSPropUpdate needs the mean square")
	}
	checkUpdate("RMSPropUpdate", 1, p, g, s, v, a)
	if p.dtype == Float64 {
		rmspropLoop(p.f64, g.f64, s.f64, f64s(v), f64s(a), h.LR, h.Alpha, 1-h.Alpha, h.Eps, h.WeightDecay, h.Momentum)
		return
	}
	rmspropLoop(p.f32, g.f32, s.f32, f32s(v), f32s(a), float32(h.LR), float32(h.Alpha), float32(1-h.Alpha),
		float32(h.Eps), float32(h.WeightDecay), float32(h.Momentum))
}

// rmspropLoop is RMSPropUpdate on slices; keep is 1-α.
func rmspropLoop[T Float](p, g, s, v, a []T, lr, alpha, keep, eps, wd, mom T) {
	g, s = g[:len(p)], s[:len(p)]
	if v != nil {
		v = v[:len(p)]
	}
	if a != nil {
		a = a[:len(p)]
	}
	for i, d := range g {
		if wd != 0 {
			d += wd * p[i]
		}
		s[i] = s[i]*alpha + keep*d*d
		var r T
		if a != nil {
			a[i] = a[i]*alpha + keep*d
			r = sqrt(s[i] - a[i]*a[i])
		} else {
			r = sqrt(s[i])
		}
		r += eps
		if v != nil {
			v[i] = v[i]*mom + d/r
			p[i] -= lr * v[i]
		} else {
			p[i] += -lr * d / r
		}
	}
}

// AdaGradHyper holds the hyper-parameters of one AdaGradUpdate.
type AdaGradHyper struct {
	// LR is the learning rate η.
	LR float64
	// LRDecay δ divides the learning rate of step t by 1 + (t-1)δ.
	LRDecay float64
	// WeightDecay λ adds λ·θ to the gradient.
	WeightDecay float64
	// Eps ε is added to the square root of the sum before dividing by it.
	Eps float64
	// Step is the number of this update of the parameter, counting from 1.
	Step int
}

// AdaGradUpdate applies one step of AdaGrad to the parameter p with
// gradient g and sum of squared gradients s. At step t:
//
//	g ← g + λθ                  (if λ ≠ 0)
//	s ← s + g²
//	θ ← θ - η/(1+(t-1)δ) · g/(√s + ε)
//
// g is only read. It panics if the tensors do not match or Step < 1.
func AdaGradUpdate(p, g, s *Tensor, h AdaGradHyper) {
	if s == nil {
		panic("tensor: AdaGradUpdate needs the sum of squares")
	}
	checkUpdate("AdaGradUpdate", h.Step, p, g, s, nil, nil)
	clr := h.LR / (1 + float64(h.Step-1)*h.LRDecay)
	if p.dtype == Float64 {
		adagradLoop(p.f64, g.f64, s.f64, -clr, h.WeightDecay, h.Eps)
		return
	}
	adagradLoop(p.f32, g.f32, s.f32, float32(-clr), float32(h.WeightDecay), float32(h.Eps))
}

// adagradLoop is AdaGradUpdate on slices; step is -η/(1+(t-1)δ).
func adagradLoop[T Float](p, g, s []T, step, wd, eps T) {
	g, s = g[:len(p)], s[:len(p)]
	for i, d := range g {
		if wd != 0 {
			d += wd * p[i]
		}
		s[i] += d * d
		p[i] += step * d / (sqrt(s[i]) + eps)
	}
}

// sqrt is the square root in the type of x. For float32 the float64
// square root rounded to float32 is the correctly rounded float32 result.
func sqrt[T Float](x T) T { return T(math.Sqrt(float64(x))) }

// checkUpdate panics unless step ≥ 1, p holds floats, and the gradient g
// and the state buffers b1, b2, b3 that are not nil have p's dtype and
// number of elements. It takes the buffers one by one rather than as a
// variadic slice so that the check stays free of allocation.
func checkUpdate(op string, step int, p, g, b1, b2, b3 *Tensor) {
	if step < 1 {
		panic(fmt.Sprintf("tensor: %s: step %d, want ≥ 1", op, step))
	}
	if g == nil {
		panic(fmt.Sprintf("tensor: %s: no gradient", op))
	}
	checkFloat(op, p, g, b1, b2, b3)
	for _, t := range [...]*Tensor{g, b1, b2, b3} {
		if t != nil && (t.dtype != p.dtype || t.Len() != p.Len()) {
			panic(fmt.Sprintf("tensor: %s: parameter is %v %v but gradient or state is %v %v",
				op, p.dtype, p.shape, t.dtype, t.shape))
		}
	}
}

// Dot returns the sum of the products of the elements of a and b,
// accumulated in float64. The two must have the same dtype and number of
// elements; shapes may differ. Dot(x, x) is the sum of squares of x.
func Dot(a, b *Tensor) float64 {
	checkFloat("Dot", a, b)
	if a.dtype != b.dtype || a.Len() != b.Len() {
		panic(fmt.Sprintf("tensor: Dot of %v %v and %v %v", a.dtype, a.shape, b.dtype, b.shape))
	}
	if a.dtype == Float64 {
		return dot(a.f64, b.f64)
	}
	return dot(a.f32, b.f32)
}

func dot[T Float](a, b []T) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// Norm returns the p-norm (Σ|x|ᵖ)^(1/p) of the elements of x, accumulated
// in float64, for any p > 0; p = math.Inf(1) gives the largest absolute
// value. NaN propagates. It panics unless p > 0.
func Norm(x *Tensor, p float64) float64 {
	checkFloat("Norm", x)
	if !(p > 0) {
		panic(fmt.Sprintf("tensor: Norm of order %v, want > 0", p))
	}
	if x.dtype == Float64 {
		return pnorm(x.f64, p)
	}
	return pnorm(x.f32, p)
}

func pnorm[T Float](x []T, p float64) float64 {
	s := 0.0
	switch {
	case math.IsInf(p, 1):
		for _, v := range x {
			s = max(s, math.Abs(float64(v)))
		}
		return s
	case p == 2:
		return math.Sqrt(dot(x, x))
	case p == 1:
		for _, v := range x {
			s += math.Abs(float64(v))
		}
		return s
	}
	for _, v := range x {
		s += math.Pow(math.Abs(float64(v)), p)
	}
	return math.Pow(s, 1/p)
}

// ClampTo writes x clamped into [lo, hi], min(max(x, lo), hi), into dst,
// which has x's dtype and number of elements (and may be x). NaN stays
// NaN.
func ClampTo(dst, x *Tensor, lo, hi float64) {
	checkFloat("ClampTo", dst, x)
	if dst.dtype != x.dtype || dst.Len() != x.Len() {
		panic(fmt.Sprintf("tensor: ClampTo of %v %v into %v %v", x.dtype, x.shape, dst.dtype, dst.shape))
	}
	if x.dtype == Float64 {
		clamp(dst.f64, x.f64, lo, hi)
		return
	}
	clamp(dst.f32, x.f32, float32(lo), float32(hi))
}

func clamp[T Float](dst, x []T, lo, hi T) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = min(max(v, lo), hi)
	}
}
