package autograd

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/tensor"
)

// NumericalGradient estimates the gradient of the scalar function f with
// respect to every element of t by central differences:
//
//	∂f/∂tᵢ ≈ (f(t + h·eᵢ) - f(t - h·eᵢ)) / 2h
//
// It changes t in place while it works and restores it before returning. f
// must read t afresh on every call.
//
// This is the slow way to find a gradient, the one backpropagation
// replaces: it costs two evaluations of f per element, so a network with a
// million weights needs two million forward passes for one gradient, where
// backpropagation needs one forward and one backward pass. It is also only
// approximate: its error shrinks like h² until rounding error, which grows
// like ε/h, takes over, so in float64 h around 1e-6 is a good choice and
// in float32 it is hardly usable. What it remains good for is checking:
// being simple, it is easy to trust, and a backward pass that disagrees
// with it is wrong. GradCheck does exactly that.
func NumericalGradient(f func() float64, t *tensor.Tensor, h float64) *tensor.Tensor {
	grad := tensor.New(t.DType(), t.Shape()...)
	for i := 0; i < t.Len(); i++ {
		orig := t.Flat(i)
		t.SetFlat(i, orig+h)
		fp := f()
		t.SetFlat(i, orig-h)
		fm := f()
		t.SetFlat(i, orig)
		grad.SetFlat(i, (fp-fm)/(2*h))
	}
	return grad
}

// GradCheckResult reports how far backpropagation's gradient is from the
// numerical one.
type GradCheckResult struct {
	// MaxError is the worst error |a - n| / max(1, |a|, |n|) over every
	// element of every checked value, where a is the analytic
	// (backpropagated) and n the numerical derivative.
	MaxError float64
	// Value and Index locate the worst element: the position in the wrt
	// list and the flat index within that value.
	Value, Index int
	// Analytic and Numeric are the two derivatives at the worst element.
	Analytic, Numeric float64
}

// String summarises the result.
func (r GradCheckResult) String() string {
	return fmt.Sprintf("worst error %.3g at value %d element %d (backprop %.10g, numerical %.10g)", r.MaxError, r.Value, r.Index, r.Analytic, r.Numeric)
}

// GradCheck compares the gradient that backpropagation computes for the
// scalar built by f with central-difference estimates, for every element
// of the leaf values in wrt (parameters made with NewParam, ideally
// float64). f is called once with a recording graph and then, twice per
// element, with a fresh no-grad graph; it must build the same computation
// each time from the current data of the wrt values. Their gradients are
// zeroed first and hold the backpropagated gradient afterwards.
func GradCheck(f func(g *Graph) *Value, wrt ...*Value) GradCheckResult {
	for _, v := range wrt {
		if v.graph != nil || !v.requiresGrad {
			panic("autograd: GradCheck needs parameters (NewParam) to differentiate with respect to")
		}
		v.ZeroGrad()
	}
	g := NewGraph()
	g.Training = true
	f(g).Backward()
	eval := NewGraph()
	eval.Training = true
	eval.SetNoGrad(true)
	fn := func() float64 {
		eval.Reset()
		return f(eval).Item()
	}
	var res GradCheckResult
	for k, v := range wrt {
		num := NumericalGradient(fn, v.data, 1e-6)
		for i := 0; i < num.Len(); i++ {
			a := 0.0
			if v.Grad() != nil {
				a = v.grad.Flat(i)
			}
			n := num.Flat(i)
			e := math.Abs(a-n) / math.Max(1, math.Max(math.Abs(a), math.Abs(n)))
			if e > res.MaxError || math.IsNaN(e) {
				res = GradCheckResult{MaxError: e, Value: k, Index: i, Analytic: a, Numeric: n}
			}
		}
	}
	return res
}
