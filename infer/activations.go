package infer

import (
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
)

// The kinds of layer whose outputs Activations reports.
const (
	// KindConv is a convolution (nn.Conv2D): its output is feature maps,
	// channels × height × width.
	KindConv = "conv"
	// KindPool is a subsampling layer (nn.AvgPool2D, nn.MaxPool2D): feature
	// maps too, smaller.
	KindPool = "pool"
	// KindDense is a fully connected layer (nn.Linear): a vector.
	KindDense = "dense"
	// KindOther is any other module with a shape of its own output: a
	// layer baeum does not know by type, or a container other than a
	// Sequential (a residual block, branches), reported as a whole.
	KindOther = "other"
)

// LayerActivation is the output of one layer of a network for one input:
// what the layer passes on, after the activation function (or functions)
// that directly follow it, as a course draws a network "thinking".
type LayerActivation struct {
	// Name is the layer's dotted name, as in the model's summary and its
	// parameters' names ("c1", "f6").
	Name string
	// Layer describes the module ("Conv2D(1→6, 5×5)").
	Layer string
	// Kind is KindConv, KindPool, KindDense or KindOther.
	Kind string
	// Activation names the parameter-free, shape-keeping modules that
	// follow the layer and whose output Values holds ("Tanh"), or "" when
	// Values is the layer's own output.
	Activation string
	// Shape is the output's shape for the one input, without the batch
	// dimension: [C, H, W] for feature maps, [N] for a vector.
	Shape []int
	// Values holds the output, row-major, len = the product of Shape.
	Values []float32
}

// Activations runs the model on one stored image px (as PredictPixels
// takes it) and returns the output of each of its layers, in the order
// they run, together with the prediction. It looks into the network
// through its Sequential containers, nested ones included: every child of
// a Sequential is a layer, except reshaping modules (nn.Flatten), which
// are skipped, and modules without parameters that keep their input's
// shape (activation functions, dropout), whose output replaces the
// preceding layer's. Any other module, a Sequential's child or the whole
// network when it is not a Sequential, is reported as one layer of
// KindOther (or of its own kind). A layer whose output holds a NaN or an
// infinity is an error wrapping ErrNonFinite, as a prediction's is.
//
// The prediction is the one PredictPixels gives, flag included: an input
// with nothing to read (for a digit reader) is refused with the
// *digits.Flag as the error, before the network runs.
func (p *Predictor) Activations(px []byte) ([]LayerActivation, Prediction, error) {
	return p.ActivationsPrepared(nil, px)
}

// ActivationsPrepared is Activations for the stored image px prepared
// from the picture src (nil when only px is known), whose prediction is
// PredictPrepared's.
func (p *Predictor) ActivationsPrepared(src image.Image, px []byte) ([]LayerActivation, Prediction, error) {
	pred, err := p.PredictPrepared(src, px)
	if err != nil {
		return nil, pred, err
	}
	x, err := p.Inputs([][]byte{px})
	if err != nil {
		return nil, pred, err
	}
	g := p.graphs.Get().(*autograd.Graph)
	defer func() {
		g.Reset()
		p.graphs.Put(g)
	}()
	w := &walker{g: g}
	w.run("", p.Model.Module, g.Input(x))
	for i := range w.out {
		if err := finiteValues(w.out[i]); err != nil {
			return nil, pred, err
		}
	}
	return w.out, pred, nil
}

// walker runs a network layer by layer and keeps each layer's output.
type walker struct {
	g   *autograd.Graph
	out []LayerActivation
}

// run runs m, named name, on x and returns its output, recording the
// outputs of m's layers (or of m itself).
func (w *walker) run(name string, m nn.Module, x *autograd.Value) *autograd.Value {
	if seq, ok := m.(*nn.Sequential); ok {
		for _, c := range seq.Children() {
			child := c.Name
			if name != "" {
				child = name + "." + c.Name
			}
			if _, nested := c.Module.(*nn.Sequential); nested {
				x = w.run(child, c.Module, x)
				continue
			}
			in := x.Shape()
			x = nn.Call(w.g, c.Name, c.Module, x)
			w.record(child, c.Module, in, x)
		}
		return x
	}
	in := x.Shape()
	y := m.Forward(w.g, x)
	if name == "" {
		name = "model"
	}
	w.record(name, m, in, y)
	return y
}

// record keeps the output y of module m, named name, whose input had the
// shape in.
func (w *walker) record(name string, m nn.Module, in []int, y *autograd.Value) {
	if _, ok := m.(nn.Flatten); ok {
		return
	}
	out := y.Shape()
	if nn.CountParams(m) == 0 && slices.Equal(in, out) && len(w.out) > 0 {
		// An activation (or dropout, a no-op here): it changes the values
		// of the layer before it, not the layer's shape.
		last := &w.out[len(w.out)-1]
		if slices.Equal(last.Shape, out[1:]) {
			if last.Activation != "" {
				last.Activation += ", "
			}
			last.Activation += fmt.Sprint(m)
			last.Values = values(y, last.Values)
			return
		}
	}
	w.out = append(w.out, LayerActivation{
		Name:   name,
		Layer:  fmt.Sprint(m),
		Kind:   kindOf(m),
		Shape:  slices.Clone(out[1:]),
		Values: values(y, nil),
	})
}

// kindOf says what kind of layer m is.
func kindOf(m nn.Module) string {
	switch m.(type) {
	case *nn.Conv2D:
		return KindConv
	case nn.AvgPool2D, *nn.AvgPool2D, nn.MaxPool2D, *nn.MaxPool2D:
		return KindPool
	case *nn.Linear:
		return KindDense
	}
	return KindOther
}

// values copies the output of a batch of one into dst (reused when it has
// the room) as float32.
func values(y *autograd.Value, dst []float32) []float32 {
	t := y.Data()
	n := t.Len()
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = float32(t.Flat(i))
	}
	return dst
}

// finiteValues returns an error wrapping ErrNonFinite when a layer's
// output holds a NaN or an infinity.
func finiteValues(a LayerActivation) error {
	for i, v := range a.Values {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("infer: layer %s: %w: value %d is %v (are the weights too large?)", a.Name, ErrNonFinite, i, v)
		}
	}
	return nil
}
