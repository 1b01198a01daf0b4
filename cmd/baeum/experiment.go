package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/plot"
)

// defaultOutDir is where the picture-writing commands put their files.
const defaultOutDir = "baeum-plots"

// pictureFlags are the flags every picture-writing command has.
type pictureFlags struct {
	outDir, format string
}

func (p *pictureFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.outDir, "out-dir", defaultOutDir, "folder for the pictures (created if needed)")
	cmd.Flags().StringVar(&p.format, "format", "png,svg", "picture formats: png, svg or both")
}

// output checks the flags and returns where to write.
func (p *pictureFlags) output() (experiment.Output, error) {
	formats, err := plot.ParseFormats(p.format)
	if err != nil {
		return experiment.Output{}, fmt.Errorf("--format: %w", err)
	}
	if p.outDir == "" {
		return experiment.Output{}, fmt.Errorf("--out-dir must name a folder")
	}
	return experiment.Output{Dir: p.outDir, Formats: formats}, nil
}

// printFiles lists the files a command wrote.
func printFiles(w io.Writer, files []string) {
	for _, f := range files {
		fmt.Fprintln(w, "wrote", f)
	}
}

func newExperimentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiment",
		Short: "Run the classic comparisons: gradients, optimizers, weight initialization, RNN gradients",
		Long: `Run the experiments of a first deep-learning course and draw what they show,
as PNG and SVG pictures in --out-dir with the numbers beside them as CSV:

  baeum experiment gradient     the gradient of a small network by central
                                differences and by backpropagation, side by
                                side, and training with each
  baeum experiment optimizers   SGD, Momentum, NAG, AdaGrad, RMSProp and Adam on
                                f(x, y) = x²/20 + y², and training the MNIST MLP
  baeum experiment init         activations of a 5-layer network for weight std 1,
                                0.01, Xavier and He under sigmoid, tanh and ReLU,
                                and why constant weights fail
  baeum experiment rnn          the gradient reaching each earlier step of a
                                tanh RNN and an LSTM (vanishing gradients), and
                                gradient clipping against exploding ones

Every experiment uses fixed seeds: the same command draws the same pictures
(gradient draws only with --out-dir).`,
	}
	cmd.AddCommand(newExperimentGradientCmd(), newExperimentOptimizersCmd(), newExperimentInitCmd(), newExperimentRNNCmd())
	requireSubcommand(cmd, "experiment")
	return cmd
}

