// Package models builds the networks baeum trains: LeNet-5, a multilayer
// perceptron, softmax regression, a batch-normalised convolutional
// network (CNN) and a small residual network (ResNet), for images of any
// size and channels and any number of classes, which they take from the
// data.
package models

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/models/spec"
	"github.com/baeum-ml/baeum/nn"
)

// Config describes a model to build. The zero value of each field means
// the model's default.
type Config struct {
	// Name is lenet5, lenet5-relu, mlp, softmax, cnn or resnet.
	Name string `json:"name"`
	// Activation is the hidden units' nonlinearity: tanh (LeNet-5's
	// default), sigmoid or relu (the MLP's default); lenet5-relu always
	// uses relu, and so do cnn and resnet, which take no other.
	Activation string `json:"activation,omitempty"`
	// Hidden lists the MLP's hidden layer sizes (default 256, 128).
	Hidden []int `json:"hidden,omitempty"`
	// File is the description of a model read from a model file
	// (package spec); Name is then FileModelName(File).
	File *spec.Description `json:"file,omitempty"`
	// ONNX is the skeleton of an imported ONNX graph (onnx.Model's
	// Skeleton: the graph without its weights); Name is then ONNXName.
	ONNX []byte `json:"onnx,omitempty"`
	// Embed is the size of a text model's character embedding (see
	// NewText).
	Embed int `json:"embed,omitempty"`
	// Dropout is a text model's dropout probability during training: of
	// the embedding's output, between LSTM layers and of the last
	// layer's output (0: none).
	Dropout float64 `json:"dropout,omitempty"`
	// WeightDrop is a text model's DropConnect on its LSTM's recurrent
	// weights W_hh during training (nn.RecurrentConfig.WeightDrop; 0:
	// none).
	WeightDrop float64 `json:"weight_drop,omitempty"`
}

// Names lists the models New builds.
var Names = []string{"lenet5", "lenet5-relu", "mlp", "softmax", "cnn", "resnet", "lstm"}

// Model is a built network with what it expects of its input.
type Model struct {
	Config Config
	nn.Module
	// Prep records how raw inputs become what the network reads and the
	// names of its classes; it is saved in checkpoints, and training and
	// serving prepare inputs through it. LeNet-5 pads images by 2 (MNIST's
	// 28×28 become LeCun's 32×32); the MLP and softmax regression flatten
	// them; the CNN and the ResNet take them as they are.
	Prep data.Preprocess
}

// InputShape returns the shape of one input example.
func (m *Model) InputShape() []int { return m.Prep.Inputs[0].Shape() }

// Image returns how the model's image input is prepared.
func (m *Model) Image() *data.ImagePrep { return m.Prep.Inputs[0].Image }

// Children presents the network as the model's one child, named "" so
// that it adds nothing to parameter names: nn.Buffers, nn.Summarize and
// every other walk of the module tree see through the Model to its
// layers, just as the Params it gets from the network do.
func (m *Model) Children() []nn.Named { return []nn.Named{{Name: "", Module: m.Module}} }

// String describes the model.
func (m *Model) String() string {
	if m.Config.Name == ONNXName {
		return fmt.Sprint(m.Module)
	}
	s := m.Config.Name
	if m.Config.Activation != "" {
		s += " (" + m.Config.Activation + ")"
	}
	return s
}

// The limits New checks, arithmetically and before it allocates anything,
// so that a configuration from a file or a flag (an MLP of 2^63 hidden
// units, or of two layers of 40,000) is an error that names the limit
// rather than a crash or an exhausted memory. Images themselves are
// bounded by the preprocessing record (data.ImagePrep.Validate: at most
// 4096×4096, 1 or 3 channels).
const (
	// MaxParams bounds a model's number of parameters: 100 million, 400
	// MB of float32 weights. Training needs about four times that, with
	// the gradients and Adam's moments; so does loading, for a moment,
	// since the checkpoint's bytes are read whole and converted before
	// they are copied into the model.
	MaxParams = 100_000_000
	// MaxHidden bounds the size of each of an MLP's hidden layers.
	MaxHidden = 1 << 16
	// MaxLayers bounds the number of an MLP's hidden layers.
	MaxLayers = 64
	// MaxClasses bounds the number of classes, as preprocessing records
	// do.
	MaxClasses = 1 << 20
)

