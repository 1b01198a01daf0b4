package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Linear is a fully connected layer: y = x·Wᵀ + b for inputs of shape
// (N, In), with Weight of shape (Out, In) and Bias of shape (Out) or nil.
type Linear struct {
	In, Out int
	Weight  *autograd.Value
	Bias    *autograd.Value // nil for a layer without bias
}

// NewLinear returns a Linear layer initialised as PyTorch does by
// default: weights and bias uniform in ±1/√In. That bound gives each
// output a variance of about a third of its input's, whatever the fan-in —
// LeCun's scaling, suited to tanh and sigmoid (the models package
// re-initialises with Xavier or He when asked). rng supplies the
// randomness.
func NewLinear(rng *rand.Rand, in, out int) *Linear {
	checkPositive("Linear", in, out)
	l := &Linear{In: in, Out: out, Weight: newParam("weight", out, in), Bias: newParam("bias", out)}
	bound := 1 / math.Sqrt(float64(in))
	uniform(rng, l.Weight.Data(), bound)
	uniform(rng, l.Bias.Data(), bound)
	return l
}

// Forward applies the layer to x (N, In).
func (l *Linear) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Linear(x, l.Weight, l.Bias)
}

// Params returns weight (a Weight) and, if present, bias (a Bias).
func (l *Linear) Params() []Param { return weightBias(l.Weight, l.Bias) }

// MultiplyAdds counts In multiply-adds for each output number.
func (l *Linear) MultiplyAdds(out []int) int { return l.In * tensor.Numel(out) }

// String describes the layer.
func (l *Linear) String() string { return fmt.Sprintf("Linear(%d→%d)", l.In, l.Out) }

// weightBias lists a layer's weight and, if present, its bias, with
// their roles.
func weightBias(w, b *autograd.Value) []Param {
	ps := []Param{{Name: "weight", Value: w, Role: Weight}}
	if b != nil {
		ps = append(ps, Param{Name: "bias", Value: b, Role: Bias})
	}
	return ps
}

// Conv2D is a 2-D convolution over images (N, InC, H, W) with OutC square
// filters of size K×K, moved by Stride over the image padded with Pad zeros
// on each side. Weight has shape (OutC, InC, K, K) and Bias (OutC) or nil.
// A convolution made by NewConv2DWith may have rectangular filters,
// per-axis stride, padding and dilation, and groups, all in Config; its
// Weight is then (OutC, InC/Groups, KH, KW), and K, Stride and Pad are set
// only when they are the same on both axes (0 otherwise).
type Conv2D struct {
	InC, OutC, K, Stride, Pad int
	// Config is the full configuration with every default filled in (see
	// Conv2DConfig.Normalize); NewConv2D sets it too. A Conv2D written as a
	// literal without it uses InC, OutC, K, Stride and Pad.
	Config Conv2DConfig
	Weight *autograd.Value
	Bias   *autograd.Value
}

// NewConv2D returns a convolution layer initialised as PyTorch does by
// default: weights and bias uniform in ±1/√(InC·K·K), the fan-in of each
// output (see NewLinear for why).
func NewConv2D(rng *rand.Rand, inC, outC, k, stride, pad int) *Conv2D {
	checkPositive("Conv2D", inC, outC, k, stride)
	if pad < 0 {
		panic(fmt.Sprintf("nn: Conv2D: negative padding %d", pad))
	}
	c := &Conv2D{InC: inC, OutC: outC, K: k, Stride: stride, Pad: pad,
		Config: Conv2DConfig{InC: inC, OutC: outC, KH: k, KW: k, StrideH: stride, StrideW: stride, PadH: pad, PadW: pad, DilationH: 1, DilationW: 1, Groups: 1},
		Weight: newParam("weight", outC, inC, k, k), Bias: newParam("bias", outC)}
	bound := 1 / math.Sqrt(float64(inC*k*k))
	uniform(rng, c.Weight.Data(), bound)
	uniform(rng, c.Bias.Data(), bound)
	return c
}

