package optim_test

import (
	"fmt"
	"log"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// Minimise f(x, y) = x²/20 + y² from (-7, 2), a valley twenty times
// steeper across than along, with plain SGD and with momentum at the same
// learning rate. SGD has long since settled y, the steep coordinate, but
// crawls along x; momentum has built up speed along the valley.
func Example() {
	for _, name := range []string{"sgd", "momentum"} {
		x := autograd.NewParam("x", tensor.FromFloat64([]float64{-7}))
		y := autograd.NewParam("y", tensor.FromFloat64([]float64{2}))
		opt, err := optim.New(name, []nn.Param{{Name: "x", Value: x}, {Name: "y", Value: y}}, 0.1)
		if err != nil {
			log.Fatal(err)
		}
		g := autograd.NewGraph()
		for range 100 {
			g.Reset()
			opt.ZeroGrad()
			f := g.Add(g.MulScalar(g.Square(x), 1.0/20), g.Square(y))
			f.Backward()
			opt.Step()
		}
		fmt.Printf("%-8s after 100 steps: x = %8.5f, y = %8.5f\n", name, x.Data().Item(), y.Data().Item())
	}
	// Output:
	// sgd      after 100 steps: x = -2.56223, y =  0.00000
	// momentum after 100 steps: x =  0.01844, y = -0.00570
}

func ExampleNew() {
	w := autograd.NewParam("w", tensor.New(tensor.Float32, 3))
	params := []nn.Param{{Name: "w", Value: w}}
	opt, err := optim.New("adamw", params, 1e-3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(opt.State().Hyper)
	_, err = optim.New("newton", params, 1e-3)
	fmt.Println(err)
	// Output:
	// map[amsgrad:0 beta1:0.9 beta2:0.999 eps:1e-08 lr:0.001 weight_decay:0.01]
	// optim: unknown optimizer "newton"; valid names are sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw
}

// A linear warm-up over 3 steps, then cosine annealing over 5.
func ExampleNewScheduler() {
	w := autograd.NewParam("w", tensor.New(tensor.Float32, 3))
	opt, err := optim.NewSGD([]nn.Param{{Name: "w", Value: w}}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	if err != nil {
		log.Fatal(err)
	}
	sched, err := optim.NewScheduler(opt, optim.Sequential{
		Schedules:  []optim.Schedule{optim.Linear{StartFactor: 0.25, EndFactor: 1, Iters: 3}, optim.Cosine{TMax: 5}},
		Milestones: []int{3},
	})
	if err != nil {
		log.Fatal(err)
	}
	for range 8 {
		fmt.Printf("%.4f ", opt.LR())
		// forward, backward and opt.Step() go here
		sched.Step()
	}
	fmt.Println()
	// Output:
	// 0.0250 0.0500 0.0750 0.1000 0.0905 0.0655 0.0345 0.0095
}

func ExampleClipGradNorm() {
	w := autograd.NewParam("w", tensor.New(tensor.Float64, 2))
	b := autograd.NewParam("b", tensor.New(tensor.Float64, 1))
	w.SetGrad(tensor.FromFloat64([]float64{3, 0}))
	b.SetGrad(tensor.FromFloat64([]float64{4}))
	norm := optim.ClipGradNorm([]nn.Param{{Name: "w", Value: w}, {Name: "b", Value: b}}, 1)
	fmt.Printf("norm before %.1f, gradients after %.4f %.4f\n", norm, w.Grad().Float64s(), b.Grad().Float64s())
	// Output:
	// norm before 5.0, gradients after [0.6000 0.0000] [0.8000]
}

// An optimizer's state names its buffers after the parameters, as
// PyTorch's state_dict does; loading it into a new optimizer over the same
// parameters continues training exactly where it stopped.
func ExampleState() {
	w := autograd.NewParam("fc.weight", tensor.FromFloat32([]float32{1, 2}))
	params := []nn.Param{{Name: "fc.weight", Value: w}}
	opt, err := optim.NewAdam(params, optim.DefaultAdam(0.01))
	if err != nil {
		log.Fatal(err)
	}
	w.SetGrad(tensor.FromFloat32([]float32{0.5, -0.5}))
	opt.Step()

	st := opt.State()
	fmt.Println(st.Optimizer, st.Steps, st.TensorNames())

	resumed, err := optim.NewAdam(params, optim.DefaultAdam(0.01))
	if err != nil {
		log.Fatal(err)
	}
	if err := resumed.LoadState(st); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resumed.State().Steps)
	// Output:
	// adam map[fc.weight:1] [fc.weight.exp_avg fc.weight.exp_avg_sq]
	// map[fc.weight:1]
}

// Weight decay on the weights but not on the biases, with a one-cycle
// policy that moves the learning rate and Adam's β₁ of both groups
// together.
func ExampleNewGroups() {
	w := autograd.NewParam("fc.weight", tensor.FromFloat64([]float64{0.5, -0.5}))
	b := autograd.NewParam("fc.bias", tensor.FromFloat64([]float64{0.1}))
	params := []nn.Param{{Name: "fc.weight", Value: w, Role: nn.Weight}, {Name: "fc.bias", Value: b, Role: nn.Bias}}

	decay, noDecay := optim.SplitDecay(params)
	wd, err := optim.NewAdamW(decay, optim.DefaultAdamW(1e-3))
	if err != nil {
		log.Fatal(err)
	}
	cfg := optim.DefaultAdamW(1e-3)
	cfg.WeightDecay = 0
	nd, err := optim.NewAdamW(noDecay, cfg)
	if err != nil {
		log.Fatal(err)
	}
	opt, err := optim.NewGroups(optim.Group{Name: "decay", Opt: wd}, optim.Group{Name: "no_decay", Opt: nd})
	if err != nil {
		log.Fatal(err)
	}
	policy, err := optim.NewOneCycle(opt, optim.DefaultOneCycle(0.01, 10))
	if err != nil {
		log.Fatal(err)
	}
	for step := range 10 {
		if step%3 == 0 {
			fmt.Printf("step %d: lr %.6f, beta1 %.4f\n", step, opt.LR(), opt.Momentum())
		}
		// forward and backward go here; a made-up gradient instead:
		w.SetGrad(tensor.FromFloat64([]float64{0.1, -0.2}))
		b.SetGrad(tensor.FromFloat64([]float64{0.3}))
		opt.Step()
		policy.Step()
	}
	st := opt.State()
	fmt.Println("weight decay:", st.Hyper["decay.weight_decay"], st.Hyper["no_decay.weight_decay"])
	// Output:
	// step 0: lr 0.000400, beta1 0.9500
	// step 3: lr 0.009505, beta1 0.8550
	// step 6: lr 0.003887, beta1 0.9111
	// step 9: lr 0.000000, beta1 0.9500
	// weight decay: 0.01 0
}

// Divide the learning rate by ten when the validation loss has not
// improved for two epochs.
func ExampleNewReduceLROnPlateau() {
	w := autograd.NewParam("w", tensor.New(tensor.Float32, 3))
	opt, err := optim.NewSGD([]nn.Param{{Name: "w", Value: w}}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	if err != nil {
		log.Fatal(err)
	}
	cfg := optim.DefaultPlateau()
	cfg.Patience = 2
	policy, err := optim.NewReduceLROnPlateau(opt, cfg)
	if err != nil {
		log.Fatal(err)
	}
	for _, valLoss := range []float64{0.9, 0.7, 0.71, 0.7, 0.72, 0.6, 0.6} {
		// an epoch of training goes here, calling policy.Step() after opt.Step()
		policy.EndEpoch(valLoss)
		fmt.Printf("%.3f ", opt.LR())
	}
	fmt.Println()
	// Output:
	// 0.100 0.100 0.100 0.100 0.010 0.010 0.010
}
