package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/internal/imageio"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/regression"
	"github.com/baeum-ml/baeum/train"
)

func newEvalCmd() *cobra.Command {
	var oin onnxInputFlags
	var model, dataDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval --model CHECKPOINT",
		Short: "Measure a trained model on a test set",
		Long: `Evaluate a checkpoint written by baeum train on a test set (by default MNIST's
10,000 test images; --data names a folder of IDX files in MNIST's layout):
accuracy, the confusion matrix (true classes down the side) and each class's
precision, recall and F1, the classes named as the checkpoint names them.

With more than 20 classes the matrix is left out of the text (--json has it);
the per-class table is always printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, meta, err := loadModelFlag(model, &oin)
			if err != nil {
				return err
			}
			if m.Text() != nil {
				return evalText(cmd.Context(), cmd.OutOrStdout(), m, meta, model, dataDir, asJSON)
			}
			test, what, err := evalTestSet(cmd.Context(), dataDir, model, m)
			if err != nil {
				return err
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
			cm, err := regression.NewConfusionMatrix(truth, preds, classNames(m.Prep.Classes))
			if err != nil {
				return err
			}
			n := test.Len()
			out := cmd.OutOrStdout()
			if asJSON {
				type class struct {
					Class     int      `json:"class"`
					Label     string   `json:"label"`
					Precision *float64 `json:"precision"`
					Recall    *float64 `json:"recall"`
					F1        *float64 `json:"f1"`
					Support   int      `json:"support"`
				}
				res := struct {
					Model     string   `json:"model"`
					Images    int      `json:"images"`
					Accuracy  float64  `json:"accuracy"`
					Loss      float64  `json:"loss"`
					Labels    []string `json:"labels"`
					Confusion [][]int  `json:"confusion"`
					Classes   []class  `json:"classes"`
				}{Model: model, Images: n, Accuracy: cm.Accuracy(), Loss: loss / float64(n), Labels: cm.Classes, Confusion: cm.Counts}
				for k, name := range cm.Classes {
					res.Classes = append(res.Classes, class{k, name, ratio(cm.Precision(k)), ratio(cm.Recall(k)), ratio(cm.F1(k)), sum(cm.Counts[k])})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			errs := n - int(cm.Accuracy()*float64(n)+0.5)
			fmt.Fprintf(out, "%v on %d %s: accuracy %.4f (%d errors), mean loss %.4f\n\n", m, n, what, cm.Accuracy(), errs, loss/float64(n))
			writeClassReport(out, cm)
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "lenet5", "checkpoint file, or a model name whose default checkpoint runs/<name>.safetensors exists")
	cmd.Flags().StringVar(&dataDir, "data", "", "the data set the model was trained on, as train's --data: mnist (default), fashion-mnist, a folder of IDX files, a folder of pictures, or words:FILE for a character language model")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (a precision or recall with nothing to count is null)")
	oin.add(cmd.Flags())
	return cmd
}

// evalTestSet returns the labelled test images eval measures m on,
// prepared by m's record, and what they are, for the report ("MNIST test
// images"). Every label names one of m's classes.
func evalTestSet(ctx context.Context, dataDir, model string, m *models.Model) (data.Dataset, string, error) {
	im := m.Image()
	if im == nil {
		return nil, "", fmt.Errorf("--model %s reads table rows, not images: eval measures image models", model)
	}
	if _, ok := textPath(dataDir); ok {
		return nil, "", fmt.Errorf("--data %s is text; --model %s reads images", dataDir, model)
	}
	if dataDir != "" && !isIDXDir(dataDir) && hasTestIDX(dataDir) {
		// A folder holding only an IDX test split: its labels are the
		// model's classes.
		set, err := mnist.LoadSplit(dataDir, mnist.Test)
		if err != nil {
			return nil, "", err
		}
		test, err := set.DatasetNamed(*im, m.Prep.Classes)
		if err != nil {
			return nil, "", fmt.Errorf("--data %s, for the %d classes of %s: %w", dataDir, len(m.Prep.Classes), model, err)
		}
		if err := checkLabels(test, len(m.Prep.Classes), model); err != nil {
			return nil, "", err
		}
		return test, "test images from " + dataDir, nil
	}
	// The test split of the source train read, as train reads it: an
	// image folder's split depends only on its files' paths, and the
	// checkpoint gives the stored size and the classes.
	resize := im.Resize
	if resize == "digit" || resize == "" {
		resize = "" // the source's own default
	}
	src, err := loadImageSource(ctx, dataDir, sourceOptions{ClassNames: m.Prep.Classes, Height: im.Height, Width: im.Width, Channels: im.Channels, Resize: resize})
	if err != nil {
		return nil, "", err
	}
	// The test images, prepared as the checkpoint's record says.
	test, err := src.Test.WithPrep(*im)
	if err != nil {
		return nil, "", fmt.Errorf("--model: %s was not trained on images like those of %s: %w", model, src.Name, err)
	}
	if err := checkLabels(test, len(m.Prep.Classes), model); err != nil {
		return nil, "", err
	}
	return test, "test images of " + src.Name, nil
}

// hasTestIDX reports whether dir holds an IDX test split (MNIST's file
// names, optionally gzipped).
func hasTestIDX(dir string) bool {
	for _, n := range []string{"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"} {
		for _, ext := range []string{"", ".gz"} {
			if _, err := os.Lstat(filepath.Join(dir, n+ext)); err == nil {
				return true
			}
		}
	}
	return false
}

// checkLabels returns an error when a test label is not one of the
// model's k classes: the model has no output for it.
func checkLabels(ds data.Dataset, k int, model string) error {
	l, ok := ds.(data.Labelled)
	if !ok {
		return nil
	}
	for i := 0; i < ds.Len(); i++ {
		if y := l.Label(i); y < 0 || y >= k {
			return fmt.Errorf("test image %d has label %d, but --model %s knows only %d classes (0–%d): was it trained on this data?", i, y, model, k, k-1)
		}
	}
	return nil
}

// classNames returns the record's class names, an unnamed (empty) class
// called by its index.
func classNames(classes []string) []string {
	out := make([]string, len(classes))
	for k, c := range classes {
		if c == "" {
			c = strconv.Itoa(k)
		}
		out[k] = c
	}
	return out
}

// ratio returns &v, or nil for NaN (a precision of a class never
// predicted, a recall of a class never seen), which JSON cannot hold.
func ratio(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// maxMatrixClasses is the most classes whose confusion matrix eval
// prints as text; a wider one would not fit a terminal.
const maxMatrixClasses = 20

// maxNameWidth bounds the width of a class name in eval's tables; longer
// names are cut with an ellipsis.
const maxNameWidth = 24

// writeClassReport prints cm's confusion matrix (true classes down the
// side, predicted across; only up to maxMatrixClasses classes) and a
// table of each class's precision, recall, F1 and support, its column of
// names as wide as the longest. Short names (up to 6 characters, such as
// digits) head the matrix's columns; longer ones are numbered, and the
// numbers head the columns.
func writeClassReport(w io.Writer, cm *regression.ConfusionMatrix) {
	k := len(cm.Classes)
	names := make([]string, k)
	short := true
	for i, c := range cm.Classes {
		names[i] = cut(c, maxNameWidth)
		short = short && utf8.RuneCountInString(c) <= 6
	}
	if k <= maxMatrixClasses {
		rows := names
		cols := names
		if !short {
			rows, cols = make([]string, k), make([]string, k)
			for i, n := range names {
				rows[i] = fmt.Sprintf("%*d %s", len(strconv.Itoa(k-1)), i, n)
				cols[i] = strconv.Itoa(i)
			}
		}
		const corner = "true \\ predicted"
		rw := utf8.RuneCountInString(corner)
		for _, r := range rows {
			rw = max(rw, utf8.RuneCountInString(r))
		}
		cw := 4
		for i, c := range cols {
			cw = max(cw, utf8.RuneCountInString(c))
			for _, v := range cm.Counts[i] {
				cw = max(cw, len(strconv.Itoa(v)))
			}
		}
		fmt.Fprintf(w, "%-*s", rw, corner)
		for _, c := range cols {
			fmt.Fprintf(w, " %*s", cw, c)
		}
		fmt.Fprintln(w)
		for i, r := range rows {
			fmt.Fprintf(w, "%-*s", rw, r)
			for _, v := range cm.Counts[i] {
				fmt.Fprintf(w, " %*d", cw, v)
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintf(w, "(the confusion matrix of %d classes is not printed: more than %d would not fit; --json has it)\n", k, maxMatrixClasses)
	}
	nw := len("class")
	for _, n := range names {
		nw = max(nw, utf8.RuneCountInString(n))
	}
	fmt.Fprintf(w, "\n%-*s  %9s %9s %9s %8s\n", nw, "class", "precision", "recall", "f1", "support")
	for i, n := range names {
		fmt.Fprintf(w, "%-*s  %9s %9s %9s %8d\n", nw, n, fixed4(cm.Precision(i)), fixed4(cm.Recall(i)), fixed4(cm.F1(i)), sum(cm.Counts[i]))
	}
}

// fixed4 formats a ratio with four decimals, and NaN (nothing to count)
// as "-".
func fixed4(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// cut shortens s to at most n characters, ending it with an ellipsis
// when it was longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}

func newPredictCmd() *cobra.Command {
	var oin onnxInputFlags
	var model, csvPath string
	var asJSON bool
	var top int
	cmd := &cobra.Command{
		Use:   "predict --model CHECKPOINT IMAGE... | --csv FILE",
		Short: "Classify PNG, JPEG or GIF files: handwritten digits, or the classes a model learnt",
		Long: `Classify pictures with a trained model, and print the most probable classes,
by the names the checkpoint gives them, with their probabilities:

  cat.png: cat (91.2%), dog (7.9%), ship (0.9%)

Each picture is prepared as the checkpoint's record says. For a reader of
handwritten digits (such as LeNet-5 on MNIST) an image of any size, dark on
light or light on dark, in colour or grey, is prepared the way MNIST was made —
grey levels, inverted if needed, cropped to the digit, scaled into 20×20
keeping its aspect ratio and centred by its centre of mass in 28×28 — and its
classes are the digits. Other models stretch or fit pictures to their size,
in grey or colour, or take pictures of their size only.

Images are PNG, JPEG or GIF (the first frame), of at most 4 megapixels and 16
MiB; an image is checked before it is decoded (its size, the memory its bit
depth takes, a JPEG's number of scans) and refused, with the limit, if it is
over.

For digit models, a picture that is not plausibly one handwritten digit is
refused when there is nothing to read (blank, too small, too faint) and
otherwise read with a flag that says why it is doubtful (many pieces, a grid
or noise, a blob, unlike MNIST's digits: see docs/security.md).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, meta, err := loadModelFlag(model, &oin)
			if err != nil {
				return err
			}
			if m.Text() != nil {
				return fmt.Errorf("--model %s is a character language model: it classifies nothing; baeum generate --model %s samples words from it", model, model)
			}
			p := infer.New(m)
			p.Meta = meta
			if csvPath != "" || p.Table() != nil {
				if len(args) > 0 {
					return fmt.Errorf("give image files or --csv, not both (%s is a model of %s)", model, map[bool]string{true: "table rows", false: "images"}[p.Table() != nil])
				}
				return predictCSV(cmd, p, csvPath, asJSON)
			}
			if len(args) == 0 {
				return errors.New("give the image files to classify")
			}
			out := cmd.OutOrStdout()
			type result struct {
				File string `json:"file"`
				// Digit is the class's index (for digit readers, the
				// digit), -1 for an image that could not be read.
				Digit         int          `json:"digit"`
				Label         string       `json:"label,omitempty"`
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
				results = append(results, result{File: path, Digit: pred.Digit, Label: pred.Label, Probabilities: pred.Probabilities, Flag: pred.Flag})
				if !asJSON {
					var parts []string
					for _, k := range pred.Top()[:max(1, min(top, len(pred.Probabilities)))] {
						parts = append(parts, fmt.Sprintf("%s (%.1f%%)", p.ClassName(k), 100*pred.Probabilities[k]))
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
	cmd.Flags().IntVar(&top, "top", 3, "how many of the most probable classes to print")
	cmd.Flags().StringVar(&csvPath, "csv", "", "a CSV table to predict, one line per row (for a model trained with --target)")
	oin.add(cmd.Flags())
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
