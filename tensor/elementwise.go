package tensor

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// BinaryOp names an element-wise operation of two operands.
type BinaryOp uint8

// The element-wise binary operations.
const (
	OpAdd      BinaryOp = iota // a + b
	OpSub                      // a - b
	OpMul                      // a · b
	OpDiv                      // a / b
	OpPow                      // a ** b
	OpMax                      // max(a, b); NaN if either is NaN
	OpMin                      // min(a, b); NaN if either is NaN
	OpPowDBase                 // ∂(aᵇ)/∂a = b·aᵇ⁻¹, and 0 where b = 0 (as PyTorch)
	OpPowDExp                  // ∂(aᵇ)/∂b = aᵇ·ln a, and 0 where a = 0 and b ≥ 0 (as PyTorch)
)

var binaryNames = [...]string{"add", "sub", "mul", "div", "pow", "maximum", "minimum", "pow_dbase", "pow_dexp"}

// String returns the operation's name.
func (op BinaryOp) String() string { return binaryNames[op] }

// Binary returns op(a, b) element-wise, broadcasting a and b to a common
// shape. Both must have the same dtype.
func Binary(op BinaryOp, a, b *Tensor) *Tensor {
	var buf [MaxDims]int
	shape, ok := broadcastShapes(buf[:0], a.shape, b.shape)
	if !ok {
		panic(fmt.Sprintf("tensor: %v: shapes %v and %v do not broadcast", op, a.shape, b.shape))
	}
	dst := New(a.dtype, shape...)
	BinaryTo(op, dst, a, b)
	return dst
}

// BinaryTo writes op(a, b) into dst, whose shape must be the broadcast
// shape of a and b. dst may be a or b itself when it has that shape.
func BinaryTo(op BinaryOp, dst, a, b *Tensor) {
	checkFloat(op.String(), dst, a, b)
	if a.dtype != b.dtype || a.dtype != dst.dtype {
		panic(fmt.Sprintf("tensor: %v: mixed dtypes %v, %v into %v", op, a.dtype, b.dtype, dst.dtype))
	}
	var buf [MaxDims]int
	shape, ok := broadcastShapes(buf[:0], a.shape, b.shape)
	if !ok || !EqualShapes(shape, dst.shape) {
		panic(fmt.Sprintf("tensor: %v: shapes %v and %v do not broadcast to destination %v", op, a.shape, b.shape, dst.shape))
	}
	l := newLoop(dst.shape, a.shape, b.shape)
	if dst.dtype == Float64 {
		d, x, y := dst.f64, a.f64, b.f64
		l.rows(func(o, ia, ib, n, sa, sb int) { binaryRow(op, d[o:o+n], x[ia:], y[ib:], sa, sb) })
		return
	}
	d, x, y := dst.f32, a.f32, b.f32
	l.rows(func(o, ia, ib, n, sa, sb int) { binaryRow(op, d[o:o+n], x[ia:], y[ib:], sa, sb) })
}

// binaryRow computes dst[i] = op(a[i·sa], b[i·sb]).
func binaryRow[T Float](op BinaryOp, dst, a, b []T, sa, sb int) {
	if sa == 1 && sb == 1 {
		a, b = a[:len(dst)], b[:len(dst)]
		switch op {
		case OpAdd:
			if d, ok := kernels.AsF32(dst); ok {
				as, _ := kernels.AsF32(a)
				bs, _ := kernels.AsF32(b)
				kernels.Add(d, as, bs)
				return
			}
			for i := range dst {
				dst[i] = a[i] + b[i]
			}
			return
		case OpSub:
			for i := range dst {
				dst[i] = a[i] - b[i]
			}
			return
		case OpMul:
			for i := range dst {
				dst[i] = a[i] * b[i]
			}
			return
		case OpDiv:
			for i := range dst {
				dst[i] = a[i] / b[i]
			}
			return
		}
	}
	if sa == 1 && sb == 0 {
		a, y := a[:len(dst)], b[0]
		switch op {
		case OpAdd:
			for i := range dst {
				dst[i] = a[i] + y
			}
			return
		case OpMul:
			for i := range dst {
				dst[i] = a[i] * y
			}
			return
		}
	}
	for i := range dst {
		x, y := a[i*sa], b[i*sb]
		var r T
		switch op {
		case OpAdd:
			r = x + y
		case OpSub:
			r = x - y
		case OpMul:
			r = x * y
		case OpDiv:
			r = x / y
		case OpPow:
			r = T(math.Pow(float64(x), float64(y)))
		case OpMax:
			r = T(fmax(float64(x), float64(y)))
		case OpMin:
			r = T(-fmax(-float64(x), -float64(y)))
		case OpPowDBase:
			if y != 0 {
				r = y * T(math.Pow(float64(x), float64(y-1)))
			}
		case OpPowDExp:
			if x != 0 || y < 0 {
				r = T(math.Pow(float64(x), float64(y)) * math.Log(float64(x)))
			}
		}
		dst[i] = r
	}
}

