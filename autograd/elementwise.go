package autograd

import (
	"fmt"

	"github.com/baeum-ml/baeum/tensor"
)

// The element-wise operations. Each binary one is a small type whose
// Backward sits right under its constructor; they share the forward pass,
// which broadcasts the operands' shapes. They carry no state of their own,
// so one value of each serves every call.

// binary is the forward pass shared by the element-wise operations of two
// operands.
type binary struct{ op tensor.BinaryOp }

// Name returns the operation's name ("add", "mul", …).
func (b binary) Name() string { return b.op.String() }

// Forward computes op(a, b) with broadcasting.
func (b binary) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	var buf [tensor.MaxDims]int
	out := c.Arena().Empty(in[0].DType(), tensor.AppendBroadcastShape(buf[:0], in[0].Shape(), in[1].Shape())...)
	tensor.BinaryTo(b.op, out, in[0], in[1])
	return out
}

// accumulate adds the gradient contribution grad (shaped like the
// operation's output) into gx, summing over the axes along which the input
// was broadcast. A nil gx (no gradient wanted) is skipped.
func accumulate(gx, grad *tensor.Tensor) {
	if gx != nil {
		tensor.AccumulateTo(gx, grad)
	}
}

type addOp struct{ binary }

// Add returns a + b, broadcasting the shapes. d(a+b)/da = d(a+b)/db = 1.
func (g *Graph) Add(a, b *Value) *Value { return g.Apply(&addV, a, b) }

var addV = addOp{binary{tensor.OpAdd}}

func (addOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	accumulate(gin[0], gout)
	accumulate(gin[1], gout)
}

type subOp struct{ binary }

// Sub returns a - b, broadcasting the shapes.
func (g *Graph) Sub(a, b *Value) *Value { return g.Apply(&subV, a, b) }

var subV = subOp{binary{tensor.OpSub}}

func (subOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	accumulate(gin[0], gout)
	if gin[1] != nil {
		t := c.Arena().EmptyLike(gout)
		tensor.UnaryTo(tensor.OpNeg, t, gout, 0)
		accumulate(gin[1], t)
	}
}

type mulOp struct{ binary }

// Mul returns the element-wise product a·b, broadcasting the shapes.
// d(ab)/da = b and d(ab)/db = a.
func (g *Graph) Mul(a, b *Value) *Value { return g.Apply(&mulV, a, b) }

var mulV = mulOp{binary{tensor.OpMul}}

func (mulOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	t := c.Arena().EmptyLike(gout)
	if gin[0] != nil {
		tensor.MulTo(t, gout, c.Input(1))
		accumulate(gin[0], t)
	}
	if gin[1] != nil {
		tensor.MulTo(t, gout, c.Input(0))
		accumulate(gin[1], t)
	}
}

type divOp struct{ binary }

// Div returns a / b element-wise, broadcasting the shapes. d(a/b)/da = 1/b
// and d(a/b)/db = -a/b² = -(a/b)/b.
func (g *Graph) Div(a, b *Value) *Value { return g.Apply(&divV, a, b) }

var divV = divOp{binary{tensor.OpDiv}}

func (divOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	b := c.Input(1)
	t := c.Arena().EmptyLike(gout)
	if gin[0] != nil {
		tensor.DivTo(t, gout, b)
		accumulate(gin[0], t)
	}
	if gin[1] != nil {
		tensor.MulTo(t, gout, c.Output())
		tensor.DivTo(t, t, b)
		tensor.UnaryTo(tensor.OpNeg, t, t, 0)
		accumulate(gin[1], t)
	}
}

type powOp struct{ binary }

// Pow returns a raised to the power b element-wise, broadcasting the
// shapes. d(aᵇ)/da = b·aᵇ⁻¹ (0 where b = 0) and d(aᵇ)/db = aᵇ·ln a (0 where
// a = 0 and b ≥ 0), the conventions of PyTorch, which keep a zero base from
// turning gradients into NaN.
func (g *Graph) Pow(a, b *Value) *Value { return g.Apply(&powV, a, b) }

var powV = powOp{binary{tensor.OpPow}}

func (powOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	a, b := c.Input(0), c.Input(1)
	t := c.Arena().EmptyLike(gout)
	if gin[0] != nil {
		tensor.BinaryTo(tensor.OpPowDBase, t, a, b)
		tensor.MulTo(t, t, gout)
		accumulate(gin[0], t)
	}
	if gin[1] != nil {
		tensor.BinaryTo(tensor.OpPowDExp, t, a, b)
		tensor.MulTo(t, t, gout)
		accumulate(gin[1], t)
	}
}

// minmaxOp is Maximum (sign 1) or Minimum (sign -1).
type minmaxOp struct {
	binary
	sign float64
}

// Maximum returns the element-wise maximum of a and b with broadcasting.
// The gradient goes to the larger operand, split equally on ties.
func (g *Graph) Maximum(a, b *Value) *Value { return g.Apply(&maximumV, a, b) }

