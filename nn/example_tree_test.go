package nn_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// A residual block whose body halves the resolution and doubles the
// channels, so the shortcut needs a projection: a strided 1×1 convolution
// and batch normalisation, as in ResNet. The summary has a row for every
// module inside the block, with its own output shape.
func ExampleNewResidual() {
	rng := tensor.NewRNG(1)
	block := nn.NewResidual(
		nn.Sequence(nn.NewConv2D(rng, 4, 8, 3, 2, 1), nn.NewBatchNorm2d(8), nn.ReLU{}, nn.NewConv2D(rng, 8, 8, 3, 1, 1)),
		nn.Sequence(nn.NewConv2D(rng, 4, 8, 1, 2, 0), nn.NewBatchNorm2d(8)),
	)
	net := nn.NewSequential(nn.Named{Name: "block", Module: block}, nn.Named{Name: "act", Module: nn.ReLU{}})
	fmt.Print(nn.Summarize(net, 1, 4, 8, 8))
	fmt.Println(net.Params()[len(net.Params())-1].Name)
	// Output:
	// Input: (1, 4, 8, 8)
	// ───────────────────────────────────────────────────────────────────────────────────
	// Layer             Type                               Output shape           Params
	// ───────────────────────────────────────────────────────────────────────────────────
	// block             Residual                           (1, 8, 4, 4)               --
	// block.body        Sequential                         (1, 8, 4, 4)               --
	// block.body.0      Conv2D(4→8, 3×3, stride 2, pad 1)  (1, 8, 4, 4)              296
	// block.body.1      BatchNorm2d(8)                     (1, 8, 4, 4)               16
	// block.body.2      ReLU                               (1, 8, 4, 4)                0
	// block.body.3      Conv2D(8→8, 3×3, stride 1, pad 1)  (1, 8, 4, 4)              584
	// block.shortcut    Sequential                         (1, 8, 4, 4)               --
	// block.shortcut.0  Conv2D(4→8, 1×1, stride 2, pad 0)  (1, 8, 4, 4)               40
	// block.shortcut.1  BatchNorm2d(8)                     (1, 8, 4, 4)               16
	// act               ReLU                               (1, 8, 4, 4)                0
	// ───────────────────────────────────────────────────────────────────────────────────
	// Total params: 952
	// Trainable params: 952
	// Non-trainable params: 0
	// Buffers (running statistics): 34
	// Multiply-adds per example: 14,336
	// block.shortcut.1.bias
}

// Inception-style branches: two convolutions of the same input, stacked
// as channels.
func ExampleNewBranches() {
	rng := tensor.NewRNG(1)
	inc := nn.NewBranches(nn.Concat{Axis: 1},
		nn.Named{Name: "1x1", Module: nn.NewConv2D(rng, 3, 2, 1, 1, 0)},
		nn.Named{Name: "3x3", Module: nn.NewConv2D(rng, 3, 4, 3, 1, 1)},
	)
	g := autograd.NewInferenceGraph()
	y := inc.Forward(g, g.Input(tensor.New(tensor.Float32, 5, 3, 6, 6)))
	fmt.Println(y.Shape())
	for _, p := range inc.Params() {
		fmt.Println(p.Name, p.Role)
	}
	// Output:
	// [5 6 6 6]
	// 1x1.weight weight
	// 1x1.bias bias
	// 3x3.weight weight
	// 3x3.bias bias
}

// A network of two inputs, an image and a vector: each gets its own
// layers, then they are joined and classified. ForwardN takes and gives
// slices of values.
func ExampleNewParallel() {
	rng := tensor.NewRNG(1)
	net := nn.Sequence(
		nn.NewParallel(
			nn.Named{Name: "image", Module: nn.Sequence(nn.NewConv2D(rng, 1, 2, 3, 1, 0), nn.Flatten{})},
			nn.Named{Name: "meta", Module: nn.NewLinear(rng, 3, 4)},
		),
		nn.Concat{Axis: 1},
		nn.NewLinear(rng, 2*2*2+4, 10),
	)
	g := autograd.NewInferenceGraph()
	img := g.Input(tensor.New(tensor.Float32, 8, 1, 4, 4))
	meta := g.Input(tensor.New(tensor.Float32, 8, 3))
	out := net.ForwardN(g, []*autograd.Value{img, meta})
	fmt.Println(len(out), out[0].Shape())
	fmt.Println(nn.Params(net)[0].Name)
	// Output:
	// 1 [8 10]
	// 0.image.0.weight
}

// Walk visits every module of a tree with its path: the one walk behind
// Params, Buffers, summaries and initializers.
func ExampleWalk() {
	rng := tensor.NewRNG(1)
	net := nn.NewSequential(
		nn.Named{Name: "block", Module: nn.NewResidual(nn.Sequence(nn.NewLinear(rng, 4, 4), nn.Tanh{}), nil)},
		nn.Named{Name: "output", Module: nn.NewLinear(rng, 4, 2)},
	)
	nn.Walk(net, func(path string, m nn.Module) {
		fmt.Printf("%q %d\n", path, nn.CountParams(m))
	})
	// Output:
	// "" 30
	// "block" 20
	// "block.body" 20
	// "block.body.0" 20
	// "block.body.1" 0
	// "output" 10
}
