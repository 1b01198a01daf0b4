package experiment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn/initializers"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
)

// The gradient experiment's network reads gradInputs numbers and tells
// gradClasses classes apart.
const (
	gradInputs  = 4
	gradClasses = 3
	// GradientStep is the step h of the central differences
	// (f(w+h) - f(w-h)) / 2h: in float64, 1e-6 balances the truncation
	// error (like h²) against rounding error (like ε/h).
	GradientStep = 1e-6
)

// GradientActivations are the hidden layer's nonlinearities Gradient
// accepts.
var GradientActivations = []string{"sigmoid", "tanh"}

// GradientConfig configures Gradient. Zero values mean: 60 examples of
// three Gaussian blobs in 4 dimensions, a 4 → 5 (sigmoid) → 3 network
// with Xavier weights, 100 steps of SGD on the whole set at η = 0.5, the
// loss reported every Steps/10 steps, seed 1.
type GradientConfig struct {
	// Examples is the size of the training set, Hidden the width of the
	// hidden layer.
	Examples int `json:"examples"`
	Hidden   int `json:"hidden"`
	// Steps is how many SGD steps each training run takes; Every is how
	// often Table reports the loss.
	Steps int `json:"steps"`
	Every int `json:"every"`
	// LR is the learning rate η.
	LR float64 `json:"lr"`
	// Activation is the hidden layer's nonlinearity: "sigmoid" or "tanh".
	Activation string `json:"activation"`
	// Seed fixes the data and the initial weights.
	Seed uint64 `json:"seed"`
}

func (c *GradientConfig) fill() {
	if c.Examples == 0 {
		c.Examples = 60
	}
	if c.Hidden == 0 {
		c.Hidden = 5
	}
	if c.Steps == 0 {
		c.Steps = 100
	}
	if c.Every == 0 {
		c.Every = max(1, c.Steps/10)
	}
	if c.LR == 0 {
		c.LR = 0.5
	}
	if c.Activation == "" {
		c.Activation = "sigmoid"
	}
}

// GradientElement is the derivative of the loss with respect to one
// element of one parameter, found both ways.
type GradientElement struct {
	// Name is the element's name, such as "w1[2,0]".
	Name string `json:"name"`
	// Numerical comes from central differences, Backprop from
	// backpropagation.
	Numerical float64 `json:"numerical"`
	Backprop  float64 `json:"backprop"`
}

// GradientResult is the result of Gradient.
type GradientResult struct {
	Config GradientConfig `json:"config"`
	// Params is the number P of the network's parameters (weights and
	// biases).
	Params int `json:"params"`
	// Elements holds the derivative of the initial loss with respect to
	// every parameter, in the order w1, b1, w2, b2.
	Elements []GradientElement `json:"elements"`
	// MaxAbs and MaxRel are the largest absolute and relative
	// differences between the two gradients over all parameters.
	MaxAbs float64 `json:"max_abs"`
	MaxRel float64 `json:"max_rel"`
	// Forwards is how many forward passes the central differences took
	// for one gradient: 2 per parameter.
	Forwards int `json:"forwards"`
	// NumericalTime and BackpropTime are how long one gradient took each
	// way.
	NumericalTime time.Duration `json:"numerical_ns"`
	BackpropTime  time.Duration `json:"backprop_ns"`

	// NumericalLoss[t] and BackpropLoss[t] are the training losses after
	// t steps of SGD with each gradient, from the same initial weights
	// (Steps+1 values each).
	NumericalLoss []float64 `json:"numerical_loss"`
	BackpropLoss  []float64 `json:"backprop_loss"`
	// NumericalAccuracy and BackpropAccuracy are the shares of the
	// training set classified right after training.
	NumericalAccuracy float64 `json:"numerical_accuracy"`
	BackpropAccuracy  float64 `json:"backprop_accuracy"`
	// NumericalTrainTime and BackpropTrainTime are how long each training
	// run took, and TrainForwards how many forward passes the numerical
	// one made.
	NumericalTrainTime time.Duration `json:"numerical_train_ns"`
	BackpropTrainTime  time.Duration `json:"backprop_train_ns"`
	TrainForwards      int           `json:"train_forwards"`
}

// gradNet is the experiment's small network and its data.
type gradNet struct {
	cfg    GradientConfig
	x      *tensor.Tensor
	labels []int
	params []*autograd.Value // w1, b1, w2, b2
	g      *autograd.Graph
	calls  int // forward passes so far
}

