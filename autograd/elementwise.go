package autograd

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
	"github.com/baeum-ml/baeum/tensor"
)

// binary builds the node for an element-wise binary operation with
// broadcasting.
func (g *Graph) binary(op tensor.BinaryOp, a, b *Value, backward func(*Value)) *Value {
	g.check(op.String(), a, b)
	var buf [tensor.MaxDims]int
	shape := tensor.AppendBroadcastShape(buf[:0], a.Shape(), b.Shape())
	out := g.result(op.String(), g.arena.Empty(a.data.DType(), shape...), a, b)
	tensor.BinaryTo(op, out.data, a.data, b.data)
	out.backward = backward
	return out
}

// accumulate adds the gradient contribution grad (shaped like the
// operation's output) to v's gradient, summing over the axes along which v
// was broadcast.
func accumulate(v *Value, grad *tensor.Tensor) {
	if v.requiresGrad {
		tensor.AccumulateTo(v.gradBuf(), grad)
	}
}

// scratch returns an uninitialised tensor shaped like out, for a backward
// function's temporary results.
func scratch(out *Value) *tensor.Tensor { return out.graph.arena.EmptyLike(out.data) }

// Add returns a + b, broadcasting the shapes. d(a+b)/da = d(a+b)/db = 1.
func (g *Graph) Add(a, b *Value) *Value {
	return g.binary(tensor.OpAdd, a, b, func(out *Value) {
		accumulate(out.parents[0], out.grad)
		accumulate(out.parents[1], out.grad)
	})
}

// Sub returns a - b, broadcasting the shapes.
func (g *Graph) Sub(a, b *Value) *Value {
	return g.binary(tensor.OpSub, a, b, func(out *Value) {
		accumulate(out.parents[0], out.grad)
		if b := out.parents[1]; b.requiresGrad {
			t := scratch(out)
			tensor.UnaryTo(tensor.OpNeg, t, out.grad, 0)
			accumulate(b, t)
		}
	})
}

// Mul returns the element-wise product a·b, broadcasting the shapes.
// d(ab)/da = b and d(ab)/db = a.
func (g *Graph) Mul(a, b *Value) *Value {
	return g.binary(tensor.OpMul, a, b, func(out *Value) {
		a, b := out.parents[0], out.parents[1]
		t := scratch(out)
		if a.requiresGrad {
			tensor.MulTo(t, out.grad, b.data)
			accumulate(a, t)
		}
		if b.requiresGrad {
			tensor.MulTo(t, out.grad, a.data)
			accumulate(b, t)
		}
	})
}

// Div returns a / b element-wise, broadcasting the shapes. d(a/b)/da = 1/b
// and d(a/b)/db = -a/b² = -(a/b)/b.
func (g *Graph) Div(a, b *Value) *Value {
	return g.binary(tensor.OpDiv, a, b, func(out *Value) {
		a, b := out.parents[0], out.parents[1]
		t := scratch(out)
		if a.requiresGrad {
			tensor.DivTo(t, out.grad, b.data)
			accumulate(a, t)
		}
		if b.requiresGrad {
			tensor.MulTo(t, out.grad, out.data)
			tensor.DivTo(t, t, b.data)
			tensor.UnaryTo(tensor.OpNeg, t, t, 0)
			accumulate(b, t)
		}
	})
}

// Pow returns a raised to the power b element-wise, broadcasting the
// shapes. d(aᵇ)/da = b·aᵇ⁻¹ and d(aᵇ)/db = aᵇ·ln a (defined for a > 0).
func (g *Graph) Pow(a, b *Value) *Value {
	return g.binary(tensor.OpPow, a, b, func(out *Value) {
		a, b := out.parents[0], out.parents[1]
		t := scratch(out)
		if a.requiresGrad {
			// b·aᵇ⁻¹ = b·out/a, written without dividing by a (which may be 0).
			tensor.AddTo(t, b.data, zerosLike(out)) // b broadcast to the output shape
			tensor.UnaryTo(tensor.OpAddScalar, t, t, -1)
			tensor.BinaryTo(tensor.OpPow, t, a.data, t)
			tensor.MulTo(t, t, b.data)
			tensor.MulTo(t, t, out.grad)
			accumulate(a, t)
		}
		if b.requiresGrad {
			tensor.AddTo(t, a.data, zerosLike(out)) // broadcast a to the output shape
			tensor.UnaryTo(tensor.OpLog, t, t, 0)
			tensor.MulTo(t, t, out.data)
			tensor.MulTo(t, t, out.grad)
			accumulate(b, t)
		}
	})
}