// Forward convolves x (N, InC, H, W). A convolution with one group, no
// dilation and the same stride and padding on every side runs the fast
// path of autograd's Conv2D; any other runs Conv2DWith.
func (c *Conv2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if stride, pad, ok := c.uniform(); ok {
		return g.Conv2D(x, c.Weight, c.Bias, stride, pad)
	}
	return g.Conv2DWith(x, c.Weight, c.Bias, c.Config.Params())
}

// uniform returns the convolution's stride and padding when they are the
// same on both axes and it has no groups or dilation, so that it runs as
// Graph.Conv2D; ok is false otherwise.
func (c *Conv2D) uniform() (stride, pad int, ok bool) {
	if c.Config.InC == 0 {
		return c.Stride, c.Pad, true
	}
	return c.Config.Params().Uniform()
}

// Params returns weight (a Weight) and, if present, bias (a Bias).
func (c *Conv2D) Params() []Param { return weightBias(c.Weight, c.Bias) }

// MultiplyAdds counts InC/Groups·KH·KW multiply-adds for each output
// number.
func (c *Conv2D) MultiplyAdds(out []int) int {
	if c.Config.InC == 0 {
		return c.InC * c.K * c.K * tensor.Numel(out)
	}
	return c.Config.InC / c.Config.Groups * c.Config.KH * c.Config.KW * tensor.Numel(out)
}

// String describes the layer: as "Conv2D(1→6, 5×5, stride 1, pad 0)" for
// a square, uniform convolution, naming every option otherwise.
func (c *Conv2D) String() string {
	if c.Config.InC == 0 || c.Config.plain() {
		return fmt.Sprintf("Conv2D(%d→%d, %d×%d, stride %d, pad %d)", c.InC, c.OutC, c.K, c.K, c.Stride, c.Pad)
	}
	return c.Config.describe()
}

// AvgPool2D averages K×K windows moved by Stride; it has no parameters
// (the modern LeNet-5's subsampling).
type AvgPool2D struct{ K, Stride int }

// Forward pools x (N, C, H, W).
func (p AvgPool2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.AvgPool2D(x, p.K, p.Stride)
}

// Params returns nothing: pooling has no parameters.
func (AvgPool2D) Params() []Param { return nil }

// String describes the layer.
func (p AvgPool2D) String() string {
	return fmt.Sprintf("AvgPool2D(%d×%d, stride %d)", p.K, p.K, p.Stride)
}

// MaxPool2D keeps the largest value of each K×K window moved by Stride.
type MaxPool2D struct{ K, Stride int }

// Forward pools x (N, C, H, W).
func (p MaxPool2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.MaxPool2D(x, p.K, p.Stride)
}

// Params returns nothing: pooling has no parameters.
func (MaxPool2D) Params() []Param { return nil }

// String describes the layer.
func (p MaxPool2D) String() string {
	return fmt.Sprintf("MaxPool2D(%d×%d, stride %d)", p.K, p.K, p.Stride)
}

// Flatten reshapes (N, …) to (N, everything else), between convolutional
// and fully connected layers.
type Flatten struct{}

// Forward flattens x.
func (Flatten) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Flatten(x) }

// Params returns nothing.
func (Flatten) Params() []Param { return nil }

// String describes the layer.
func (Flatten) String() string { return "Flatten" }

// Dropout zeroes each element with probability P during training and
// scales the survivors by 1/(1-P), so that inference, which passes the
// input through unchanged, sees the same expected activations. The mask is
// drawn from the graph's RNG. P = 1 drops everything: the output is zeros,
// as in PyTorch.
type Dropout struct{ P float64 }

