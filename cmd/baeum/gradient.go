package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/plot"
)

// gradientQuickSteps is how many training steps `experiment gradient
// --quick` takes.
const gradientQuickSteps = 20

func newExperimentGradientCmd() *cobra.Command {
	var cfg experiment.GradientConfig
	var quick bool
	var outDir, format string
	cmd := &cobra.Command{
		Use:   "gradient",
		Short: "Compare numerical differentiation with backpropagation",
		Long: `Find the gradient of a small network's loss with respect to each of its
parameters in two ways, and compare them:

  central differences  ∂L/∂w ≈ (L(w + h) − L(w − h)) / 2h, one parameter at a
                       time: 2 forward passes per parameter
  backpropagation      one forward pass and one backward pass through the
                       computational graph, for all the parameters at once

The network is a seeded 4 → --hidden → 3 MLP (sigmoid, or tanh with
--activation) on --examples points of three Gaussian blobs. The first table
lists a few derivatives side by side, the largest differences over all the
parameters and the time each way took. Then two copies of the network train
from the same weights with plain SGD for --steps steps, one with each
gradient: their losses follow the same path, to rounding, but
backpropagation gets there far sooner.

--quick trains for 20 steps instead of 100; the output has the same shape.
With --out-dir, also draws the two loss curves (gradient-training.png, .svg)
and writes the losses as CSV.`,
		Example: `  baeum experiment gradient
  baeum experiment gradient --quick
  baeum experiment gradient --hidden 10 --activation tanh --out-dir baeum-plots`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var out experiment.Output
			if outDir != "" {
				formats, err := plot.ParseFormats(format)
				if err != nil {
					return fmt.Errorf("--format: %w", err)
				}
				out = experiment.Output{Dir: outDir, Formats: formats}
			}
			if cfg.Hidden < 1 || cfg.Examples < 3 || cfg.Steps < 1 || !(cfg.LR > 0) {
				return fmt.Errorf("--hidden and --steps must be at least 1, --examples at least 3 and --lr positive")
			}
			if cfg.Activation != "sigmoid" && cfg.Activation != "tanh" {
				return fmt.Errorf("--activation: unknown %q (want %s)", cfg.Activation, strings.Join(experiment.GradientActivations, " or "))
			}
			if quick && !cmd.Flags().Changed("steps") {
				cfg.Steps = gradientQuickSteps
			}
			res, err := experiment.Gradient(cfg)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprint(w, res.Table())
			if outDir == "" {
				return nil
			}
			files, err := res.Draw(out)
			printFiles(w, files)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Hidden, "hidden", 5, "units in the hidden layer")
	f.IntVar(&cfg.Examples, "examples", 60, "training examples (three blobs in 4 dimensions)")
	f.IntVar(&cfg.Steps, "steps", 100, "SGD steps of each training run")
	f.Float64Var(&cfg.LR, "lr", 0.5, "learning rate of SGD")
	f.StringVar(&cfg.Activation, "activation", "sigmoid", "hidden layer's nonlinearity: "+strings.Join(experiment.GradientActivations, " or "))
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the data and the initial weights")
	f.BoolVar(&quick, "quick", false, "train for 20 steps instead of 100 (same output shape)")
	f.StringVar(&outDir, "out-dir", "", "also draw the loss curves into this folder (created if needed)")
	f.StringVar(&format, "format", "png,svg", "picture formats: png, svg or both")
	return cmd
}