// loss builds the mean cross-entropy of the network on the whole set in
// the graph g and returns it with the logits.
func (n *gradNet) loss() (logits, loss *autograd.Value) {
	n.calls++
	g, p := n.g, n.params
	h := g.Linear(g.Input(n.x), p[0], p[1])
	if n.cfg.Activation == "tanh" {
		h = g.Tanh(h)
	} else {
		h = g.Sigmoid(h)
	}
	logits = g.Linear(h, p[2], p[3])
	return logits, g.CrossEntropy(logits, n.labels, autograd.ReduceMean)
}

// value returns the loss at the current parameters without recording
// anything for backpropagation: one forward pass.
func (n *gradNet) value() float64 {
	n.g.SetNoGrad(true)
	_, l := n.loss()
	v := l.Item()
	n.g.Reset()
	n.g.SetNoGrad(false)
	return v
}

// numerical returns the gradient of the loss with respect to every
// parameter by central differences, and the loss.
func (n *gradNet) numerical() ([]*tensor.Tensor, float64) {
	grads := make([]*tensor.Tensor, len(n.params))
	for i, p := range n.params {
		grads[i] = autograd.NumericalGradient(n.value, p.Data(), GradientStep)
	}
	return grads, n.value()
}

// backprop returns the gradient of the loss with respect to every
// parameter by backpropagation (one forward and one backward pass), and
// the loss.
func (n *gradNet) backprop() ([]*tensor.Tensor, float64) {
	for _, p := range n.params {
		p.ZeroGrad()
	}
	_, l := n.loss()
	v := l.Item()
	l.Backward()
	n.g.Reset()
	grads := make([]*tensor.Tensor, len(n.params))
	for i, p := range n.params {
		grads[i] = p.Grad()
	}
	return grads, v
}

// step takes one step of plain SGD: w ← w − η·∂L/∂w.
func (n *gradNet) step(grads []*tensor.Tensor) {
	for i, p := range n.params {
		w, d := p.Data().F64(), grads[i].F64()
		for k := range w {
			w[k] -= n.cfg.LR * d[k]
		}
	}
}

// accuracy returns the share of the set classified right.
func (n *gradNet) accuracy() float64 {
	n.g.SetNoGrad(true)
	logits, _ := n.loss()
	a := accuracy(logits.Data(), n.labels)
	n.g.Reset()
	n.g.SetNoGrad(false)
	return a
}

// newGradNet makes the data set and the network, the same for the same
// configuration.
func newGradNet(cfg GradientConfig) *gradNet {
	rng := tensor.NewRNG(cfg.Seed)
	centres := tensor.RandNormal(rng, tensor.Float64, 0, 1.5, gradClasses, gradInputs).F64()
	x := tensor.RandNormal(rng, tensor.Float64, 0, 1, cfg.Examples, gradInputs)
	xs := x.F64()
	labels := make([]int, cfg.Examples)
	for i := range labels {
		labels[i] = i % gradClasses
		for k := 0; k < gradInputs; k++ {
			xs[i*gradInputs+k] += centres[labels[i]*gradInputs+k]
		}
	}
	w1 := tensor.New(tensor.Float64, cfg.Hidden, gradInputs)
	w2 := tensor.New(tensor.Float64, gradClasses, cfg.Hidden)
	wr := tensor.NewRNG(cfg.Seed + 1)
	initializers.XavierNormal(wr, w1, 1)
	initializers.XavierNormal(wr, w2, 1)
	return &gradNet{cfg: cfg, x: x, labels: labels, g: autograd.NewGraph(), params: []*autograd.Value{
		autograd.NewParam("w1", w1), autograd.NewParam("b1", tensor.New(tensor.Float64, cfg.Hidden)),
		autograd.NewParam("w2", w2), autograd.NewParam("b2", tensor.New(tensor.Float64, gradClasses)),
	}}
}

