package experiment

import (
	"fmt"
	"image/color"
	"math"
	"math/cmplx"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
)

// Vanishing and exploding gradients in recurrent networks.
//
// A recurrent network applies the same step h_t = tanh(W_ih·x_t + W_hh·h_{t−1} + b)
// at every step, so backpropagation through time multiplies the gradient
// by the step's Jacobian ∂h_t/∂h_{t−1} = diag(1 − h_t²)·W_hh once per
// step it travels back. Over T steps that is a product of T such
// matrices: when they shrink vectors (tanh′ ≤ 1 and a recurrent matrix of
// spectral radius below 1, as PyTorch's initialisation gives) the
// gradient from a loss at the end reaches the early steps as good as
// zero, and the network cannot learn what they should have contributed;
// when they stretch vectors the gradient grows without bound instead.
//
// An LSTM carries a second state, the cell c_t = f_t⊙c_{t−1} + i_t⊙g_t:
// along it the Jacobian is ∂c_t/∂c_{t−1} = diag(f_t), the forget gate
// itself, with no tanh′ and no weight matrix in the way. The gradient
// along that additive path is scaled by the product of the forget gates,
// so it survives as long as they stay open (f ≈ 1). With PyTorch's
// initialisation every bias is small, f ≈ σ(0) = ½, and the gradient
// halves at every step, no better than the RNN's; a forget-gate bias b_f
// (Gers et al. 2000; Jozefowicz et al. 2015; Keras uses 1) opens the gate
// to σ(b_f), and the cell path carries the gradient across the sequence.
//
// Exploding gradients have a blunter cure: clipping. Rescaling the
// gradient so that its global norm is at most a threshold keeps the
// direction of the step and bounds its length, so that one step on a
// cliff of the loss cannot throw the weights far away.

// RNNGradientConfig configures RNNGradients. Zero values mean: T = 50
// steps of 8 standard normal inputs for a batch of 16 sequences, 32
// hidden units, a forget-gate bias of 3 for the third network, and an
// exploding tanh RNN with W_hh × 2.5 trained for 100 steps of SGD at
// η = 0.2, clipped to a gradient norm of 1. The seed is used as given.
type RNNGradientConfig struct {
	// Steps is the length T of the sequences.
	Steps int `json:"steps"`
	// Batch is the number N of sequences, Inputs the number of features
	// of each step and Hidden the size H of the hidden state.
	Batch  int `json:"batch"`
	Inputs int `json:"inputs"`
	Hidden int `json:"hidden"`
	// ForgetBias is the bias b_f of the forget gate of the third network,
	// an LSTM otherwise initialised like the second (0 means 3; the
	// second LSTM has PyTorch's small random biases).
	ForgetBias float64 `json:"forget_bias"`
	// Gain scales the recurrent weights W_hh of the tanh RNN of the
	// clipping experiment, from PyTorch's initialisation (spectral radius
	// about 0.58) to a spectral radius well above 1.
	Gain float64 `json:"gain"`
	// TrainSteps is how many steps of SGD each run of the clipping
	// experiment takes, at learning rate LR; MaxNorm is the threshold of
	// the clipped run's global gradient norm.
	TrainSteps int     `json:"train_steps"`
	LR         float64 `json:"lr"`
	MaxNorm    float64 `json:"max_norm"`
	// Seed fixes the sequences, the targets and the initial weights.
	Seed uint64 `json:"seed"`
}

func (c *RNNGradientConfig) fill() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Steps, 50)
	def(&c.Batch, 16)
	def(&c.Inputs, 8)
	def(&c.Hidden, 32)
	def(&c.TrainSteps, 100)
	deff := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	deff(&c.ForgetBias, 3)
	deff(&c.Gain, 2.5)
	deff(&c.LR, 0.2)
	deff(&c.MaxNorm, 1)
}

func (c RNNGradientConfig) check() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if c.Steps < 2 || c.Batch < 1 || c.Inputs < 1 || c.Hidden < 1 || c.TrainSteps < 1 ||
		!finite(c.ForgetBias) || !(c.Gain > 0) || !finite(c.Gain) || !(c.LR > 0) || !finite(c.LR) || !(c.MaxNorm > 0) || !finite(c.MaxNorm) {
		return fmt.Errorf("experiment: bad RNN gradient settings %+v (want at least 2 steps, positive sizes and training steps, and a finite forget bias, positive finite gain, learning rate and clipping threshold)", c)
	}
	return nil
}

