package experiment

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
	"github.com/baeum-ml/baeum/train"
)

// OptimizerSetting is one optimizer of a comparison: its name in
// optim.New, how it is shown, and its learning rate.
type OptimizerSetting struct {
	Name  string  `json:"name"`
	Label string  `json:"label"`
	LR    float64 `json:"lr"`
}

// PathOptimizers are the optimizers OptimizerPaths compares and the
// learning rates that show each one's character on the valley
// f(x, y) = x²/20 + y² (those of Saito's "Deep Learning from Scratch" for
// the four it draws):
//
//   - plain SGD at η = 0.95, near its limit of 1 set by the steep
//     direction (curvature 2): y flips sign at every step (the zig-zag)
//     while x shrinks by only 9.5% a step;
//   - Momentum and Nesterov (μ = 0.9) at η = 0.1: velocity builds up along
//     the valley, and the path swings past the minimum like a ball rolling
//     in a bowl, Nesterov's less far;
//   - AdaGrad at η = 1.5: each coordinate gets its own step size, so the
//     path heads straight for the minimum and slows as the sums grow;
//   - RMSProp at η = 0.15 and Adam at η = 0.3: steps of about η in each
//     coordinate whatever the gradient's size; Adam's momentum makes it
//     overshoot a little and swing back.
var PathOptimizers = []OptimizerSetting{
	{"sgd", "SGD", 0.95},
	{"momentum", "Momentum", 0.1},
	{"nesterov", "Nesterov (NAG)", 0.1},
	{"adagrad", "AdaGrad", 1.5},
	{"rmsprop", "RMSProp", 0.15},
	{"adam", "Adam", 0.3},
}

// Valley is f(x, y) = x²/20 + y², the function OptimizerPaths descends:
// twenty times steeper across (y) than along (x).
func Valley(x, y float64) float64 { return x*x/20 + y*y }

// ValleyStart is where the descents on Valley start.
var ValleyStart = [2]float64{-7, 2}

// DefaultPathSteps is the step budget of OptimizerPaths, the same for every
// optimizer.
const DefaultPathSteps = 30

// OptimizerPath is the walk of one optimizer on the valley.
type OptimizerPath struct {
	OptimizerSetting
	// Points are the positions (x, y): the start, then one per step.
	Points [][2]float64 `json:"points"`
	// Distance is how far the last point lies from the minimum (0, 0),
	// and Loss is f there.
	Distance float64 `json:"distance"`
	Loss     float64 `json:"loss"`
	// SignChanges counts the steps at which y changed sign: the zig-zag
	// across the valley.
	SignChanges int `json:"sign_changes"`
}

// Final returns the last point of the path.
func (p OptimizerPath) Final() [2]float64 { return p.Points[len(p.Points)-1] }

// Paths is the result of OptimizerPaths.
type Paths struct {
	Steps int             `json:"steps"`
	Start [2]float64      `json:"start"`
	Paths []OptimizerPath `json:"paths"`
}

// Path returns the path of the optimizer with the given name, or nil.
func (r *Paths) Path(name string) *OptimizerPath {
	for i := range r.Paths {
		if r.Paths[i].Name == name {
			return &r.Paths[i]
		}
	}
	return nil
}

// OptimizerPaths runs each optimizer (PathOptimizers when settings is
// empty) for steps steps (DefaultPathSteps when 0) on Valley from
// ValleyStart. The position is a pair of float64 parameters, the function
// is built from graph operations, and its gradient comes from
// backpropagation, exactly as when training a network.
func OptimizerPaths(steps int, settings ...OptimizerSetting) (*Paths, error) {
	if steps == 0 {
		steps = DefaultPathSteps
	}
	if steps < 0 {
		return nil, fmt.Errorf("experiment: step budget %d (want a positive number)", steps)
	}
	if len(settings) == 0 {
		settings = PathOptimizers
	}
	res := &Paths{Steps: steps, Start: ValleyStart}
	for _, s := range settings {
		p, err := descend(s, steps)
		if err != nil {
			return nil, err
		}
		res.Paths = append(res.Paths, p)
	}
	return res, nil
}

