package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/autograd"
)

// ErrNonFinite is wrapped by the error Step returns when the loss is NaN
// or infinite.
var ErrNonFinite = errors.New("loss is not finite")

// Step is one step of gradient descent, the training step every loop of
// baeum runs (the trainer, the experiments, the benchmarks, gradient
// descent for regression): it zeroes the gradients, calls forward to build
// the forward pass and return the loss, checks that the loss is finite,
// backpropagates and updates the parameters. It returns the loss. When
// the loss is NaN or infinite it stops before the backward pass, changes
// no parameter and returns an error wrapping ErrNonFinite.
//
// The gradients stay in the parameters after Step, for loops that read
// them (gradient norms, convergence tests); the graph is the caller's to
// reset once the outputs have been read.
func Step(opt Optimizer, forward func() *autograd.Value) (float64, error) {
	opt.ZeroGrad()
	loss := forward()
	l := loss.Item()
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return l, fmt.Errorf("%w (%v); try a lower learning rate than %g", ErrNonFinite, l, opt.LR())
	}
	loss.Backward()
	opt.Step()
	return l, nil
}
