package nn

import (
	"fmt"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Residual adds a module's output to its input: y = Body(x) + x (He et
// al., 2015). The body learns only the difference from the identity, and
// the gradient reaches x undiminished through the sum, which is what lets
// very deep networks train.
//
// The two terms must have the same shape. When the body changes the
// number of channels or the resolution, Shortcut projects x to match —
// in ResNet a 1×1 convolution with the body's stride followed by batch
// normalisation — and y = Body(x) + Shortcut(x). A nil Shortcut is the
// identity.
//
// Its children are "body" and, if present, "shortcut", so its parameters
// are named body.… and shortcut.…; a block that must match other names
// (torchvision's conv1, bn1, downsample) is a container of its own, as
// the package documentation shows.
type Residual struct {
	Body     Module
	Shortcut Module // nil for the identity
}

// NewResidual returns Body(x) + Shortcut(x), or Body(x) + x with a nil
// shortcut, and names the parameters' values by their paths.
func NewResidual(body, shortcut Module) *Residual {
	if body == nil {
		panic("nn: Residual needs a body")
	}
	r := &Residual{Body: body, Shortcut: shortcut}
	nameValues(r)
	return r
}

// Forward returns Body(x) + Shortcut(x). It panics if the two shapes
// differ.
func (r *Residual) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	y := Call(g, "body", r.Body, x)
	s := x
	if r.Shortcut != nil {
		s = Call(g, "shortcut", r.Shortcut, x)
	}
	if !tensor.EqualShapes(y.Shape(), s.Shape()) {
		if r.Shortcut == nil {
			panic(fmt.Sprintf("nn: Residual: the body maps %v to %v, so the identity shortcut cannot be added; give it a projection shortcut", x.Shape(), y.Shape()))
		}
		panic(fmt.Sprintf("nn: Residual: the body gives %v but the shortcut %v for input %v", y.Shape(), s.Shape(), x.Shape()))
	}
	out := g.Add(y, s)
	if releases(g) {
		releaseUnlessShared(g, y, x, out)
		if s != x {
			releaseUnlessShared(g, s, x, out)
		}
	}
	return out
}

// Children returns the body and, if there is one, the shortcut.
func (r *Residual) Children() []Named {
	c := []Named{{Name: "body", Module: r.Body}}
	if r.Shortcut != nil {
		c = append(c, Named{Name: "shortcut", Module: r.Shortcut})
	}
	return c
}

// Params lists the body's and the shortcut's parameters with dotted
// names.
func (r *Residual) Params() []Param { return Params(r) }

// String describes the block.
func (r *Residual) String() string {
	if r.Shortcut == nil {
		return fmt.Sprintf("Residual(body: %v)", r.Body)
	}
	return fmt.Sprintf("Residual(body: %v, shortcut: %v)", r.Body, r.Shortcut)
}