// New builds the model described by cfg, with weights drawn from rng,
// after filling in defaults, for images stored as base describes (their
// size, channels and normalisation) and the given classes: the model
// sets base's padding and flattening to its own. It returns an error,
// before allocating anything, for an unknown model or activation, images
// the model cannot take, or sizes beyond MaxHidden, MaxLayers,
// MaxClasses or MaxParams.
func New(rng *rand.Rand, cfg Config, base data.ImagePrep, classes []string) (*Model, error) {
	p, err := plan(cfg, base, classes)
	if err != nil {
		return nil, err
	}
	cfg, prep, s := p.cfg, p.prep, p.prep.Shape()
	var net nn.Module
	switch cfg.Name {
	case "lenet5", "lenet5-relu":
		act, _ := nn.Activation(cfg.Activation) // checked by plan
		net = LeNet5(rng, s[0], s[1], s[2], len(classes), act, cfg.Name == "lenet5-relu")
	case "mlp":
		act, _ := nn.Activation(cfg.Activation)
		net = MLP(rng, s[0], cfg.Hidden, len(classes), act)
	case "softmax":
		net = SoftmaxRegression(rng, s[0], len(classes))
	case "cnn":
		net = CNN(rng, s[0], s[1], s[2], len(classes))
	case "resnet":
		net = ResNet(rng, s[0], len(classes))
	case "lstm":
		net = SequentialLSTM(rng, s[0], s[2], cfg.Hidden[0], len(classes))
	}
	if cfg.File != nil {
		net = buildFile(rng, cfg.File, s, len(classes))
	}
	if p.net != nil {
		net = p.net
	}
	rec := data.Preprocess{Inputs: []data.InputPrep{{Name: "image", Image: &prep}}, Classes: slices.Clone(classes)}
	return &Model{Config: cfg, Module: net, Prep: rec}, nil
}

// Spec returns the tensors of the state dict that New would build for
// cfg, base and classes — their PyTorch names and shapes, in the order of
// the model's parameters, then its buffers, as in the checkpoint
// package's state dicts — and the number of parameters, worked out
// arithmetically without building anything. It returns New's errors. A
// loader compares it with a checkpoint's header before it builds the
// model.
func Spec(cfg Config, base data.ImagePrep, classes []string) ([]checkpoint.TensorSpec, int, error) {
	p, err := plan(cfg, base, classes)
	if err != nil {
		return nil, 0, err
	}
	return p.tensors, p.params, nil
}

// A blueprint is a checked configuration: defaults filled in, the
// model's own preparation, and its state dict's tensors.
type blueprint struct {
	cfg     Config
	prep    data.ImagePrep
	tensors []checkpoint.TensorSpec
	params  int
	net     nn.Module // built while planning (an ONNX skeleton), or nil
}