func zerosLike(out *Value) *tensor.Tensor { return out.graph.arena.ZerosLike(out.data) }

// Maximum returns the element-wise maximum of a and b with broadcasting.
// The gradient goes to the larger operand, split equally on ties.
func (g *Graph) Maximum(a, b *Value) *Value {
	return g.binary(tensor.OpMax, a, b, func(out *Value) { minmaxBackward(out, 1) })
}

// Minimum returns the element-wise minimum of a and b with broadcasting.
// The gradient goes to the smaller operand, split equally on ties.
func (g *Graph) Minimum(a, b *Value) *Value {
	return g.binary(tensor.OpMin, a, b, func(out *Value) { minmaxBackward(out, -1) })
}

// minmaxBackward routes the gradient of max (sign 1) or min (sign -1).
func minmaxBackward(out *Value, sign float64) {
	a, b := out.parents[0], out.parents[1]
	for k, v := range []*Value{a, b} {
		if !v.requiresGrad {
			continue
		}
		other := b
		if k == 1 {
			other = a
		}
		// weight = 1 where v wins, ½ on a tie, 0 where it loses.
		t := scratch(out)
		tensor.BinaryTo(tensor.OpSub, t, v.data, other.data)
		tensor.UnaryTo(tensor.OpMulScalar, t, t, sign)
		tensor.UnaryTo(tensor.OpSign, t, t, 0)
		tensor.UnaryTo(tensor.OpAddScalar, t, t, 1)
		tensor.UnaryTo(tensor.OpMulScalar, t, t, 0.5)
		tensor.MulTo(t, t, out.grad)
		accumulate(v, t)
	}
}

// unary builds the node for an element-wise operation of one operand with
// parameter p; its backward is the shared unaryBackward, which knows every
// operation's derivative.
func (g *Graph) unary(op tensor.UnaryOp, x *Value, p float64) *Value {
	g.check(op.String(), x)
	out := g.result(op.String(), g.arena.EmptyLike(x.data), x)
	tensor.UnaryTo(op, out.data, x.data, p)
	out.ints[0], out.scalar = int(op), p
	out.backward = unaryBackward
	return out
}

// unaryBackward adds grad·f'(x) to the input's gradient, where the
// derivative f' is written in terms of the input x, the output y = f(x) and
// the parameter p, whichever is cheapest.
func unaryBackward(out *Value) {
	x := out.parents[0]
	op := tensor.UnaryOp(out.ints[0])
	gx := x.gradBuf()
	switch {
	case gx.DType() == tensor.Float64:
		unaryGrad(op, gx.F64(), out.grad.F64(), x.data.F64(), out.data.F64(), out.scalar)
	case op == tensor.OpTanh:
		kernels.TanhGrad(gx.F32(), out.grad.F32(), out.data.F32())
	case op == tensor.OpSigmoid:
		kernels.SigmoidGrad(gx.F32(), out.grad.F32(), out.data.F32())
	case op == tensor.OpReLU:
		kernels.ReLUGrad(gx.F32(), out.grad.F32(), x.data.F32())
	default:
		unaryGrad(op, gx.F32(), out.grad.F32(), x.data.F32(), out.data.F32(), float32(out.scalar))
	}
}

