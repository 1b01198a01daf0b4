package autograd_test

import (
	"fmt"
	"os"

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

// Writing the graph of a small expression in Graphviz's DOT language.
func ExampleWriteDOT() {
	w := autograd.NewParam("w", tensor.FromFloat64([]float64{2}))
	g := autograd.NewGraph()
	x := g.Input(tensor.FromFloat64([]float64{3})).SetName("x")
	y := g.Tanh(g.Mul(w, x)).SetName("y")
	autograd.WriteDOT(os.Stdout, y)
	// Output:
	// digraph G {
	//   rankdir=LR;
	//   node [fontname="Helvetica", fontsize=11];
	//   n0 [label="w\nparam\n(1)", shape=box, style=filled, fillcolor="#fde2b8"];
	//   n1 [label="x\ninput\n(1)", shape=ellipse, style=filled, fillcolor="#e8e8e8"];
	//   n2 [label="mul\n(1)", shape=box, style="rounded,filled", fillcolor="#dbe9f6"];
	//   n3 [label="y\ntanh\n(1)", shape=box, style="rounded,filled,bold", fillcolor="#c8e6c9"];
	//   n0 -> n2;
	//   n1 -> n2;
	//   n2 -> n3;
	// }
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
