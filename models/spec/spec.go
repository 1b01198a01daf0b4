// Package spec reads model files: small, human-written descriptions of a
// network's layers and blocks, in YAML or JSON, which baeum builds into
// nn modules and saves inside checkpoints.
//
// A model file lists layers in order. Each layer is a mapping with a type
// and, optionally, a name (its parameters are named after it, as in
// PyTorch: c1.weight); the other keys depend on the type:
//
//	# LeNet-5, as --model lenet5 builds it
//	name: lenet5
//	input: {pad: 2}                  # MNIST's 28×28 become 32×32
//	layers:
//	  - {type: conv, name: c1, out: 6, kernel: 5}
//	  - {type: tanh}
//	  - {type: avgpool, kernel: 2}   # the stride defaults to the window
//	  - ...
//	  - {type: flatten}
//	  - {type: linear, name: output, out: classes}
//
// Layer types:
//
//	conv       out, kernel, stride (1), padding (0, or same or valid),
//	           dilation (1), groups (1), bias (true)
//	linear     out (a number, or "classes": the data's number of
//	           classes), bias (true)
//	avgpool    kernel, stride (the kernel), padding (0), ceil (false),
//	           exclude_pad (false)
//	maxpool    kernel, stride (the kernel), padding (0), ceil (false)
//	adaptiveavgpool size: the output's height and width
//	globalavgpool (none: each channel's mean, C×H×W → C)
//
// kernel, stride, padding, dilation and size are one number for both
// axes of an image, or [height, width].
//
//	batchnorm  (none: 1-D or 2-D from its input)
//	dropout    p, in [0, 1)
//	flatten    (none)
//	relu, tanh, sigmoid, … every activation nn.Activation knows
//	sequential layers: [...]
//	residual   body: [...], shortcut: [...] (optional; the identity)
//	branches   branches: [...] (each one layer, often a sequential),
//	           join: add or concat (along the channels)
//
// Decoding is strict: an unknown key, an unknown type, a value of the
// wrong kind, a key given twice or a YAML anchor is an error that names
// the line and the layer. Sizes are bounded (the Max constants), and
// [Description.Plan] works out every layer's output shape, parameters
// and multiply-adds arithmetically, so that a description of 10¹²
// parameters or of mismatched shapes is refused before anything is
// allocated.
package spec

import (
	"fmt"
	"strings"
)

// The limits a description must keep within. They are checked while it
// is decoded and planned, before any layer is built.
const (
	// MaxFileBytes bounds the size of a model file, checked before it is
	// read.
	MaxFileBytes = 1 << 20
	// MaxLayers bounds the number of layers, counting those inside
	// blocks and the blocks themselves.
	MaxLayers = 1024
	// MaxDepth bounds how deeply blocks nest.
	MaxDepth = 16
	// MaxUnits bounds a linear layer's outputs and a convolution's
	// filters (models.MaxHidden).
	MaxUnits = 1 << 16
	// MaxKernel bounds a window's side, a stride and a padding.
	MaxKernel = 64
	// MaxSize bounds adaptive pooling's output side (the side of the
	// largest image a preprocessing record takes).
	MaxSize = 4096
	// MaxParams bounds the parameters of the whole network
	// (models.MaxParams).
	MaxParams = 100_000_000
	// MaxActivations bounds the numbers in one layer's output for one
	// example: 16 Mi, 64 MB of float32.
	MaxActivations = 1 << 24
	// MaxMultiplyAdds bounds the multiply-adds of a forward pass for one
	// example.
	MaxMultiplyAdds = 50_000_000_000
	// MaxNameLen bounds the length of names.
	MaxNameLen = 64
)

// Pair is a size on the two axes of an image: height, then width.
type Pair [2]int

// Classes is the value of Layer.Out written "classes": as many outputs as
// the data has classes.
const Classes = -1

// Description is a model file: the network's layers, and how its input
// is prepared.
type Description struct {
	// Name labels the model (in summaries and checkpoints).
	Name string
	// Input says how images are prepared for the network.
	Input Input
	// Layers run one after another.
	Layers []Layer
}

