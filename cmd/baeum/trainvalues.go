package main

import (
	"fmt"
	"strings"

	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
)

// Names on the command line become values here, and only here: the
// trainer takes an optimizer and a policy, not their names.

// defaultLR returns the conventional learning rate for an optimizer: 0.05
// for the SGD family, 0.01 for AdaGrad and 0.001 for RMSProp, Adam and
// AdamW.
func defaultLR(optimizer string) float64 {
	switch strings.ToLower(optimizer) {
	case "sgd", "momentum", "nesterov":
		return 0.05
	case "adagrad":
		return 0.01
	}
	return 0.001
}

// newOptimizer builds the optimizer --optimizer names over the model's
// parameters, at rate lr (0: defaultLR). AdamW decays the weights only:
// its biases and normalisation parameters form a second group without
// weight decay, as is usual.
func newOptimizer(name string, m nn.Module, lr float64) (optim.Optimizer, error) {
	if lr == 0 {
		lr = defaultLR(name)
	}
	if strings.ToLower(name) != "adamw" {
		return optim.New(name, m.Params(), lr)
	}
	decay, noDecay := optim.SplitDecay(m.Params())
	if len(noDecay) == 0 {
		return optim.New(name, decay, lr)
	}
	d, err := optim.NewAdamW(decay, optim.DefaultAdamW(lr))
	if err != nil {
		return nil, err
	}
	cfg := optim.DefaultAdamW(lr)
	cfg.WeightDecay = 0
	nd, err := optim.NewAdamW(noDecay, cfg)
	if err != nil {
		return nil, err
	}
	return optim.NewGroups(optim.Group{Name: "decay", Opt: d}, optim.Group{Name: "no_decay", Opt: nd})
}

// scheduleNames lists the values of --schedule.
var scheduleNames = []string{"none", "cosine", "step", "onecycle", "plateau"}

// newPolicy builds the schedule --schedule names for a run of steps
// optimizer steps: none keeps the rate; cosine anneals it to 0 over the
// run; step divides it by 0.3 at a third and two thirds of the run;
// onecycle rises to the rate over 30% of the run and anneals to 1/25·10⁴
// of it, cycling the momentum; plateau divides it by 10 after 2 epochs
// without a better validation accuracy.
func newPolicy(name string, opt optim.Optimizer, steps int) (optim.Policy, error) {
	switch strings.ToLower(name) {
	case "none", "constant":
		return nil, nil
	case "cosine":
		return optim.NewScheduler(opt, optim.Cosine{TMax: max(steps, 1)})
	case "step":
		return optim.NewScheduler(opt, optim.StepDecay{StepSize: max(steps/3, 1), Gamma: 0.3})
	case "onecycle":
		cfg := optim.DefaultOneCycle(opt.LR(), max(steps, 1))
		if _, ok := opt.(optim.MomentumSetter); !ok {
			cfg.CycleMomentum = false
		}
		return optim.NewOneCycle(opt, cfg)
	case "plateau":
		cfg := optim.DefaultPlateau()
		cfg.Maximize, cfg.Patience = true, 2
		return optim.NewReduceLROnPlateau(opt, cfg)
	}
	return nil, fmt.Errorf("unknown schedule %q (want %s)", name, strings.Join(scheduleNames, ", "))
}
