package autograd

import (
	"math"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// The tolerance the foundation issue sets for every differentiable op.
const gradTol = 1e-6

func randParam(seed uint64, name string, lo, hi float64, shape ...int) *Value {
	return NewParam(name, tensor.RandUniform(tensor.NewRNG(seed), tensor.Float64, lo, hi, shape...))
}

// awayFrom returns a parameter whose elements are uniform in ±[0.2, 1.5],
// away from the kink at 0 of relu, abs and friends.
func awayFrom0(seed uint64, name string, shape ...int) *Value {
	p := randParam(seed, name, 0.2, 1.5, shape...)
	signs := tensor.RandUniform(tensor.NewRNG(seed+100), tensor.Float64, -1, 1, shape...)
	for i := 0; i < p.data.Len(); i++ {
		if signs.Flat(i) < 0 {
			p.data.SetFlat(i, -p.data.Flat(i))
		}
	}
	return p
}

// weighted reduces y to a scalar with fixed random weights, so that each
// element of y gets a different gradient (a plain sum would hide
// permutation mistakes).
func weighted(g *Graph, y *Value) *Value {
	w := tensor.RandUniform(tensor.NewRNG(99), tensor.Float64, -1, 1, y.Shape()...)
	return g.Sum(g.Mul(y, g.Input(w)))
}

func TestGradCheckOps(t *testing.T) {
	a34 := randParam(1, "a", -1, 1, 3, 4)
	b34 := randParam(2, "b", -1, 1, 3, 4)
	c31 := randParam(3, "c", -1, 1, 3, 1)
	r14 := randParam(4, "r", -1, 1, 1, 4)
	x234 := randParam(5, "x", -1, 1, 2, 3, 4)
	v4 := randParam(6, "v", -1, 1, 4)
	pos := randParam(7, "pos", 0.5, 2, 3, 4)
	pos2 := randParam(8, "pos2", 0.5, 2, 3, 4)
	nz := awayFrom0(9, "nz", 3, 4)
	m23 := randParam(10, "m", -1, 1, 2, 3)
	m34 := randParam(11, "n", -1, 1, 3, 4)
	bm := randParam(12, "bm", -1, 1, 2, 3, 4)
	bn := randParam(13, "bn", -1, 1, 2, 4, 5)
	// Operands for maximum/minimum with no ties.
	mx1 := randParam(14, "p", -1, 1, 3, 4)
	mx2 := NewParam("q", tensor.Add(mx1.data, tensor.FromFloat64([]float64{0.3, -0.4, 0.5, -0.6}, 1, 4)))
	distinct := NewParam("d", tensor.FromFloat64([]float64{0.3, 0.7, 0.1, 1.1, 0, 0.9, 0.5, 0.2, 0.8, 0.4, 1.0, 0.6}, 3, 4))

	tests := []struct {
		name string
		f    func(g *Graph) *Value
		wrt  []*Value
	}{
		{"add same shape", func(g *Graph) *Value { return weighted(g, g.Add(a34, b34)) }, []*Value{a34, b34}},
		{"add (3,1)+(1,4)", func(g *Graph) *Value { return weighted(g, g.Add(c31, r14)) }, []*Value{c31, r14}},
		{"mul (2,3,4)*(4)", func(g *Graph) *Value { return weighted(g, g.Mul(x234, v4)) }, []*Value{x234, v4}},
		{"sub broadcast", func(g *Graph) *Value { return weighted(g, g.Sub(c31, a34)) }, []*Value{c31, a34}},
		{"div broadcast", func(g *Graph) *Value {
			return weighted(g, g.Div(a34, g.Add(r14, g.Input(tensor.Full(tensor.Float64, 3, 1, 4)))))
		}, []*Value{a34, r14}},
		{"pow tensor", func(g *Graph) *Value { return weighted(g, g.Pow(pos, pos2)) }, []*Value{pos, pos2}},
		{"pow broadcast", func(g *Graph) *Value { return weighted(g, g.Pow(pos, g.AddScalar(r14, 2))) }, []*Value{pos, r14}},
		{"maximum", func(g *Graph) *Value { return weighted(g, g.Maximum(mx1, mx2)) }, []*Value{mx1, mx2}},
		{"minimum", func(g *Graph) *Value { return weighted(g, g.Minimum(mx1, mx2)) }, []*Value{mx1, mx2}},
		{"used twice", func(g *Graph) *Value { return weighted(g, g.Mul(a34, g.Add(a34, b34))) }, []*Value{a34, b34}},
		{"used twice via broadcast", func(g *Graph) *Value { return weighted(g, g.Add(g.Mul(c31, a34), c31)) }, []*Value{c31, a34}},
		{"neg", func(g *Graph) *Value { return weighted(g, g.Neg(a34)) }, []*Value{a34}},
		{"exp", func(g *Graph) *Value { return weighted(g, g.Exp(a34)) }, []*Value{a34}},
		{"log", func(g *Graph) *Value { return weighted(g, g.Log(pos)) }, []*Value{pos}},
		{"sqrt", func(g *Graph) *Value { return weighted(g, g.Sqrt(pos)) }, []*Value{pos}},
		{"abs", func(g *Graph) *Value { return weighted(g, g.Abs(nz)) }, []*Value{nz}},
		{"square", func(g *Graph) *Value { return weighted(g, g.Square(a34)) }, []*Value{a34}},
		{"pow scalar", func(g *Graph) *Value { return weighted(g, g.PowScalar(pos, 2.5)) }, []*Value{pos}},
		{"add scalar", func(g *Graph) *Value { return weighted(g, g.AddScalar(a34, 3)) }, []*Value{a34}},
		{"mul scalar", func(g *Graph) *Value { return weighted(g, g.MulScalar(a34, -2)) }, []*Value{a34}},
		{"reciprocal", func(g *Graph) *Value { return weighted(g, g.Reciprocal(pos)) }, []*Value{pos}},
		{"erf", func(g *Graph) *Value { return weighted(g, g.Erf(a34)) }, []*Value{a34}},
		{"where", func(g *Graph) *Value {
			return weighted(g, g.Where(g.Input(tensor.FromFloat64([]float64{1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0}, 3, 4)), a34, b34))
		}, []*Value{a34, b34}},
		{"tanh", func(g *Graph) *Value { return weighted(g, g.Tanh(a34)) }, []*Value{a34}},
		{"sigmoid", func(g *Graph) *Value { return weighted(g, g.Sigmoid(a34)) }, []*Value{a34}},
		{"relu", func(g *Graph) *Value { return weighted(g, g.ReLU(nz)) }, []*Value{nz}},
		{"leaky relu", func(g *Graph) *Value { return weighted(g, g.LeakyReLU(nz, 0.1)) }, []*Value{nz}},
		{"elu", func(g *Graph) *Value { return weighted(g, g.ELU(nz, 1.3)) }, []*Value{nz}},
		{"sum all", func(g *Graph) *Value { return g.MulScalar(g.Sum(g.Square(x234)), 0.5) }, []*Value{x234}},
		{"sum axis 0", func(g *Graph) *Value { return weighted(g, g.Sum(x234, 0)) }, []*Value{x234}},
		{"sum axis 1", func(g *Graph) *Value { return weighted(g, g.Sum(x234, 1)) }, []*Value{x234}},
		{"sum axis 2", func(g *Graph) *Value { return weighted(g, g.Sum(x234, 2)) }, []*Value{x234}},
		{"sum axes 0,2 keepdims", func(g *Graph) *Value { return weighted(g, g.SumKeepDims(x234, 0, 2)) }, []*Value{x234}},
		{"mean axis 0", func(g *Graph) *Value { return weighted(g, g.Mean(x234, 0)) }, []*Value{x234}},
		{"mean axis 1", func(g *Graph) *Value { return weighted(g, g.Mean(x234, 1)) }, []*Value{x234}},
		{"mean axis 2", func(g *Graph) *Value { return weighted(g, g.Mean(x234, -1)) }, []*Value{x234}},
		{"var axis 0", func(g *Graph) *Value { return weighted(g, g.Variance(x234, 0, 0)) }, []*Value{x234}},
		{"var axis 1 unbiased", func(g *Graph) *Value { return weighted(g, g.Variance(x234, 1, 1)) }, []*Value{x234}},
		{"var axis 2", func(g *Graph) *Value { return weighted(g, g.Variance(x234, 0, 2)) }, []*Value{x234}},
		{"max axis 0", func(g *Graph) *Value { return weighted(g, g.Max(distinct, 0)) }, []*Value{distinct}},
		{"max axis 1", func(g *Graph) *Value { return weighted(g, g.Max(distinct, 1)) }, []*Value{distinct}},
		{"matmul", func(g *Graph) *Value { return weighted(g, g.MatMul(m23, m34)) }, []*Value{m23, m34}},
		{"matmul batched", func(g *Graph) *Value { return weighted(g, g.MatMul(bm, bn)) }, []*Value{bm, bn}},
		{"matmul batched shared right", func(g *Graph) *Value { return weighted(g, g.MatMul(x234, g.Transpose(m34))) }, []*Value{x234, m34}},
		{"matmul batched shared left", func(g *Graph) *Value { return weighted(g, g.MatMul(m23, x234)) }, []*Value{m23, x234}},
		{"reshape", func(g *Graph) *Value { return weighted(g, g.Reshape(x234, 4, -1)) }, []*Value{x234}},
		{"permute", func(g *Graph) *Value { return weighted(g, g.Permute(x234, 2, 0, 1)) }, []*Value{x234}},
		{"transpose", func(g *Graph) *Value { return weighted(g, g.Transpose(a34)) }, []*Value{a34}},
		{"slice", func(g *Graph) *Value { return weighted(g, g.Slice(x234, 1, 2)) }, []*Value{x234}},
		{"concat", func(g *Graph) *Value { return weighted(g, g.Concat(1, a34, c31, a34)) }, []*Value{a34, c31}},
		{"pad", func(g *Graph) *Value { return weighted(g, g.Pad(x234, 0.5, [2]int{1, 0}, [2]int{2, 1})) }, []*Value{x234}},
		{"softmax last axis", func(g *Graph) *Value { return weighted(g, g.Softmax(x234, -1)) }, []*Value{x234}},
		{"softmax axis 1", func(g *Graph) *Value { return weighted(g, g.Softmax(x234, 1)) }, []*Value{x234}},
		{"log softmax", func(g *Graph) *Value { return weighted(g, g.LogSoftmax(a34, 1)) }, []*Value{a34}},
		{"log softmax axis 0", func(g *Graph) *Value { return weighted(g, g.LogSoftmax(a34, 0)) }, []*Value{a34}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := GradCheck(tt.f, tt.wrt...)
			if res.MaxError > gradTol || math.IsNaN(res.MaxError) {
				t.Errorf("%s", res)
			}
		})
	}
}
