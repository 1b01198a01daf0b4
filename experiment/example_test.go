package experiment_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/experiment"
)

// Thirty steps of plain SGD and of Adam on the valley x²/20 + y², at the
// learning rates of the classic comparison.
func ExampleOptimizerPaths() {
	r, err := experiment.OptimizerPaths(30, experiment.PathOptimizers[0], experiment.PathOptimizers[5])
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range r.Paths {
		fmt.Printf("%s (η = %g): %.2f from the minimum, y changed sign %d times\n", p.Label, p.LR, p.Distance, p.SignChanges)
	}
	// Output:
	// SGD (η = 0.95): 0.36 from the minimum, y changed sign 30 times
	// Adam (η = 0.3): 0.35 from the minimum, y changed sign 2 times
}

// The gradients of y = w·x + b by backpropagation.
func ExampleExpression() {
	r, err := experiment.Expression("y = w*x + b", map[string]float64{"w": 2, "x": 3, "b": 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("y =", r.Output)
	for _, v := range r.Params {
		fmt.Printf("∂y/∂%s = %g\n", v, r.Grads[v])
	}
	// Output:
	// y = 7
	// ∂y/∂b = 1
	// ∂y/∂w = 3
	// ∂y/∂x = 2
}

// Weight sharing in numbers: LeNet-5's first layer against a fully
// connected layer with the same input and output.
func ExampleCompareParams() {
	c, err := experiment.CompareParams()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("MLP:", c.MLP.Summary.Total, "LeNet-5:", c.CNN.Summary.Total)
	fmt.Println("C1:", c.C1.ConvParams, "parameters,", c.C1.ConvConnections, "connections; fully connected:", c.C1.DenseParams)
	// Output:
	// MLP: 235146 LeNet-5: 61706
	// C1: 156 parameters, 122304 connections; fully connected: 4821600
}
