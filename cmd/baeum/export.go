package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/baeum-ml/baeum/internal/atomicfile"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/onnx"
	"github.com/baeum-ml/baeum/tensor"
)

func newExportCmd() *cobra.Command {
	var model, out string
	var opset int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "export --model CHECKPOINT|FILE --out model.onnx",
		Short: "Write a model as ONNX, for ONNX Runtime, PyTorch and other runtimes",
		Long: `Write a model as an ONNX file that ONNX Runtime, PyTorch and other runtimes run:
a checkpoint written by baeum train (or an imported .onnx file, after
fine-tuning), or — with untrained weights drawn from --seed, for MNIST's
28×28 grey images — a built-in architecture or a model file (YAML or JSON).

The batch dimension is dynamic. Batch normalisation is written in its
inference form and dropout is left out. A character language model
(charlm) reads int64 token ids (N, T), T dynamic too, and gives the
logits of every step's next token (baeum runs such a file only through
its checkpoint: its ONNX importer takes float32 inputs). The model's
preprocessing record (image size, normalisation, padding) and class
names go into the file's metadata_props, so that baeum reads the file
back prepared as it was trained; other runtimes are fed the prepared
tensor (see docs/onnx.md).

  baeum export --model runs/lenet5.safetensors --out lenet5.onnx
  baeum export --model examples/models/cnn.yaml --out cnn.onnx --opset 13`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out: name the .onnx file to write")
			}
			if opset != 0 && (opset < onnx.MinExportOpset || opset > onnx.MaxExportOpset) {
				return fmt.Errorf("--opset %d: want %d to %d", opset, onnx.MinExportOpset, onnx.MaxExportOpset)
			}
			if err := atomicfile.Check(out); err != nil {
				return fmt.Errorf("--out: cannot write %s: %w", out, err)
			}
			var m *models.Model
			var err error
			untrained := false
			d, ferr := readModelFlag(model)
			switch {
			case ferr != nil:
				return ferr
			case d != nil:
				m, err = models.ForMNIST(tensor.NewRNG(seed), models.Config{Name: models.FileModelName(d), File: d})
				untrained = true
			case models.IsBuiltin(model):
				if m, _, err = loadModelFlag(model, nil); err != nil {
					m, err = models.ForMNIST(tensor.NewRNG(seed), models.Config{Name: model})
					untrained = true
				}
			default:
				m, _, err = loadModelFlag(model, nil)
			}
			if err != nil {
				return fmt.Errorf("--model: %w", err)
			}
			o := onnx.Options{Opset: opset, Metadata: models.ONNXMetadata(m)}
			if m.Prep.Inputs[0].Text != nil {
				// Token ids (N, T), every sequence as long as the caller's.
				o.InputType, o.DimNames = tensor.Int64, []string{"T"}
			}
			b, err := onnx.Marshal(m.Module, m.InputShape(), o)
			if err != nil {
				return fmt.Errorf("--model %s: %w", model, err)
			}
			if err := atomicfile.Write(out, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			w := cmd.OutOrStdout()
			if untrained {
				fmt.Fprintf(w, "note: %s has no trained weights; exported untrained weights drawn with seed %d\n", model, seed)
			}
			if o.InputType == tensor.Int64 {
				fmt.Fprintf(w, "wrote %s: %s, input int64 token ids (N, T), %d bytes\n", out, m, len(b))
			} else {
				fmt.Fprintf(w, "wrote %s: %s, input %v per example, %d bytes\n", out, m, m.InputShape(), len(b))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "a checkpoint, an .onnx file, a built-in architecture ("+strings.Join(models.Names, ", ")+") or a model file")
	f.StringVar(&out, "out", "", "the ONNX file to write")
	f.IntVar(&opset, "opset", 0, fmt.Sprintf("ONNX opset, %d to %d (default %d)", onnx.MinExportOpset, onnx.MaxExportOpset, onnx.DefaultExportOpset))
	f.Uint64Var(&seed, "seed", 1, "seed of the untrained weights of an architecture without a checkpoint")
	return cmd
}

// onnxInputFlags say how a foreign .onnx model (one without baeum's
// preprocessing record) is fed.
type onnxInputFlags struct {
	mean, std, classes string
	pad                int
}

func (o *onnxInputFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.mean, "input-mean", "", "for an .onnx model exported by another framework: per-channel means to subtract from pixels scaled to [0, 1], e.g. 0.1307")
	f.StringVar(&o.std, "input-std", "", "for an .onnx model from elsewhere: per-channel standard deviations to divide by, e.g. 0.3081")
	f.IntVar(&o.pad, "input-pad", 0, "for an .onnx model from elsewhere: zeros around each picture to reach the model's input size")
	f.StringVar(&o.classes, "input-classes", "", "for an .onnx model from elsewhere: comma-separated names of its outputs (default 0, 1, …)")
}

// input parses the flags; nil flags give the defaults.
func (o *onnxInputFlags) input() (models.ONNXInput, error) {
	var in models.ONNXInput
	if o == nil {
		return in, nil
	}
	list := func(name, s string) ([]float64, error) {
		if s == "" {
			return nil, nil
		}
		var out []float64
		for _, f := range strings.Split(s, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil, fmt.Errorf("--%s %q: %v", name, s, err)
			}
			out = append(out, v)
		}
		return out, nil
	}
	var err error
	if in.Mean, err = list("input-mean", o.mean); err != nil {
		return in, err
	}
	if in.Std, err = list("input-std", o.std); err != nil {
		return in, err
	}
	if o.pad < 0 || o.pad > 256 {
		return in, fmt.Errorf("--input-pad %d: want 0 to 256", o.pad)
	}
	in.Pad = o.pad
	if o.classes != "" {
		for _, c := range strings.Split(o.classes, ",") {
			in.Classes = append(in.Classes, strings.TrimSpace(c))
		}
	}
	return in, nil
}