// GradientCurve is the size of the gradient of a last-step loss with
// respect to the input of every step of the sequence, for one network.
type GradientCurve struct {
	// Name says which network, as the picture's legend does.
	Name string `json:"name"`
	// Norms[t−1] is ‖∂L/∂x_t‖, the Euclidean norm of the gradient of the
	// loss with respect to the inputs of step t over the whole batch,
	// for t = 1 … T.
	Norms []float64 `json:"norms"`
	// Loss is the loss L the gradient is of.
	Loss float64 `json:"loss"`
}

// Ratio returns ‖∂L/∂x_T‖ / ‖∂L/∂x_1‖: how many times smaller the
// gradient reaching the first step is than the one at the last step
// (above 1 when it vanishes on the way back, below 1 when it explodes).
func (c GradientCurve) Ratio() float64 { return c.Norms[len(c.Norms)-1] / c.Norms[0] }

// ClipRun is one training run of the clipping experiment.
type ClipRun struct {
	// Name says how the run was trained, as the picture's legend does.
	Name string `json:"name"`
	// Clipped says whether the gradient was clipped to Config.MaxNorm.
	Clipped bool `json:"clipped"`
	// Loss[k] is the loss after k steps of SGD, k = 0 … TrainSteps;
	// GradNorm[k] is the global norm of the gradient at step k, before
	// any clipping (TrainSteps values). Once the loss is no longer a
	// finite number the run stops, and the rest of both is NaN.
	Loss     []float64 `json:"loss"`
	GradNorm []float64 `json:"grad_norm"`
	// NonFinite is the first k whose loss is infinite or NaN, or −1.
	NonFinite int `json:"non_finite"`
}

// Final returns the loss after the last step (NaN if the run blew up).
func (r ClipRun) Final() float64 { return r.Loss[len(r.Loss)-1] }

// RNNGradientResult is the result of RNNGradients.
type RNNGradientResult struct {
	Config RNNGradientConfig `json:"config"`
	// RNN, LSTM and LSTMForget are the gradients reaching each step in a
	// tanh RNN and an LSTM with PyTorch's initialisation, and in the same
	// LSTM with the forget-gate bias Config.ForgetBias.
	RNN        GradientCurve `json:"rnn"`
	LSTM       GradientCurve `json:"lstm"`
	LSTMForget GradientCurve `json:"lstm_forget"`
	// Radius is the spectral radius (largest |eigenvalue|) of the tanh
	// RNN's W_hh, and ScaledRadius that of the clipping experiment's RNN,
	// W_hh × Config.Gain.
	Radius       float64 `json:"radius"`
	ScaledRadius float64 `json:"scaled_radius"`
	// Unclipped and Clipped are the two training runs of the clipping
	// experiment, from the same weights on the same batch.
	Unclipped ClipRun `json:"unclipped"`
	Clipped   ClipRun `json:"clipped"`
}

// rnnTask is the experiment's data: N sequences of T steps, time-major,
// and a target for each.
type rnnTask struct {
	x, y *tensor.Tensor // (T, N, in), (N, 1)
}

// rnnNet is a recurrent layer with a linear readout of its final hidden
// state, in float64.
type rnnNet struct {
	rec   *nn.Recurrent
	model *nn.Sequential
}

// newRNNNet builds a one-layer network of the given cell ("rnn" or
// "lstm") and its 1-unit readout, with PyTorch's initialisation from a
// generator seeded with seed, converted to float64.
func newRNNNet(cell string, cfg RNNGradientConfig, seed uint64) rnnNet {
	rng := tensor.NewRNG(seed)
	rc := nn.RecurrentConfig{InputSize: cfg.Inputs, HiddenSize: cfg.Hidden, Last: true}
	var layer nn.Module
	var rec *nn.Recurrent
	if cell == "lstm" {
		l := nn.NewLSTM(rng, rc)
		layer, rec = l, &l.Recurrent
	} else {
		r := nn.NewRNN(rng, rc)
		layer, rec = r, &r.Recurrent
	}
	m := nn.Sequence(layer, nn.NewLinear(rng, cfg.Hidden, 1))
	nn.Convert(m, tensor.Float64)
	return rnnNet{rec: rec, model: m}
}