// plan checks cfg, base and classes against the limits and works out the
// model's tensors, allocating nothing in proportion to the sizes asked.
func plan(cfg Config, base data.ImagePrep, classes []string) (*blueprint, error) {
	if cfg.File != nil {
		return planFile(cfg, cfg.File, base, classes)
	}
	if cfg.ONNX != nil {
		return planONNX(cfg, base, classes)
	}
	if len(classes) < 2 {
		return nil, fmt.Errorf("a classifier needs at least 2 classes, got %d", len(classes))
	}
	if len(classes) > MaxClasses {
		return nil, fmt.Errorf("%d classes, more than the limit of %d", len(classes), MaxClasses)
	}
	// The model's own preparation: LeNet-5 pads, the MLP and softmax
	// regression flatten, the convolutional networks take images as
	// they are.
	prep := base
	switch cfg.Name {
	case "lenet5", "", "lenet5-relu":
		prep.Pad, prep.Flatten = LeNetPad, false
	case "mlp", "softmax":
		prep.Pad, prep.Flatten = 0, true
	case "cnn", "resnet", "lstm":
		prep.Pad, prep.Flatten = 0, false
	case CharLMName:
		return nil, fmt.Errorf("%s is a character language model: it trains on text (baeum train --data words:FILE), not images", cfg.Name)
	default:
		return nil, fmt.Errorf("unknown model %q (want %s)", cfg.Name, strings.Join(Names, ", "))
	}
	if err := prep.Validate(); err != nil {
		return nil, err
	}
	s := prep.Shape()
	k := len(classes)
	b := &blueprint{prep: prep}
	var buffers []checkpoint.TensorSpec // after the parameters, uncounted
	linear := func(name string, in, out int) {
		b.tensors = append(b.tensors, checkpoint.TensorSpec{Name: name + ".weight", Shape: []int{out, in}}, checkpoint.TensorSpec{Name: name + ".bias", Shape: []int{out}})
	}
	conv := func(name string, in, out, size int) {
		b.tensors = append(b.tensors, checkpoint.TensorSpec{Name: name + ".weight", Shape: []int{out, in, size, size}}, checkpoint.TensorSpec{Name: name + ".bias", Shape: []int{out}})
	}
	switch cfg.Name {
	case "lenet5", "", "lenet5-relu":
		if cfg.Name == "lenet5-relu" {
			cfg.Activation = "relu"
		}
		if cfg.Name == "" {
			cfg.Name = "lenet5"
		}
		if cfg.Activation == "" {
			cfg.Activation = "tanh"
		}
		if s[1] < 32 || s[2] < 32 {
			return nil, fmt.Errorf("lenet5 needs images of at least 28×28 (32×32 once padded), got %d×%d", base.Height, base.Width)
		}
		conv("c1", s[0], 6, 5)
		conv("c3", 6, 16, 5)
		conv("c5", 16, 120, 5)
		linear("f6", 120*c5Size(s[1])*c5Size(s[2]), 84)
		linear("output", 84, k)
	case "mlp":
		if cfg.Activation == "" {
			cfg.Activation = "relu"
		}
		if len(cfg.Hidden) == 0 {
			cfg.Hidden = []int{256, 128}
		}
		if len(cfg.Hidden) > MaxLayers {
			return nil, fmt.Errorf("mlp with %d hidden layers, more than the limit of %d", len(cfg.Hidden), MaxLayers)
		}
		for i, h := range cfg.Hidden {
			if h <= 0 {
				return nil, fmt.Errorf("mlp hidden sizes must be positive, got %v", cfg.Hidden)
			}
			if h > MaxHidden {
				return nil, fmt.Errorf("mlp hidden layer %d has %d units, more than the limit of %d", i+1, h, MaxHidden)
			}
		}
		prev := s[0]
		for i, h := range cfg.Hidden {
			linear("fc"+strconv.Itoa(i+1), prev, h)
			prev = h
		}
		linear("output", prev, k)
	case "softmax":
		cfg.Activation, cfg.Hidden = "", nil
		linear("output", s[0], k)
	case "lstm":
		if cfg.Activation != "" {
			return nil, fmt.Errorf("lstm uses its gates' sigmoids and tanh; it takes no --activation (got %q)", cfg.Activation)
		}
		if len(cfg.Hidden) == 0 {
			cfg.Hidden = []int{LSTMHidden}
		}
		if len(cfg.Hidden) != 1 || cfg.Hidden[0] <= 0 || cfg.Hidden[0] > MaxHidden {
			return nil, fmt.Errorf("lstm takes one hidden size of 1 to %d, got %v", MaxHidden, cfg.Hidden)
		}
		h, in := cfg.Hidden[0], s[0]*s[2]
		b.tensors = append(b.tensors,
			checkpoint.TensorSpec{Name: "lstm.weight_ih_l0", Shape: []int{4 * h, in}}, checkpoint.TensorSpec{Name: "lstm.weight_hh_l0", Shape: []int{4 * h, h}},
			checkpoint.TensorSpec{Name: "lstm.bias_ih_l0", Shape: []int{4 * h}}, checkpoint.TensorSpec{Name: "lstm.bias_hh_l0", Shape: []int{4 * h}})
		linear("output", h, k)
	case "cnn", "resnet":
		if cfg.Activation != "" && cfg.Activation != "relu" {
			return nil, fmt.Errorf("%s uses relu after every convolution; it takes no other activation (got %q)", cfg.Name, cfg.Activation)
		}
		cfg.Activation, cfg.Hidden = "relu", nil
		var st stateSpec
		if cfg.Name == "cnn" {
			if s[1] < 4 || s[2] < 4 {
				return nil, fmt.Errorf("cnn needs images of at least 4×4 for its two 2×2 poolings, got %d×%d", base.Height, base.Width)
			}
			st.cnn(s[0], s[1], s[2], k)
		} else {
			st.resnet(s[0], k)
		}
		b.tensors, buffers = st.params, st.buffers
	}
	if cfg.Activation != "" {
		if _, err := nn.Activation(cfg.Activation); err != nil {
			return nil, err
		}
	}
	// Every factor is bounded above, so the products fit in an int64.
	var total int64
	for _, t := range b.tensors {
		n := int64(1)
		for _, d := range t.Shape {
			n *= int64(d)
		}
		total += n
	}
	if total > MaxParams {
		return nil, fmt.Errorf("%s for %d×%d×%d images and %d classes would have %s parameters, more than the limit of %s", describe(cfg), base.Channels, base.Height, base.Width, k, nn.Thousands(int(total)), nn.Thousands(MaxParams))
	}
	b.cfg, b.params = cfg, int(total)
	b.tensors = append(b.tensors, buffers...)
	return b, nil
}

