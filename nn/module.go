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
// # One module tree
//
// A network is a tree of modules, and each module says once what it is
// made of:
//
//   - A leaf (Linear, Conv2D, BatchNorm, an activation) lists its own
//     parameters in Params, under local names without dots ("weight",
//     "bias"), each with a Role that says what it is: a Weight (laid out
//     (out, in, kernel…), which gives its fan-in and fan-out), a Bias, a
//     Scale or Shift of a normalisation, a RecurrentWeight. Saved state
//     that is not trained (running statistics) goes in Buffers.
//   - A container (Sequential, Residual, Branches, Parallel, or your own
//     block) lists its named children in Children, runs them in Forward
//     through Call (or CallN) under the same names, and implements Params
//     by returning nn.Params(c). If it also owns parameters directly, not
//     through a child, it lists them in LocalParams.
//
// Everything else is a walk of that tree (Walk), written once: Params
// prefixes each name with the path to its module ("block.shortcut.0.bias");
// Buffers, CountParams, ZeroGrad and Convert use the same walk; a
// checkpoint's state dict is Params then Buffers; initializers.Apply
// chooses how to start each parameter from its Role, not from its name;
// and Summarize records every module boundary crossed through Call, so a
// residual block or a set of branches gets a row per module with its true
// output shape, instead of being run as a chain. Since a container's
// Params is the walk of its Children, it cannot list a child in one and
// forget it in the other: every child is saved, counted and initialised. A
// child that Forward runs without Call still works; the summary just
// counts it in its parent's row.
//
// A leaf, here a learned per-feature scale:
//
//	type Gate struct{ G *autograd.Value }
//
//	func (m *Gate) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
//		return g.Mul(x, m.G)
//	}
//	func (m *Gate) Params() []nn.Param { return []nn.Param{{Name: "g", Value: m.G, Role: nn.Scale}} }
//
// A container, here ResNet's basic block with torchvision's names
// (conv1.weight, bn1.running_mean, downsample.0.weight, …):
//
//	type Block struct {
//		Conv1, BN1, Conv2, BN2 nn.Module
//		Down                   nn.Module // nil when the shapes already match
//	}
//
//	func (b *Block) Children() []nn.Named {
//		c := []nn.Named{{Name: "conv1", Module: b.Conv1}, {Name: "bn1", Module: b.BN1},
//			{Name: "conv2", Module: b.Conv2}, {Name: "bn2", Module: b.BN2}}
//		if b.Down != nil {
//			c = append(c, nn.Named{Name: "downsample", Module: b.Down})
//		}
//		return c
//	}
//	func (b *Block) Params() []nn.Param { return nn.Params(b) }
//	func (b *Block) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
//		y := g.ReLU(nn.Call(g, "bn1", b.BN1, nn.Call(g, "conv1", b.Conv1, x)))
//		y = nn.Call(g, "bn2", b.BN2, nn.Call(g, "conv2", b.Conv2, y))
//		if b.Down != nil {
//			x = nn.Call(g, "downsample", b.Down, x)
//		}
//		return g.ReLU(g.Add(y, x))
//	}
//
// # Beyond a chain
//
// Sequential runs its children one after another. Residual computes
// Body(x) + x, or Body(x) + Shortcut(x) with a projection on the shortcut.
// Branches runs several modules on the same input and joins their outputs
// with Add or with Concat along an axis (axis 1, the channels, for
// images); with no join it is a fork that returns every output.
//
// Some modules take several inputs or give several outputs: a recurrent
// cell maps (x, h) to h′, a two-tower network takes an image and a vector.
// They implement MultiModule, whose ForwardN maps a slice of values to a
// slice of values. A MultiModule is still a Module, so it sits in the same
// tree under the same rules: its Forward is the case of one input and one
// output, which ForwardOne writes for it. The adapters between the two
// worlds are small: CallN runs any child on a slice (a MultiModule
// through ForwardN, a plain Module on exactly one value); Parallel runs its
// i-th child on the i-th input; Add and Concat join a slice into one
// value; and Sequential also has a ForwardN that passes slices along, so
//
//	nn.Sequence(nn.NewParallel(image, vector), nn.Concat{Axis: 1}, head)
//
// is a network of two inputs, run with ForwardN(g, []*autograd.Value{img, vec}).
//
// # Modules hold parameters only
//
// Everything a forward pass creates comes from the graph passed in, so one
// model can serve many goroutines, each with its own graph. Whether a layer
// behaves as in training or inference (dropout, batch normalisation) is
// also a property of the call, Graph.Training, rather than of the module.
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
	// Params lists the trainable parameters of the module and of every
	// module inside it, in a stable order, named relative to the module.
	// A leaf returns its own ("weight", "bias"); a container returns
	// Params(c), the walk of its Children.
	Params() []Param
}

// MultiModule is a Module that takes several inputs or gives several
// outputs. ForwardN maps the inputs xs to the outputs; Forward, which
// every Module has, is the case of one input and one output (ForwardOne
// implements it from ForwardN). Parameters and children are declared as
// for any Module.
type MultiModule interface {
	Module
	// ForwardN computes the module's outputs for inputs xs on graph g.
	ForwardN(g *autograd.Graph, xs []*autograd.Value) []*autograd.Value
}

// Param is a named trainable parameter.
type Param struct {
	Name  string
	Value *autograd.Value
	// Role says what the parameter is, so that initializers can treat it
	// accordingly; the layer that owns the parameter sets it.
	Role Role
}

// Role says what a parameter is. The layer that owns a parameter knows,
// and says so in its Params, so that code that treats parameters by kind —
// initializers above all — does not have to guess from their names.
type Role uint8

// The roles of parameters.
const (
	// NoRole is the zero value: the layer did not say what the parameter
	// is. initializers.Apply refuses such a parameter rather than guess.
	NoRole Role = iota
	// Weight multiplies the input: a matrix (out, in) or a bank of
	// filters (out, in, k…). That layout gives its fan-in, in·k…, and its
	// fan-out, out·k… (initializers.Fans).
	Weight
	// RecurrentWeight multiplies a recurrent state, such as an RNN's
	// hidden-to-hidden matrix, laid out as a Weight.
	RecurrentWeight
	// Bias is added to a layer's output; it starts at zero.
	Bias
	// Scale multiplies a normalised value, as batch normalisation's γ
	// does; it starts at one.
	Scale
	// Shift is added to a normalised value, as batch normalisation's β
	// is; it starts at zero.
	Shift
	// Other is any other trained number, such as a learned temperature;
	// initialization schemes leave it as its layer made it.
	Other
)

var roleNames = [...]string{"no role", "weight", "recurrent weight", "bias", "scale", "shift", "other"}

// String names the role.
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", r)
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

// Buffered is implemented by modules that have buffers of their own. A
// container's buffers are found by walking its children (see Buffers), so
// Buffers lists only the module's own, with local names.
type Buffered interface {
	Buffers() []Buffer
}

// Container is implemented by modules made of named children. Children is
// the one place where a container declares them: parameter names, buffers,
// summaries and initializers all walk it.
type Container interface {
	Children() []Named
}

// ParamOwner is implemented by containers that own parameters directly,
// not through a child, such as a learned scale on a residual branch.
// LocalParams lists those with local names, as a leaf's Params does. A
// leaf need not implement it: its Params are its own.
type ParamOwner interface {
	LocalParams() []Param
}

// Named is a child module and its name within its parent. Names are the
// segments of parameter names, so they must not contain dots. The empty
// name makes the child transparent: its contents appear under the
// parent's own path, for wrappers that present another module as
// themselves.
type Named struct {
	Name   string
	Module Module
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
