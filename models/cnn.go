package models

import (
	"math/rand/v2"
	"strconv"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/nn"
)

// CNNDropout is the probability with which the CNN's dropout layer,
// before its dense layer, zeroes each feature in training.
const CNNDropout = 0.25

// CNN builds a modern small convolutional network (VGG-style blocks of
// 3×3 convolutions with batch normalisation) for images of the given
// channels and size. For one channel of 28×28 and ten classes:
//
//	conv1   32 3×3 convolutions, pad 1, no bias  → 32×28×28   288 parameters
//	bn1     batch normalisation                   → 32×28×28   64 (+ buffers)
//	relu1   ReLU
//	conv2   32 3×3 convolutions, pad 1, no bias  → 32×28×28   9,216
//	bn2, relu2                                                 64
//	pool1   2×2 max pooling, stride 2             → 32×14×14
//	conv3   64 3×3 convolutions, pad 1, no bias  → 64×14×14   18,432
//	bn3, relu3                                                 128
//	conv4   64 3×3 convolutions, pad 1, no bias  → 64×14×14   36,864
//	bn4, relu4                                                 128
//	pool2   2×2 max pooling, stride 2             → 64×7×7
//	flatten                                       → 3136
//	dropout p = CNNDropout (training only)
//	fc      fully connected, then ReLU (fc_act)   → 256        803,072
//	output  fully connected                       → 10         2,570
//
// 870,826 parameters in all and 19,094,528 multiply-adds per image. The
// convolutions have no bias: the batch normalisation after each one
// shifts by a learned β instead. Other sizes change fc's inputs to
// 64·⌊H/4⌋·⌊W/4⌋; images need at least 4×4. Parameter and buffer names
// match a PyTorch module with attributes conv1…conv4, bn1…bn4, fc and
// output (bench/torch_bench.py's CNN).
func CNN(rng *rand.Rand, channels, height, width, classes int) *nn.Sequential {
	var layers []nn.Named
	add := func(name string, m nn.Module) { layers = append(layers, nn.Named{Name: name, Module: m}) }
	prev := channels
	for i, c := range cnnChannels {
		n := strconv.Itoa(i + 1)
		add("conv"+n, conv3x3(rng, prev, c, 1))
		add("bn"+n, nn.NewBatchNorm2d(c))
		add("relu"+n, nn.ReLU{})
		if i%2 == 1 {
			add("pool"+strconv.Itoa(i/2+1), nn.MaxPool2D{K: 2, Stride: 2})
		}
		prev = c
	}
	add("flatten", nn.Flatten{})
	add("dropout", nn.Dropout{P: CNNDropout})
	add("fc", nn.NewLinear(rng, cnnFeatures(height, width), cnnDense))
	add("fc_act", nn.ReLU{})
	add("output", nn.NewLinear(rng, cnnDense, classes))
	return nn.NewSequential(layers...)
}

// The CNN's convolutions' channels, a pooling after every second one,
// and its dense layer's size.
var cnnChannels = []int{32, 32, 64, 64}

const cnnDense = 256

// cnnFeatures returns the number of inputs of the CNN's dense layer for
// images of height×width: 64 channels after two 2×2 poolings.
func cnnFeatures(height, width int) int { return 64 * (height / 4) * (width / 4) }

// ResNet builds a small residual network (He et al., 2015, in the
// CIFAR-style layout of their section 4.2, with projection shortcuts)
// for images of the given channels and any size. For one channel of
// 28×28 and ten classes:
//
//	conv1   16 3×3 convolutions, pad 1, no bias    → 16×28×28  144 parameters
//	bn1, relu1                                                 32 (+ buffers)
//	layer1  two basic blocks, 16 channels            → 16×28×28  9,344
//	layer2  two basic blocks, 32 channels, stride 2  → 32×14×14  33,088
//	layer3  two basic blocks, 64 channels, stride 2  → 64×7×7    131,712
//	pool    global average pooling                   → 64
//	fc      fully connected                          → 10        650
//
// 174,970 parameters in all and 20,183,936 multiply-adds per image. A
// basic block is ReLU(body(x) + shortcut(x)), an nn.Residual followed by
// a ReLU, whose body is
//
//	conv1  3×3 convolution, pad 1, the block's stride, no bias
//	bn1, relu
//	conv2  3×3 convolution, pad 1, no bias
//	bn2
//
// and whose shortcut is the identity, or, for the first block of layer2
// and layer3 (more channels, stride 2), a 1×1 convolution with stride 2
// and no bias followed by batch normalisation (children "0" and "1").
// Parameter and buffer names match a PyTorch module with attributes
// conv1, bn1, layer1…layer3 (each an nn.Sequential of two blocks with
// attributes body and, where there is one, shortcut) and fc
// (bench/torch_bench.py's ResNet): layer2.0.body.conv1.weight,
// layer2.0.shortcut.1.running_mean, and so on.
func ResNet(rng *rand.Rand, channels, classes int) *nn.Sequential {
	layers := []nn.Named{
		{Name: "conv1", Module: conv3x3(rng, channels, 16, 1)},
		{Name: "bn1", Module: nn.NewBatchNorm2d(16)},
		{Name: "relu1", Module: nn.ReLU{}},
	}
	prev := 16
	for i, c := range resnetChannels {
		stride := 1
		if i > 0 {
			stride = 2
		}
		var blocks []nn.Named
		for j := range resnetBlocks {
			s := stride
			if j > 0 {
				s = 1
			}
			n := strconv.Itoa(j)
			blocks = append(blocks, nn.Named{Name: n, Module: basicBlock(rng, prev, c, s)}, nn.Named{Name: "relu" + n, Module: nn.ReLU{}})
			prev = c
		}
		layers = append(layers, nn.Named{Name: "layer" + strconv.Itoa(i+1), Module: nn.NewSequential(blocks...)})
	}
	layers = append(layers,
		nn.Named{Name: "pool", Module: nn.GlobalAvgPool{}},
		nn.Named{Name: "fc", Module: nn.NewLinear(rng, prev, classes)})
	return nn.NewSequential(layers...)
}

