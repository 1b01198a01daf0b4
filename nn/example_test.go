package nn_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// A small classifier: build it, print its summary, run one training step.
func Example() {
	rng := tensor.NewRNG(1)
	net := nn.NewSequential(
		nn.Named{Name: "hidden", Module: nn.NewLinear(rng, 4, 8)},
		nn.Named{Name: "act", Module: nn.ReLU{}},
		nn.Named{Name: "output", Module: nn.NewLinear(rng, 8, 3)},
	)
	fmt.Print(nn.Summarize(net, 2, 4))

	g := autograd.NewGraph()
	g.Training = true
	x := g.Input(tensor.RandNormal(rng, tensor.Float32, 0, 1, 2, 4))
	loss := g.CrossEntropy(net.Forward(g, x), []int{0, 2}, autograd.ReduceMean)
	loss.Backward()
	for _, p := range net.Params() {
		fmt.Println(p.Name, p.Value.Grad().Shape())
	}
	// Output:
	// Input: (2, 4)
	// ───────────────────────────────────────────────────
	// Layer   Type         Output shape           Params
	// ───────────────────────────────────────────────────
	// hidden  Linear(4→8)  (2, 8)                     40
	// act     ReLU         (2, 8)                      0
	// output  Linear(8→3)  (2, 3)                     27
	// ───────────────────────────────────────────────────
	// Total params: 67
	// Trainable params: 67
	// Non-trainable params: 0
	// Multiply-adds per example: 56
	// hidden.weight [8 4]
	// hidden.bias [8]
	// output.weight [3 8]
	// output.bias [3]
}