func descend(s OptimizerSetting, steps int) (OptimizerPath, error) {
	x := autograd.NewParam("x", tensor.FromFloat64([]float64{ValleyStart[0]}))
	y := autograd.NewParam("y", tensor.FromFloat64([]float64{ValleyStart[1]}))
	opt, err := optim.New(s.Name, []nn.Param{{Name: "x", Value: x}, {Name: "y", Value: y}}, s.LR)
	if err != nil {
		return OptimizerPath{}, err
	}
	if s.Label == "" {
		s.Label = s.Name
	}
	p := OptimizerPath{OptimizerSetting: s, Points: [][2]float64{ValleyStart}}
	g := autograd.NewGraph()
	for range steps {
		g.Reset()
		// f = x²/20 + y²
		if _, err := optim.Step(opt, func() *autograd.Value {
			return g.Add(g.MulScalar(g.Square(x), 1.0/20), g.Square(y))
		}); err != nil {
			return p, fmt.Errorf("experiment: %s at η = %g diverged on the valley: %w", s.Label, s.LR, err)
		}
		prev := p.Points[len(p.Points)-1]
		cur := [2]float64{x.Data().Item(), y.Data().Item()}
		if cur[1]*prev[1] < 0 {
			p.SignChanges++
		}
		p.Points = append(p.Points, cur)
	}
	last := p.Final()
	p.Distance = math.Hypot(last[0], last[1])
	p.Loss = Valley(last[0], last[1])
	if math.IsNaN(p.Distance) || math.IsInf(p.Distance, 0) {
		return p, fmt.Errorf("experiment: %s at η = %g diverged on the valley", s.Label, s.LR)
	}
	return p, nil
}

var errCanceled = errors.New("experiment: canceled")

func canceled(ctx context.Context) error {
	if ctx != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %v", errCanceled, ctx.Err())
	}
	return nil
}

// Draw writes the paths over a contour plot of the valley, one panel per
// optimizer, as optimizers-paths.png/.svg, and a table of where each
// ended as optimizers-paths.csv. It returns the paths of the files.
func (r *Paths) Draw(out Output) ([]string, error) {
	var files []string
	xmin, xmax, ymin, ymax := -8.0, 8.0, -3.0, 3.0
	for _, p := range r.Paths {
		for _, pt := range p.Points {
			xmin, xmax = math.Min(xmin, pt[0]-0.5), math.Max(xmax, pt[0]+0.5)
			ymin, ymax = math.Min(ymin, pt[1]-0.5), math.Max(ymax, pt[1]+0.5)
		}
	}
	grid := plot.FuncGrid{F: Valley, XMin: xmin, XMax: xmax, YMin: ymin, YMax: ymax, Cols: 161, Rows: 81}
	var levels []float64
	for k := 1; k <= 16; k++ {
		levels = append(levels, math.Pow(0.5*float64(k), 2)) // evenly spaced ellipses
	}
	const cols = 3
	var panels [][]*gplot.Plot
	for i, p := range r.Paths {
		if i%cols == 0 {
			panels = append(panels, nil)
		}
		title := fmt.Sprintf("%s, η = %g: %.3g from the minimum", p.Label, p.LR, p.Distance)
		pl := plot.NewPanel(title, "x", "y")
		pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = xmin, xmax, ymin, ymax
		pl.Add(plot.Contour(grid, levels))
		l, s, err := plot.Path(p.Points, plot.Color(i))
		if err != nil {
			return files, err
		}
		pl.Add(l, s)
		pl.Add(plot.Marker(r.Start[0], r.Start[1], draw.CircleGlyph{}, color.Black, 3))
		pl.Add(plot.Marker(0, 0, draw.CrossGlyph{}, color.Black, 5))
		panels[len(panels)-1] = append(panels[len(panels)-1], pl)
	}
	fig := &plot.Figure{
		Title:  fmt.Sprintf("f(x, y) = x²/20 + y² from (%g, %g): %d steps of each optimizer", r.Start[0], r.Start[1], r.Steps),
		Panels: panels, Width: 12 * vg.Inch, Height: vg.Length(1+2.3*float64(len(panels))) * vg.Inch,
	}
	if err := out.picture(&files, fig, "optimizers-paths"); err != nil {
		return files, err
	}
	rows := [][]string{{"optimizer", "lr", "steps", "x", "y", "distance", "f", "y_sign_changes"}}
	for _, p := range r.Paths {
		f := p.Final()
		rows = append(rows, []string{p.Name, fmtG(p.LR), fmt.Sprint(r.Steps), fmtG(f[0]), fmtG(f[1]), fmtG(p.Distance), fmtG(p.Loss), fmt.Sprint(p.SignChanges)})
	}
	return files, out.csv(&files, "optimizers-paths.csv", rows)
}

// Table formats where each optimizer ended.
func (r *Paths) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d steps on f(x, y) = x²/20 + y² from (%g, %g):\n", r.Steps, r.Start[0], r.Start[1])
	fmt.Fprintf(&b, "  %-15s %6s  %-20s %9s %9s  %s\n", "optimizer", "η", "final (x, y)", "distance", "f", "y sign changes")
	for _, p := range r.Paths {
		f := p.Final()
		fmt.Fprintf(&b, "  %-15s %6g  (%8.4f, %8.4f) %9.4f %9.4f  %d\n", p.Label, p.LR, f[0], f[1], p.Distance, p.Loss, p.SignChanges)
	}
	return b.String()
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// MNISTOptimizers are the optimizers CompareOptimizers trains with, at
// their conventional learning rates (those of Saito's book for the same
// comparison): 0.01 for the SGD family and AdaGrad, 0.001 for RMSProp and
// Adam.
var MNISTOptimizers = []OptimizerSetting{
	{"sgd", "SGD", 0.01},
	{"momentum", "Momentum", 0.01},
	{"nesterov", "Nesterov (NAG)", 0.01},
	{"adagrad", "AdaGrad", 0.01},
	{"rmsprop", "RMSProp", 0.001},
	{"adam", "Adam", 0.001},
}