// setForgetBias sets the forget gate's bias of an LSTM to b: PyTorch's
// gates are i, f, g, o in blocks of H, and the gate adds b_ih and b_hh,
// so b_ih's f block becomes b and b_hh's 0.
func (n rnnNet) setForgetBias(b float64) {
	w := n.rec.Weights[0]
	h := n.rec.Config.HiddenSize
	for k := h; k < 2*h; k++ {
		w.BiasIH.Data().SetFlat(k, b)
		w.BiasHH.Data().SetFlat(k, 0)
	}
}

// loss records the mean squared error of the readout of the final hidden
// state against the targets.
func (n rnnNet) loss(g *autograd.Graph, x *autograd.Value, y *tensor.Tensor) *autograd.Value {
	return g.MSELoss(n.model.Forward(g, x), g.Input(y), autograd.ReduceMean)
}

// inputGradients returns ‖∂L/∂x_t‖ for every step t, and the loss.
func (n rnnNet) inputGradients(name string, task rnnTask) GradientCurve {
	g := autograd.NewGraph()
	x := g.Var(task.x)
	l := n.loss(g, x, task.y)
	l.Backward()
	grad := x.Grad()
	c := GradientCurve{Name: name, Loss: l.Item(), Norms: make([]float64, task.x.Shape()[0])}
	for t := range c.Norms {
		c.Norms[t] = tensor.Norm(grad.Slice(t, t+1), 2)
	}
	return c
}

// spectralRadius returns the largest absolute eigenvalue of the square
// matrix w.
func spectralRadius(w *tensor.Tensor) float64 {
	n := w.Shape()[0]
	var eig mat.Eigen
	if !eig.Factorize(mat.NewDense(n, n, w.Float64s()), mat.EigenNone) {
		return math.NaN()
	}
	r := 0.0
	for _, v := range eig.Values(nil) {
		r = math.Max(r, cmplx.Abs(v))
	}
	return r
}

// globalNorm returns the Euclidean norm of all the gradients of params
// together.
func globalNorm(params []nn.Param) float64 {
	s := 0.0
	for _, p := range params {
		if g := p.Value.Grad(); g != nil {
			n := tensor.Norm(g, 2)
			s += n * n
		}
	}
	return math.Sqrt(s)
}

// trainClip trains the clipping experiment's RNN (W_hh × Gain) on the
// task with plain SGD, clipping the gradient's global norm to MaxNorm
// when clip is set.
func trainClip(cfg RNNGradientConfig, task rnnTask, clip bool) (ClipRun, error) {
	net := newRNNNet("rnn", cfg, cfg.Seed+1)
	net.rec.Weights[0].HH.Data().Scale(cfg.Gain)
	params := nn.Params(net.model)
	opt, err := optim.NewSGD(params, optim.SGDConfig{LR: cfg.LR})
	if err != nil {
		return ClipRun{}, err
	}
	run := ClipRun{Name: "no clipping", Clipped: clip, NonFinite: -1,
		Loss: make([]float64, cfg.TrainSteps+1), GradNorm: make([]float64, cfg.TrainSteps)}
	if clip {
		run.Name = fmt.Sprintf("clipped to ‖g‖ ≤ %g", cfg.MaxNorm)
	}
	for k := range run.Loss {
		run.Loss[k] = math.NaN()
	}
	for k := range run.GradNorm {
		run.GradNorm[k] = math.NaN()
	}
	g := autograd.NewGraph()
	x := g.Input(task.x)
	for k := 0; ; k++ {
		nn.ZeroGrad(net.model)
		l := net.loss(g, x, task.y)
		run.Loss[k] = l.Item()
		if math.IsNaN(run.Loss[k]) || math.IsInf(run.Loss[k], 0) {
			run.NonFinite = k
			break
		}
		if k == cfg.TrainSteps {
			break
		}
		l.Backward()
		run.GradNorm[k] = globalNorm(params)
		if clip {
			optim.ClipGradNorm(params, cfg.MaxNorm)
		}
		opt.Step()
		g.Reset()
		x = g.Input(task.x)
	}
	return run, nil
}

