package nn

import (
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// TestFoldConvBatchNorm: in an inference graph, Sequential runs a
// convolution, batch norm and ReLU as one convolution with the batch norm
// folded in; its output must match the three layers run one by one (a
// graph that tracks gradients does not fold) to float32 rounding, for the
// im2col path, the direct kernel of small images, a window covering the
// whole image, a convolution without bias and a batch norm without ReLU.
func TestFoldConvBatchNorm(t *testing.T) {
	rng := tensor.NewRNG(3)
	bn := func(c int) *BatchNorm {
		b := NewBatchNorm2d(c)
		b.Weight.Data().CopyFrom(tensor.RandNormal(rng, tensor.Float32, 1, 0.3, c))
		b.Bias.Data().CopyFrom(tensor.RandNormal(rng, tensor.Float32, 0, 0.5, c))
		b.State.RunningMean.CopyFrom(tensor.RandNormal(rng, tensor.Float32, 0, 0.5, c))
		v := tensor.RandNormal(rng, tensor.Float32, 0, 1, c)
		for i := range c {
			v.SetFlat(i, 0.2+math.Abs(v.Flat(i)))
		}
		b.State.RunningVar.CopyFrom(v)
		return b
	}
	noBias := NewConv2DWith(rng, Conv2DConfig{InC: 4, OutC: 6, K: 3, Pad: 1, NoBias: true})
	for _, tc := range []struct {
		name  string
		model *Sequential
		input []int
		folds int
	}{
		{"im2col", NewSequential(Named{"c", NewConv2D(rng, 3, 8, 3, 1, 1)}, Named{"bn", bn(8)}, Named{"relu", ReLU{}},
			Named{"c2", noBias}, Named{"bn2", bn(6)}, Named{"flat", Flatten{}}), []int{5, 3, 28, 28}, 2},
		{"direct", NewSequential(Named{"c", NewConv2D(rng, 1, 6, 5, 1, 0)}, Named{"bn", bn(6)}, Named{"relu", ReLU{}}), []int{4, 1, 12, 12}, 1},
		{"whole window", NewSequential(Named{"c", NewConv2D(rng, 2, 7, 5, 1, 0)}, Named{"bn", bn(7)}), []int{3, 2, 5, 5}, 1},
	} {
		if tc.name == "im2col" {
			// The second convolution reads the first's 8 channels.
			tc.model.children[3].Module = NewConv2DWith(rng, Conv2DConfig{InC: 8, OutC: 6, K: 3, Pad: 1, NoBias: true})
		}
		x := tensor.RandNormal(rng, tensor.Float32, 0, 1, tc.input...)
		ref := autograd.NewGraph() // tracks gradients: no folding
		want := tc.model.Forward(ref, ref.Input(x)).Data()
		g := autograd.NewInferenceGraph()
		got := tc.model.Forward(g, g.Input(x)).Data()
		if !got.SameShape(want) {
			t.Fatalf("%s: shape %v, want %v", tc.name, got.Shape(), want.Shape())
		}
		worst := 0.0
		for i := range want.Len() {
			worst = max(worst, math.Abs(got.Flat(i)-want.Flat(i))/(1+math.Abs(want.Flat(i))))
		}
		if worst > 2e-5 {
			t.Errorf("%s: folded output differs by %.3g (relative), want float32 rounding", tc.name, worst)
		}
		folds := 0
		for i := 0; i < len(tc.model.children); i++ {
			if _, n := foldable(g, tc.model.children[i:]); n > 0 {
				folds, i = folds+1, i+n-1
			}
		}
		if folds != tc.folds {
			t.Errorf("%s: %d folded convolutions, want %d", tc.name, folds, tc.folds)
		}
		if _, n := foldable(ref, tc.model.children); n != 0 {
			t.Errorf("%s: a graph that tracks gradients folds", tc.name)
		}
	}
}

// TestFoldMaxPool checks that a max pool after a folded convolution,
// pooled image by image, gives the bits of the same fold with the pool
// run as a layer of its own: the direct kernels (padded 3×3 as in cnn, an
// odd size that pooling floors, 3×3 windows of stride 2), im2col
// (stride 2), float64, and NaN in the input, which max pooling must keep.
func TestFoldMaxPool(t *testing.T) {
	rng := tensor.NewRNG(5)
	bn := func(c int) *BatchNorm {
		b := NewBatchNorm2d(c)
		b.Weight.Data().CopyFrom(tensor.RandNormal(rng, tensor.Float32, 1, 0.3, c))
		b.State.RunningMean.CopyFrom(tensor.RandNormal(rng, tensor.Float32, 0, 0.5, c))
		return b
	}
	for _, tc := range []struct {
		name        string
		in, out     int
		k, stride   int
		pad         int
		pk, pstride int
		size        int
		dtype       tensor.DType
		relu        bool
	}{
		// The first three run the direct kernels on AVX-512.
		{"cnn's 3×3, pad 1", 8, 16, 3, 1, 1, 2, 2, 14, tensor.Float32, true},
		{"odd size, no ReLU", 3, 11, 3, 1, 1, 2, 2, 13, tensor.Float32, false},
		{"3×3 pool of stride 2", 4, 9, 5, 1, 0, 3, 2, 16, tensor.Float32, true},
		{"strided: im2col", 3, 8, 3, 2, 1, 2, 2, 15, tensor.Float32, true},
		{"float64", 3, 8, 3, 1, 1, 2, 2, 10, tensor.Float64, true},
	} {
		layers := []Named{{"c", NewConv2D(rng, tc.in, tc.out, tc.k, tc.stride, tc.pad)}, {"bn", bn(tc.out)}}
		if tc.relu {
			layers = append(layers, Named{"relu", ReLU{}})
		}
		layers = append(layers, Named{"pool", MaxPool2D{K: tc.pk, Stride: tc.pstride}})
		m := NewSequential(layers...)
		if tc.dtype == tensor.Float64 {
			Convert(m, tc.dtype)
		}
		x := tensor.RandNormal(rng, tc.dtype, 0, 1, 3, tc.in, tc.size, tc.size)
		x.SetFlat(5, math.NaN())
		g := autograd.NewInferenceGraph()
		if f, n := foldable(g, m.children); n != len(layers) || f.pool.K != tc.pk {
			t.Fatalf("%s: %d of %d layers fold, pool %v", tc.name, n, len(layers), f.pool)
		}
		got := m.Forward(g, g.Input(x)).Data()
		// The same fold without the pool, then the pool as a layer.
		g2 := autograd.NewInferenceGraph()
		unpooled := NewSequential(layers[:len(layers)-1]...)
		want := MaxPool2D{K: tc.pk, Stride: tc.pstride}.Forward(g2, unpooled.Forward(g2, g2.Input(x))).Data()
		if !got.SameShape(want) || got.DType() != want.DType() {
			t.Fatalf("%s: %v %v, want %v %v", tc.name, got.DType(), got.Shape(), want.DType(), want.Shape())
		}
		if sameBitsNaN(t, tc.name+" against the pool as its own layer", got, want) == 0 {
			t.Errorf("%s: the NaN in the input reached no output", tc.name)
		}
	}
}

// TestFoldLinearReLU checks that an MLP in an inference graph that packs
// its weights (Graph.Packs), where Sequential runs each Linear and the
// ReLU after it as one op (two nodes fewer), gives the bits of the layers
// run one by one, and that it packed each Linear's weights once.
func TestFoldLinearReLU(t *testing.T) {
	rng := tensor.NewRNG(2)
	model := Sequence(Flatten{}, NewLinear(rng, 64, 48), ReLU{}, NewLinear(rng, 48, 32), ReLU{}, NewLinear(rng, 32, 10))
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 37, 1, 8, 8)
	plain := autograd.NewInferenceGraph()
	want := model.Forward(plain, plain.Input(x)).Data()
	g := autograd.NewInferenceGraph()
	g.Packs = autograd.NewWeightPacks()
	for range 2 {
		if got := model.Forward(g, g.Input(x)).Data(); !tensor.Equal(got, want) {
			t.Fatalf("with packed weights and folded ReLUs the output (%v) differs from the layers' one by one (%v)", got.Shape(), want.Shape())
		}
		if g.Len() != plain.Len()-2 {
			t.Fatalf("%d nodes with the folds, %d without: want the two ReLUs folded into their Linear layers", g.Len(), plain.Len())
		}
		g.Reset()
	}
	if n := g.Packs.Len(); n != 3 {
		t.Errorf("%d weight matrices packed, want the 3 Linear layers'", n)
	}
}

