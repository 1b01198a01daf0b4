package main

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/plot"
)

func newGraphCmd() *cobra.Command {
	var pf pictureFlags
	var model, expr, vars string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Draw the computational graph of a training step, forward and backward",
		Long: `Draw the computational graph of one training step of a model: the forward pass
from the images and parameters to the loss L, and the backward pass, in which
backpropagation carries ∂L/∂v from the loss back to every value v and
parameter. Layers are single nodes (convolution, pooling, Linear, activations,
the fused softmax cross-entropy), so LeNet-5's graph stays readable. A
character language model (--model charlm or its checkpoint) reads the word
"graph" and predicts each next character; its LSTM is one node that runs
every step.

Writes graph-<model>.dot (Graphviz's DOT language) and, when Graphviz's dot
program is installed, graph-<model>.png and .svg.

With --expr, draws a small formula instead, with every value and gradient
written in its node:

  baeum graph --expr "y = w*x + b"                (w=2, x=3, b=1 by default)
  baeum graph --expr "L = -log(sigmoid(w*x + b))" --vars w=0.5,x=2,b=-1

Formulas may use + - * / ^, parentheses, numbers, variables and exp, log, sqrt,
abs, square, tanh, sigmoid and relu.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := pf.output()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			var r *experiment.GraphResult
			if expr != "" {
				given, err := experiment.ParseVars(vars)
				if err != nil {
					return fmt.Errorf("--vars: %w", err)
				}
				v := maps.Clone(experiment.DefaultExpressionVars)
				maps.Copy(v, given)
				if r, err = experiment.Expression(expr, v); err != nil {
					return fmt.Errorf("--expr: %w", err)
				}
				var grads []string
				names := make([]string, 0, len(r.Grads))
				for n := range r.Grads {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					grads = append(grads, fmt.Sprintf("∂%s/∂%s = %g", r.OutputName, n, r.Grads[n]))
				}
				fmt.Fprintf(w, "%s = %g; %s\n", r.OutputName, r.Output, strings.Join(grads, ", "))
			} else {
				if !models.IsBuiltin(model) && model != models.CharLMName && !strings.HasSuffix(model, ".safetensors") && !models.IsONNX(model) {
					return fmt.Errorf("--model %q is neither a built-in model (%s, %s) nor a .safetensors checkpoint or .onnx file", model, strings.Join(models.Names, ", "), models.CharLMName)
				}
				if r, err = experiment.StepGraph(model, seed); err != nil {
					return fmt.Errorf("--model: %w", err)
				}
				ops := 0
				for _, n := range r.Graph.Ops() {
					ops += n
				}
				fmt.Fprintf(w, "one training step of %s: %d operations, %d parameters, %d gradients computed by backpropagation; loss %.4f\n",
					model, ops, len(r.Params), r.Graph.Count(plot.NodeGrad), r.Output)
			}
			files, err := r.Draw(cmd.Context(), out)
			printFiles(w, files)
			if errors.Is(err, plot.ErrNoGraphviz) {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %v; or paste %s into an online Graphviz viewer\n", err, files[0])
				return nil
			}
			return err
		},
	}
	pf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&model, "model", "lenet5", "model: "+strings.Join(models.Names, ", ")+", "+models.CharLMName+" (a step on the word \"graph\"), or a checkpoint (its architecture)")
	f.StringVar(&expr, "expr", "", `draw this formula instead of a model, e.g. "y = w*x + b"`)
	f.StringVar(&vars, "vars", "", "values of the formula's variables, e.g. w=2,x=3,b=1")
	f.Uint64Var(&seed, "seed", 1, "seed of the random weights and images")
	return cmd
}