// RNNGradients shows the vanishing gradient of a recurrent network and
// clipping's cure for the exploding one. On the same batch of random
// sequences, with a loss on the last step only (a linear readout of the
// final hidden state against random targets, mean squared error), it
// measures the gradient that reaches the input of every earlier step in a
// tanh RNN and an LSTM with PyTorch's initialisation, and in the same
// LSTM with its forget gate opened by a bias: the RNN's gradient shrinks
// by orders of magnitude on its way back, and so does the LSTM's while
// its forget gates sit at ½; the open LSTM's does not. Then it trains a
// tanh RNN whose recurrent weights are scaled up (spectral radius well
// above 1) with plain SGD twice from the same weights, once with the
// gradient clipped to a global norm: without clipping the gradient
// explodes and the loss with it; with clipping the loss goes down. The
// numbers are the same for the same configuration. See the comment at
// the top of this file for the mathematics.
func RNNGradients(cfg RNNGradientConfig) (*RNNGradientResult, error) {
	cfg.fill()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	rng := tensor.NewRNG(cfg.Seed)
	task := rnnTask{
		x: tensor.RandNormal(rng, tensor.Float64, 0, 1, cfg.Steps, cfg.Batch, cfg.Inputs),
		y: tensor.RandNormal(rng, tensor.Float64, 0, 1, cfg.Batch, 1),
	}
	res := &RNNGradientResult{Config: cfg}

	rnn := newRNNNet("rnn", cfg, cfg.Seed+1)
	res.Radius = spectralRadius(rnn.rec.Weights[0].HH.Data())
	res.RNN = rnn.inputGradients(fmt.Sprintf("tanh RNN (ρ(W_hh) = %.2f)", res.Radius), task)
	res.LSTM = newRNNNet("lstm", cfg, cfg.Seed+1).inputGradients("LSTM (forget gate f ≈ σ(0) = 0.5)", task)
	open := newRNNNet("lstm", cfg, cfg.Seed+1)
	open.setForgetBias(cfg.ForgetBias)
	res.LSTMForget = open.inputGradients(fmt.Sprintf("LSTM, forget bias %g (f ≈ σ(%g) = %.2f)", cfg.ForgetBias, cfg.ForgetBias, sigmoid(cfg.ForgetBias)), task)

	res.ScaledRadius = cfg.Gain * res.Radius
	var err error
	if res.Unclipped, err = trainClip(cfg, task, false); err != nil {
		return nil, err
	}
	if res.Clipped, err = trainClip(cfg, task, true); err != nil {
		return nil, err
	}
	return res, nil
}

// sigmoid is σ(v) = 1/(1 + e^(−v)).
func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// finalText describes a run's last loss: the number, or when it blew up.
func (r ClipRun) finalText() string {
	if r.NonFinite >= 0 {
		return fmt.Sprintf("not a number from step %d on", r.NonFinite)
	}
	return fmt.Sprintf("%.3g", r.Final())
}