// describe names a configuration in an error message.
func describe(cfg Config) string {
	if cfg.Name == "mlp" {
		return fmt.Sprintf("mlp with hidden layers %v", cfg.Hidden)
	}
	return cfg.Name
}

// LeNetPad is the background LeNet-5 adds round its input: MNIST's 28×28
// digits become the 32×32 images LeCun et al. fed it, so that strokes
// reach the centre of C3's receptive fields.
const LeNetPad = 2

// LeNet5 builds LeNet-5 in its modern rendition (LeCun et al., 1998, with
// full C3 connections, parameter-free subsampling and a linear output for
// softmax cross-entropy) for 1×32×32 inputs:
//
//	C1  six 5×5 convolutions            → 6×28×28   156 parameters
//	S2  2×2 average pooling, stride 2   → 6×14×14
//	C3  sixteen 5×5 convolutions        → 16×10×10  2,416
//	S4  2×2 average pooling, stride 2   → 16×5×5
//	C5  120 5×5 convolutions            → 120×1×1   48,120
//	F6  fully connected                 → 84        10,164
//	output fully connected              → 10        850
//
// with act after C1, C3, C5 and F6: 61,706 parameters in all for one
// channel of 32×32 and ten classes. Other sizes and channels change C1's
// inputs and C5's output size (and so F6's inputs). With
// maxPool the subsampling layers keep each window's maximum instead (the
// ReLU/max-pooling variant). Parameter names match a PyTorch module with
// attributes c1, c3, c5, f6 and output.
func LeNet5(rng *rand.Rand, channels, height, width, classes int, act nn.Module, maxPool bool) *nn.Sequential {
	var pool nn.Module = nn.AvgPool2D{K: 2, Stride: 2}
	if maxPool {
		pool = nn.MaxPool2D{K: 2, Stride: 2}
	}
	return nn.NewSequential(
		nn.Named{Name: "c1", Module: nn.NewConv2D(rng, channels, 6, 5, 1, 0)},
		nn.Named{Name: "c1_act", Module: act},
		nn.Named{Name: "s2", Module: pool},
		nn.Named{Name: "c3", Module: nn.NewConv2D(rng, 6, 16, 5, 1, 0)},
		nn.Named{Name: "c3_act", Module: act},
		nn.Named{Name: "s4", Module: pool},
		nn.Named{Name: "c5", Module: nn.NewConv2D(rng, 16, 120, 5, 1, 0)},
		nn.Named{Name: "c5_act", Module: act},
		nn.Named{Name: "flatten", Module: nn.Flatten{}},
		nn.Named{Name: "f6", Module: nn.NewLinear(rng, 120*c5Size(height)*c5Size(width), 84)},
		nn.Named{Name: "f6_act", Module: act},
		nn.Named{Name: "output", Module: nn.NewLinear(rng, 84, classes)},
	)
}

// c5Size returns the side of C5's output for an input side n: two 5×5
// convolutions and two 2×2 subsamplings before C5's own 5×5.
func c5Size(n int) int { return ((n-4)/2-4)/2 - 4 }

// MLP builds a multilayer perceptron: Linear layers of the given hidden
// sizes, each followed by act, then a linear output layer. Layers are
// named fc1, fc2, … and output.
func MLP(rng *rand.Rand, in int, hidden []int, out int, act nn.Module) *nn.Sequential {
	var layers []nn.Named
	prev := in
	for i, h := range hidden {
		name := "fc" + strconv.Itoa(i+1)
		layers = append(layers, nn.Named{Name: name, Module: nn.NewLinear(rng, prev, h)}, nn.Named{Name: name + "_act", Module: act})
		prev = h
	}
	layers = append(layers, nn.Named{Name: "output", Module: nn.NewLinear(rng, prev, out)})
	return nn.NewSequential(layers...)
}

// SoftmaxRegression builds multinomial logistic regression: one Linear
// layer whose outputs are the classes' logits (the softmax lives in the
// cross-entropy loss).
func SoftmaxRegression(rng *rand.Rand, in, classes int) *nn.Sequential {
	return nn.NewSequential(nn.Named{Name: "output", Module: nn.NewLinear(rng, in, classes)})
}

// ParseHidden parses a comma-separated list of layer sizes such as
// "256,128".
func ParseHidden(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("hidden sizes must be positive integers separated by commas, got %q", s)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no hidden sizes in %q", s)
	}
	return slices.Clip(out), nil
}

// ForMNIST builds the model described by cfg for MNIST's digits: New with
// the preparation and classes of the MNIST data set.
func ForMNIST(rng *rand.Rand, cfg Config) (*Model, error) {
	return New(rng, cfg, mnist.DigitPrep(), mnist.Classes)
}
