package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/tensor"
)

// Operators lists the ONNX operators Import reads (in the default domain,
// opsets 11 to 17).
var Operators = []string{
	"Abs", "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv",
	"Div", "Dropout", "Elu", "Erf", "Exp", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "Greater",
	"Identity", "LeakyRelu", "Less", "Log", "LogSoftmax", "MatMul", "MaxPool", "Mul", "Neg", "Pad", "Pow",
	"Reciprocal", "Relu", "Reshape", "Shape", "Sigmoid", "Softmax", "Softplus", "Softsign", "Sqrt",
	"Squeeze", "Sub", "Sum", "Tanh", "Transpose", "Unsqueeze", "Where",
	"ConstantOfShape", "Slice",
	"RNN", "LSTM", "GRU",
}

// runFunc evaluates a node on its inputs.
type runFunc func(g *autograd.Graph, in []value) ([]value, error)

// one wraps a function of one float input and one output.
func one(f func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error)) runFunc {
	return func(g *autograd.Graph, in []value) ([]value, error) {
		x, err := floatAt(in, 0)
		if err != nil {
			return nil, err
		}
		y, err := f(g, x)
		if err != nil {
			return nil, err
		}
		return []value{{f: y}}, nil
	}
}

// floatAt returns input i, which must be a float tensor.
func floatAt(in []value, i int) (*autograd.Value, error) {
	if i >= len(in) || (in[i].f == nil && !in[i].isInt) {
		return nil, fmt.Errorf("input %d is missing", i)
	}
	if in[i].isInt {
		return nil, fmt.Errorf("input %d holds integers; the operator takes floats here", i)
	}
	return in[i].f, nil
}

// intsAt returns input i, which must hold integers (a shape, axes, pads).
func intsAt(in []value, i int, what string) ([]int64, error) {
	if i >= len(in) || !in[i].isInt {
		return nil, fmt.Errorf("input %d (%s) must be integers known before the float computation (a constant or shape arithmetic)", i, what)
	}
	return in[i].ints, nil
}

// xwb returns a node's input, weights and optional bias: inputs 0, 1 and
// 2 (Gemm, Conv).
func xwb(in []value) (x, w, b *autograd.Value, err error) {
	if x, err = floatAt(in, 0); err != nil {
		return
	}
	if w, err = floatAt(in, 1); err != nil {
		return
	}
	if present(in, 2) {
		b, err = floatAt(in, 2)
	}
	return
}

// pair returns a node's two float inputs.
func pair(in []value) (a, b *autograd.Value, err error) {
	if a, err = floatAt(in, 0); err != nil {
		return
	}
	b, err = floatAt(in, 1)
	return
}

// intOption reads the one integer attribute a node may have (def when
// absent) and checks that it has lo to hi inputs and one output.
func intOption(n *pb.NodeProto, c *node, name string, def int64, lo, hi int) (int64, error) {
	a, err := newAttrs(n, []string{name})
	if err != nil {
		return 0, err
	}
	v, err := a.int(name, def)
	if err != nil {
		return 0, err
	}
	return v, inputs(c, lo, hi, 1)
}

// present reports whether optional input i was given.
func present(in []value, i int) bool { return i < len(in) && (in[i].f != nil || in[i].isInt) }

// inputs checks the node's number of inputs and outputs.
func inputs(c *node, lo, hi, outs int) error {
	if len(c.in) < lo || len(c.in) > hi {
		if lo == hi {
			return fmt.Errorf("takes %d inputs, has %d", lo, len(c.in))
		}
		return fmt.Errorf("takes %d to %d inputs, has %d", lo, hi, len(c.in))
	}
	if len(c.out) < 1 || c.out[0] < 0 {
		return errors.New("has no output")
	}
	for i := outs; i < len(c.out); i++ {
		if c.out[i] >= 0 {
			return fmt.Errorf("output %d is not supported (only the first %d)", i, outs)
		}
	}
	return nil
}

// axis resolves a possibly negative axis against rank r.
func axis(a, r int) (int, error) {
	if a < -r || a >= r {
		return 0, fmt.Errorf("axis %d is out of range for %d dimensions", a, r)
	}
	if a < 0 {
		a += r
	}
	return a, nil
}