// TestFoldLinearReLUTraining checks that Sequential runs each Linear
// and the ReLU after it as one op (linear_relu) in a graph that tracks
// gradients, two nodes fewer, to the bits of the layers run one by one,
// forward and backward; and not in a graph that is Unfused, nor while
// Summarize records the layers, which gives the ReLUs rows of their own.
func TestFoldLinearReLUTraining(t *testing.T) {
	rng := tensor.NewRNG(4)
	model := Sequence(Flatten{}, NewLinear(rng, 64, 48), ReLU{}, NewLinear(rng, 48, 32), ReLU{}, NewLinear(rng, 32, 10))
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 37, 1, 8, 8)
	run := func(fold bool) (int, *tensor.Tensor, []*tensor.Tensor) {
		for _, p := range model.Params() {
			p.Value.ZeroGrad()
		}
		g := autograd.NewGraph()
		g.Training = true
		var y *autograd.Value
		if fold {
			y = model.Forward(g, g.Input(x))
		} else { // the children one by one
			y = g.Input(x)
			for _, c := range model.Children() {
				y = c.Module.Forward(g, y)
			}
		}
		g.Sum(g.Square(y)).Backward()
		var grads []*tensor.Tensor
		for _, p := range model.Params() {
			grads = append(grads, p.Value.Grad().Clone())
		}
		return g.Len(), y.Data().Clone(), grads
	}
	nPlain, want, wantGrads := run(false)
	n, got, grads := run(true)
	if n != nPlain-2 {
		t.Fatalf("%d nodes in training, %d with the layers one by one: want the two ReLUs folded into their Linear layers", n, nPlain)
	}
	if !tensor.Equal(got, want) {
		t.Fatalf("the folded output differs from the layers' one by one")
	}
	for i := range grads {
		if !tensor.Equal(grads[i], wantGrads[i]) {
			t.Fatalf("parameter %d: the folded layers' gradient differs from the layers' one by one", i)
		}
	}
	// A graph that keeps its layers apart (Unfused) runs them one by one.
	g := autograd.NewGraph()
	g.Training, g.Unfused = true, true
	model.Forward(g, g.Input(x))
	if g.Len() != nPlain-2 { // without the loss's Square and Sum
		t.Errorf("%d nodes with Unfused, want the %d of the layers one by one", g.Len(), nPlain-2)
	}
	s := Summarize(model, 2, 1, 8, 8)
	relus := 0
	for _, r := range s.Rows {
		if strings.HasPrefix(r.Layer, "ReLU") {
			relus++
		}
	}
	if relus != 2 {
		t.Errorf("the summary has %d ReLU rows, want 2", relus)
	}
}