// Minimum returns the element-wise minimum of a and b with broadcasting.
// The gradient goes to the smaller operand, split equally on ties.
func (g *Graph) Minimum(a, b *Value) *Value { return g.Apply(&minimumV, a, b) }

var (
	maximumV = minmaxOp{binary{tensor.OpMax}, 1}
	minimumV = minmaxOp{binary{tensor.OpMin}, -1}
)

func (op *minmaxOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	for k := range 2 {
		if gin[k] == nil {
			continue
		}
		v, other := c.Input(k), c.Input(1-k)
		// weight = 1 where v wins, ½ on a tie, 0 where it loses.
		t := c.Arena().EmptyLike(gout)
		tensor.BinaryTo(tensor.OpSub, t, v, other)
		tensor.UnaryTo(tensor.OpMulScalar, t, t, op.sign)
		tensor.UnaryTo(tensor.OpSign, t, t, 0)
		tensor.UnaryTo(tensor.OpAddScalar, t, t, 1)
		tensor.UnaryTo(tensor.OpMulScalar, t, t, 0.5)
		tensor.MulTo(t, t, gout)
		accumulate(gin[k], t)
	}
}

// unaryOp is every element-wise operation of one operand: the forward
// function and its derivative live side by side in package tensor
// (tensor.UnaryTo and tensor.UnaryGradTo), keyed by the same code.
type unaryOp struct {
	op tensor.UnaryOp
	p  float64 // the operation's parameter (a slope, a power), if any
}

func (u *unaryOp) Name() string { return u.op.String() }

func (u *unaryOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	out := c.Arena().EmptyLike(in[0])
	tensor.UnaryTo(u.op, out, in[0], u.p)
	return out
}

func (u *unaryOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	if c.Fresh(0) {
		tensor.UnaryGradSetTo(u.op, gin[0], gout, c.Input(0), c.Output(), u.p)
		return
	}
	tensor.UnaryGradTo(u.op, gin[0], gout, c.Input(0), c.Output(), u.p)
}

// SetsGrads marks unaryOp's Backward as honouring Ctx.Fresh.
func (*unaryOp) SetsGrads() {}

func (g *Graph) unary(op tensor.UnaryOp, x *Value, p float64) *Value {
	u := NewOp[unaryOp](g)
	u.op, u.p = op, p
	return g.Apply(u, x)
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

// PowScalar returns xᵖ element-wise for a constant p; its derivative is
// p·xᵖ⁻¹, and 0 for p = 0 (as in PyTorch), even at x = 0.
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
// NaN stays NaN and passes its gradient through, as in PyTorch.
func (g *Graph) ReLU(x *Value) *Value { return g.unary(tensor.OpReLU, x, 0) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
func (g *Graph) LeakyReLU(x *Value, slope float64) *Value {
	return g.unary(tensor.OpLeakyReLU, x, slope)
}

// ELU returns x where x > 0 and alpha·(eˣ-1) elsewhere; its derivative
// there is alpha·eˣ.
func (g *Graph) ELU(x *Value, alpha float64) *Value { return g.unary(tensor.OpELU, x, alpha) }

// Erf returns the error function element-wise; its derivative is
// 2/√π·e^(−x²).
func (g *Graph) Erf(x *Value) *Value { return g.unary(tensor.OpErf, x, 0) }

// whereOp selects between two values by a condition that is not
// differentiated.
type whereOp struct{}

var whereV whereOp

func (whereOp) Name() string { return "where" }

func (whereOp) Forward(c Ctx, in []*tensor.Tensor) *tensor.Tensor {
	y := c.Arena().EmptyLike(in[1])
	tensor.WhereTo(y, in[0], in[1], in[2])
	return y
}

func (whereOp) Backward(c Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	zero := c.Arena().ZerosLike(gout)
	t := c.Arena().EmptyLike(gout)
	if gin[1] != nil {
		tensor.WhereTo(t, c.Input(0), gout, zero)
		accumulate(gin[1], t)
	}
	if gin[2] != nil {
		tensor.WhereTo(t, c.Input(0), zero, gout)
		accumulate(gin[2], t)
	}
}

// Where returns a where cond is nonzero and b elsewhere; the three have
// the same shape. The gradient goes to the operand chosen at each
// element; cond gets none. The operand not chosen passes through
// untouched, so an infinity there does not turn into NaN.
func (g *Graph) Where(cond, a, b *Value) *Value {
	if !tensor.EqualShapes(cond.Shape(), a.Shape()) || !tensor.EqualShapes(a.Shape(), b.Shape()) {
		panic(fmt.Sprintf("autograd: Where of shapes %v, %v and %v: want one shape", cond.Shape(), a.Shape(), b.Shape()))
	}
	return g.Apply(whereV, cond, a, b)
}