// op compiles node n.
func (m *Model) op(n *pb.NodeProto, c *node, inits map[string]*data) (runFunc, error) {
	opset := m.Opset
	allow := func(names ...string) (attrs, error) { return newAttrs(n, names) }
	switch c.op {
	case "Relu", "Sigmoid", "Tanh", "Erf", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Softplus", "Softsign", "Identity":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		if c.op == "Identity" {
			return func(_ *autograd.Graph, in []value) ([]value, error) { return in[:1], nil }, nil
		}
		f := map[string]func(*autograd.Graph, *autograd.Value) *autograd.Value{
			"Relu": (*autograd.Graph).ReLU, "Sigmoid": (*autograd.Graph).Sigmoid, "Tanh": (*autograd.Graph).Tanh,
			"Erf": (*autograd.Graph).Erf, "Exp": (*autograd.Graph).Exp, "Log": (*autograd.Graph).Log, "Sqrt": (*autograd.Graph).Sqrt,
			"Neg": (*autograd.Graph).Neg, "Abs": (*autograd.Graph).Abs, "Reciprocal": (*autograd.Graph).Reciprocal,
			"Softplus": func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Softplus(x, 1, 20) },
			"Softsign": func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
				return g.Div(x, g.AddScalar(g.Abs(x), 1))
			},
		}[c.op]
		return one(func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) { return f(g, x), nil }), nil
	case "LeakyRelu", "Elu":
		a, err := allow("alpha")
		if err != nil {
			return nil, err
		}
		def := float32(0.01)
		if c.op == "Elu" {
			def = 1
		}
		alpha, err := a.float("alpha", def)
		if err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		return one(func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) {
			if c.op == "Elu" {
				return g.ELU(x, float64(alpha)), nil
			}
			return g.LeakyReLU(x, float64(alpha)), nil
		}), nil
	case "Softmax", "LogSoftmax":
		a, err := allow("axis")
		if err != nil {
			return nil, err
		}
		def := int64(-1)
		if opset < 13 {
			def = 1
		}
		ax, err := a.int("axis", def)
		if err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		log := c.op == "LogSoftmax"
		return one(func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) {
			s := x.Shape()
			k, err := axis(int(ax), len(s))
			if err != nil {
				return nil, err
			}
			sm := g.Softmax
			if log {
				sm = g.LogSoftmax
			}
			if opset >= 13 || k == len(s)-1 {
				return sm(x, k), nil
			}
			// Before opset 13 the input is seen as a matrix whose rows
			// are the dimensions before the axis and whose columns are
			// the rest, normalised along the columns.
			y := sm(g.Reshape(x, tensor.Numel(s[:k]), tensor.Numel(s[k:])), 1)
			return g.Reshape(y, s...), nil
		}), nil
	case "Add", "Sub", "Mul", "Div", "Pow":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 2, 2, 1); err != nil {
			return nil, err
		}
		return arith(c.op), nil
	case "Sum":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 1, maxEdges, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			y, err := floatAt(in, 0)
			if err != nil {
				return nil, err
			}
			for i := 1; i < len(in); i++ {
				x, err := floatAt(in, i)
				if err != nil {
					return nil, err
				}
				y = g.Add(y, x)
			}
			return []value{{f: y}}, nil
		}, nil
	case "Greater", "Less":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 2, 2, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			a, b, err := pair(in)
			if err != nil {
				return nil, err
			}
			if c.op == "Less" {
				a, b = b, a
			}
			// A mask of 0 and 1, outside the gradient: 1 where a − b > 0.
			m := g.Arena().Empty(tensor.Float32, tensor.BroadcastShapes(a.Shape(), b.Shape())...)
			tensor.BinaryTo(tensor.OpSub, m, a.Data(), b.Data())
			tensor.UnaryTo(tensor.OpStep, m, m, 0)
			return []value{{f: g.Input(m)}}, nil
		}, nil
	case "Where":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 3, 3, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			var v [3]*autograd.Value
			for i := range v {
				var err error
				if v[i], err = floatAt(in, i); err != nil {
					return nil, err
				}
			}
			shape := tensor.BroadcastShapes(tensor.BroadcastShapes(v[0].Shape(), v[1].Shape()), v[2].Shape())
			for i := range v {
				if !tensor.EqualShapes(v[i].Shape(), shape) {
					v[i] = g.Add(v[i], g.Input(g.Arena().Zeros(tensor.Float32, shape...)))
				}
			}
			return []value{{f: g.Where(v[0], v[1], v[2])}}, nil
		}, nil
	case "Clip":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 3, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			x, err := floatAt(in, 0)
			if err != nil {
				return nil, err
			}
			if present(in, 1) {
				lo, err := floatAt(in, 1)
				if err != nil {
					return nil, err
				}
				x = g.Maximum(x, lo)
			}
			if present(in, 2) {
				hi, err := floatAt(in, 2)
				if err != nil {
					return nil, err
				}
				x = g.Minimum(x, hi)
			}
			return []value{{f: x}}, nil
		}, nil
	case "Gemm":
		return m.gemm(n, c)
	case "MatMul":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 2, 2, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			a, b, err := pair(in)
			if err != nil {
				return nil, err
			}
			y, err := matmul(g, a, b)
			if err != nil {
				return nil, err
			}
			return []value{{f: y}}, nil
		}, nil
	case "Conv":
		return m.conv(n, c)
	case "RNN", "LSTM", "GRU":
		return m.recurrentOp(n, c)
	case "MaxPool", "AveragePool":
		return m.pool(n, c)
	case "GlobalAveragePool":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		return one(func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) {
			if x.Data().Dims() != 4 {
				return nil, fmt.Errorf("input of shape %v: baeum pools 4-D (N, C, H, W) inputs", x.Shape())
			}
			return g.AdaptiveAvgPool2D(x, 1, 1), nil
		}), nil
	case "BatchNormalization":
		return m.batchNorm(n, c)
	case "Dropout":
		return m.dropout(n, c)
	case "Flatten":
		ax, err := intOption(n, c, "axis", 1, 1, 1)
		if err != nil {
			return nil, err
		}
		return one(func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) {
			s := x.Shape()
			k := int(ax)
			if k < 0 {
				k += len(s)
			}
			if k < 0 || k > len(s) {
				return nil, fmt.Errorf("axis %d is out of range for %d dimensions", ax, len(s))
			}
			return g.Reshape(x, tensor.Numel(s[:k]), tensor.Numel(s[k:])), nil
		}), nil
	case "Reshape":
		az, err := intOption(n, c, "allowzero", 0, 2, 2)
		if err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			spec, err := intsAt(in, 1, "shape")
			if err != nil {
				return nil, err
			}
			var src []int
			if in[0].isInt {
				src = in[0].shape
			} else if in[0].f != nil {
				src = in[0].f.Shape()
			}
			shape, err := reshape(src, spec, az != 0)
			if err != nil {
				return nil, err
			}
			if in[0].isInt {
				return []value{{ints: in[0].ints, shape: shape, isInt: true}}, nil
			}
			x, err := floatAt(in, 0)
			if err != nil {
				return nil, err
			}
			return []value{{f: g.Reshape(x, shape...)}}, nil
		}, nil
	case "Transpose":
		a, err := allow("perm")
		if err != nil {
			return nil, err
		}
		perm, err := a.ints("perm")
		if err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		ints := func(v value) ([]value, error) {
			p := perm
			if p == nil {
				for i := len(v.shape) - 1; i >= 0; i-- {
					p = append(p, i)
				}
			}
			return permuteInts(v, p)
		}
		floats := one(func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) {
			r := x.Data().Dims()
			p := perm
			if p == nil {
				for i := r - 1; i >= 0; i-- {
					p = append(p, i)
				}
			}
			if len(p) != r {
				return nil, fmt.Errorf("perm %v for an input of %d dimensions", p, r)
			}
			seen := make([]bool, r)
			for _, k := range p {
				if k < 0 || k >= r || seen[k] {
					return nil, fmt.Errorf("perm %v is not a permutation of 0…%d", p, r-1)
				}
				seen[k] = true
			}
			return g.Permute(x, p...), nil
		})
		return func(g *autograd.Graph, in []value) ([]value, error) {
			if in[0].isInt {
				return ints(in[0])
			}
			return floats(g, in)
		}, nil
	case "ConstantOfShape":
		a, err := allow("value")
		if err != nil {
			return nil, err
		}
		fill := &data{f: []float32{0}}
		if a.has("value") {
			tp, err := a.tensor("value")
			if err != nil {
				return nil, err
			}
			if fill, err = decode(tp, nil); err != nil {
				return nil, err
			}
			if fill.len() != 1 {
				return nil, errors.New("value must hold one number")
			}
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			dims, err := intsAt(in, 0, "shape")
			if err != nil {
				return nil, err
			}
			shape := make([]int, len(dims))
			n := 1
			for i, d := range dims {
				if d < 0 || d > maxDim {
					return nil, fmt.Errorf("shape %v is out of range", dims)
				}
				shape[i] = int(d)
				if n *= shape[i]; n > MaxElements {
					return nil, fmt.Errorf("shape %v: more than %d elements", dims, MaxElements)
				}
			}
			if len(dims) > maxRank {
				return nil, fmt.Errorf("shape %v has more than %d dimensions", dims, maxRank)
			}
			if fill.isInt {
				v := make([]int64, n)
				for i := range v {
					v[i] = fill.i[0]
				}
				return []value{{ints: v, shape: shape, isInt: true}}, nil
			}
			return []value{{f: g.Input(tensor.Full(tensor.Float32, float64(fill.f[0]), shape...))}}, nil
		}, nil
	case "Slice":
		if _, err := allow(); err != nil {
			return nil, err
		}
		if err := inputs(c, 3, 5, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			var args [4][]int64
			for i := range args {
				if present(in, i+1) {
					v, err := intsAt(in, i+1, []string{"starts", "ends", "axes", "steps"}[i])
					if err != nil {
						return nil, err
					}
					args[i] = v
				}
			}
			if !in[0].isInt {
				x, err := floatAt(in, 0)
				if err != nil {
					return nil, err
				}
				y, err := sliceFloats(g, x, args[0], args[1], args[2], args[3])
				if err != nil {
					return nil, err
				}
				return []value{{f: y}}, nil
			}
			return sliceInts(in[0], args[0], args[1], args[2], args[3])
		}, nil
	case "Concat":
		a, err := allow("axis")
		if err != nil {
			return nil, err
		}
		if !a.has("axis") {
			return nil, errors.New("attribute \"axis\" is required")
		}
		ax, err := a.int("axis", 0)
		if err != nil {
			return nil, err
		}
		if err := inputs(c, 1, maxEdges, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			if in[0].isInt {
				return concatInts(in, int(ax))
			}
			xs := make([]*autograd.Value, len(in))
			for i := range in {
				var err error
				if xs[i], err = floatAt(in, i); err != nil {
					return nil, err
				}
			}
			k, err := axis(int(ax), xs[0].Data().Dims())
			if err != nil {
				return nil, err
			}
			if len(xs) == 1 {
				return []value{{f: xs[0]}}, nil
			}
			return []value{{f: g.Concat(k, xs...)}}, nil
		}, nil
	case "Pad":
		a, err := allow("mode")
		if err != nil {
			return nil, err
		}
		mode, err := a.string("mode", "constant")
		if err != nil {
			return nil, err
		}
		if mode != "constant" {
			return nil, fmt.Errorf("mode %q is not supported (only constant)", mode)
		}
		if err := inputs(c, 2, 3, 1); err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			x, err := floatAt(in, 0)
			if err != nil {
				return nil, err
			}
			pads, err := intsAt(in, 1, "pads")
			if err != nil {
				return nil, err
			}
			fill := 0.0
			if present(in, 2) {
				v, err := floatAt(in, 2)
				if err != nil {
					return nil, err
				}
				if v.Data().Len() != 1 {
					return nil, fmt.Errorf("constant_value of shape %v: want one number", v.Shape())
				}
				fill = scalar(v.Data())
			}
			y, err := pad(g, x, pads, fill)
			if err != nil {
				return nil, err
			}
			return []value{{f: y}}, nil
		}, nil
	case "Constant":
		return m.constant(n, c)
	case "Shape":
		a, err := allow("start", "end")
		if err != nil {
			return nil, err
		}
		if opset < 15 && (a.has("start") || a.has("end")) {
			return nil, errors.New("attributes start and end came in opset 15")
		}
		start, err := a.int("start", 0)
		if err != nil {
			return nil, err
		}
		end, err := a.int("end", math.MaxInt32)
		if err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		return func(_ *autograd.Graph, in []value) ([]value, error) {
			var s []int
			switch {
			case in[0].isInt:
				s = in[0].shape
			case in[0].f != nil:
				s = in[0].f.Shape()
			default:
				return nil, errors.New("input 0 is missing")
			}
			r := int64(len(s))
			clamp := func(v int64) int64 {
				if v < 0 {
					v += r
				}
				return min(max(v, 0), r)
			}
			lo, hi := clamp(start), clamp(end)
			out := []int64{}
			for _, d := range s[lo:max(lo, hi)] {
				out = append(out, int64(d))
			}
			return []value{{ints: out, shape: []int{len(out)}, isInt: true}}, nil
		}, nil
	case "Gather":
		ax, err := intOption(n, c, "axis", 0, 2, 2)
		if err != nil {
			return nil, err
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			if !in[0].isInt && in[0].f != nil && in[1].isInt {
				return gatherFloats(g, in[0].f, in[1], int(ax))
			}
			return gatherInts(in, int(ax))
		}, nil
	case "Unsqueeze", "Squeeze":
		a, err := allow("axes")
		if err != nil {
			return nil, err
		}
		if opset >= 13 && a.has("axes") {
			return nil, errors.New("from opset 13 the axes are an input, not an attribute")
		}
		attrAxes, err := a.ints("axes")
		if err != nil {
			return nil, err
		}
		hi := 1
		if opset >= 13 {
			hi = 2
		}
		if err := inputs(c, 1, hi, 1); err != nil {
			return nil, err
		}
		if opset < 13 && c.op == "Unsqueeze" && attrAxes == nil {
			return nil, errors.New("attribute \"axes\" is required before opset 13")
		}
		return func(g *autograd.Graph, in []value) ([]value, error) {
			axes := attrAxes
			if opset >= 13 && present(in, 1) {
				v, err := intsAt(in, 1, "axes")
				if err != nil {
					return nil, err
				}
				axes = make([]int, len(v))
				for i, k := range v {
					axes[i] = int(k)
				}
			}
			if c.op == "Unsqueeze" && len(axes) == 0 {
				return nil, errors.New("no axes to insert")
			}
			var src []int
			switch {
			case in[0].isInt:
				src = in[0].shape
			case in[0].f != nil:
				src = in[0].f.Shape()
			default:
				return nil, errors.New("input 0 is missing")
			}
			shape, err := squeeze(src, axes, c.op == "Unsqueeze")
			if err != nil {
				return nil, err
			}
			if in[0].isInt {
				return []value{{ints: in[0].ints, shape: shape, isInt: true}}, nil
			}
			return []value{{f: g.Reshape(in[0].f, shape...)}}, nil
		}, nil
	case "Cast":
		a, err := allow("to", "saturate")
		if err != nil {
			return nil, err
		}
		to, err := a.int("to", 0)
		if err != nil {
			return nil, err
		}
		if err := inputs(c, 1, 1, 1); err != nil {
			return nil, err
		}
		switch pb.TensorProto_DataType(to) {
		case pb.TensorProto_FLOAT, pb.TensorProto_DOUBLE:
			return func(g *autograd.Graph, in []value) ([]value, error) {
				if !in[0].isInt {
					return in[:1], nil
				}
				f := make([]float32, len(in[0].ints))
				for i, v := range in[0].ints {
					f[i] = float32(v)
				}
				return []value{{f: g.Input(tensor.FromFloat32(f, in[0].shape...))}}, nil
			}, nil
		case pb.TensorProto_INT64, pb.TensorProto_INT32:
			return func(g *autograd.Graph, in []value) ([]value, error) {
				if !in[0].isInt {
					return nil, errors.New("casting floats to integers is not supported")
				}
				return in[:1], nil
			}, nil
		}
		return nil, fmt.Errorf("cast to %v is not supported (FLOAT, DOUBLE, INT64, INT32)", pb.TensorProto_DataType(to))
	}
	return nil, fmt.Errorf("operator %s is not supported; baeum reads %s", c.op, strings.Join(Operators, ", "))
}