// fmax is max with NaN propagation, as in NumPy's maximum.
func fmax(x, y float64) float64 {
	if x != x || y != y {
		return math.NaN()
	}
	if x >= y {
		return x
	}
	return y
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor { return Binary(OpAdd, a, b) }

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor { return Binary(OpSub, a, b) }

// Mul returns the element-wise product a · b with broadcasting.
func Mul(a, b *Tensor) *Tensor { return Binary(OpMul, a, b) }

// Div returns a / b element-wise with broadcasting.
func Div(a, b *Tensor) *Tensor { return Binary(OpDiv, a, b) }

// Pow returns a raised to the power b element-wise with broadcasting.
func Pow(a, b *Tensor) *Tensor { return Binary(OpPow, a, b) }

// Maximum returns the element-wise maximum with broadcasting.
func Maximum(a, b *Tensor) *Tensor { return Binary(OpMax, a, b) }

// Minimum returns the element-wise minimum with broadcasting.
func Minimum(a, b *Tensor) *Tensor { return Binary(OpMin, a, b) }

// AddTo writes a + b into dst. See BinaryTo.
func AddTo(dst, a, b *Tensor) { BinaryTo(OpAdd, dst, a, b) }

// SubTo writes a - b into dst. See BinaryTo.
func SubTo(dst, a, b *Tensor) { BinaryTo(OpSub, dst, a, b) }

// MulTo writes a · b into dst. See BinaryTo.
func MulTo(dst, a, b *Tensor) { BinaryTo(OpMul, dst, a, b) }

// DivTo writes a / b into dst. See BinaryTo.
func DivTo(dst, a, b *Tensor) { BinaryTo(OpDiv, dst, a, b) }

// UnaryOp names an element-wise operation of one operand. Some take a
// parameter p, given to Unary.
type UnaryOp uint8

// The element-wise unary operations.
const (
	OpNeg       UnaryOp = iota // -x
	OpExp                      // eˣ
	OpLog                      // ln x
	OpSqrt                     // √x
	OpAbs                      // |x|
	OpTanh                     // tanh x
	OpSigmoid                  // 1 / (1 + e⁻ˣ)
	OpReLU                     // max(x, 0)
	OpSquare                   // x²
	OpPowScalar                // xᵖ
	OpAddScalar                // x + p
	OpMulScalar                // x · p
	OpLeakyReLU                // x if x > 0, else p·x
	OpELU                      // x if x > 0, else p·(eˣ - 1)
	OpRecip                    // 1 / x
	OpSign                     // -1, 0 or 1
	OpStep                     // 1 if x > 0, else 0 (the derivative of ReLU)
	OpErf                      // erf x, the error function
)

var unaryNames = [...]string{"neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "square", "pow", "add_scalar", "mul_scalar", "leaky_relu", "elu", "reciprocal", "sign", "step", "erf"}

// String returns the operation's name.
func (op UnaryOp) String() string { return unaryNames[op] }

// Unary returns op(x) element-wise; p is the parameter of the operations
// that take one and is ignored by the others.
func Unary(op UnaryOp, x *Tensor, p float64) *Tensor {
	dst := New(x.dtype, x.shape...)
	UnaryTo(op, dst, x, p)
	return dst
}

// UnaryTo writes op(x) into dst, which must have x's number of elements
// and dtype; dst may be x itself.
func UnaryTo(op UnaryOp, dst, x *Tensor, p float64) {
	checkFloat(op.String(), dst, x)
	if dst.dtype != x.dtype || dst.Len() != x.Len() {
		panic(fmt.Sprintf("tensor: %v: source %v %v into destination %v %v", op, x.dtype, x.shape, dst.dtype, dst.shape))
	}
	if x.dtype == Float64 {
		unaryLoop(op, dst.f64, x.f64, p)
		return
	}
	switch op { // float32 transcendental functions have fast kernels
	case OpExp:
		kernels.Exp(dst.f32, x.f32)
	case OpTanh:
		kernels.Tanh(dst.f32, x.f32)
	case OpSigmoid:
		kernels.Sigmoid(dst.f32, x.f32)
	case OpReLU:
		kernels.ReLU(dst.f32, x.f32)
	default:
		unaryLoop(op, dst.f32, x.f32, float32(p))
	}
}

func unaryLoop[T Float](op UnaryOp, dst, x []T, p T) {
	x = x[:len(dst)]
	switch op {
	case OpNeg:
		for i, v := range x {
			dst[i] = -v
		}
	case OpExp:
		for i, v := range x {
			dst[i] = T(math.Exp(float64(v)))
		}
	case OpLog:
		for i, v := range x {
			dst[i] = T(math.Log(float64(v)))
		}
	case OpSqrt:
		for i, v := range x {
			dst[i] = T(math.Sqrt(float64(v)))
		}
	case OpAbs:
		for i, v := range x {
			dst[i] = T(math.Abs(float64(v)))
		}
	case OpTanh:
		for i, v := range x {
			dst[i] = T(math.Tanh(float64(v)))
		}
	case OpSigmoid:
		for i, v := range x {
			dst[i] = T(sigmoid(float64(v)))
		}
	case OpReLU:
		for i, v := range x {
			if v < 0 {
				dst[i] = 0
			} else {
				dst[i] = v // NaN stays NaN, as in PyTorch; -0 stays -0, as in the kernels
			}
		}
	case OpSquare:
		for i, v := range x {
			dst[i] = v * v
		}
	case OpPowScalar:
		for i, v := range x {
			dst[i] = T(math.Pow(float64(v), float64(p)))
		}
	case OpAddScalar:
		for i, v := range x {
			dst[i] = v + p
		}
	case OpMulScalar:
		for i, v := range x {
			dst[i] = v * p
		}
	case OpLeakyReLU:
		for i, v := range x {
			if v > 0 {
				dst[i] = v
			} else {
				dst[i] = p * v
			}
		}
	case OpELU:
		for i, v := range x {
			if v > 0 {
				dst[i] = v
			} else {
				dst[i] = p * T(math.Expm1(float64(v)))
			}
		}
	case OpRecip:
		for i, v := range x {
			dst[i] = 1 / v
		}
	case OpSign:
		for i, v := range x {
			switch {
			case v > 0:
				dst[i] = 1
			case v < 0:
				dst[i] = -1
			default:
				dst[i] = v // keeps 0 and NaN
			}
		}
	case OpStep:
		for i, v := range x {
			if v > 0 {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	case OpErf:
		for i, v := range x {
			dst[i] = T(math.Erf(float64(v)))
		}
	default:
		panic(fmt.Sprintf("tensor: unknown unary op %d", op))
	}
}

// UnaryGradTo adds g·f'(x) to gx, the gradient that flows back through the
// element-wise operation f = op with parameter p, given its input x, its
// output y = f(x) and the gradient g of its output; each derivative is
// written in terms of x, y and p, whichever is cheapest and most accurate.
// gx, g, x and y have the same number of elements and dtype. A nil gx does
// nothing.
func UnaryGradTo(op UnaryOp, gx, g, x, y *Tensor, p float64) {
	if gx == nil {
		return
	}
	checkFloat(op.String(), gx, g, x, y)
	for _, t := range [...]*Tensor{g, x, y} {
		if t.dtype != gx.dtype || t.Len() != gx.Len() {
			panic(fmt.Sprintf("tensor: %v gradient: %v %v does not match %v %v", op, t.dtype, t.shape, gx.dtype, gx.shape))
		}
	}
	switch {
	case gx.dtype == Float64:
		unaryGrad(op, gx.f64, g.f64, x.f64, y.f64, p)
	case op == OpTanh:
		kernels.TanhGrad(gx.f32, g.f32, y.f32)
	case op == OpSigmoid:
		kernels.SigmoidGrad(gx.f32, g.f32, y.f32)
	case op == OpReLU:
		kernels.ReLUGrad(gx.f32, g.f32, y.f32)
	default:
		unaryGrad(op, gx.f32, g.f32, x.f32, y.f32, float32(p))
	}
}

// UnaryGradSetTo is UnaryGradTo writing the gradient into gx, whatever gx
// held, instead of adding it there. ReLU's float32 gradient is written
// in one pass; the other operations clear gx and add.
func UnaryGradSetTo(op UnaryOp, gx, g, x, y *Tensor, p float64) {
	if gx == nil {
		return
	}
	if op == OpReLU && gx.dtype == Float32 && g.dtype == Float32 && y.dtype == Float32 && g.Len() == gx.Len() && y.Len() == gx.Len() {
		kernels.ReLUGradSet(gx.f32, g.f32, y.f32)
		return
	}
	gx.Zero()
	UnaryGradTo(op, gx, g, x, y, p)
}

func unaryGrad[T Float](op UnaryOp, gx, g, x, y []T, p T) {
	g, x, y = g[:len(gx)], x[:len(gx)], y[:len(gx)]
	switch op {
	case OpNeg:
		for i := range gx {
			gx[i] -= g[i]
		}
	case OpExp:
		for i := range gx {
			gx[i] += g[i] * y[i]
		}
	case OpLog:
		for i := range gx {
			gx[i] += g[i] / x[i]
		}
	case OpSqrt:
		for i := range gx {
			gx[i] += g[i] * 0.5 / y[i]
		}
	case OpAbs:
		for i := range gx {
			switch {
			case x[i] > 0:
				gx[i] += g[i]
			case x[i] < 0:
				gx[i] -= g[i]
			}
		}
	case OpTanh:
		for i := range gx {
			gx[i] += g[i] * (1 - y[i]*y[i])
		}
	case OpSigmoid:
		for i := range gx {
			gx[i] += g[i] * y[i] * (1 - y[i])
		}
	case OpReLU:
		for i := range gx {
			if !(y[i] <= 0) { // passes NaN's gradient, as PyTorch
				gx[i] += g[i]
			}
		}
	case OpSquare:
		for i := range gx {
			gx[i] += 2 * g[i] * x[i]
		}
	case OpPowScalar:
		if p == 0 {
			return // xᵖ is constant: no gradient, even at x = 0
		}
		for i := range gx {
			gx[i] += g[i] * p * T(math.Pow(float64(x[i]), float64(p-1)))
		}
	case OpAddScalar:
		for i := range gx {
			gx[i] += g[i]
		}
	case OpMulScalar:
		for i := range gx {
			gx[i] += g[i] * p
		}
	case OpLeakyReLU:
		for i := range gx {
			if x[i] > 0 {
				gx[i] += g[i]
			} else {
				gx[i] += g[i] * p
			}
		}
	case OpELU:
		for i := range gx {
			if x[i] > 0 {
				gx[i] += g[i]
			} else {
				gx[i] += g[i] * p * T(math.Exp(float64(x[i]))) // d/dx p(eˣ-1) = p·eˣ; NaN stays NaN
			}
		}
	case OpRecip:
		for i := range gx {
			gx[i] -= g[i] * y[i] * y[i]
		}
	case OpErf:
		for i := range gx { // d/dx erf x = 2/√π·e^(−x²)
			gx[i] += g[i] * T(2/math.SqrtPi*math.Exp(-float64(x[i])*float64(x[i])))
		}
	default:
		panic(fmt.Sprintf("tensor: %v has no derivative", op))
	}
}

// sigmoid computes 1/(1+e⁻ˣ) without overflow for large |x|.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Neg returns -x.
func Neg(x *Tensor) *Tensor { return Unary(OpNeg, x, 0) }

// Exp returns eˣ element-wise.
func Exp(x *Tensor) *Tensor { return Unary(OpExp, x, 0) }

// Log returns the natural logarithm element-wise.
func Log(x *Tensor) *Tensor { return Unary(OpLog, x, 0) }

// Sqrt returns the square root element-wise.
func Sqrt(x *Tensor) *Tensor { return Unary(OpSqrt, x, 0) }

// Abs returns |x| element-wise.
func Abs(x *Tensor) *Tensor { return Unary(OpAbs, x, 0) }

// Tanh returns the hyperbolic tangent element-wise.
func Tanh(x *Tensor) *Tensor { return Unary(OpTanh, x, 0) }

// Sigmoid returns the logistic function 1/(1+e⁻ˣ) element-wise.
func Sigmoid(x *Tensor) *Tensor { return Unary(OpSigmoid, x, 0) }

// ReLU returns max(x, 0) element-wise.
func ReLU(x *Tensor) *Tensor { return Unary(OpReLU, x, 0) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
func LeakyReLU(x *Tensor, slope float64) *Tensor { return Unary(OpLeakyReLU, x, slope) }

// ELU returns x where x > 0 and alpha·(eˣ-1) elsewhere.
func ELU(x *Tensor, alpha float64) *Tensor { return Unary(OpELU, x, alpha) }

// PowScalar returns xᵖ element-wise.
func PowScalar(x *Tensor, p float64) *Tensor { return Unary(OpPowScalar, x, p) }

// AddScalar returns x + c element-wise.
func AddScalar(x *Tensor, c float64) *Tensor { return Unary(OpAddScalar, x, c) }

// MulScalar returns c·x element-wise.
func MulScalar(x *Tensor, c float64) *Tensor { return Unary(OpMulScalar, x, c) }

// Scale multiplies every element of t by c in place.
func (t *Tensor) Scale(c float64) { UnaryTo(OpMulScalar, t, t, c) }

// AddScaled adds c·x to t in place (an axpy); x must have t's number of
// elements.
func (t *Tensor) AddScaled(c float64, x *Tensor) {
	checkFloat("AddScaled", t, x)
	if t.dtype != x.dtype || t.Len() != x.Len() {
		panic(fmt.Sprintf("tensor: AddScaled of %v %v into %v %v", x.dtype, x.shape, t.dtype, t.shape))
	}
	if t.dtype == Float64 {
		axpy(t.f64, x.f64, c)
		return
	}
	axpy(t.f32, x.f32, float32(c))
}

func axpy[T Float](dst, x []T, c T) {
	x = x[:len(dst)]
	if c == 1 {
		if d, ok := kernels.AsF32(dst); ok {
			xs, _ := kernels.AsF32(x)
			kernels.Add(d, d, xs)
			return
		}
	}
	for i, v := range x {
		dst[i] += c * v
	}
}

// WhereTo writes into dst a where cond is nonzero and b elsewhere,
// element by element; the four tensors have the same number of elements
// and cond, a and b dst's dtype. Unlike cond·a + (1−cond)·b, it passes
// the value not chosen through untouched, infinite or NaN.
func WhereTo(dst, cond, a, b *Tensor) {
	checkFloat("where", dst, cond, a, b)
	n := dst.Len()
	for _, t := range [...]*Tensor{cond, a, b} {
		if t.dtype != dst.dtype || t.Len() != n {
			panic(fmt.Sprintf("tensor: where of %v %v, %v %v and %v %v into %v %v", cond.dtype, cond.shape, a.dtype, a.shape, b.dtype, b.shape, dst.dtype, dst.shape))
		}
	}
	if dst.dtype == Float64 {
		whereLoop(dst.f64, cond.f64, a.f64, b.f64)
	} else {
		whereLoop(dst.f32, cond.f32, a.f32, b.f32)
	}
}

func whereLoop[T Float](dst, cond, a, b []T) {
	cond, a, b = cond[:len(dst)], a[:len(dst)], b[:len(dst)]
	for i, c := range cond {
		if c != 0 {
			dst[i] = a[i]
		} else {
			dst[i] = b[i]
		}
	}
}
