package tensor

import (
	"fmt"
	"math"
)

// SmoothAct names a smooth activation function of the transformer era,
// computed element-wise with its derivative by SmoothActTo and
// SmoothActBackward.
type SmoothAct uint8

// The smooth activations.
const (
	// GELU is x·Φ(x), Φ the standard normal distribution function,
	// computed with erf as PyTorch's GELU().
	GELU SmoothAct = iota
	// GELUTanh is PyTorch's GELU(approximate='tanh'):
	// ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
	GELUTanh
	// SiLU is x·σ(x), also called swish.
	SiLU
	// Softplus is log(1 + e^(βx))/β, and x itself where βx exceeds the
	// threshold, as PyTorch's Softplus(beta, threshold).
	Softplus
)

var smoothNames = [...]string{"gelu", "gelu_tanh", "silu", "softplus"}

// String returns the function's name.
func (a SmoothAct) String() string { return smoothNames[a] }

// SmoothActTo writes a(x) into dst, which must have x's number of
// elements and dtype. beta and threshold are Softplus's parameters and are
// ignored by the others.
func SmoothActTo(a SmoothAct, dst, x *Tensor, beta, threshold float64) {
	checkFloat(a.String(), dst, x)
	if dst.dtype != x.dtype || dst.Len() != x.Len() {
		panic(fmt.Sprintf("tensor: %v: source %v %v into destination %v %v", a, x.dtype, x.shape, dst.dtype, dst.shape))
	}
	if x.dtype == Float64 {
		smoothLoop(a, false, dst.f64, nil, x.f64, beta, threshold)
	} else {
		smoothLoop(a, false, dst.f32, nil, x.f32, beta, threshold)
	}
}

// SmoothActBackward adds to gx the gradient of a at x given gout, the
// gradient of its output: gout·a′(x).
func SmoothActBackward(a SmoothAct, gx, gout, x *Tensor, beta, threshold float64) {
	checkFloat(a.String(), gx, gout, x)
	if gx.dtype != x.dtype || gout.dtype != x.dtype || gx.Len() != x.Len() || gout.Len() != x.Len() {
		panic(fmt.Sprintf("tensor: %v gradient %v %v from %v %v at %v %v", a, gx.dtype, gx.shape, gout.dtype, gout.shape, x.dtype, x.shape))
	}
	if x.dtype == Float64 {
		smoothLoop(a, true, gx.f64, gout.f64, x.f64, beta, threshold)
	} else {
		smoothLoop(a, true, gx.f32, gout.f32, x.f32, beta, threshold)
	}
}

const (
	invSqrt2    = 0.70710678118654752440084436210484903928483593768847 // 1/√2
	invSqrt2Pi  = 0.39894228040143267793994605993438186847585863116493 // 1/√(2π)
	sqrt2OverPi = 0.79788456080286535587989211986876373695171726232986 // √(2/π)
	geluCoef    = 0.044715
)

// smoothLoop computes dst = a(x), or, for backward, dst += g·a′(x), in
// float64 whatever T is.
func smoothLoop[T float](a SmoothAct, backward bool, dst, g, x []T, beta, threshold float64) {
	for i, xv := range x[:len(dst)] {
		v := float64(xv)
		var y, d float64
		switch a {
		case GELU:
			cdf := 0.5 * (1 + math.Erf(v*invSqrt2))
			y, d = v*cdf, cdf+v*invSqrt2Pi*math.Exp(-0.5*v*v)
		case GELUTanh:
			t := math.Tanh(sqrt2OverPi * (v + geluCoef*v*v*v))
			y = 0.5 * v * (1 + t)
			d = 0.5*(1+t) + 0.5*v*(1-t*t)*sqrt2OverPi*(1+3*geluCoef*v*v)
		case SiLU:
			s := sigmoid(v)
			y, d = v*s, s*(1+v*(1-s))
		case Softplus:
			if bx := beta * v; bx > threshold {
				y, d = v, 1
			} else {
				y, d = math.Log1p(math.Exp(bx))/beta, sigmoid(bx)
			}
		}
		if backward {
			dst[i] += g[i] * T(d)
		} else {
			dst[i] = T(y)
		}
	}
}