// arith compiles Add, Sub, Mul, Div and Pow, on floats (with
// broadcasting, in the autograd graph) or on integers (shape arithmetic).
func arith(op string) runFunc {
	return func(g *autograd.Graph, in []value) ([]value, error) {
		if in[0].isInt || in[1].isInt {
			if !in[0].isInt || !in[1].isInt {
				return nil, errors.New("arithmetic that mixes integers and floats is not supported")
			}
			return intArith(op, in[0], in[1])
		}
		a, b, err := pair(in)
		if err != nil {
			return nil, err
		}
		var y *autograd.Value
		switch op {
		case "Add":
			y = g.Add(a, b)
		case "Sub":
			y = g.Sub(a, b)
		case "Mul":
			y = g.Mul(a, b)
		case "Div":
			y = g.Div(a, b)
		case "Pow":
			y = g.Pow(a, b)
		}
		return []value{{f: y}}, nil
	}
}

// intArith is integer arithmetic on shape values, a scalar broadcast
// against a vector.
func intArith(op string, a, b value) ([]value, error) {
	n := max(len(a.ints), len(b.ints))
	if (len(a.ints) != n && len(a.ints) != 1) || (len(b.ints) != n && len(b.ints) != 1) {
		return nil, fmt.Errorf("integer %s of %d and %d numbers", op, len(a.ints), len(b.ints))
	}
	at := func(v []int64, i int) int64 {
		if len(v) == 1 {
			return v[0]
		}
		return v[i]
	}
	out := make([]int64, n)
	for i := range out {
		x, y := at(a.ints, i), at(b.ints, i)
		switch op {
		case "Add":
			out[i] = x + y
		case "Sub":
			out[i] = x - y
		case "Mul":
			out[i] = x * y
		case "Div":
			if y == 0 {
				return nil, errors.New("integer division by zero")
			}
			out[i] = x / y
		default:
			return nil, fmt.Errorf("integer %s is not supported", op)
		}
	}
	shape := a.shape
	if len(b.ints) > len(a.ints) {
		shape = b.shape
	}
	return []value{{ints: out, shape: shape, isInt: true}}, nil
}

