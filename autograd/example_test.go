package autograd_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// The whole idea of backpropagation on one line: y = w·x + b, then the
// gradients of y with respect to w and b.
func Example() {
	w := autograd.NewParam("w", tensor.FromFloat64([]float64{2, -1}, 1, 2))
	b := autograd.NewParam("b", tensor.FromFloat64([]float64{0.5}))

	g := autograd.NewGraph()
	x := g.Input(tensor.FromFloat64([]float64{3, 4}, 2, 1))
	y := g.Add(g.MatMul(w, x), b) // forward, left to right: 2·3 - 1·4 + 0.5
	y.Backward()                  // backward, right to left

	fmt.Println("y =", y.Item())
	fmt.Println("dy/dw =", w.Grad().Float64s()) // = xᵀ
	fmt.Println("dy/db =", b.Grad().Float64s()) // = 1
	// Output:
	// y = 2.5
	// dy/dw = [3 4]
	// dy/db = [1]
}

// A training step uses a loss and reads gradients the same way.
func ExampleValue_Backward() {
	w := autograd.NewParam("w", tensor.FromFloat64([]float64{0.5, -0.5}, 1, 2))
	g := autograd.NewGraph()
	x := g.Input(tensor.FromFloat64([]float64{1, 2, 3, 4}, 2, 2))
	target := g.Input(tensor.FromFloat64([]float64{1, 0}, 2, 1))
	pred := g.Linear(x, w, nil)
	loss := g.MSELoss(pred, target, autograd.ReduceMean)
	loss.Backward()
	fmt.Printf("loss %.3f, gradient %.3f\n", loss.Item(), w.Grad().Float64s())
	// Output:
	// loss 1.250, gradient [-3.000 -5.000]
}

// cube is y = x³, an operation written outside the library's own set: its
// forward pass, its saved state (none beyond the input) and its backward
// pass, dy/dx = 3x².
type cube struct{}

func (cube) Name() string { return "cube" }

func (cube) Forward(c autograd.Ctx, in []*tensor.Tensor) *tensor.Tensor {
	y := c.Arena().EmptyLike(in[0])
	tensor.UnaryTo(tensor.OpPowScalar, y, in[0], 3)
	return y
}

func (cube) Backward(c autograd.Ctx, gout *tensor.Tensor, gin []*tensor.Tensor) {
	t := c.Arena().EmptyLike(gout)
	tensor.UnaryTo(tensor.OpSquare, t, c.Input(0), 0) // x²
	tensor.MulTo(t, t, gout)                          // x²·g
	gin[0].AddScaled(3, t)                            // += 3x²·g
}

// Defining a differentiable operation and checking its backward pass.
func ExampleGraph_Apply() {
	x := autograd.NewParam("x", tensor.FromFloat64([]float64{-1, 0.5, 2}))
	g := autograd.NewGraph()
	y := g.Apply(cube{}, x)
	g.Sum(y).Backward()
	fmt.Println("y =", y.Data().Float64s())
	fmt.Println("dy/dx =", x.Grad().Float64s())

	res := autograd.GradCheck(func(g *autograd.Graph) *autograd.Value {
		return g.Sum(g.Apply(cube{}, x))
	}, x)
	fmt.Println("agrees with central differences:", res.MaxError < 1e-8)
	// Output:
	// y = [-1 0.125 8]
	// dy/dx = [3 0.75 12]
	// agrees with central differences: true
}

// Checking a backward pass against numerical differentiation.
func ExampleGradCheck() {
	w := autograd.NewParam("w", tensor.FromFloat64([]float64{0.3, -0.2, 0.1, 0.4}, 2, 2))
	res := autograd.GradCheck(func(g *autograd.Graph) *autograd.Value {
		x := g.Input(tensor.FromFloat64([]float64{1, 2}, 1, 2))
		return g.CrossEntropy(g.Linear(x, w, nil), []int{1}, autograd.ReduceMean)
	}, w)
	fmt.Println(res.MaxError < 1e-8)
	// Output: true
}
