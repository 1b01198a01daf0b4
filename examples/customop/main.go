// Command customop shows how to extend baeum from outside the library: an
// activation with its own differentiable operation (swish.go), a layer with
// parameters and a fused operation (scaleshift.go) and an optimizer
// (signsgd.go), one file each. It checks the two operations' backward
// passes against central differences with autograd.GradCheck, then trains
// a small network built from all three on two interleaved spirals.
//
//	go run ./examples/customop
package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

func main() {
	if _, err := run(os.Stdout, 600); err != nil {
		fmt.Fprintln(os.Stderr, "customop:", err)
		os.Exit(1)
	}
}

// result is what run measured.
type result struct {
	SwishCheck, ScaleShiftCheck autograd.GradCheckResult
	FirstLoss, LastLoss         float64
	Accuracy                    float64
}

// run checks the gradients, trains for the given number of steps and
// reports to w.
func run(w io.Writer, steps int) (result, error) {
	var res result
	res.SwishCheck, res.ScaleShiftCheck = gradChecks()
	fmt.Fprintf(w, "swish gradient check: %v\n", res.SwishCheck)
	fmt.Fprintf(w, "scale_shift gradient check: %v\n", res.ScaleShiftCheck)

	rng := tensor.NewRNG(1)
	x, labels := spirals(rng, 200)
	model := nn.NewSequential(
		nn.Named{Name: "fc1", Module: nn.NewLinear(rng, 2, 32)},
		nn.Named{Name: "act1", Module: SwishLayer{}},
		nn.Named{Name: "norm", Module: NewScaleShift(32)},
		nn.Named{Name: "fc2", Module: nn.NewLinear(rng, 32, 32)},
		nn.Named{Name: "act2", Module: SwishLayer{}},
		nn.Named{Name: "out", Module: nn.NewLinear(rng, 32, 2)},
	)
	opt, err := NewSignSGD(model.Params(), 0.01)
	if err != nil {
		return res, err
	}
	sched, err := optim.NewScheduler(opt, optim.Cosine{TMax: steps})
	if err != nil {
		return res, err
	}
	g := autograd.NewGraph()
	g.Training = true
	for step := range steps {
		opt.ZeroGrad()
		logits := model.Forward(g, g.Input(x))
		loss := g.CrossEntropy(logits, labels, autograd.ReduceMean)
		loss.Backward()
		opt.Step()
		sched.Step()
		if step == 0 {
			res.FirstLoss = loss.Item()
		}
		res.LastLoss = loss.Item()
		if step == steps-1 {
			preds := tensor.ArgMaxRows(nil, logits.Data())
			correct := 0
			for i, p := range preds {
				if p == labels[i] {
					correct++
				}
			}
			res.Accuracy = float64(correct) / float64(len(labels))
		}
		g.Reset()
	}
	fmt.Fprintf(w, "SignSGD with a cosine schedule, %d steps: loss %.3f → %.3f, training accuracy %.1f%%\n",
		steps, res.FirstLoss, res.LastLoss, 100*res.Accuracy)
	return res, nil
}

// gradChecks compares both operations' backward passes with central
// differences, in float64.
func gradChecks() (swish, scaleShift autograd.GradCheckResult) {
	rng := tensor.NewRNG(7)
	x := autograd.NewParam("x", tensor.RandNormal(rng, tensor.Float64, 0, 2, 3, 4))
	mix := tensor.RandNormal(rng, tensor.Float64, 0, 1, 3, 4) // weights the outputs so that errors cannot cancel
	swish = autograd.GradCheck(func(g *autograd.Graph) *autograd.Value {
		return g.Sum(g.Mul(Swish(g, x), g.Input(mix)))
	}, x)
	ss := NewScaleShift(4)
	nn.Convert(ss, tensor.Float64)
	ss.Gamma.SetData(tensor.RandNormal(rng, tensor.Float64, 1, 0.5, 4))
	ss.Beta.SetData(tensor.RandNormal(rng, tensor.Float64, 0, 0.5, 4))
	scaleShift = autograd.GradCheck(func(g *autograd.Graph) *autograd.Value {
		return g.Sum(g.Mul(ss.Forward(g, x), g.Input(mix)))
	}, x, ss.Gamma, ss.Beta)
	return swish, scaleShift
}

// spirals returns n points of each of two interleaved spirals, with their
// classes: a task no linear model can solve.
func spirals(rng *rand.Rand, n int) (*tensor.Tensor, []int) {
	x := tensor.New(tensor.Float32, 2*n, 2)
	labels := make([]int, 2*n)
	for i := range 2 * n {
		class := i % 2
		r := float64(i/2) / float64(n) * 3
		a := r*2.5 + math.Pi*float64(class)
		x.Set(r*math.Cos(a)+0.05*rng.NormFloat64(), i, 0)
		x.Set(r*math.Sin(a)+0.05*rng.NormFloat64(), i, 1)
		labels[i] = class
	}
	return x, labels
}