// matmul is ONNX's MatMul for the ranks baeum's takes: 2-D and batched
// 3-D products, and a 1-D operand as a row or column that is dropped
// from the result.
func matmul(g *autograd.Graph, a, b *autograd.Value) (*autograd.Value, error) {
	ra, rb := a.Data().Dims(), b.Data().Dims()
	if ra > 3 && ra == rb && slices.Equal(a.Shape()[:ra-2], b.Shape()[:rb-2]) {
		// Batches of matrices with the same leading dimensions: one
		// batch dimension for the product.
		sa, sb := a.Shape(), b.Shape()
		lead := sa[:ra-2]
		n := tensor.Numel(lead)
		y := g.MatMul(g.Reshape(a, n, sa[ra-2], sa[ra-1]), g.Reshape(b, n, sb[rb-2], sb[rb-1]))
		return g.Reshape(y, append(slices.Clone(lead), sa[ra-2], sb[rb-1])...), nil
	}
	if ra < 1 || rb < 1 || ra > 3 || rb > 3 {
		return nil, fmt.Errorf("MatMul of %d-D by %d-D values is not supported (1-D to 3-D)", ra, rb)
	}
	sa, sb := a.Shape(), b.Shape()
	if ra == 1 {
		a = g.Reshape(a, 1, sa[0])
	}
	if rb == 1 {
		b = g.Reshape(b, sb[0], 1)
	}
	y := g.MatMul(a, b)
	s := y.Shape()
	switch {
	case ra == 1 && rb == 1:
		return g.Reshape(y, 1), nil
	case ra == 1:
		return g.Reshape(y, append(slices.Clone(s[:len(s)-2]), s[len(s)-1])...), nil
	case rb == 1:
		return g.Reshape(y, s[:len(s)-1]...), nil
	}
	return y, nil
}

// gemm compiles Gemm: alpha·A'·B' + beta·C. The form PyTorch's Linear
// exports (transB = 1, alpha = beta = 1, a vector or no C) runs as
// baeum's Linear.
func (m *Model) gemm(n *pb.NodeProto, c *node) (runFunc, error) {
	a, err := newAttrs(n, []string{"alpha", "beta", "transA", "transB"})
	if err != nil {
		return nil, err
	}
	alpha, err := a.float("alpha", 1)
	if err != nil {
		return nil, err
	}
	beta, err := a.float("beta", 1)
	if err != nil {
		return nil, err
	}
	ta, err := a.int("transA", 0)
	if err != nil {
		return nil, err
	}
	tb, err := a.int("transB", 0)
	if err != nil {
		return nil, err
	}
	if err := inputs(c, 2, 3, 1); err != nil {
		return nil, err
	}
	return func(g *autograd.Graph, in []value) ([]value, error) {
		x, w, bias, err := xwb(in)
		if err != nil {
			return nil, err
		}
		if x.Data().Dims() != 2 || w.Data().Dims() != 2 {
			return nil, fmt.Errorf("operands of shapes %v and %v: Gemm multiplies matrices", x.Shape(), w.Shape())
		}
		if ta == 0 && tb != 0 && alpha == 1 && beta == 1 && (bias == nil || (bias.Data().Dims() == 1 && bias.Shape()[0] == w.Shape()[0])) {
			if x.Shape()[1] != w.Shape()[1] {
				return nil, fmt.Errorf("input of shape %v by weights of shape %v (transposed)", x.Shape(), w.Shape())
			}
			return []value{{f: g.Linear(x, w, bias)}}, nil
		}
		if ta != 0 {
			x = g.Transpose(x)
		}
		if tb != 0 {
			w = g.Transpose(w)
		}
		if x.Shape()[1] != w.Shape()[0] {
			return nil, fmt.Errorf("product of %v by %v", x.Shape(), w.Shape())
		}
		y := g.MatMul(x, w)
		if alpha != 1 {
			y = g.MulScalar(y, float64(alpha))
		}
		if bias != nil {
			if beta != 1 {
				bias = g.MulScalar(bias, float64(beta))
			}
			y = g.Add(y, bias)
		}
		return []value{{f: y}}, nil
	}, nil
}

// window reads the attributes shared by Conv and the poolings: the
// window (from kernel_shape, or from the weights for Conv), strides,
// pads, dilations and auto_pad. Only 2-D windows are supported.
type window struct {
	k, strides, pads, dilations []int
	autoPad                     string
}