func newExperimentOptimizersCmd() *cobra.Command {
	var pf pictureFlags
	var quick, skipMNIST bool
	var steps, mnistSteps, batch int
	var seed uint64
	var dataDir string
	cmd := &cobra.Command{
		Use:   "optimizers",
		Short: "Compare SGD, Momentum, NAG, AdaGrad, RMSProp and Adam",
		Long: `Two comparisons of the optimizers, each with the same budget for all:

1. Their paths on the valley f(x, y) = x²/20 + y² from (-7, 2), drawn over its
   contour lines (optimizers-paths.png): --steps steps (default 30) at learning
   rates that show each one's character — SGD zig-zags across the valley,
   Momentum and NAG overshoot along it, AdaGrad and RMSProp head straight down,
   Adam swings a little. The positions are float64 parameters, the gradient
   comes from backpropagation, the updates from package optim.

2. Training the MNIST MLP (784-256-128-10, ReLU) from the same initial weights
   through the same batches for --mnist-steps steps of --batch images (default:
   one epoch of the 60,000 training images), then measuring accuracy on the
   10,000 test images (optimizers-mnist.png, optimizers-mnist.csv).

--quick trains on 1,000 images for 50 steps and tests on 500, for a fast look.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := pf.output()
			if err != nil {
				return err
			}
			if steps <= 0 || mnistSteps < 0 || batch < 0 {
				return fmt.Errorf("--steps must be positive, --mnist-steps and --batch not negative")
			}
			w := cmd.OutOrStdout()
			paths, err := experiment.OptimizerPaths(steps)
			if err != nil {
				return err
			}
			fmt.Fprintln(w, paths.Table())
			files, err := paths.Draw(out)
			printFiles(w, files)
			if err != nil {
				return err
			}
			if skipMNIST {
				return nil
			}
			cfg := experiment.MNISTConfig{Steps: mnistSteps, Batch: batch, Seed: seed, Log: w}
			trainSet, test, err := mnistFlat(dataDir)
			if err != nil {
				return err
			}
			cfg.Train, cfg.Test = trainSet, test
			if quick {
				cfg.Train, cfg.Test = trainSet.Slice(0, 1000), test.Slice(0, 500)
				if batch == 0 {
					cfg.Batch = 20
				}
			}
			fmt.Fprintf(w, "\ntraining the MNIST MLP with each optimizer on %d images...\n", cfg.Train.Len())
			cmp, err := experiment.CompareOptimizers(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(w)
			fmt.Fprintln(w, cmp.Table())
			files, err = cmp.Draw(out)
			printFiles(w, files)
			return err
		},
	}
	pf.add(cmd)
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "train on 1,000 MNIST images for 50 steps (seconds, for a first look and for tests)")
	f.IntVar(&steps, "steps", experiment.DefaultPathSteps, "steps of each optimizer on the valley")
	f.IntVar(&mnistSteps, "mnist-steps", 0, "steps of each optimizer on MNIST (0: one epoch)")
	f.IntVar(&batch, "batch", 0, "MNIST images per step (0: 100, or 20 with --quick)")
	f.Uint64Var(&seed, "seed", 1, "seed of the MLP's initial weights and of the batch order")
	f.StringVar(&dataDir, "data", "", "folder with the MNIST idx files (default: $BAEUM_MNIST_DIR, then the GoMNIST module)")
	f.BoolVar(&skipMNIST, "skip-mnist", false, "draw only the paths on the valley")
	return cmd
}

func newExperimentInitCmd() *cobra.Command {
	var pf pictureFlags
	var quick bool
	var seed uint64
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Show how weight initialization shapes activations, and why constant weights fail",
		Long: `Feed 1,000 examples of 100 standard normal numbers through 5 layers of 100
units (no bias) and draw histograms of every layer's activations, one picture
per nonlinearity (init-sigmoid.png, init-tanh.png, init-relu.png), with a row
per initialization:

  N(0, 1)      too large: sigmoid and tanh saturate at their flat ends, where
               gradients vanish; ReLU activations explode
  N(0, 0.01²)  too small: everything collapses (sigmoid to 0.5, tanh and ReLU
               towards 0)
  Xavier       σ = √(2/(fan_in+fan_out)): a healthy spread for sigmoid and tanh
  He           σ = √(2/fan_in): a steady spread for ReLU

Then train a small 8→6→3 network from constant weights and from random ones
(init-symmetry.png): with constant weights every hidden unit computes the same
thing and gets the same gradient, so they stay identical forever.

--quick uses 200 examples instead of 1,000.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := pf.output()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			cfg := experiment.ActivationConfig{Seed: seed}
			if quick {
				cfg.Examples = 200
			}
			acts, err := experiment.ActivationStats(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(w, acts.Table())
			files, err := acts.Draw(out)
			printFiles(w, files)
			if err != nil {
				return err
			}
			sym, err := experiment.Symmetry(experiment.SymmetryConfig{Seed: seed})
			if err != nil {
				return err
			}
			fmt.Fprintln(w)
			fmt.Fprintln(w, sym.Table())
			files, err = sym.Draw(out)
			printFiles(w, files)
			return err
		},
	}
	pf.add(cmd)
	cmd.Flags().BoolVar(&quick, "quick", false, "use 200 random examples instead of 1,000")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the random input and weights")
	return cmd
}

