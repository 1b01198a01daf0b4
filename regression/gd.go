package regression

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// This file is the bridge from statistics to neural networks: the same
// linear and logistic models, fitted not by least squares or Newton's
// method but by gradient descent through baeum's autograd — a Linear layer
// (one output, its bias the intercept) with the mean squared error or the
// binary cross-entropy as the loss. Minimising the mean squared error is
// least squares, and minimising the cross-entropy is maximising the
// Bernoulli likelihood, so both must arrive at the same coefficients as
// FitLinear and FitLogistic; only the route differs.

// GDOptions tune FitGD. Zero values mean defaults.
type GDOptions struct {
	// LR is the learning rate of the full-batch optimizer (default 0.1).
	LR float64
	// MaxSteps bounds the number of full-batch steps (default 20,000).
	MaxSteps int
	// Tol stops when the gradient's largest component is below it
	// (default 1e-10).
	Tol float64
	// Optimizer names the optimizer (default "nesterov": full-batch
	// gradient descent with Nesterov momentum 0.9).
	Optimizer string
}

// GDFit is a model fitted by gradient descent.
type GDFit struct {
	// Names and Coefficients follow the design's columns ("const" first
	// when the design has an intercept).
	Names        []string
	Coefficients []float64
	// Loss is the final mean loss: the mean squared error, or the mean
	// cross-entropy (the negative log-likelihood over n).
	Loss float64
	// Steps is how many full-batch steps ran, and Converged whether the
	// gradient fell below the tolerance.
	Steps     int
	Converged bool
	// History holds the loss every 100 steps, for plotting.
	History []float64
}

// FitGD fits a linear ("linear") or logistic ("logistic") regression to d
// by full-batch gradient descent on a float64 nn.Linear layer, as a
// neural network would be trained. The design's intercept column, if any,
// becomes the layer's bias.
func FitGD(d *Design, model string, opts GDOptions) (*GDFit, error) {
	if opts.LR <= 0 {
		opts.LR = 0.1
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 20000
	}
	if opts.Tol <= 0 {
		opts.Tol = 1e-10
	}
	if opts.Optimizer == "" {
		opts.Optimizer = "nesterov"
	}
	if model != "linear" && model != "logistic" {
		return nil, fmt.Errorf("regression: FitGD model %q (want linear or logistic)", model)
	}
	n, p := d.X.Dims()
	first := 0
	if d.Intercept {
		first = 1
	}
	k := p - first
	x := tensor.New(tensor.Float64, n, k)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			x.Set(d.X.At(i, j+first), i, j)
		}
	}
	y := tensor.FromFloat64(append([]float64(nil), d.Y...), n, 1)
	if model == "logistic" {
		for i, v := range d.Y {
			if v != 0 && v != 1 {
				return nil, fmt.Errorf("regression: logistic response %q must be 0 or 1, observation %d is %v", d.Response, i+1, v)
			}
		}
	}
	layer := nn.NewLinear(tensor.NewRNG(0), max(k, 1), 1)
	nn.Convert(layer, tensor.Float64)
	layer.Weight.Data().Zero()
	layer.Bias.Data().Zero()
	params := []nn.Param{{Name: "bias", Value: layer.Bias}}
	if k > 0 {
		params = append([]nn.Param{{Name: "weight", Value: layer.Weight}}, params...)
	} else {
		x = tensor.New(tensor.Float64, n, 1) // an intercept-only model: a zero input
	}
	if !d.Intercept {
		params = params[:1]
		layer.Bias = nil
	}
	opt, err := optim.New(opts.Optimizer, params, opts.LR)
	if err != nil {
		return nil, err
	}
	g := autograd.NewGraph()
	fit := &GDFit{}
	for step := 1; step <= opts.MaxSteps; step++ {
		// One step of gradient descent; the gradient it leaves in the
		// parameters is the one at the weights before the update.
		l, err := optim.Step(opt, func() *autograd.Value {
			pred := g.Linear(g.Input(x), layer.Weight, layer.Bias)
			if model == "linear" {
				return g.MSELoss(pred, g.Input(y), autograd.ReduceMean)
			}
			return g.BCEWithLogitsLoss(pred, g.Input(y), autograd.ReduceMean)
		})
		g.Reset()
		fit.Loss, fit.Steps = l, step
		if step%100 == 1 {
			fit.History = append(fit.History, fit.Loss)
		}
		if err != nil {
			return nil, fmt.Errorf("regression: gradient descent diverged at step %d (loss %v); lower the learning rate %g or standardise the predictors", step, fit.Loss, opts.LR)
		}
		worst := 0.0 // the gradient's largest component
		for _, pr := range params {
			worst = math.Max(worst, tensor.Norm(pr.Value.Grad(), math.Inf(1)))
		}
		if worst < opts.Tol {
			fit.Converged = true
			break
		}
	}
	fit.Names = append([]string(nil), d.Names...)
	if d.Intercept {
		fit.Coefficients = append(fit.Coefficients, layer.Bias.Data().Item())
	}
	if k > 0 {
		fit.Coefficients = append(fit.Coefficients, layer.Weight.Data().Float64s()...)
	}
	return fit, nil
}