func readWindow(a attrs, needKernel bool) (window, error) {
	var w window
	var err error
	if w.k, err = a.ints("kernel_shape"); err != nil {
		return w, err
	}
	if needKernel && w.k == nil {
		return w, errors.New("attribute \"kernel_shape\" is required")
	}
	if w.strides, err = a.ints("strides"); err != nil {
		return w, err
	}
	if w.pads, err = a.ints("pads"); err != nil {
		return w, err
	}
	if w.dilations, err = a.ints("dilations"); err != nil {
		return w, err
	}
	if w.autoPad, err = a.string("auto_pad", "NOTSET"); err != nil {
		return w, err
	}
	switch w.autoPad {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return w, fmt.Errorf("auto_pad %q: want NOTSET, VALID, SAME_UPPER or SAME_LOWER", w.autoPad)
	}
	if w.autoPad != "NOTSET" && w.pads != nil {
		return w, errors.New("pads and auto_pad are both given")
	}
	for _, v := range [][]int{w.k, w.strides, w.dilations} {
		if v != nil && len(v) != 2 {
			return w, fmt.Errorf("a %d-D window: baeum's convolution and pooling are 2-D", len(v))
		}
		for _, x := range v {
			if x <= 0 {
				return w, fmt.Errorf("window sizes, strides and dilations must be positive, got %v", v)
			}
		}
	}
	if w.pads != nil {
		if len(w.pads) != 4 {
			return w, fmt.Errorf("pads %v: want 4 numbers for a 2-D window", w.pads)
		}
		for _, p := range w.pads {
			if p < 0 {
				return w, fmt.Errorf("negative pads %v are not supported", w.pads)
			}
		}
	}
	if w.strides == nil {
		w.strides = []int{1, 1}
	}
	if w.dilations == nil {
		w.dilations = []int{1, 1}
	}
	return w, nil
}

// padsFor returns the padding (top, left, bottom, right) for an input of
// h×w, resolving auto_pad.
func (w window) padsFor(h, wd int) [4]int {
	switch w.autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		var p [4]int
		for i, in := range []int{h, wd} {
			out := (in + w.strides[i] - 1) / w.strides[i]
			total := max(0, (out-1)*w.strides[i]+(w.k[i]-1)*w.dilations[i]+1-in)
			small, big := total/2, total-total/2
			if w.autoPad == "SAME_LOWER" {
				small, big = big, small
			}
			p[i], p[i+2] = small, big
		}
		return p
	case "VALID":
		return [4]int{}
	}
	if w.pads == nil {
		return [4]int{}
	}
	return [4]int{w.pads[0], w.pads[1], w.pads[2], w.pads[3]}
}