// Gradient compares the two ways of finding the gradient of a network's
// loss with respect to its parameters: numerical differentiation by
// central differences, which needs two forward passes per parameter, and
// backpropagation, which needs one forward and one backward pass for all
// of them. It computes the gradient of a small seeded network both ways,
// then trains two copies of the network from the same weights with plain
// SGD, one with each gradient: their losses follow the same path, to
// rounding, but backpropagation gets there far sooner.
func Gradient(cfg GradientConfig) (*GradientResult, error) {
	cfg.fill()
	if cfg.Examples < gradClasses || cfg.Hidden < 1 || cfg.Steps < 1 || cfg.Every < 1 || !(cfg.LR > 0) || !(cfg.Activation == "sigmoid" || cfg.Activation == "tanh") {
		return nil, fmt.Errorf("experiment: bad gradient settings %+v (want at least %d examples, 1 hidden unit, 1 step, a positive learning rate, and sigmoid or tanh)", cfg, gradClasses)
	}
	res := &GradientResult{Config: cfg}

	// One gradient, both ways.
	net := newGradNet(cfg)
	net.value() // warm up the graph's buffers so that neither way pays for them
	t0 := time.Now()
	before := net.calls
	num, _ := net.numerical()
	res.Forwards = net.calls - before - 1 // the last call is the loss itself
	res.NumericalTime = time.Since(t0)
	t0 = time.Now()
	back, _ := net.backprop()
	res.BackpropTime = time.Since(t0)
	for i, p := range net.params {
		res.Params += p.Data().Len()
		nv, bv := num[i].F64(), back[i].F64()
		for k := range nv {
			res.Elements = append(res.Elements, GradientElement{Name: p.Name() + elementIndex(p.Data().Shape(), k), Numerical: nv[k], Backprop: bv[k]})
			d := math.Abs(nv[k] - bv[k])
			res.MaxAbs = math.Max(res.MaxAbs, d)
			if m := math.Max(math.Abs(nv[k]), math.Abs(bv[k])); m > 0 {
				res.MaxRel = math.Max(res.MaxRel, d/m)
			}
		}
	}

	// Training, both ways, from the same weights.
	var err error
	res.NumericalLoss, res.NumericalAccuracy, res.NumericalTrainTime, res.TrainForwards, err = trainGradNet(cfg, (*gradNet).numerical)
	if err != nil {
		return nil, err
	}
	res.BackpropLoss, res.BackpropAccuracy, res.BackpropTrainTime, _, err = trainGradNet(cfg, (*gradNet).backprop)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// trainGradNet trains a fresh network for cfg.Steps steps of SGD with the
// gradients grad finds, and returns the losses after 0 … Steps steps, the
// final accuracy, the time it took and the number of forward passes.
func trainGradNet(cfg GradientConfig, grad func(*gradNet) ([]*tensor.Tensor, float64)) ([]float64, float64, time.Duration, int, error) {
	net := newGradNet(cfg)
	net.value()
	net.calls = 0
	losses := make([]float64, 0, cfg.Steps+1)
	t0 := time.Now()
	for step := 0; step < cfg.Steps; step++ {
		g, l := grad(net)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return nil, 0, 0, 0, fmt.Errorf("experiment: the loss is %v at step %d; lower the learning rate", l, step)
		}
		losses = append(losses, l)
		net.step(g)
	}
	losses = append(losses, net.value())
	elapsed := time.Since(t0)
	forwards := net.calls
	return losses, net.accuracy(), elapsed, forwards, nil
}

// elementIndex formats the position of the flat index k in a tensor of
// the shape: "[2,0]".
func elementIndex(shape []int, k int) string {
	idx := make([]string, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = fmt.Sprint(k % shape[d])
		k /= shape[d]
	}
	return "[" + strings.Join(idx, ",") + "]"
}

// shownElements picks the handful of elements Table lists: the first and
// the last of each parameter.
func (r *GradientResult) shownElements() []GradientElement {
	var out []GradientElement
	sizes := []int{r.Config.Hidden * gradInputs, r.Config.Hidden, gradClasses * r.Config.Hidden, gradClasses}
	at := 0
	for _, n := range sizes {
		out = append(out, r.Elements[at])
		if n > 1 {
			out = append(out, r.Elements[at+n-1])
		}
		at += n
	}
	return out
}

// ms formats a duration in milliseconds, always in the same shape.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }

// speedup formats how many times faster b is than a.
func speedup(a, b time.Duration) string {
	if b <= 0 {
		b = 1
	}
	return fmt.Sprintf("%.0f×", float64(a)/float64(b))
}