// Input says how the images of a data set become the network's input.
type Input struct {
	// Pad adds this many background pixels round each image (LeNet-5's
	// 2).
	Pad int
	// Flatten gives the network each image as one vector, as an MLP
	// wants.
	Flatten bool
}

// Layer is one layer or block of a description. Which fields apply
// depends on Type; the package documentation lists them.
type Layer struct {
	// Type is conv, linear, avgpool, maxpool, batchnorm, dropout,
	// flatten, an activation's name, sequential, residual or branches.
	Type string
	// Name names the layer's module, and so its parameters; "" names it
	// by its index in its list.
	Name string
	// Out is a linear layer's outputs or a convolution's filters, or
	// Classes.
	Out int
	// Kernel is a window's height and width; Stride moves it (zero: the
	// default, 1 for a convolution and the window for pooling); Padding
	// adds zeros on each side; Dilation spaces a convolution's taps (zero:
	// 1). A file writes each as one number for both axes or as [h, w].
	Kernel, Stride, Padding, Dilation Pair
	// PaddingMode is a convolution's padding given as a word: "same" (the
	// output as large as the input, stride 1) or "valid" (none).
	PaddingMode string
	// Groups splits a convolution's channels into independent groups
	// (zero: 1); groups equal to the channels make it depthwise.
	Groups int
	// Ceil rounds pooling's number of windows up (PyTorch's ceil_mode);
	// ExcludePad leaves the padding out of average pooling's divisor
	// (count_include_pad=False).
	Ceil, ExcludePad bool
	// Size is adaptive average pooling's output height and width.
	Size Pair
	// NoBias leaves out a convolution's or linear layer's bias (bias:
	// false), as before a batch normalisation, whose shift replaces it.
	NoBias bool
	// P is dropout's probability of zeroing a number.
	P float64
	// Layers are a sequential block's layers.
	Layers []Layer
	// Body and Shortcut are a residual block's: y = Body(x) + Shortcut(x),
	// with the identity for an empty Shortcut.
	Body, Shortcut []Layer
	// Branches run side by side on the same input, and Join (add or
	// concat) combines their outputs.
	Branches []Layer
	Join     string
	// Line is where the layer starts in its file, for errors; 0 when
	// unknown. It is not saved.
	Line int
}

// Types of layers that are not activations, with the keys each takes
// besides type and name.
var layerKeys = map[string][]string{
	"conv":            {"out", "kernel", "stride", "padding", "dilation", "groups", "bias"},
	"linear":          {"out", "bias"},
	"avgpool":         {"kernel", "stride", "padding", "ceil", "exclude_pad"},
	"maxpool":         {"kernel", "stride", "padding", "ceil"},
	"adaptiveavgpool": {"size"},
	"globalavgpool":   nil,
	"batchnorm":       nil,
	"dropout":         {"p"},
	"flatten":         nil,
	"sequential":      {"layers"},
	"residual":        {"body", "shortcut"},
	"branches":        {"branches", "join"},
}

// typeOrder lists the layer types for error messages.
var typeOrder = []string{"conv", "linear", "avgpool", "maxpool", "adaptiveavgpool", "globalavgpool", "batchnorm", "dropout", "flatten", "sequential", "residual", "branches"}

// Error is an error in a description: where it is and what is wrong.
type Error struct {
	// Line is the line of the file, or 0 when unknown.
	Line int
	// Path names the place: layers[3] "c3" (conv), or input.pad.
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error formats the error as "line 12: layers[3] "c3" (conv): msg".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Count returns the number of layers of the description, blocks and the
// layers inside them included.
func (d *Description) Count() int { return countLayers(d.Layers) }

func countLayers(ls []Layer) int {
	n := 0
	for i := range ls {
		l := &ls[i]
		n += 1 + countLayers(l.Layers) + countLayers(l.Body) + countLayers(l.Shortcut) + countLayers(l.Branches)
	}
	return n
}
