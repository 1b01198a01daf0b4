package optim

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Optimizer updates parameters from their gradients. Every optimizer in
// this package implements it, and so can any other update rule that wants
// to work with Scheduler and with training code written against it. An
// optimizer is not safe for concurrent use.
//
// A training step is
//
//	opt.ZeroGrad()
//	loss := model(g) // forward pass on a graph
//	loss.Backward()
//	opt.Step()
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient.
	// Parameters whose gradient is nil are skipped, and their own step
	// counts do not advance, as in PyTorch.
	Step()
	// ZeroGrad sets every parameter's gradient to zero.
	ZeroGrad()
	// LR returns the current learning rate.
	LR() float64
	// SetLR changes the learning rate used by the following steps; a
	// Scheduler calls it. It panics if lr is negative or NaN.
	SetLR(lr float64)
	// Params returns the parameters being optimized, in the order given to
	// the constructor. The slice belongs to the optimizer: do not modify it.
	Params() []nn.Param
	// State returns a copy of everything the next step depends on besides
	// the parameters themselves: hyper-parameters, step counts and
	// per-parameter buffers.
	State() State
	// LoadState replaces the optimizer's state with s, which must come
	// from an optimizer of the same kind over parameters with the same
	// names and shapes. On error nothing has changed.
	LoadState(s State) error
}

// names lists the names New accepts, in the order they are documented.
var names = []string{"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}

// Names returns the optimizer names that New accepts.
func Names() []string { return slices.Clone(names) }

// New returns the optimizer called name with learning rate lr and
// PyTorch's default values for every other hyper-parameter. It is meant for
// command-line tools; programs that need other settings call the
// constructor of the optimizer they want. The names are:
//
//	sgd       plain gradient descent: NewSGD(SGDConfig{LR: lr})
//	momentum  SGD with momentum 0.9
//	nesterov  SGD with Nesterov momentum 0.9
//	adagrad   NewAdaGrad(DefaultAdaGrad(lr))
//	rmsprop   NewRMSProp(DefaultRMSProp(lr))
//	adam      NewAdam(DefaultAdam(lr))
//	adamw     NewAdamW(DefaultAdamW(lr)), weight decay 0.01
//
// Names are case-insensitive. New returns an error for an unknown name, a
// bad learning rate or a bad parameter list.
func New(name string, params []nn.Param, lr float64) (Optimizer, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sgd":
		return NewSGD(params, SGDConfig{LR: lr})
	case "momentum":
		return NewSGD(params, SGDConfig{LR: lr, Momentum: 0.9})
	case "nesterov":
		return NewSGD(params, SGDConfig{LR: lr, Momentum: 0.9, Nesterov: true})
	case "adagrad":
		return NewAdaGrad(params, DefaultAdaGrad(lr))
	case "rmsprop":
		return NewRMSProp(params, DefaultRMSProp(lr))
	case "adam":
		return NewAdam(params, DefaultAdam(lr))
	case "adamw":
		return NewAdamW(params, DefaultAdamW(lr))
	}
	return nil, fmt.Errorf("optim: unknown optimizer %q; valid names are %s", name, strings.Join(names, ", "))
}

// core is what every optimizer has: the parameters, how many updates each
// has received, and per-parameter buffers such as Adam's moment estimates,
// which are allocated at a parameter's first update (so that they take its
// dtype) and reused from then on.
type core struct {
	kind   string // the name in State: "sgd", "adagrad", "rmsprop", "adam", "adamw"
	params []nn.Param
	steps  []int
	slots  []string           // buffer names, as in PyTorch's state_dict
	bufs   [][]*tensor.Tensor // bufs[slot][param]; nil until first needed
	index  map[string]int     // parameter name -> position
	lr     float64
}

// newCore checks the parameter list and prepares empty state for it.
func newCore(kind string, params []nn.Param, lr float64, slots ...string) (core, error) {
	if len(params) == 0 {
		return core{}, fmt.Errorf("optim: %s: empty parameter list", kind)
	}
	if err := checkLR(kind, lr); err != nil {
		return core{}, err
	}
	c := core{
		kind:   kind,
		params: slices.Clone(params),
		steps:  make([]int, len(params)),
		slots:  slots,
		bufs:   make([][]*tensor.Tensor, len(slots)),
		index:  make(map[string]int, len(params)),
		lr:     lr,
	}
	seen := make(map[*autograd.Value]string, len(params))
	for i, p := range params {
		switch {
		case p.Value == nil:
			return core{}, fmt.Errorf("optim: %s: parameter %d (%q) has no value", kind, i, p.Name)
		case p.Name == "":
			return core{}, fmt.Errorf("optim: %s: parameter %d has no name; state is saved under parameter names", kind, i)
		}
		if _, dup := c.index[p.Name]; dup {
			return core{}, fmt.Errorf("optim: %s: two parameters are named %q", kind, p.Name)
		}
		if other, dup := seen[p.Value]; dup {
			return core{}, fmt.Errorf("optim: %s: parameters %q and %q are the same value", kind, other, p.Name)
		}
		seen[p.Value] = p.Name
		c.index[p.Name] = i
	}
	for s := range c.bufs {
		c.bufs[s] = make([]*tensor.Tensor, len(params))
	}
	return c, nil
}

func checkLR(kind string, lr float64) error {
	if !(lr >= 0) || math.IsInf(lr, 0) {
		return fmt.Errorf("optim: %s: invalid learning rate %v (want a finite number >= 0)", kind, lr)
	}
	return nil
}

// Params returns the parameters being optimized.
func (c *core) Params() []nn.Param { return c.params }

// ZeroGrad sets every parameter's gradient to zero.
func (c *core) ZeroGrad() {
	for _, p := range c.params {
		p.Value.ZeroGrad()
	}
}

// LR returns the current learning rate.
func (c *core) LR() float64 { return c.lr }

// SetLR changes the learning rate of the following steps.
func (c *core) SetLR(lr float64) {
	if err := checkLR(c.kind, lr); err != nil {
		panic(err.Error())
	}
	c.lr = lr
}

// grad returns parameter i's data and gradient, or nil data when the
// parameter has no gradient and must be skipped this step.
func (c *core) grad(i int) (data, grad *tensor.Tensor) {
	v := c.params[i].Value
	grad = v.Grad()
	if grad == nil {
		return nil, nil
	}
	data = v.Data()
	if grad.DType() != data.DType() || grad.Len() != data.Len() {
		panic(fmt.Sprintf("optim: %s: parameter %q is %v %v but its gradient is %v %v",
			c.kind, c.params[i].Name, data.DType(), data.Shape(), grad.DType(), grad.Shape()))
	}
	return data, grad
}

// buf returns buffer slot s of parameter i, allocating it with the
// parameter's dtype and shape, filled with init, if it does not exist yet.
func (c *core) buf(s, i int, like *tensor.Tensor, init float64) *tensor.Tensor {
	b := c.bufs[s][i]
	if b != nil && b.DType() == like.DType() && b.Len() == like.Len() {
		return b
	}
	if b != nil {
		panic(fmt.Sprintf("optim: %s: parameter %q changed from %v %v to %v %v after the optimizer saw it; make a new optimizer",
			c.kind, c.params[i].Name, b.DType(), b.Shape(), like.DType(), like.Shape()))
	}
	b = tensor.Full(like.DType(), init, like.Shape()...)
	c.bufs[s][i] = b
	return b
}
