// Package nn builds neural networks from layers that own their parameters.
//
// A feedforward network is a chain of layers, each an affine map followed
// by an activation function; training adjusts the parameters to lower a
// loss. A Module is one such piece: it computes its output from its input
// on a graph (autograd.Graph) and lists its parameters under stable dotted
// names — the same keys a PyTorch state_dict() of the same model has, so
// that weights move between the two (for LeNet-5: c1.weight, c1.bias, …,
// output.bias, convolution weights in (out, in, kh, kw) order and Linear
// weights as (out, in)).
//
// Modules hold parameters and nothing else: everything a forward pass
// creates comes from the graph passed in, so one model can serve many
// goroutines, each with its own graph. Whether a layer behaves as in
// training or inference (dropout, batch normalisation) is also a property
// of the call, Graph.Training, rather than of the module.
//
// The losses (cross-entropy, NLL, MSE, binary cross-entropy with and
// without logits) are single graph operations in package autograd.
package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Module is a piece of a network: it maps an input to an output on a graph
// and owns named parameters.
type Module interface {
	// Forward computes the module's output for input x on graph g.
	Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value
	// Params lists the trainable parameters in a stable order, each named
	// relative to the module ("weight", "bias"; containers prefix their
	// children's names).
	Params() []Param
}

// Param is a named trainable parameter.
type Param struct {
	Name  string
	Value *autograd.Value
}

// Buffer is named state that is saved with a model but not trained, such
// as batch normalisation's running statistics.
type Buffer struct {
	Name   string
	Tensor *tensor.Tensor
	// Int64 marks a buffer that PyTorch stores as a 64-bit integer
	// (num_batches_tracked); its value is kept in Tensor as a float.
	Int64 bool
}

// Buffered is implemented by modules that have buffers.
type Buffered interface {
	Buffers() []Buffer
}

// Container is implemented by modules made of named children, so that
// summaries and name prefixes can walk the tree.
type Container interface {
	Children() []Named
}

// Named is a child module and its name within its parent.
type Named struct {
	Name   string
	Module Module
}

// Buffers lists the buffers of m and of every module inside it, with
// dotted names.
func Buffers(m Module) []Buffer {
	var out []Buffer
	if b, ok := m.(Buffered); ok {
		out = append(out, b.Buffers()...)
	}
	if c, ok := m.(Container); ok {
		for _, ch := range c.Children() {
			for _, b := range Buffers(ch.Module) {
				b.Name = ch.Name + "." + b.Name
				out = append(out, b)
			}
		}
	}
	return out
}

// CountParams returns the number of trainable numbers in m.
func CountParams(m Module) int {
	n := 0
	for _, p := range m.Params() {
		n += p.Value.Data().Len()
	}
	return n
}

// ZeroGrad zeroes the gradients of every parameter of m.
func ZeroGrad(m Module) {
	for _, p := range m.Params() {
		p.Value.ZeroGrad()
	}
}

// Convert changes every parameter and buffer of m to dtype, as PyTorch's
// .double() or .float() do (gradient checks run models in float64).
func Convert(m Module, dtype tensor.DType) {
	for _, p := range m.Params() {
		p.Value.SetData(p.Value.Data().To(dtype))
	}
	for _, b := range Buffers(m) {
		b.Tensor.Convert(dtype) // in place: the module holds the same tensor
	}
}

// newParam makes a parameter tensor of the given shape.
func newParam(name string, shape ...int) *autograd.Value {
	return autograd.NewParam(name, tensor.New(tensor.Float32, shape...))
}

// uniform fills t with U(-bound, bound).
func uniform(rng *rand.Rand, t *tensor.Tensor, bound float64) {
	for i := 0; i < t.Len(); i++ {
		t.SetFlat(i, (2*rng.Float64()-1)*bound)
	}
}

func checkPositive(layer string, vals ...int) {
	for _, v := range vals {
		if v <= 0 {
			panic(fmt.Sprintf("nn: %s: sizes must be positive, got %v", layer, vals))
		}
	}
}