// Table formats the experiment: the gradient norms at steps 1, T/2 and
// T of each network with the ratio ‖∂L/∂x_T‖/‖∂L/∂x_1‖, then the loss
// and the gradient norm of both training runs every TrainSteps/10 steps.
func (r *RNNGradientResult) Table() string {
	c := r.Config
	mid := c.Steps / 2
	var b strings.Builder
	fmt.Fprintf(&b, "Gradient of a loss on the last step with respect to the input of each step: T = %d steps,\n%d sequences of %d inputs, %d hidden units, PyTorch's initialisation (seed %d):\n",
		c.Steps, c.Batch, c.Inputs, c.Hidden, c.Seed)
	fmt.Fprintf(&b, "  %-40s %12s %12s %12s %14s\n", "network", "‖∂L/∂x_1‖", fmt.Sprintf("‖∂L/∂x_%d‖", mid), fmt.Sprintf("‖∂L/∂x_%d‖", c.Steps), "last / first")
	for _, cv := range []GradientCurve{r.RNN, r.LSTM, r.LSTMForget} {
		n := cv.Norms
		fmt.Fprintf(&b, "  %-40s %12.3e %12.3e %12.3e %14.3g\n", cv.Name, n[0], n[mid-1], n[len(n)-1], cv.Ratio())
	}
	fmt.Fprintf(&b, `  Backpropagation through time multiplies the gradient by diag(1 − h²)·W_hh at every
  step back; with tanh′ ≤ 1 and ρ(W_hh) < 1 it shrinks geometrically, here by a factor
  of %.3g over %d steps, so the first steps learn almost nothing from the loss. The
  LSTM's cell path c_t = f⊙c_(t−1) + i⊙g passes the gradient back multiplied only by the
  forget gate f: at f ≈ 0.5 that halves it at every step too, while an open gate
  (f ≈ %.2f) carries it across the whole sequence.
`, r.RNN.Ratio(), c.Steps-1, sigmoid(c.ForgetBias))

	fmt.Fprintf(&b, "\nExploding gradients: the same tanh RNN with W_hh × %g (ρ = %.2f) trained by SGD (η = %g)\nfor %d steps from the same weights, without clipping and with the gradient clipped to norm %g:\n",
		c.Gain, r.ScaledRadius, c.LR, c.TrainSteps, c.MaxNorm)
	fmt.Fprintf(&b, "  %5s %14s %14s %14s %14s\n", "step", "loss", "‖g‖", "loss clipped", "‖g‖ clipped")
	every := max(1, c.TrainSteps/10)
	for k := 0; k <= c.TrainSteps; k++ {
		if k%every != 0 && k != c.TrainSteps {
			continue
		}
		gu, gc := "", ""
		if k < c.TrainSteps {
			gu, gc = fmt.Sprintf("%.4g", r.Unclipped.GradNorm[k]), fmt.Sprintf("%.4g", r.Clipped.GradNorm[k])
		}
		fmt.Fprintf(&b, "  %5d %14.4g %14s %14.4g %14s\n", k, r.Unclipped.Loss[k], gu, r.Clipped.Loss[k], gc)
	}
	fmt.Fprintf(&b, "  final loss: %s without clipping, %s with clipping\n", r.Unclipped.finalText(), r.Clipped.finalText())
	fmt.Fprintf(&b, "  Clipping rescales the gradient to norm %g whenever it is longer, keeping its direction:\n  a step on a cliff of the loss stays short instead of throwing the weights away.\n", c.MaxNorm)
	return b.String()
}

// Draw writes rnn-gradients.png/.svg (the gradient norm per step of the
// three networks, on a log scale) with rnn-gradients.csv, and
// rnn-clipping.png/.svg (the loss and the gradient norm per training
// step, with and without clipping) with rnn-clipping.csv. It returns the
// paths of the files.
func (r *RNNGradientResult) Draw(out Output) ([]string, error) {
	var files []string
	c := r.Config
	steps := make([]float64, c.Steps)
	for t := range steps {
		steps[t] = float64(t + 1)
	}
	var series []plot.Series
	for i, cv := range []GradientCurve{r.RNN, r.LSTM, r.LSTMForget} {
		series = append(series, plot.Series{Name: cv.Name, X: steps, Y: cv.Norms, Color: plot.Color(i), Width: 2})
	}
	gp, err := plot.LineChart(fmt.Sprintf("Gradient reaching the input of each step (loss on step %d only)", c.Steps), "time step t", "‖∂L/∂x_t‖ (log scale)", series...)
	if err != nil {
		return files, err
	}
	logAxis(gp, 0, 0)
	gp.Legend.Top = false // the curves all end high on the right
	fig := plot.NewFigure(fmt.Sprintf("Vanishing gradients: tanh RNN and LSTM, %d hidden units, %d steps, batch of %d, PyTorch's initialisation",
		c.Hidden, c.Steps, c.Batch), 9*vg.Inch, 5*vg.Inch, gp)
	if err := out.picture(&files, fig, "rnn-gradients"); err != nil {
		return files, err
	}
	rows := [][]string{{"step", "rnn", "lstm", "lstm_forget_bias"}}
	for t := range steps {
		rows = append(rows, []string{fmt.Sprint(t + 1), fmtG(r.RNN.Norms[t]), fmtG(r.LSTM.Norms[t]), fmtG(r.LSTMForget.Norms[t])})
	}
	if err := out.csv(&files, "rnn-gradients.csv", rows); err != nil {
		return files, err
	}

	xs := make([]float64, c.TrainSteps+1)
	for k := range xs {
		xs[k] = float64(k)
	}
	var ls, ns []plot.Series
	for i, run := range []ClipRun{r.Unclipped, r.Clipped} {
		clr := plot.Color(i + 3)
		ls = append(ls, plot.Series{Name: run.Name, X: xs, Y: run.Loss, Color: clr, Width: 2})
		ns = append(ns, plot.Series{Name: run.Name, X: xs[:c.TrainSteps], Y: run.GradNorm, Color: clr, Width: 2})
	}
	ns = append(ns, plot.Series{Name: fmt.Sprintf("threshold %g", c.MaxNorm), X: []float64{0, float64(c.TrainSteps - 1)},
		Y: []float64{c.MaxNorm, c.MaxNorm}, Color: color.Gray{Y: 110}, Dashed: true})
	// The run without clipping may climb a hundred orders of magnitude;
	// the axes stop four above the clipped run so that its fall shows,
	// and the panel's title says where the other one went.
	lossTop := 1e4 * maxFinite(r.Clipped.Loss)
	lp, err := plot.LineChart("Training loss"+offChart(r.Unclipped.Loss, lossTop), "SGD step", "mean squared error (log scale)", ls...)
	if err != nil {
		return files, err
	}
	logAxis(lp, 0, lossTop)
	normTop := 1e4 * math.Max(maxFinite(r.Clipped.GradNorm), c.MaxNorm)
	np, err := plot.LineChart("Gradient norm before clipping"+offChart(r.Unclipped.GradNorm, normTop), "SGD step", "‖g‖ (log scale)", ns...)
	if err != nil {
		return files, err
	}
	logAxis(np, 0, normTop)
	fig = plot.NewFigure(fmt.Sprintf("Exploding gradients: a tanh RNN with W_hh × %g (ρ = %.2f) trained by SGD (η = %g) from the same weights, with and without clipping",
		c.Gain, r.ScaledRadius, c.LR), 11*vg.Inch, 4.5*vg.Inch, lp, np)
	if err := out.picture(&files, fig, "rnn-clipping"); err != nil {
		return files, err
	}
	rows = [][]string{{"step", "loss", "grad_norm", "loss_clipped", "grad_norm_clipped"}}
	for k := range xs {
		gu, gc := "", ""
		if k < c.TrainSteps {
			gu, gc = fmtG(r.Unclipped.GradNorm[k]), fmtG(r.Clipped.GradNorm[k])
		}
		rows = append(rows, []string{fmt.Sprint(k), fmtG(r.Unclipped.Loss[k]), gu, fmtG(r.Clipped.Loss[k]), gc})
	}
	return files, out.csv(&files, "rnn-clipping.csv", rows)
}