func newExperimentRNNCmd() *cobra.Command {
	var pf pictureFlags
	var cfg experiment.RNNGradientConfig
	cmd := &cobra.Command{
		Use:   "rnn",
		Short: "Show vanishing gradients in a tanh RNN and an LSTM, and clipping against exploding ones",
		Long: `Why plain recurrent networks forget, and what LSTMs and gradient clipping do
about it, in two pictures.

1. Vanishing gradients (rnn-gradients.png). A batch of --batch random sequences
   of --steps steps (T, default 50) goes through a tanh RNN and through an LSTM
   of --hidden units, each initialised as PyTorch does, and a linear readout of
   the final hidden state is compared with random targets: the loss L sits on
   the last step only. The picture draws, on a log scale, the size of the
   gradient ‖∂L/∂x_t‖ that reaches the input of every earlier step t.

   Backpropagation through time multiplies the gradient, once per step it
   travels back, by the step's Jacobian ∂h_t/∂h_(t−1) = diag(1 − h_t²)·W_hh:
   tanh's derivative (at most 1) times the recurrent matrix (spectral radius
   about 0.6 at PyTorch's initialisation). Fifty such factors shrink it by
   more than ten orders of magnitude, so the first steps of a sequence learn
   next to nothing from a loss at its end: the vanishing gradient.

   The LSTM's cell state is updated additively, c_t = f_t⊙c_(t−1) + i_t⊙g_t,
   so along it the gradient is multiplied only by the forget gate f_t, with no
   tanh′ and no weight matrix in the way. That path works only while the gate
   is open: with PyTorch's small random biases f ≈ σ(0) = ½ and the gradient
   halves at every step, no better than the RNN's. A third curve gives the same
   LSTM a forget-gate bias of --forget-bias (default 3, f ≈ 0.95), as Keras
   and the LSTM literature do (1 is the usual value; longer sequences need
   more): its gradient reaches step 1 at about the strength it has at step T.

2. Exploding gradients and clipping (rnn-clipping.png). The same tanh RNN
   with its recurrent weights multiplied by --gain (default 2.5, spectral
   radius about 1.5) trains on the same batch with plain SGD (--lr, default
   0.2) for --train-steps steps, twice from the same weights: once as is, and
   once with the gradient rescaled whenever its global norm exceeds
   --max-norm (default 1), as torch.nn.utils.clip_grad_norm_ does. Without
   clipping the gradient norm grows step after step and one long step follows
   another until the loss explodes; with clipping every step keeps its
   direction but stays short, and the loss goes down.

The table prints ‖∂L/∂x_t‖ at steps 1, T/2 and T for each network with the
ratio last/first, and both runs' loss and gradient norm every tenth of the
training; CSV files beside the pictures hold every number. Everything runs
in float64 from --seed: the same command draws the same pictures.`,
		Example: `  baeum experiment rnn
  baeum experiment rnn --steps 100 --forget-bias 1
  baeum experiment rnn --gain 1 --out-dir baeum-plots --format svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := pf.output()
			if err != nil {
				return err
			}
			switch {
			case cfg.Steps < 2:
				return fmt.Errorf("--steps must be at least 2, got %d", cfg.Steps)
			case cfg.Batch < 1 || cfg.Inputs < 1 || cfg.Hidden < 1:
				return fmt.Errorf("--batch, --inputs and --hidden must be positive")
			case cfg.TrainSteps < 1:
				return fmt.Errorf("--train-steps must be at least 1, got %d", cfg.TrainSteps)
			case !(cfg.Gain > 0) || !(cfg.LR > 0) || !(cfg.MaxNorm > 0):
				return fmt.Errorf("--gain, --lr and --max-norm must be positive")
			case cfg.ForgetBias == 0:
				return fmt.Errorf("--forget-bias 0 is PyTorch's LSTM, which the picture already shows; give another bias")
			}
			res, err := experiment.RNNGradients(cfg)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w, res.Table())
			files, err := res.Draw(out)
			printFiles(w, files)
			return err
		},
	}
	pf.add(cmd)
	f := cmd.Flags()
	f.IntVar(&cfg.Steps, "steps", 50, "length T of the sequences")
	f.IntVar(&cfg.Batch, "batch", 16, "sequences in the batch")
	f.IntVar(&cfg.Inputs, "inputs", 8, "input features per step")
	f.IntVar(&cfg.Hidden, "hidden", 32, "hidden units of the RNN and the LSTMs")
	f.Float64Var(&cfg.ForgetBias, "forget-bias", 3, "forget-gate bias of the third network, an LSTM with its forget gate open")
	f.Float64Var(&cfg.Gain, "gain", 2.5, "factor on the recurrent weights W_hh of the RNN trained with and without clipping")
	f.IntVar(&cfg.TrainSteps, "train-steps", 100, "SGD steps of each training run")
	f.Float64Var(&cfg.LR, "lr", 0.2, "learning rate of SGD")
	f.Float64Var(&cfg.MaxNorm, "max-norm", 1, "clipping threshold of the gradient's global norm")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the sequences, the targets and the initial weights")
	return cmd
}

// mnistFlat returns MNIST's two splits prepared for the MLP: normalised
// and flattened.
func mnistFlat(dir string) (trainSet, test *data.Images, err error) {
	tr, te, err := mnist.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	prep := tr.Prep()
	prep.Flatten = true
	if trainSet, err = tr.Dataset(prep); err != nil {
		return nil, nil, err
	}
	test, err = te.Dataset(prep)
	return trainSet, test, err
}
