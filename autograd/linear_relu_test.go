package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// TestGradCheckLinearReLU checks the fused op's gradients for x, w and b
// against finite differences, with and without a bias, and with x and w
// each read by two of the ops (their gradients then add).
func TestGradCheckLinearReLU(t *testing.T) {
	x := randParam(51, "x", -1, 1, 6, 4)
	w := randParam(52, "w", -1, 1, 5, 4)
	b := randParam(53, "b", -0.5, 0.5, 5)
	cases := map[string]func(g *Graph) *Value{
		"with bias": func(g *Graph) *Value { return weighted(g, g.LinearReLU(x, w, b)) },
		"no bias":   func(g *Graph) *Value { return weighted(g, g.LinearReLU(x, w, nil)) },
		"read twice": func(g *Graph) *Value {
			return g.Add(weighted(g, g.LinearReLU(x, w, b)), g.Sum(g.LinearReLU(x, w, nil)))
		},
	}
	for name, f := range cases {
		g := NewGraph()
		if op := f(g).Parents()[0].Parents()[0].Op(); name == "with bias" && op != "linear_relu" {
			t.Fatalf("a graph that tracks gradients ran %q, want linear_relu", op)
		}
		if r := GradCheck(f, x, w, b); r.MaxError > gradTol || math.IsNaN(r.MaxError) {
			t.Errorf("%s: %v", name, r)
		}
	}
}

// TestLinearReLUSameBits checks that in float32 the fused op gives, to
// the bit, the output and the gradients of Linear then ReLU: through the
// GEMM's transposed path (the MLP's first layer) and its plain loops,
// with and without a bias, with gradients set (a fresh backward pass)
// and added (a value read twice), and with a NaN in the input, whose
// gradient the ReLU passes.
func TestLinearReLUSameBits(t *testing.T) {
	rng := tensor.NewRNG(7)
	for _, shape := range [][3]int{{64, 784, 256}, {3, 5, 4}, {40, 70, 30}} {
		n, in, out := shape[0], shape[1], shape[2]
		xd := tensor.RandNormal(rng, tensor.Float32, 0, 1, n, in)
		xd.SetFlat(3, math.NaN())
		wd := tensor.RandNormal(rng, tensor.Float32, 0, 0.1, out, in)
		bd := tensor.RandNormal(rng, tensor.Float32, 0, 0.1, out)
		up := tensor.RandNormal(rng, tensor.Float32, 0, 1, n, out)
		for _, withBias := range []bool{true, false} {
			for _, twice := range []bool{false, true} {
				run := func(fused bool) (y *tensor.Tensor, grads []*tensor.Tensor) {
					x, w := NewParam("x", xd.Clone()), NewParam("w", wd.Clone())
					var b *Value
					if withBias {
						b = NewParam("b", bd.Clone())
					}
					g := NewGraph()
					g.Training = true
					layer := func() *Value {
						if fused {
							return g.LinearReLU(x, w, b)
						}
						return g.ReLU(g.Linear(x, w, b))
					}
					out := layer()
					loss := g.Sum(g.Mul(out, g.Input(up)))
					if twice {
						loss = g.Add(loss, g.Sum(layer()))
					}
					loss.Backward()
					grads = []*tensor.Tensor{x.Grad(), w.Grad()}
					if b != nil {
						grads = append(grads, b.Grad())
					}
					return out.Data(), grads
				}
				wantY, want := run(false)
				gotY, got := run(true)
				what := func(s string) string {
					return fmt.Sprintf("%s of %d×%d by %d outputs, bias %v, read twice %v", s, n, in, out, withBias, twice)
				}
				sameBits(t, what("output"), gotY, wantY)
				for i, name := range []string{"x's gradient", "w's gradient", "b's gradient"}[:len(want)] {
					sameBits(t, what(name), got[i], want[i])
				}
			}
		}
	}
}

func sameBits(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !tensor.EqualShapes(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	zeros := 0
	for i := range want.Len() {
		g, w := float32(got.Flat(i)), float32(want.Flat(i))
		if math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, g, w)
		}
		if w == 0 {
			zeros++
		}
	}
	if zeros == want.Len() {
		t.Fatalf("%s: all zeros; the test checks nothing", what)
	}
}

// TestLinearReLUStaleGradients checks that the fused op's backward pass
// sets the gradients it is first to write, over stale buffers full of
// NaN (a parameter's after ZeroGrad), as Linear does: the result is a
// fresh graph's with fresh parameters, bit for bit.
func TestLinearReLUStaleGradients(t *testing.T) {
	rng := tensor.NewRNG(9)
	xd := tensor.RandNormal(rng, tensor.Float32, 0, 1, 8, 6)
	wd := tensor.RandNormal(rng, tensor.Float32, 0, 1, 5, 6)
	bd := tensor.RandNormal(rng, tensor.Float32, 0, 1, 5)
	params := func() (*Value, *Value) { return NewParam("w", wd.Clone()), NewParam("b", bd.Clone()) }
	loss := func(g *Graph, x *tensor.Tensor, w, b *Value) {
		g.Sum(g.LinearReLU(g.Input(x), w, b)).Backward()
	}
	rw, rb := params()
	loss(NewGraph(), xd, rw, rb)

	w, b := params()
	g := NewGraph()
	loss(g, tensor.Full(tensor.Float32, math.NaN(), 8, 6), w, b)
	for _, p := range []*Value{w, b} {
		p.ZeroGrad()
		p.Grad().Fill(math.NaN())
		p.ZeroGrad()
	}
	g.Reset()
	loss(g, xd, w, b)
	sameBits(t, "w's gradient over a stale buffer", w.Grad(), rw.Grad())
	sameBits(t, "b's gradient over a stale buffer", b.Grad(), rb.Grad())
}