// MNISTConfig configures CompareOptimizers.
type MNISTConfig struct {
	// Train and Test are images as the MLP takes them: vectors
	// (data.ImagePrep with Flatten), with the classes named in the spec.
	Train, Test data.Dataset
	// Steps is the budget of optimizer steps, the same for every optimizer
	// (default: one epoch of Train).
	Steps int
	// Batch is the number of images per step (default 100).
	Batch int
	// Seed fixes the initial weights (the same for every optimizer) and
	// the order of the batches (the same too).
	Seed uint64
	// Optimizers are the settings to compare (default MNISTOptimizers).
	Optimizers []OptimizerSetting
	// Log, if not nil, receives a line per optimizer.
	Log io.Writer
}

// MNISTRun is one optimizer's training run.
type MNISTRun struct {
	OptimizerSetting
	// Losses holds the mini-batch loss of every step.
	Losses []float64 `json:"losses"`
	// FinalLoss is the mean loss over the last tenth of the steps.
	FinalLoss float64 `json:"final_loss"`
	// TestLoss and TestAccuracy are measured on Test after the last step.
	TestLoss     float64 `json:"test_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
}

// MNISTComparison is the result of CompareOptimizers.
type MNISTComparison struct {
	Model       string     `json:"model"`
	Parameters  int        `json:"parameters"`
	Steps       int        `json:"steps"`
	Batch       int        `json:"batch"`
	Seed        uint64     `json:"seed"`
	TrainImages int        `json:"train_images"`
	TestImages  int        `json:"test_images"`
	Runs        []MNISTRun `json:"runs"`
}

// Run returns the run of the optimizer with the given name, or nil.
func (c *MNISTComparison) Run(name string) *MNISTRun {
	for i := range c.Runs {
		if c.Runs[i].Name == name {
			return &c.Runs[i]
		}
	}
	return nil
}

// CompareOptimizers trains the MNIST MLP (models "mlp": 784-256-128-10,
// ReLU) once per optimizer, each from the same initial weights through the
// same batches for the same number of steps, recording the loss of every
// step and the test accuracy at the end. It stops early with an error
// when ctx is canceled.
func CompareOptimizers(ctx context.Context, cfg MNISTConfig) (*MNISTComparison, error) {
	if cfg.Train == nil || cfg.Train.Len() == 0 || cfg.Test == nil || cfg.Test.Len() == 0 {
		return nil, errors.New("experiment: optimizer comparison needs training and test images")
	}
	if cfg.Batch == 0 {
		cfg.Batch = 100
	}
	if cfg.Batch < 0 || cfg.Steps < 0 {
		return nil, fmt.Errorf("experiment: batch %d and steps %d must be positive", cfg.Batch, cfg.Steps)
	}
	if cfg.Steps == 0 {
		cfg.Steps = train.StepsPerEpoch(cfg.Train.Len(), cfg.Batch)
	}
	if len(cfg.Optimizers) == 0 {
		cfg.Optimizers = MNISTOptimizers
	}
	in := cfg.Train.Spec().Inputs
	if len(in) != 1 || len(in[0].Shape) != 1 {
		return nil, fmt.Errorf("experiment: the MLP takes flattened images (vectors), got examples of %d inputs, the first of shape %v", len(in), in[0].Shape)
	}
	classes := len(cfg.Train.Spec().Classes)
	if classes < 2 {
		return nil, fmt.Errorf("experiment: the training set names %d classes, want at least 2", classes)
	}
	res := &MNISTComparison{Model: "mlp", Steps: cfg.Steps, Batch: cfg.Batch, Seed: cfg.Seed,
		TrainImages: cfg.Train.Len(), TestImages: cfg.Test.Len()}
	for _, s := range cfg.Optimizers {
		// The MNIST MLP of models ("mlp": two hidden layers of 256 and 128
		// ReLU units) for the set's vectors and classes.
		model := models.MLP(tensor.NewRNG(cfg.Seed), in[0].Shape[0], []int{256, 128}, classes, nn.ReLU{})
		res.Parameters = nn.CountParams(model)
		opt, err := optim.New(s.Name, model.Params(), s.LR)
		if err != nil {
			return nil, err
		}
		if s.Label == "" {
			s.Label = s.Name
		}
		run := MNISTRun{OptimizerSetting: s, Losses: make([]float64, 0, cfg.Steps)}
		loader := data.NewLoader(cfg.Train, cfg.Batch, true, false, tensor.NewRNG(cfg.Seed+1))
		var loss train.Loss = train.CrossEntropy{}
		g := autograd.NewGraph()
		g.Training = true
	epochs:
		for {
			for b := range loader.Epoch() {
				if err := canceled(ctx); err != nil {
					return nil, err
				}
				l, _, err := train.Step(g, model, loss, opt, b)
				g.Reset()
				if err != nil {
					return nil, fmt.Errorf("experiment: %s at η = %g: step %d: %w", s.Label, s.LR, len(run.Losses)+1, err)
				}
				run.Losses = append(run.Losses, l)
				if len(run.Losses) == cfg.Steps {
					break epochs
				}
			}
		}
		tail := run.Losses[len(run.Losses)-max(len(run.Losses)/10, 1):]
		for _, l := range tail {
			run.FinalLoss += l / float64(len(tail))
		}
		run.TestLoss, run.TestAccuracy = train.Evaluate(model, cfg.Test, 500)
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "%-15s η = %-6g loss %.4f → %.4f, test accuracy %.4f\n", s.Label, s.LR, run.Losses[0], run.FinalLoss, run.TestAccuracy)
		}
		res.Runs = append(res.Runs, run)
	}
	return res, nil
}

// Smooth returns the moving average of v over a trailing window of w
// values (fewer at the start), to show the trend of noisy mini-batch
// losses.
func Smooth(v []float64, w int) []float64 {
	w = max(w, 1)
	out := make([]float64, len(v))
	sum := 0.0
	for i, x := range v {
		sum += x
		if i >= w {
			sum -= v[i-w]
		}
		out[i] = sum / float64(min(i+1, w))
	}
	return out
}

// Draw writes the smoothed loss curves and the test accuracies as
// optimizers-mnist.png/.svg, and the table of results as
// optimizers-mnist.csv. It returns the paths of the files.
func (c *MNISTComparison) Draw(out Output) ([]string, error) {
	var files []string
	window := max(c.Steps/25, 1)
	var series []plot.Series
	var names []string
	var accs []float64
	for i, r := range c.Runs {
		xs := make([]float64, len(r.Losses))
		for k := range xs {
			xs[k] = float64(k + 1)
		}
		series = append(series, plot.Series{Name: fmt.Sprintf("%s (η = %g)", r.Label, r.LR), X: xs, Y: Smooth(r.Losses, window), Color: plot.Color(i)})
		names = append(names, r.Label)
		accs = append(accs, 100*r.TestAccuracy)
	}
	lp, err := plot.LineChart(fmt.Sprintf("Mini-batch loss (moving average of %d steps)", window), "step", "cross-entropy loss", series...)
	if err != nil {
		return files, err
	}
	plot.LogY(lp)
	lp.Legend.Top, lp.Legend.Left = false, true // the curves leave the bottom left empty
	ap, err := plot.Bars(fmt.Sprintf("Test accuracy after %d steps", c.Steps), "accuracy on the test images (%)", names, accs, "%.1f")
	if err != nil {
		return files, err
	}
	fig := &plot.Figure{
		Title: fmt.Sprintf("MNIST MLP (%s parameters): %d steps of %d images with each optimizer, same start, same batches",
			nn.Thousands(c.Parameters), c.Steps, c.Batch),
		Panels: [][]*gplot.Plot{{lp, ap}}, Width: 12 * vg.Inch, Height: 4.8 * vg.Inch,
	}
	if err := out.picture(&files, fig, "optimizers-mnist"); err != nil {
		return files, err
	}
	rows := [][]string{{"optimizer", "lr", "steps", "batch", "first_loss", "final_loss", "test_loss", "test_accuracy"}}
	for _, r := range c.Runs {
		rows = append(rows, []string{r.Name, fmtG(r.LR), fmt.Sprint(c.Steps), fmt.Sprint(c.Batch), fmtG(r.Losses[0]), fmtG(r.FinalLoss), fmtG(r.TestLoss), fmtG(r.TestAccuracy)})
	}
	return files, out.csv(&files, "optimizers-mnist.csv", rows)
}

// Table formats each optimizer's final loss and test accuracy.
func (c *MNISTComparison) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MNIST MLP, %d steps of %d images (%d training images), accuracy on %d test images:\n", c.Steps, c.Batch, c.TrainImages, c.TestImages)
	fmt.Fprintf(&b, "  %-15s %7s  %10s  %13s\n", "optimizer", "η", "final loss", "test accuracy")
	for _, r := range c.Runs {
		fmt.Fprintf(&b, "  %-15s %7g  %10.4f  %12.2f%%\n", r.Label, r.LR, r.FinalLoss, 100*r.TestAccuracy)
	}
	return b.String()
}
