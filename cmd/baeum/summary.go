package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/models/spec"
)

func newSummaryCmd() *cobra.Command {
	var pf pictureFlags
	var model string
	cmd := &cobra.Command{
		Use:   "summary",
		Short: "Print a model's layers, output shapes and parameter counts, and MLP against CNN",
		Long: `Print the layer table of a model — each layer's output shape for one image and
its number of parameters — then compare an MLP on the flattened image with
LeNet-5: why weight sharing makes the convolutional network four times smaller,
and what a fully connected layer would need to produce C1's 6×28×28 output.
Draws the parameter counts as summary-params.png and .svg.

  baeum summary --model lenet5
  baeum summary --model runs/mlp.safetensors`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := pf.output()
			if err != nil {
				return err
			}
			if spec.IsModelFile(model) {
				return summarizeModelFile(cmd.OutOrStdout(), model)
			}
			if ok, err := summarizeText(cmd.OutOrStdout(), model); ok {
				return err
			}
			if !models.IsBuiltin(model) && !strings.HasSuffix(model, ".safetensors") && !models.IsONNX(model) {
				return fmt.Errorf("--model %q is neither a built-in model (%s) nor a .safetensors checkpoint or .onnx file", model, strings.Join(models.Names, ", "))
			}
			s, err := experiment.Summarize(model)
			if err != nil {
				return fmt.Errorf("--model: %w", err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s\n%s\n", s.Label, s.Summary)
			c, err := experiment.CompareParams()
			if err != nil {
				return err
			}
			fmt.Fprintln(w, c)
			files, err := c.Draw(out)
			printFiles(w, files)
			return err
		},
	}
	pf.add(cmd)
	cmd.Flags().StringVar(&model, "model", "lenet5", "model: "+strings.Join(models.Names, ", ")+", "+strings.Join(models.TextNames, ", ")+", or a checkpoint")
	return cmd
}