// TestFoldConvPool checks that in an inference graph Sequential runs a
// convolution, the ReLU, tanh or sigmoid after it (or none) and the max
// or average pool after that as one op (conv2d_pool), to the bits of the
// layers run one by one, and that it does not fold in a graph that
// tracks gradients or is Unfused, nor a convolution without a pool after
// it: LeNet-5 as the course builds it (tanh, average pooling), and as
// lenet5-relu (ReLU, max pooling), with a NaN in the input.
func TestFoldConvPool(t *testing.T) {
	rng := tensor.NewRNG(6)
	// lenet builds LeNet-5 with act and pool for images whose C5 output
	// is side×side.
	lenet := func(act, pool Module, side int) *Sequential {
		return NewSequential(
			Named{"c1", NewConv2D(rng, 1, 6, 5, 1, 0)}, Named{"a1", act}, Named{"s2", pool},
			Named{"c3", NewConv2D(rng, 6, 16, 5, 1, 0)}, Named{"a3", act}, Named{"s4", pool},
			Named{"c5", NewConv2D(rng, 16, 120, 5, 1, 0)}, Named{"a5", act}, Named{"flat", Flatten{}},
			Named{"out", NewLinear(rng, 120*side*side, 10)})
	}
	for _, tc := range []struct {
		name  string
		model *Sequential
		size  int // of the input images
		fewer int // nodes the folds save: two a fold with an activation, one without
	}{
		{"LeNet-5 (tanh, average)", lenet(Tanh{}, AvgPool2D{K: 2, Stride: 2}, 1), 32, 4},
		{"ReLU, max", lenet(ReLU{}, MaxPool2D{K: 2, Stride: 2}, 1), 32, 4},
		// 40 → 36 → 17 → 13 → 6 → C5 of 2×2
		{"sigmoid, 3×3 max of stride 2", lenet(Sigmoid{}, MaxPool2D{K: 3, Stride: 2}, 2), 40, 4},
		{"no activation", NewSequential(Named{"c", NewConv2D(rng, 1, 4, 3, 1, 1)}, Named{"p", AvgPool2D{K: 2, Stride: 2}}), 32, 1},
		{"no pool", NewSequential(Named{"c", NewConv2D(rng, 1, 4, 3, 1, 1)}, Named{"a", ReLU{}}), 32, 0},
		{"a pool after the activation's successor", NewSequential(Named{"c", NewConv2D(rng, 1, 4, 3, 1, 1)}, Named{"a", ReLU{}}, Named{"b", Tanh{}}, Named{"p", MaxPool2D{K: 2, Stride: 2}}), 32, 0},
	} {
		size := tc.size
		x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 9, 1, size, size)
		x.SetFlat(3*size*size+10*size+12, math.NaN()) // the fourth image
		plain := autograd.NewInferenceGraph()
		plain.Unfused = true
		want := tc.model.Forward(plain, plain.Input(x)).Data()
		g := autograd.NewInferenceGraph()
		got := tc.model.Forward(g, g.Input(x)).Data()
		if !got.SameShape(want) {
			t.Fatalf("%s: shape %v, want %v", tc.name, got.Shape(), want.Shape())
		}
		sameBitsNaN(t, tc.name+" against the layers one by one", got, want)
		per, nan := want.Len()/9, false
		for i := 3 * per; i < 4*per; i++ {
			nan = nan || math.IsNaN(got.Flat(i))
		}
		if !nan {
			t.Errorf("%s: the NaN in the fourth image did not reach its output", tc.name)
		}
		if g.Len() != plain.Len()-tc.fewer {
			t.Errorf("%s: %d nodes folded, %d one by one: want %d fewer", tc.name, g.Len(), plain.Len(), tc.fewer)
		}
		tracked := autograd.NewGraph()
		tc.model.Forward(tracked, tracked.Input(x))
		if tracked.Len() != plain.Len() {
			t.Errorf("%s: %d nodes in a graph that tracks gradients, %d one by one: want no fold", tc.name, tracked.Len(), plain.Len())
		}
	}
}

// sameBitsNaN fails t unless got and want hold the same bits element by
// element, a NaN matching any NaN, and returns how many of got's
// elements are NaN.
func sameBitsNaN(t *testing.T, what string, got, want *tensor.Tensor) int {
	t.Helper()
	nans := 0
	for i := range want.Len() {
		a, b := got.Flat(i), want.Flat(i)
		if a != a {
			nans++
		}
		if math.Float64bits(a) != math.Float64bits(b) && !(a != a && b != b) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, a, b)
		}
	}
	return nans
}