// maxFinite returns the largest finite value of v (0 if none).
func maxFinite(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		if !math.IsInf(x, 0) && !math.IsNaN(x) {
			m = math.Max(m, x)
		}
	}
	return m
}

// offChart returns a note for a panel's title when some of v rises above
// top or stops being a number: where the curve leaves the chart.
func offChart(v []float64, top float64) string {
	last, at := math.NaN(), -1
	for k, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprintf(" (no clipping: not a number from step %d)", k)
		}
		last, at = x, k
	}
	if at < 0 || !(maxFinite(v) > top) {
		return ""
	}
	return fmt.Sprintf(" (no clipping: %.2g at step %d)", last, at)
}

// logAxis gives p a logarithmic y axis with ticks at powers of ten, at
// most about eight of them (every second or third power when the axis
// spans many), labelled 0.01, 1, 100 or 1e-06, 1e+20. A positive top caps
// the axis there (curves above it leave the chart); a positive bottom
// does the same below. Every y value drawn on p must be positive.
func logAxis(p *gplot.Plot, bottom, top float64) {
	p.Y.Scale = gplot.LogScale{}
	if top > 0 && p.Y.Max > top {
		p.Y.Max = top
	}
	if bottom > 0 && p.Y.Min < bottom {
		p.Y.Min = bottom
	}
	p.Y.Tick.Marker = gplot.TickerFunc(func(min, max float64) []gplot.Tick {
		var ts []gplot.Tick
		if !(min > 0) || !(max > min) {
			return ts
		}
		lo, hi := math.Ceil(math.Log10(min)-1e-9), math.Floor(math.Log10(max)+1e-9)
		if hi < lo+1 { // less than two powers of ten in view
			return gplot.LogTicks{Prec: 2}.Ticks(min, max)
		}
		step := math.Max(1, math.Ceil((hi-lo+1)/8))
		for e := lo; e <= hi; e += step {
			label := strconv.FormatFloat(math.Pow(10, e), 'g', -1, 64)
			if e < -3 || e > 4 {
				label = fmt.Sprintf("1e%+03d", int(e))
			}
			ts = append(ts, gplot.Tick{Value: math.Pow(10, e), Label: label})
		}
		return ts
	})
}