// conv compiles Conv for 2-D inputs (N, C, H, W).
func (m *Model) conv(n *pb.NodeProto, c *node) (runFunc, error) {
	a, err := newAttrs(n, []string{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"})
	if err != nil {
		return nil, err
	}
	w, err := readWindow(a, false)
	if err != nil {
		return nil, err
	}
	group, err := a.int("group", 1)
	if err != nil {
		return nil, err
	}
	if group < 1 || group > maxDim {
		return nil, fmt.Errorf("group %d must be positive", group)
	}
	if err := inputs(c, 2, 3, 1); err != nil {
		return nil, err
	}
	return func(g *autograd.Graph, in []value) ([]value, error) {
		x, wt, bias, err := xwb(in)
		if err != nil {
			return nil, err
		}
		xs, ws := x.Shape(), wt.Shape()
		if len(xs) != 4 || len(ws) != 4 {
			return nil, fmt.Errorf("input %v and weights %v: baeum convolves 4-D (N, C, H, W) inputs with 4-D weights", xs, ws)
		}
		win := w
		if win.k == nil {
			win.k = ws[2:]
		} else if win.k[0] != ws[2] || win.k[1] != ws[3] {
			return nil, fmt.Errorf("kernel_shape %v but weights of shape %v", win.k, ws)
		}
		if xs[1] != ws[1]*int(group) || ws[0]%int(group) != 0 {
			return nil, fmt.Errorf("input of %d channels and weights %v in %d groups", xs[1], ws, group)
		}
		if bias != nil && (bias.Data().Dims() != 1 || bias.Shape()[0] != ws[0]) {
			return nil, fmt.Errorf("bias of shape %v for %d output channels", bias.Shape(), ws[0])
		}
		p := win.padsFor(xs[2], xs[3])
		cp := tensor.Conv2DParams{StrideH: win.strides[0], StrideW: win.strides[1], PadTop: p[0], PadLeft: p[1], PadBottom: p[2], PadRight: p[3],
			DilationH: win.dilations[0], DilationW: win.dilations[1], Groups: int(group)}
		if (xs[2]+p[0]+p[2]-(win.k[0]-1)*win.dilations[0]-1) < 0 || (xs[3]+p[1]+p[3]-(win.k[1]-1)*win.dilations[1]-1) < 0 {
			return nil, fmt.Errorf("a %v window (dilation %v) does not fit the padded %d×%d input", win.k, win.dilations, xs[2]+p[0]+p[2], xs[3]+p[1]+p[3])
		}
		if stride, pad, ok := cp.Uniform(); ok {
			return []value{{f: g.Conv2D(x, wt, bias, stride, pad)}}, nil
		}
		return []value{{f: g.Conv2DWith(x, wt, bias, cp)}}, nil
	}, nil
}

// pool compiles MaxPool and AveragePool for 2-D inputs. Padding that
// pooling's kernels cannot take (uneven, or more than half the window)
// is written out first: −∞ for max pooling, 0 for average pooling that
// counts it.
func (m *Model) pool(n *pb.NodeProto, c *node) (runFunc, error) {
	names := []string{"auto_pad", "ceil_mode", "kernel_shape", "pads", "strides"}
	isMax := c.op == "MaxPool"
	if isMax {
		names = append(names, "dilations", "storage_order")
	} else {
		names = append(names, "count_include_pad")
	}
	a, err := newAttrs(n, names)
	if err != nil {
		return nil, err
	}
	w, err := readWindow(a, true)
	if err != nil {
		return nil, err
	}
	if w.dilations[0] != 1 || w.dilations[1] != 1 {
		return nil, fmt.Errorf("dilations %v are not supported (only 1)", w.dilations)
	}
	ceil, err := a.int("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	so, err := a.int("storage_order", 0)
	if err != nil {
		return nil, err
	}
	if so != 0 {
		return nil, errors.New("storage_order 1 (column-major indices) is not supported")
	}
	cip, err := a.int("count_include_pad", 0)
	if err != nil {
		return nil, err
	}
	if err := inputs(c, 1, 1, 1); err != nil {
		return nil, err
	}
	return one(func(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) {
		s := x.Shape()
		if len(s) != 4 {
			return nil, fmt.Errorf("input of shape %v: baeum pools 4-D (N, C, H, W) inputs", s)
		}
		p := w.padsFor(s[2], s[3])
		pp := tensor.Pool2DParams{KH: w.k[0], KW: w.k[1], StrideH: w.strides[0], StrideW: w.strides[1], CeilMode: ceil != 0, ExcludePad: cip == 0}
		even := p[0] == p[2] && p[1] == p[3] && 2*p[0] <= w.k[0] && 2*p[1] <= w.k[1]
		switch {
		case even:
			pp.PadH, pp.PadW = p[0], p[1]
		case isMax || cip != 0:
			if ceil != 0 {
				return nil, fmt.Errorf("uneven pads %v with ceil_mode are not supported", p)
			}
			fill := 0.0
			if isMax {
				fill = math.Inf(-1)
			}
			x = g.Pad(x, fill, [2]int{p[0], p[2]}, [2]int{p[1], p[3]})
		default:
			// Padding that is not counted, written out: the sums over the
			// padded input divided by the number of real pixels in each
			// window, which pooling a padded map of ones gives.
			if ceil != 0 {
				return nil, fmt.Errorf("uneven pads %v with ceil_mode are not supported", p)
			}
			pads := [][2]int{{p[0], p[2]}, {p[1], p[3]}}
			ones := tensor.Full(tensor.Float32, 1, 1, 1, s[2], s[3])
			pp.ExcludePad = false
			padded := tensor.Pad(ones, 0, pads...)
			count := tensor.New(tensor.Float32, tensor.AppendPool2DShapeWith(nil, padded.Shape(), pp)...)
			tensor.Pool2DToWith(tensor.AvgPool, count, padded, pp)
			return g.Div(g.AvgPool2DWith(g.Pad(x, 0, pads...), pp), g.Input(count)), nil
		}
		if s[2]+p[0]+p[2] < w.k[0] || s[3]+p[1]+p[3] < w.k[1] {
			return nil, fmt.Errorf("a %v window does not fit the padded %d×%d input", w.k, s[2]+p[0]+p[2], s[3]+p[1]+p[3])
		}
		if pp.KH == pp.KW && pp.StrideH == pp.StrideW && pp.PadH == 0 && pp.PadW == 0 && !pp.CeilMode {
			// The square window without padding of nn.MaxPool2D and
			// nn.AvgPool2D, computed as they compute it.
			if isMax {
				return g.MaxPool2D(x, pp.KH, pp.StrideH), nil
			}
			return g.AvgPool2D(x, pp.KH, pp.StrideH), nil
		}
		if isMax {
			return g.MaxPool2DWith(x, pp), nil
		}
		return g.AvgPool2DWith(x, pp), nil
	}), nil
}

// batchNorm compiles BatchNormalization in its inference form: the
// running statistics come from initializers. In training (fine-tuning)
// it normalises with the batch's statistics and updates the running ones,
// as PyTorch's BatchNorm does.
func (m *Model) batchNorm(n *pb.NodeProto, c *node) (runFunc, error) {
	a, err := newAttrs(n, []string{"epsilon", "momentum", "training_mode"})
	if err != nil {
		return nil, err
	}
	eps, err := a.float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	mom, err := a.float("momentum", 0.9)
	if err != nil {
		return nil, err
	}
	tm, err := a.int("training_mode", 0)
	if err != nil {
		return nil, err
	}
	if tm != 0 {
		return nil, errors.New("training_mode 1 (statistics as outputs) is not supported; export the model in inference mode")
	}
	if err := inputs(c, 5, 5, 1); err != nil {
		return nil, err
	}
	in := n.GetInput()
	mean, variance := m.stats[in[3]], m.stats[in[4]]
	if mean == nil || variance == nil {
		return nil, errors.New("the running mean and variance must be float initializers")
	}
	if mean.Dims() != 1 || !tensor.EqualShapes(mean.Shape(), variance.Shape()) {
		return nil, fmt.Errorf("running mean %v and variance %v: want two vectors of one length", mean.Shape(), variance.Shape())
	}
	st := &autograd.BatchNormState{RunningMean: mean, RunningVar: variance, Momentum: 1 - float64(mom), Eps: float64(eps)}
	return func(g *autograd.Graph, in []value) ([]value, error) {
		x, err := floatAt(in, 0)
		if err != nil {
			return nil, err
		}
		scale, err := floatAt(in, 1)
		if err != nil {
			return nil, err
		}
		shift, err := floatAt(in, 2)
		if err != nil {
			return nil, err
		}
		s := x.Shape()
		ch := mean.Len()
		if (len(s) != 2 && len(s) != 4) || s[1] != ch || scale.Data().Len() != ch || shift.Data().Len() != ch {
			return nil, fmt.Errorf("input of shape %v with %d-channel statistics: baeum normalises (N, C) and (N, C, H, W) inputs", s, ch)
		}
		if g.Training && tensor.Numel(s)/ch < 2 {
			return nil, fmt.Errorf("training on input %v: batch normalisation needs more than one value per channel", s)
		}
		return []value{{f: g.BatchNorm(x, scale, shift, st, g.Training)}}, nil
	}, nil
}

// dropout compiles Dropout: the identity at inference, and dropout with
// its ratio when fine-tuning.
func (m *Model) dropout(n *pb.NodeProto, c *node) (runFunc, error) {
	names := []string{"seed"}
	if m.Opset < 12 {
		names = append(names, "ratio")
	}
	a, err := newAttrs(n, names)
	if err != nil {
		return nil, err
	}
	ratio, err := a.float("ratio", 0.5)
	if err != nil {
		return nil, err
	}
	hi := 1
	if m.Opset >= 12 {
		hi = 3
	}
	if err := inputs(c, 1, hi, 1); err != nil {
		return nil, err
	}
	return func(g *autograd.Graph, in []value) ([]value, error) {
		x, err := floatAt(in, 0)
		if err != nil {
			return nil, err
		}
		if present(in, 2) {
			mode, err := intsAt(in, 2, "training_mode")
			if err != nil {
				return nil, err
			}
			if len(mode) != 1 || mode[0] != 0 {
				return nil, errors.New("training_mode true is not supported: dropout's random mask could not match another runtime's")
			}
		}
		if !g.Training {
			return []value{{f: x}}, nil
		}
		p := float64(ratio)
		if present(in, 1) {
			r, err := floatAt(in, 1)
			if err != nil {
				return nil, err
			}
			p = scalar(r.Data())
		}
		if !(p >= 0 && p < 1) {
			return nil, fmt.Errorf("ratio %v: want 0 ≤ ratio < 1", p)
		}
		if p == 0 {
			return []value{{f: x}}, nil
		}
		if g.RNG == nil {
			return nil, errors.New("dropout in training needs a random source (Graph.RNG)")
		}
		mask := g.Arena().EmptyLike(x.Data())
		tensor.DropoutMask(g.RNG, mask, p)
		return []value{{f: g.Dropout(x, mask)}}, nil
	}, nil
}

// constant compiles Constant: its value is fixed when the file is read.
func (m *Model) constant(n *pb.NodeProto, c *node) (runFunc, error) {
	a, err := newAttrs(n, []string{"value", "value_float", "value_floats", "value_int", "value_ints"})
	if err != nil {
		return nil, err
	}
	if len(n.GetAttribute()) != 1 {
		return nil, errors.New("needs exactly one value attribute")
	}
	if err := inputs(c, 0, 0, 1); err != nil {
		return nil, err
	}
	var v value
	at := n.GetAttribute()[0]
	switch at.GetName() {
	case "value":
		tp, err := a.tensor("value")
		if err != nil {
			return nil, err
		}
		d, err := decode(tp, nil)
		if err != nil {
			return nil, err
		}
		if d.isInt {
			v = value{ints: d.i, shape: d.shape, isInt: true}
		} else {
			v = value{f: autograd.NewParam("", d.tensor())}
		}
	case "value_float":
		v = value{f: autograd.NewParam("", tensor.FromFloat32([]float32{at.GetF()}))}
	case "value_floats":
		if len(at.GetFloats()) > MaxElements {
			return nil, errors.New("too many values")
		}
		v = value{f: autograd.NewParam("", tensor.FromFloat32(slices.Clone(at.GetFloats())))}
	case "value_int":
		v = value{ints: []int64{at.GetI()}, shape: nil, isInt: true}
	case "value_ints":
		v = value{ints: slices.Clone(at.GetInts()), shape: []int{len(at.GetInts())}, isInt: true}
	}
	if v.f != nil {
		// A constant takes no gradient: it is an input of the graph.
		t := v.f.Data()
		return func(g *autograd.Graph, _ []value) ([]value, error) { return []value{{f: g.Input(t)}}, nil }, nil
	}
	return func(*autograd.Graph, []value) ([]value, error) { return []value{v}, nil }, nil
}

// reshape resolves ONNX's Reshape target: 0 copies the input's
// dimension (unless allowzero), −1 takes what is left.
func reshape(src []int, spec []int64, allowZero bool) ([]int, error) {
	if len(spec) > maxRank {
		return nil, fmt.Errorf("shape %v has more than %d dimensions", spec, maxRank)
	}
	out := make([]int, len(spec))
	infer := -1
	known := 1
	for i, d := range spec {
		switch {
		case d == 0 && !allowZero:
			if i >= len(src) {
				return nil, fmt.Errorf("shape %v copies dimension %d of an input of shape %v", spec, i, src)
			}
			out[i] = src[i]
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one −1", spec)
			}
			infer = i
			continue
		case d < 0 || d > maxDim:
			return nil, fmt.Errorf("shape %v: dimension %d is out of range", spec, d)
		default:
			out[i] = int(d)
		}
		known *= out[i]
	}
	total := tensor.Numel(src)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v into %v", src, spec)
		}
		out[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("cannot reshape %v (%d numbers) into %v", src, total, spec)
	}
	return out, nil
}

// squeeze returns the shape after Unsqueeze (insert) or Squeeze (remove)
// of axes; Squeeze without axes removes every dimension of 1.
func squeeze(src, axes []int, insert bool) ([]int, error) {
	if !insert {
		r := len(src)
		drop := make([]bool, r)
		if len(axes) == 0 {
			for i, d := range src {
				drop[i] = d == 1
			}
		}
		for _, a := range axes {
			k, err := axis(a, r)
			if err != nil {
				return nil, err
			}
			if src[k] != 1 {
				return nil, fmt.Errorf("cannot squeeze dimension %d of shape %v", k, src)
			}
			drop[k] = true
		}
		var out []int
		for i, d := range src {
			if !drop[i] {
				out = append(out, d)
			}
		}
		return out, nil
	}
	r := len(src) + len(axes)
	if r > maxRank {
		return nil, fmt.Errorf("unsqueezing %v by %v gives more than %d dimensions", src, axes, maxRank)
	}
	ins := make([]bool, r)
	for _, a := range axes {
		k, err := axis(a, r)
		if err != nil {
			return nil, err
		}
		if ins[k] {
			return nil, fmt.Errorf("axes %v repeat %d", axes, k)
		}
		ins[k] = true
	}
	out := make([]int, 0, r)
	j := 0
	for i := range r {
		if ins[i] {
			out = append(out, 1)
		} else {
			out = append(out, src[j])
			j++
		}
	}
	return out, nil
}

// concatInts joins integer vectors (shapes) along axis 0.
func concatInts(in []value, ax int) ([]value, error) {
	var out []int64
	for i, v := range in {
		if !v.isInt {
			return nil, fmt.Errorf("input %d: Concat of integers and floats", i)
		}
		if len(v.shape) > 1 {
			return nil, fmt.Errorf("input %d: Concat of %d-D integer tensors is not supported", i, len(v.shape))
		}
		out = append(out, v.ints...)
		if len(out) > MaxElements {
			return nil, errors.New("too many integers")
		}
	}
	if ax != 0 && ax != -1 {
		return nil, fmt.Errorf("axis %d for 1-D integer tensors", ax)
	}
	return []value{{ints: out, shape: []int{len(out)}, isInt: true}}, nil
}

// gatherInts picks from an integer vector (a shape) with scalar or vector
// indices; negative indices count from the end.
func gatherInts(in []value, ax int) ([]value, error) {
	if !in[1].isInt {
		return nil, errors.New("indices computed from floats are not supported: Gather's indices must be integers known before the float computation (a constant or shape arithmetic)")
	}
	if !in[0].isInt {
		return nil, errors.New("input 0 is missing")
	}
	if len(in[0].shape) > 1 || (ax != 0 && ax != -1) {
		return nil, fmt.Errorf("Gather along axis %d of a %d-D tensor is not supported (1-D only)", ax, len(in[0].shape))
	}
	n := int64(len(in[0].ints))
	out := make([]int64, len(in[1].ints))
	for i, k := range in[1].ints {
		if k < -n || k >= n {
			return nil, fmt.Errorf("index %d is out of range for %d values", k, n)
		}
		if k < 0 {
			k += n
		}
		out[i] = in[0].ints[k]
	}
	return []value{{ints: out, shape: in[1].shape, isInt: true}}, nil
}

// gatherFloats picks the slices of x at the given indices along axis ax,
// as PyTorch's y[:, -1] (the last step of a sequence) exports: each index
// is a Slice of x with that axis in front, so the gradient returns to the
// slices taken. The output's shape is x's with the axis replaced by the
// indices' shape.
func gatherFloats(g *autograd.Graph, x *autograd.Value, idx value, ax int) ([]value, error) {
	shape := x.Shape()
	k, err := axis(ax, len(shape))
	if err != nil {
		return nil, err
	}
	if len(shape)-1+len(idx.shape) > maxRank || len(shape)+len(idx.shape) > tensor.MaxDims {
		return nil, fmt.Errorf("Gather of indices %v from a tensor of shape %v has too many dimensions", idx.shape, shape)
	}
	if len(idx.ints) == 0 {
		return nil, errors.New("Gather with no indices: an empty float tensor is not supported")
	}
	// The axis in front: (shape[k], the other dimensions…).
	front := []int{k}
	var rest []int
	for i, d := range shape {
		if i != k {
			front = append(front, i)
			rest = append(rest, d)
		}
	}
	y := x
	if k != 0 {
		y = g.Permute(x, front...)
	}
	d := int64(shape[k])
	parts := make([]*autograd.Value, len(idx.ints))
	for i, j := range idx.ints {
		if j < -d || j >= d {
			return nil, fmt.Errorf("index %d is out of range for %d values along axis %d", j, d, k)
		}
		if j < 0 {
			j += d
		}
		parts[i] = g.Slice(y, int(j), int(j)+1)
	}
	if len(parts) > 1 {
		y = g.Concat(0, parts...)
	} else {
		y = parts[0]
	}
	// (indices…, rest…), then the indices' dimensions moved to where the
	// axis was.
	y = g.Reshape(y, append(slices.Clone(idx.shape), rest...)...)
	r, q := len(idx.shape), len(rest)
	if k == 0 || r == 0 && q == 0 {
		return []value{{f: y}}, nil
	}
	perm := make([]int, 0, r+q)
	for i := range k {
		perm = append(perm, r+i)
	}
	for i := range r {
		perm = append(perm, i)
	}
	for i := k; i < q; i++ {
		perm = append(perm, r+i)
	}
	return []value{{f: g.Permute(y, perm...)}}, nil
}

// pad applies ONNX's Pad (pads as all the beginnings, then all the ends)
// with a constant.
func pad(g *autograd.Graph, x *autograd.Value, pads []int64, fill float64) (*autograd.Value, error) {
	r := x.Data().Dims()
	if len(pads) != 2*r {
		return nil, fmt.Errorf("pads %v for an input of %d dimensions: want %d numbers", pads, r, 2*r)
	}
	first := r
	for i := range r {
		if pads[i] < 0 || pads[i+r] < 0 {
			return nil, fmt.Errorf("negative pads %v (cropping) are not supported", pads)
		}
		if pads[i] > maxDim || pads[i+r] > maxDim {
			return nil, fmt.Errorf("pads %v are too large", pads)
		}
		if (pads[i] != 0 || pads[i+r] != 0) && first == r {
			first = i
		}
	}
	if first == r {
		return x, nil
	}
	if r-first > 4 {
		return nil, fmt.Errorf("pads %v: padding more than the last four dimensions is not supported", pads)
	}
	var out [][2]int
	for i := first; i < r; i++ {
		out = append(out, [2]int{int(pads[i]), int(pads[i+r])})
	}
	return g.Pad(x, fill, out...), nil
}

// permuteInts reorders the axes of an integer tensor.
func permuteInts(v value, perm []int) ([]value, error) {
	r := len(v.shape)
	if len(perm) != r {
		return nil, fmt.Errorf("perm %v for a tensor of %d dimensions", perm, r)
	}
	shape := make([]int, r)
	seen := make([]bool, r)
	for i, k := range perm {
		if k < 0 || k >= r || seen[k] {
			return nil, fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[k] = true
		shape[i] = v.shape[k]
	}
	strides := make([]int, r)
	for i, st := r-1, 1; i >= 0; i-- {
		strides[i], st = st, st*v.shape[i]
	}
	out := make([]int64, len(v.ints))
	idx := make([]int, r)
	for j := range out {
		src := 0
		for i, k := range perm {
			src += idx[i] * strides[k]
		}
		out[j] = v.ints[src]
		for i := r - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return []value{{ints: out, shape: shape, isInt: true}}, nil
}

// sliceBounds resolves ONNX's Slice on a tensor of the given shape: for
// each of axes (all, in order, when nil) the elements from start towards
// end by step (1 when nil), with ONNX's clamping of out-of-range bounds.
// It returns, per axis, the first index, the step and the count.
func sliceBounds(shape []int, starts, ends, axes, steps []int64) (lo, step, count []int, err error) {
	r := len(shape)
	if len(starts) != len(ends) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, nil, nil, fmt.Errorf("starts %v, ends %v, axes %v and steps %v differ in length", starts, ends, axes, steps)
	}
	lo, step, count = make([]int, r), make([]int, r), slices.Clone(shape)
	for i := range step {
		step[i] = 1
	}
	for i := range starts {
		ax := i
		if axes != nil {
			if ax, err = axis(int(max(min(axes[i], maxDim), -maxDim)), r); err != nil {
				return nil, nil, nil, err
			}
		}
		st := int64(1)
		if steps != nil {
			st = steps[i]
		}
		if st == 0 {
			return nil, nil, nil, errors.New("a step of 0")
		}
		d := int64(shape[ax])
		clamp := func(x, lo, hi int64) int64 { return min(max(x, lo), hi) }
		b, e := starts[i], ends[i]
		if b < 0 {
			b += d
		}
		if e < 0 {
			e += d
		}
		var n int64
		if st > 0 {
			b, e = clamp(b, 0, d), clamp(e, 0, d)
			n = max(0, (e-b+st-1)/st)
		} else {
			b, e = clamp(b, 0, d-1), clamp(e, -1, d-1)
			n = max(0, (b-e-st-1)/(-st))
		}
		lo[ax], step[ax], count[ax] = int(b), int(st), int(n)
	}
	return lo, step, count, nil
}

// sliceInts is ONNX's Slice on an integer tensor.
func sliceInts(v value, starts, ends, axes, steps []int64) ([]value, error) {
	lo, step, count, err := sliceBounds(v.shape, starts, ends, axes, steps)
	if err != nil {
		return nil, err
	}
	r := len(v.shape)
	strides := make([]int, r)
	for i, st := r-1, 1; i >= 0; i-- {
		strides[i], st = st, st*v.shape[i]
	}
	total := tensor.Numel(count)
	out := make([]int64, 0, total)
	idx := make([]int, r)
	for range total {
		src := 0
		for i := range r {
			src += (lo[i] + idx[i]*step[i]) * strides[i]
		}
		out = append(out, v.ints[src])
		for i := r - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < count[i] {
				break
			}
			idx[i] = 0
		}
	}
	return []value{{ints: out, shape: count, isInt: true}}, nil
}

// sliceFloats is ONNX's Slice on a float tensor with steps of 1: each
// sliced axis is brought to the front, cut with autograd's Slice (whose
// gradient lands in the rows it took) and put back.
func sliceFloats(g *autograd.Graph, x *autograd.Value, starts, ends, axes, steps []int64) (*autograd.Value, error) {
	shape := x.Shape()
	lo, step, count, err := sliceBounds(shape, starts, ends, axes, steps)
	if err != nil {
		return nil, err
	}
	for ax := range shape {
		if step[ax] != 1 {
			return nil, fmt.Errorf("a step of %d on float tensors is not supported (only 1)", step[ax])
		}
		if lo[ax] == 0 && count[ax] == shape[ax] {
			continue
		}
		if count[ax] == 0 {
			return nil, errors.New("an empty slice of a float tensor is not supported")
		}
		perm := []int{ax}
		for i := range shape {
			if i != ax {
				perm = append(perm, i)
			}
		}
		inv := make([]int, len(perm))
		for i, k := range perm {
			inv[k] = i
		}
		y := x
		if ax != 0 {
			y = g.Permute(y, perm...)
		}
		y = g.Slice(y, lo[ax], lo[ax]+count[ax])
		if ax != 0 {
			y = g.Permute(y, inv...)
		}
		x = y
	}
	return x, nil
}
