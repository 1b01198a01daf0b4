package nn

import (
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// keepInput is a module that remembers the value it was given, to see
// whether a container released it.
type keepInput struct{ got *autograd.Value }

func (k *keepInput) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	k.got = x
	return g.ReLU(x)
}
func (*keepInput) Params() []Param { return nil }

// TestReleaseIntermediates checks that, in an inference graph with
// ReleaseIntermediates, a Sequential and a Residual give the same output
// as without and give back the memory of the values they are done with,
// but not of their input, nor of a value whose memory a later value
// shares (Flatten's view, Dropout's identity), and that nothing is
// released without the flag or in a graph that tracks gradients.
func TestReleaseIntermediates(t *testing.T) {
	rng := tensor.NewRNG(1)
	probe1, probe2, probe3 := &keepInput{}, &keepInput{}, &keepInput{}
	model := Sequence(
		NewConv2D(rng, 2, 4, 3, 1, 1),
		probe1, // reads the convolution's output
		Dropout{P: 0.5},
		NewResidual(Sequence(NewConv2D(rng, 4, 4, 3, 1, 1), ReLU{}), nil),
		probe2, // reads the residual's output
		Flatten{},
		probe3, // reads Flatten's view of probe2's ReLU
		NewLinear(rng, 4*5*5, 3),
	)
	x := tensor.RandNormal(rng, tensor.Float32, 0, 1, 2, 2, 5, 5)
	run := func(g *autograd.Graph) *tensor.Tensor {
		return model.Forward(g, g.Input(x)).Data().Clone()
	}
	want := run(autograd.NewInferenceGraph())
	if probe1.got.Data() == nil {
		t.Fatal("released without ReleaseIntermediates")
	}
	g := autograd.NewInferenceGraph()
	g.ReleaseIntermediates = true
	in := g.Input(x)
	got := model.Forward(g, in)
	near(t, "output with ReleaseIntermediates", got.Data(), want, 0)
	if in.Data() == nil {
		t.Error("the Sequential released its input")
	}
	if probe1.got.Data() != nil {
		t.Error("the convolution's output was not released once the next layers had run")
	}
	if probe3.got.Data() == nil {
		t.Error("Flatten's view was released")
	}
	// A second pass on the same graph, after Reset, gives the same.
	g.Reset()
	near(t, "second pass", model.Forward(g, g.Input(x)).Data(), want, 0)

	train := autograd.NewGraph()
	train.ReleaseIntermediates = true
	model.Forward(train, train.Input(x))
	if probe1.got.Data() == nil {
		t.Error("released in a graph that tracks gradients")
	}
}