// Forward applies dropout when g.Training is set and P > 0.
func (d Dropout) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if !g.Training || d.P == 0 {
		return x
	}
	if !(d.P > 0 && d.P <= 1) {
		panic(fmt.Sprintf("nn: Dropout probability %v outside [0, 1]", d.P))
	}
	mask := g.Arena().EmptyLike(x.Data())
	if d.P == 1 {
		// Everything is dropped: zeros, and zero gradient, as in PyTorch
		// (the survivors' scale 1/(1-P) would be infinite).
		mask.Fill(0)
		return g.Dropout(x, mask)
	}
	if g.RNG == nil {
		panic("nn: Dropout in training needs a random source: set Graph.RNG")
	}
	tensor.DropoutMask(g.RNG, mask, d.P)
	return g.Dropout(x, mask)
}

// Params returns nothing.
func (Dropout) Params() []Param { return nil }

// String describes the layer.
func (d Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.P) }

// BatchNorm normalises each channel of (N, C) or (N, C, H, W) inputs with
// the batch's statistics in training and running statistics in inference,
// then scales by Weight (γ) and shifts by Bias (β). Its buffers are named
// as PyTorch's: running_mean, running_var, num_batches_tracked.
type BatchNorm struct {
	C, Dims      int // channels, and 2 (BatchNorm1d) or 4 (BatchNorm2d) input dimensions
	Weight, Bias *autograd.Value
	State        autograd.BatchNormState
	Batches      *tensor.Tensor // num_batches_tracked
}

// CouplesBatch reports true: in training, each example's output depends on
// the whole batch's statistics (see BatchCoupled).
func (*BatchNorm) CouplesBatch() bool { return true }

// NewBatchNorm1d returns batch normalisation for (N, C) inputs with γ = 1,
// β = 0 (the identity at the start, which is why these are the defaults),
// momentum 0.1 and ε = 1e-5, as in PyTorch.
func NewBatchNorm1d(c int) *BatchNorm { return newBatchNorm(c, 2) }

// NewBatchNorm2d returns batch normalisation for (N, C, H, W) inputs; see
// NewBatchNorm1d.
func NewBatchNorm2d(c int) *BatchNorm { return newBatchNorm(c, 4) }

func newBatchNorm(c, dims int) *BatchNorm {
	checkPositive("BatchNorm", c)
	b := &BatchNorm{C: c, Dims: dims, Weight: newParam("weight", c), Bias: newParam("bias", c),
		State:   autograd.BatchNormState{RunningMean: tensor.New(tensor.Float32, c), RunningVar: tensor.Ones(tensor.Float32, c), Momentum: 0.1, Eps: 1e-5},
		Batches: tensor.New(tensor.Float32)}
	b.Weight.Data().Fill(1)
	return b
}

// Forward normalises x; in training it also updates the running
// statistics.
func (b *BatchNorm) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if x.Data().Dims() != b.Dims {
		panic(fmt.Sprintf("nn: %v expects %d-D input, got shape %v", b, b.Dims, x.Shape()))
	}
	if g.Training {
		tensor.UnaryTo(tensor.OpAddScalar, b.Batches, b.Batches, 1)
	}
	return g.BatchNorm(x, b.Weight, b.Bias, &b.State, g.Training)
}

// Params returns γ (weight, a Scale) and β (bias, a Shift).
func (b *BatchNorm) Params() []Param {
	return []Param{{Name: "weight", Value: b.Weight, Role: Scale}, {Name: "bias", Value: b.Bias, Role: Shift}}
}

// Buffers returns the running statistics and the batch count.
func (b *BatchNorm) Buffers() []Buffer {
	return []Buffer{{Name: "running_mean", Tensor: b.State.RunningMean}, {Name: "running_var", Tensor: b.State.RunningVar}, {Name: "num_batches_tracked", Tensor: b.Batches, Int64: true}}
}

// String describes the layer.
func (b *BatchNorm) String() string { return fmt.Sprintf("BatchNorm%dd(%d)", b.Dims/2, b.C) }