func unaryGrad[T tensor.Float](op tensor.UnaryOp, gx, g, x, y []T, p T) {
	g, x, y = g[:len(gx)], x[:len(gx)], y[:len(gx)]
	switch op {
	case tensor.OpNeg:
		for i := range gx {
			gx[i] -= g[i]
		}
	case tensor.OpExp:
		for i := range gx {
			gx[i] += g[i] * y[i]
		}
	case tensor.OpLog:
		for i := range gx {
			gx[i] += g[i] / x[i]
		}
	case tensor.OpSqrt:
		for i := range gx {
			gx[i] += g[i] * 0.5 / y[i]
		}
	case tensor.OpAbs:
		for i := range gx {
			switch {
			case x[i] > 0:
				gx[i] += g[i]
			case x[i] < 0:
				gx[i] -= g[i]
			}
		}
	case tensor.OpTanh:
		for i := range gx {
			gx[i] += g[i] * (1 - y[i]*y[i])
		}
	case tensor.OpSigmoid:
		for i := range gx {
			gx[i] += g[i] * y[i] * (1 - y[i])
		}
	case tensor.OpReLU:
		for i := range gx {
			if x[i] > 0 {
				gx[i] += g[i]
			}
		}
	case tensor.OpSquare:
		for i := range gx {
			gx[i] += 2 * g[i] * x[i]
		}
	case tensor.OpPowScalar:
		for i := range gx {
			gx[i] += g[i] * p * T(math.Pow(float64(x[i]), float64(p-1)))
		}
	case tensor.OpAddScalar:
		for i := range gx {
			gx[i] += g[i]
		}
	case tensor.OpMulScalar:
		for i := range gx {
			gx[i] += g[i] * p
		}
	case tensor.OpLeakyReLU:
		for i := range gx {
			if x[i] > 0 {
				gx[i] += g[i]
			} else {
				gx[i] += g[i] * p
			}
		}
	case tensor.OpELU:
		for i := range gx {
			if x[i] > 0 {
				gx[i] += g[i]
			} else {
				gx[i] += g[i] * (y[i] + p) // d/dx p(eˣ-1) = p·eˣ = y + p
			}
		}
	case tensor.OpRecip:
		for i := range gx {
			gx[i] -= g[i] * y[i] * y[i]
		}
	default:
		panic(fmt.Sprintf("autograd: %v has no derivative", op))
	}
}

// Neg returns -x.
func (g *Graph) Neg(x *Value) *Value { return g.unary(tensor.OpNeg, x, 0) }

// Exp returns eˣ element-wise; its derivative is eˣ itself.
func (g *Graph) Exp(x *Value) *Value { return g.unary(tensor.OpExp, x, 0) }

// Log returns the natural logarithm element-wise; its derivative is 1/x.
func (g *Graph) Log(x *Value) *Value { return g.unary(tensor.OpLog, x, 0) }

// Sqrt returns √x element-wise; its derivative is 1/(2√x).
func (g *Graph) Sqrt(x *Value) *Value { return g.unary(tensor.OpSqrt, x, 0) }

// Abs returns |x| element-wise; its derivative is the sign of x (0 at 0).
func (g *Graph) Abs(x *Value) *Value { return g.unary(tensor.OpAbs, x, 0) }

// Square returns x² element-wise.
func (g *Graph) Square(x *Value) *Value { return g.unary(tensor.OpSquare, x, 0) }

// PowScalar returns xᵖ element-wise for a constant p.
func (g *Graph) PowScalar(x *Value, p float64) *Value { return g.unary(tensor.OpPowScalar, x, p) }

// AddScalar returns x + c.
func (g *Graph) AddScalar(x *Value, c float64) *Value { return g.unary(tensor.OpAddScalar, x, c) }

// MulScalar returns c·x.
func (g *Graph) MulScalar(x *Value, c float64) *Value { return g.unary(tensor.OpMulScalar, x, c) }

// Reciprocal returns 1/x element-wise.
func (g *Graph) Reciprocal(x *Value) *Value { return g.unary(tensor.OpRecip, x, 0) }

// Tanh returns tanh x; its derivative is 1 - tanh²x.
func (g *Graph) Tanh(x *Value) *Value { return g.unary(tensor.OpTanh, x, 0) }

// Sigmoid returns σ(x) = 1/(1+e⁻ˣ); its derivative is σ(x)(1-σ(x)).
func (g *Graph) Sigmoid(x *Value) *Value { return g.unary(tensor.OpSigmoid, x, 0) }

// ReLU returns max(x, 0); its derivative is 1 where x > 0 and 0 elsewhere.
func (g *Graph) ReLU(x *Value) *Value { return g.unary(tensor.OpReLU, x, 0) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
func (g *Graph) LeakyReLU(x *Value, slope float64) *Value {
	return g.unary(tensor.OpLeakyReLU, x, slope)
}

// ELU returns x where x > 0 and alpha·(eˣ-1) elsewhere.
func (g *Graph) ELU(x *Value, alpha float64) *Value { return g.unary(tensor.OpELU, x, alpha) }