// Table formats the comparison: a few derivatives side by side, the
// largest differences, the time each way took, and the loss of both
// training runs every Every steps.
func (r *GradientResult) Table() string {
	c := r.Config
	var b strings.Builder
	fmt.Fprintf(&b, "Gradient of the loss of a %d→%d→%d %s network (%d parameters) on %d examples of %d blobs,\nby central differences (h = %g) and by backpropagation:\n",
		gradInputs, c.Hidden, gradClasses, c.Activation, r.Params, c.Examples, gradClasses, GradientStep)
	fmt.Fprintf(&b, "  %-10s %16s %16s %14s\n", "parameter", "numerical", "backprop", "|difference|")
	for _, e := range r.shownElements() {
		fmt.Fprintf(&b, "  %-10s %16.10f %16.10f %14.2e\n", e.Name, e.Numerical, e.Backprop, math.Abs(e.Numerical-e.Backprop))
	}
	fmt.Fprintf(&b, "  largest difference over all %d parameters: absolute %.2e, relative %.2e\n", r.Params, r.MaxAbs, r.MaxRel)
	fmt.Fprintf(&b, "  central differences: %s, %d forward passes (2 per parameter)\n", ms(r.NumericalTime), r.Forwards)
	fmt.Fprintf(&b, "  backpropagation:     %s, 1 forward + 1 backward pass (%s faster)\n", ms(r.BackpropTime), speedup(r.NumericalTime, r.BackpropTime))
	fmt.Fprintf(&b, "  Why backprop wins: central differences need 2 forward passes per parameter (2P = %d here,\n  two million for a million weights); backpropagation finds every derivative at once,\n  from one forward and one backward pass, whatever P.\n", r.Forwards)

	fmt.Fprintf(&b, "\nTraining it both ways from the same weights: %d steps of SGD (η = %g) on the whole set:\n", c.Steps, c.LR)
	fmt.Fprintf(&b, "  %5s %16s %16s %14s\n", "step", "loss numerical", "loss backprop", "|difference|")
	for t := 0; t <= c.Steps; t++ {
		if t%c.Every != 0 && t != c.Steps {
			continue
		}
		fmt.Fprintf(&b, "  %5d %16.10f %16.10f %14.2e\n", t, r.NumericalLoss[t], r.BackpropLoss[t], math.Abs(r.NumericalLoss[t]-r.BackpropLoss[t]))
	}
	fmt.Fprintf(&b, "  training accuracy: numerical %.0f%%, backprop %.0f%%\n", 100*r.NumericalAccuracy, 100*r.BackpropAccuracy)
	fmt.Fprintf(&b, "  central differences: %s, %d forward passes\n", ms(r.NumericalTrainTime), r.TrainForwards)
	fmt.Fprintf(&b, "  backpropagation:     %s, %d forward + %d backward passes (%s faster)\n", ms(r.BackpropTrainTime), c.Steps+1, c.Steps, speedup(r.NumericalTrainTime, r.BackpropTrainTime))
	return b.String()
}

// Draw writes gradient-training.png/.svg (the loss of both training runs
// and the time each took) and gradient-training.csv (the losses), and
// returns the paths of the files.
func (r *GradientResult) Draw(out Output) ([]string, error) {
	var files []string
	steps := make([]float64, len(r.NumericalLoss))
	for i := range steps {
		steps[i] = float64(i)
	}
	lp, err := plot.LineChart("Training loss: the same path both ways", "step", "cross-entropy",
		plot.Series{Name: "central differences", X: steps, Y: r.NumericalLoss, Width: 4},
		plot.Series{Name: "backpropagation", X: steps, Y: r.BackpropLoss, Dashed: true})
	if err != nil {
		return files, err
	}
	tp, err := plot.Bars("Time to train", "milliseconds", []string{"central differences", "backpropagation"},
		[]float64{float64(r.NumericalTrainTime) / 1e6, float64(r.BackpropTrainTime) / 1e6}, "%.1f")
	if err != nil {
		return files, err
	}
	c := r.Config
	fig := plot.NewFigure(fmt.Sprintf("A %d→%d→%d %s network trained with SGD (η = %g) for %d steps, with gradients from central differences (%d forward passes per step) and from backpropagation",
		gradInputs, c.Hidden, gradClasses, c.Activation, c.LR, c.Steps, 2*r.Params+1), 11*vg.Inch, 4*vg.Inch, lp, tp)
	if err := out.picture(&files, fig, "gradient-training"); err != nil {
		return files, err
	}
	rows := [][]string{{"step", "loss_numerical", "loss_backprop"}}
	for t := range r.NumericalLoss {
		rows = append(rows, []string{fmt.Sprint(t), strconv.FormatFloat(r.NumericalLoss[t], 'g', -1, 64), strconv.FormatFloat(r.BackpropLoss[t], 'g', -1, 64)})
	}
	return files, out.csv(&files, "gradient-training.csv", rows)
}