// The ResNet's stages' channels (stride 2 between them) and the number of
// basic blocks in each.
var resnetChannels = []int{16, 32, 64}

const resnetBlocks = 2

// basicBlock returns the residual part of a basic block, body(x) +
// shortcut(x); the ReLU after the sum follows it in its stage.
func basicBlock(rng *rand.Rand, in, out, stride int) *nn.Residual {
	body := nn.NewSequential(
		nn.Named{Name: "conv1", Module: conv3x3(rng, in, out, stride)},
		nn.Named{Name: "bn1", Module: nn.NewBatchNorm2d(out)},
		nn.Named{Name: "relu", Module: nn.ReLU{}},
		nn.Named{Name: "conv2", Module: conv3x3(rng, out, out, 1)},
		nn.Named{Name: "bn2", Module: nn.NewBatchNorm2d(out)},
	)
	var shortcut nn.Module
	if in != out || stride != 1 {
		c := nn.NewConv2D(rng, in, out, 1, stride, 0)
		c.Bias = nil
		shortcut = nn.Sequence(c, nn.NewBatchNorm2d(out))
	}
	return nn.NewResidual(body, shortcut)
}

// conv3x3 returns a 3×3 convolution with padding 1 and no bias, the
// batch-normalised networks' convolution.
func conv3x3(rng *rand.Rand, in, out, stride int) *nn.Conv2D {
	c := nn.NewConv2D(rng, in, out, 3, stride, 1)
	c.Bias = nil
	return c
}

// A stateSpec collects the tensors of a model's state dict, parameters
// and buffers apart, in the order New's modules list them.
type stateSpec struct {
	params, buffers []checkpoint.TensorSpec
}

func (s *stateSpec) param(name string, shape ...int) {
	s.params = append(s.params, checkpoint.TensorSpec{Name: name, Shape: shape})
}

// linear adds a Linear layer's weight and bias.
func (s *stateSpec) linear(name string, in, out int) {
	s.param(name+".weight", out, in)
	s.param(name+".bias", out)
}

// conv adds a convolution's weight, and its bias if it has one.
func (s *stateSpec) conv(name string, in, out, k int, bias bool) {
	s.param(name+".weight", out, in, k, k)
	if bias {
		s.param(name+".bias", out)
	}
}

// bn adds batch normalisation's γ and β and its three buffers.
func (s *stateSpec) bn(name string, c int) {
	s.param(name+".weight", c)
	s.param(name+".bias", c)
	s.buffers = append(s.buffers,
		checkpoint.TensorSpec{Name: name + ".running_mean", Shape: []int{c}},
		checkpoint.TensorSpec{Name: name + ".running_var", Shape: []int{c}},
		checkpoint.TensorSpec{Name: name + ".num_batches_tracked", Shape: []int{}, Int64: true})
}

// cnn adds the tensors of CNN(rng, channels, height, width, classes).
func (s *stateSpec) cnn(channels, height, width, classes int) {
	prev := channels
	for i, c := range cnnChannels {
		n := strconv.Itoa(i + 1)
		s.conv("conv"+n, prev, c, 3, false)
		s.bn("bn"+n, c)
		prev = c
	}
	s.linear("fc", cnnFeatures(height, width), cnnDense)
	s.linear("output", cnnDense, classes)
}

// resnet adds the tensors of ResNet(rng, channels, classes).
func (s *stateSpec) resnet(channels, classes int) {
	s.conv("conv1", channels, 16, 3, false)
	s.bn("bn1", 16)
	prev := 16
	for i, c := range resnetChannels {
		for j := range resnetBlocks {
			p := "layer" + strconv.Itoa(i+1) + "." + strconv.Itoa(j) + "."
			s.conv(p+"body.conv1", prev, c, 3, false)
			s.bn(p+"body.bn1", c)
			s.conv(p+"body.conv2", c, c, 3, false)
			s.bn(p+"body.bn2", c)
			if prev != c || (i > 0 && j == 0) {
				s.conv(p+"shortcut.0", prev, c, 1, false)
				s.bn(p+"shortcut.1", c)
			}
			prev = c
		}
	}
	s.linear("fc", prev, classes)
}
