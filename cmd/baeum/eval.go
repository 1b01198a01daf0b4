package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/internal/imageio"
	"github.com/baeum-ml/baeum/regression"
	"github.com/baeum-ml/baeum/train"
)

func newEvalCmd() *cobra.Command {
	var model, dataDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval --model CHECKPOINT",
		Short: "Measure a trained model on the MNIST test set",
		Long: `Evaluate a checkpoint written by baeum train on MNIST's 10,000 test images:
accuracy, the confusion matrix (true digits down the side) and each digit's
precision and recall.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, _, err := loadModelFlag(model)
			if err != nil {
				return err
			}
			set, err := mnist.LoadSplit(dataDir, mnist.Test)
			if err != nil {
				return err
			}
			// The test images, prepared as the checkpoint's record says.
			test, err := set.Dataset(*m.Image())
			if err != nil {
				return fmt.Errorf("--model: %s was not trained on images like MNIST's: %w", model, err)
			}
			preds, truth, losses := train.Predict(m, test, 500)
			var loss float64
			for i, l := range losses {
				// The loss of finite logits is finite: a NaN or an infinity
				// means the model's output overflowed on this image.
				if math.IsNaN(l) || math.IsInf(l, 0) {
					return fmt.Errorf("--model %s: test image %d: %w (its loss is %v)", model, i, infer.ErrNonFinite, l)
				}
				loss += l
			}
			classes := m.Prep.Classes
			cm, err := regression.NewConfusionMatrix(truth, preds, classes)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type class struct {
					Digit     int     `json:"digit"`
					Precision float64 `json:"precision"`
					Recall    float64 `json:"recall"`
					Support   int     `json:"support"`
				}
				res := struct {
					Model     string  `json:"model"`
					Images    int     `json:"images"`
					Accuracy  float64 `json:"accuracy"`
					Loss      float64 `json:"loss"`
					Confusion [][]int `json:"confusion"`
					Classes   []class `json:"classes"`
				}{Model: model, Images: test.Len(), Accuracy: cm.Accuracy(), Loss: loss / float64(test.Len()), Confusion: cm.Counts}
				for k := range classes {
					res.Classes = append(res.Classes, class{k, cm.Precision(k), cm.Recall(k), sum(cm.Counts[k])})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			fmt.Fprintf(out, "%v on %d MNIST test images: accuracy %.4f (%d errors), mean loss %.4f\n\n", m, test.Len(), cm.Accuracy(), test.Len()-int(cm.Accuracy()*float64(test.Len())+0.5), loss/float64(test.Len()))
			fmt.Fprint(out, cm)
			fmt.Fprintf(out, "\n%-6s %9s %9s %8s\n", "digit", "precision", "recall", "support")
			for k := range classes {
				fmt.Fprintf(out, "%-6d %9.4f %9.4f %8d\n", k, cm.Precision(k), cm.Recall(k), sum(cm.Counts[k]))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "lenet5", "checkpoint file, or a model name whose default checkpoint runs/<name>.safetensors exists")
	cmd.Flags().StringVar(&dataDir, "data", "", "folder with the MNIST idx files")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}

func newPredictCmd() *cobra.Command {
	var model string
	var asJSON bool
	var top int
	cmd := &cobra.Command{
		Use:   "predict --model CHECKPOINT IMAGE...",
		Short: "Read handwritten digits from PNG, JPEG or GIF files",
		Long: `Classify pictures of single handwritten digits. Each image, of any size, dark
on light or light on dark, in colour or grey, is prepared the way MNIST was
made — grey levels, inverted if needed, cropped to the digit, scaled into 20×20
keeping its aspect ratio and centred by its centre of mass in 28×28 — and the
most probable digits are printed with their probabilities.

Images are PNG, JPEG or GIF (the first frame), of at most 4 megapixels and 16
MiB; an image is checked before it is decoded (its size, the memory its bit
depth takes, a JPEG's number of scans) and refused, with the limit, if it is
over.

For digit models, a picture that is not plausibly one handwritten digit is
refused when there is nothing to read (blank, too small, too faint) and
otherwise read with a flag that says why it is doubtful (many pieces, a grid
or noise, a blob, unlike MNIST's digits: see docs/security.md).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, meta, err := loadModelFlag(model)
			if err != nil {
				return err
			}
			p := infer.New(m)
			p.Meta = meta
			out := cmd.OutOrStdout()
			type result struct {
				File          string       `json:"file"`
				Digit         int          `json:"digit"`
				Probabilities []float64    `json:"probabilities"`
				Flag          *digits.Flag `json:"flag,omitempty"`
				Error         string       `json:"error,omitempty"`
			}
			var results []result
			failed := 0
			var firstErr error
			for _, path := range args {
				pred, err := predictFile(cmd.Context(), p, path)
				if errors.Is(err, infer.ErrNonFinite) || errors.Is(err, context.Canceled) {
					// The model, or an interruption, not this image: stop.
					return fmt.Errorf("%s: %w", path, err)
				}
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: %w", path, err)
					}
					results = append(results, result{File: path, Digit: -1, Error: err.Error()})
					if !asJSON {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", path, err)
					}
					continue
				}
				results = append(results, result{File: path, Digit: pred.Digit, Probabilities: pred.Probabilities, Flag: pred.Flag})
				if !asJSON {
					var parts []string
					for _, k := range pred.Top()[:max(1, min(top, 10))] {
						parts = append(parts, fmt.Sprintf("%d (%.1f%%)", k, 100*pred.Probabilities[k]))
					}
					flag := ""
					if pred.Flag != nil {
						flag = " — flagged, not plausibly one digit: " + pred.Flag.Reason
					}
					fmt.Fprintf(out, "%s: %s%s\n", path, strings.Join(parts, ", "), flag)
				}
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d images could not be read (the first: %w)", failed, len(args), firstErr)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "lenet5", "checkpoint file, or a model name whose default checkpoint runs/<name>.safetensors exists")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&top, "top", 3, "how many of the most probable digits to print")
	return cmd
}

// predictFile decodes an image file, within imageio's default limits
// (serve's too, though serve bounds bodies to 1 MiB before that), and
// classifies it.
func predictFile(ctx context.Context, p *infer.Predictor, path string) (infer.Prediction, error) {
	f, err := os.Open(path)
	if err != nil {
		return infer.Prediction{}, err
	}
	defer f.Close()
	img, _, err := imageio.DecodeContext(ctx, f, imageio.Limits{})
	if err != nil {
		return infer.Prediction{}, err
	}
	return p.PredictImage(img)
}
