package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/nn/initializers"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
)

// InitScheme is a way to draw a layer's weights in the activation
// experiment.
type InitScheme struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	// Fill draws the weights of a Linear layer, shaped (out, in).
	Fill func(rng *rand.Rand, w *tensor.Tensor) `json:"-"`
}

// InitSchemes are the initializations the activation experiment compares:
// standard deviation 1 (too large: sigmoid and tanh saturate, ReLU
// explodes), 0.01 (too small: the signal shrinks layer by layer), Xavier
// (normal, σ = √(2/(fan_in+fan_out)) = 1/√100 here) and He (normal,
// σ = √(2/fan_in)).
var InitSchemes = []InitScheme{
	{"std1", "N(0, 1)", func(rng *rand.Rand, w *tensor.Tensor) { initializers.Normal(rng, w, 0, 1) }},
	{"std0.01", "N(0, 0.01²)", func(rng *rand.Rand, w *tensor.Tensor) { initializers.Normal(rng, w, 0, 0.01) }},
	{"xavier", "Xavier", func(rng *rand.Rand, w *tensor.Tensor) { initializers.XavierNormal(rng, w, 1) }},
	{"he", "He", func(rng *rand.Rand, w *tensor.Tensor) { initializers.HeNormal(rng, w, initializers.FanIn, math.Sqrt2) }},
}

// ActivationNames are the nonlinearities the activation experiment
// compares.
var ActivationNames = []string{"sigmoid", "tanh", "relu"}

// ActivationConfig configures Activations. Zero values mean the classic
// setting: 1000 examples of 100 standard normal numbers through five
// layers of 100 units, 30 histogram bins.
type ActivationConfig struct {
	Examples, Units, Layers, Bins int
	Seed                          uint64
	// Activations and Schemes choose what to compare (default: all of
	// ActivationNames and InitSchemes), by name.
	Activations []string
	Schemes     []string
}

func (c *ActivationConfig) fill() {
	if c.Examples == 0 {
		c.Examples = 1000
	}
	if c.Units == 0 {
		c.Units = 100
	}
	if c.Layers == 0 {
		c.Layers = 5
	}
	if c.Bins == 0 {
		c.Bins = 30
	}
	if len(c.Activations) == 0 {
		c.Activations = ActivationNames
	}
	if len(c.Schemes) == 0 {
		for _, s := range InitSchemes {
			c.Schemes = append(c.Schemes, s.Name)
		}
	}
}

// Histogram counts values in Bins equal bins from Lo to Hi; Counts[i]
// holds those in [Lo + i·w, Lo + (i+1)·w) (the last bin includes Hi).
type Histogram struct {
	Lo, Hi float64
	Counts []int
	// Total is the number of values the fractions are relative to,
	// including any left out of the bins.
	Total int
}

// Fraction returns the share of Total in bin i.
func (h Histogram) Fraction(i int) float64 { return float64(h.Counts[i]) / float64(h.Total) }

// LayerStats describes the activations of one layer over every example.
type LayerStats struct {
	Layer int     `json:"layer"` // 1-based
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	// Saturated is the share of activations on the flat ends of sigmoid
	// (below 0.02 or above 0.98) or tanh (beyond ±0.98), where the
	// gradient almost vanishes (0 for ReLU).
	Saturated float64 `json:"saturated"`
	// Zero is the share of activations that are exactly 0 (ReLU's
	// inactive units).
	Zero float64 `json:"zero"`
	// Hist is the histogram drawn: of every activation for sigmoid and
	// tanh over their ranges, and of the positive ones for ReLU, up to
	// the largest 99.5th percentile of any layer of the run.
	Hist Histogram `json:"-"`
}

// ActivationRun is one combination of nonlinearity and initialization.
type ActivationRun struct {
	Activation  string       `json:"activation"`
	Scheme      string       `json:"scheme"`
	SchemeLabel string       `json:"scheme_label"`
	WeightStd   float64      `json:"weight_std"` // the standard deviation of the drawn weights
	Layers      []LayerStats `json:"layers"`
}

// Activations is the result of the activation experiment.
type Activations struct {
	Config ActivationConfig `json:"config"`
	Runs   []ActivationRun  `json:"runs"`
}

// Run returns the run of the given activation and scheme, or nil.
func (a *Activations) Run(activation, scheme string) *ActivationRun {
	for i := range a.Runs {
		if a.Runs[i].Activation == activation && a.Runs[i].Scheme == scheme {
			return &a.Runs[i]
		}
	}
	return nil
}

// ActivationStats feeds the same random input (standard normal numbers)
// through a stack of Linear layers without bias, each followed by the
// nonlinearity, for every combination of nonlinearity and initialization
// in cfg, and measures each layer's activations. Weights are drawn from
// the same seed for every nonlinearity, so that within a scheme only the
// nonlinearity differs.
func ActivationStats(cfg ActivationConfig) (*Activations, error) {
	cfg.fill()
	if cfg.Examples < 0 || cfg.Units < 0 || cfg.Layers < 0 || cfg.Bins < 0 {
		return nil, fmt.Errorf("experiment: sizes must be positive: %d examples, %d units, %d layers, %d bins", cfg.Examples, cfg.Units, cfg.Layers, cfg.Bins)
	}
	var schemes []InitScheme
	for _, name := range cfg.Schemes {
		i := slices.IndexFunc(InitSchemes, func(s InitScheme) bool { return s.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("experiment: unknown initialization %q (want %s)", name, schemeNames())
		}
		schemes = append(schemes, InitSchemes[i])
	}
	for _, a := range cfg.Activations {
		if !slices.Contains(ActivationNames, a) {
			return nil, fmt.Errorf("experiment: unknown activation %q (want %s)", a, strings.Join(ActivationNames, ", "))
		}
	}
	input := tensor.RandNormal(tensor.NewRNG(cfg.Seed), tensor.Float64, 0, 1, cfg.Examples, cfg.Units)
	res := &Activations{Config: cfg}
	g := autograd.NewInferenceGraph()
	for _, act := range cfg.Activations {
		for si, s := range schemes {
			rng := tensor.NewRNG(cfg.Seed + 1 + uint64(si))
			run := ActivationRun{Activation: act, Scheme: s.Name, SchemeLabel: s.Label}
			x := g.Input(input)
			var outs [][]float64
			var wsq float64
			for range cfg.Layers {
				w := tensor.New(tensor.Float64, cfg.Units, cfg.Units)
				s.Fill(rng, w)
				wsq += tensor.Dot(w, w)
				z := g.Linear(x, autograd.NewConst("weight", w), nil)
				switch act {
				case "sigmoid":
					x = g.Sigmoid(z)
				case "tanh":
					x = g.Tanh(z)
				case "relu":
					x = g.ReLU(z)
				}
				outs = append(outs, x.Data().Float64s()) // a copy, for the statistics
			}
			run.WeightStd = math.Sqrt(wsq / float64(cfg.Layers*cfg.Units*cfg.Units))
			run.Layers = layerStats(act, outs, cfg.Bins)
			res.Runs = append(res.Runs, run)
			g.Reset()
		}
	}
	return res, nil
}

func schemeNames() string {
	var names []string
	for _, s := range InitSchemes {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

func layerStats(act string, outs [][]float64, bins int) []LayerStats {
	lo, hi := 0.0, 1.0
	switch act {
	case "tanh":
		lo = -1
	case "relu":
		hi = 0
		for _, o := range outs {
			var pos []float64
			for _, v := range o {
				if v > 0 {
					pos = append(pos, v)
				}
			}
			if len(pos) > 0 {
				slices.Sort(pos)
				hi = math.Max(hi, pos[int(0.995*float64(len(pos)-1))])
			}
		}
		if hi == 0 {
			hi = 1
		}
	}
	var stats []LayerStats
	for i, o := range outs {
		st := LayerStats{Layer: i + 1, Hist: Histogram{Lo: lo, Hi: hi, Counts: make([]int, bins), Total: len(o)}}
		var sum, sq float64
		sat, zero := 0, 0
		for _, v := range o {
			sum += v
			sq += v * v
			switch {
			case act == "sigmoid" && (v < 0.02 || v > 0.98), act == "tanh" && math.Abs(v) > 0.98:
				sat++
			}
			if v == 0 {
				zero++
			}
			if act == "relu" && v <= 0 {
				continue // the zeros are counted apart
			}
			b := int((v - lo) / (hi - lo) * float64(bins))
			if b == bins && v <= hi {
				b = bins - 1
			}
			if b >= 0 && b < bins {
				st.Hist.Counts[b]++
			}
		}
		n := float64(len(o))
		st.Mean = sum / n
		st.Std = math.Sqrt(math.Max(sq/n-st.Mean*st.Mean, 0))
		st.Saturated = float64(sat) / n
		st.Zero = float64(zero) / n
		stats = append(stats, st)
	}
	return stats
}

// Draw writes one picture per nonlinearity, init-<activation>.png/.svg: a
// grid of histograms with a row per initialization and a column per
// layer, each titled with the layer's standard deviation (and, for ReLU,
// its share of zeros). It returns the paths of the files.
func (a *Activations) Draw(out Output) ([]string, error) {
	var files []string
	for _, act := range a.Config.Activations {
		var rows [][]*gplot.Plot
		for _, scheme := range a.Config.Schemes {
			run := a.Run(act, scheme)
			var row []*gplot.Plot
			ymax := 0.0
			for _, l := range run.Layers {
				for i := range l.Hist.Counts {
					ymax = math.Max(ymax, l.Hist.Fraction(i))
				}
			}
			for _, l := range run.Layers {
				title := fmt.Sprintf("layer %d: σ = %.2g", l.Layer, l.Std)
				if act == "relu" {
					title = fmt.Sprintf("layer %d: σ = %.2g, %.0f%% zero", l.Layer, l.Std, 100*l.Zero)
				}
				ylabel := ""
				if l.Layer == 1 {
					ylabel = run.SchemeLabel
				}
				p := plot.NewPanel(title, "", ylabel)
				p.Title.TextStyle.Font.Size = vg.Points(8.5)
				p.Y.Label.TextStyle.Font.Size = vg.Points(11)
				p.X.Tick.Label.Font.Size = vg.Points(7)
				p.Y.Tick.Label.Font.Size = vg.Points(7)
				h := &plotter.Histogram{Width: (l.Hist.Hi - l.Hist.Lo) / float64(len(l.Hist.Counts)), FillColor: plot.Color(actIndex(act))}
				h.LineStyle.Width = 0
				for i := range l.Hist.Counts {
					lo := l.Hist.Lo + float64(i)*h.Width
					h.Bins = append(h.Bins, plotter.HistogramBin{Min: lo, Max: lo + h.Width, Weight: l.Hist.Fraction(i)})
				}
				p.Add(h)
				p.X.Min, p.X.Max = l.Hist.Lo, l.Hist.Hi
				p.Y.Min, p.Y.Max = 0, math.Max(ymax*1.05, 1e-9)
				if l.Layer > 1 {
					p.Y.Tick.Label.Font.Size = 0 // the first column's ticks hold for the row
				}
				row = append(row, p)
			}
			rows = append(rows, row)
		}
		what := map[string]string{
			"sigmoid": "sigmoid: N(0, 1) saturates at 0 and 1, N(0, 0.01²) collapses to 0.5; Xavier keeps a spread",
			"tanh":    "tanh: N(0, 1) saturates at ±1, N(0, 0.01²) shrinks to 0 layer by layer; Xavier keeps a spread",
			"relu":    "ReLU: N(0, 1) explodes, N(0, 0.01²) and Xavier shrink layer by layer; He keeps the spread",
		}[act]
		fig := &plot.Figure{
			Title: fmt.Sprintf("Activations of %d layers of %d units on %d standard normal inputs, by initialization\n%s",
				a.Config.Layers, a.Config.Units, a.Config.Examples, what),
			Panels: rows,
			Width:  vg.Length(1.9*float64(a.Config.Layers)+0.6) * vg.Inch,
			Height: vg.Length(1.6*float64(len(rows))+0.7) * vg.Inch,
		}
		if err := out.picture(&files, fig, "init-"+act); err != nil {
			return files, err
		}
	}
	rows := [][]string{{"activation", "init", "layer", "mean", "std", "saturated", "zero"}}
	for _, r := range a.Runs {
		for _, l := range r.Layers {
			rows = append(rows, []string{r.Activation, r.Scheme, fmt.Sprint(l.Layer), fmtG(l.Mean), fmtG(l.Std), fmtG(l.Saturated), fmtG(l.Zero)})
		}
	}
	return files, out.csv(&files, "init-activations.csv", rows)
}

func actIndex(act string) int { return slices.Index(ActivationNames, act) }

// Table formats the standard deviation of each layer's activations (and
// the share saturated, for sigmoid and tanh).
func (a *Activations) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Activations of %d layers of %d units, standard deviation per layer (saturated share):\n", a.Config.Layers, a.Config.Units)
	for _, r := range a.Runs {
		fmt.Fprintf(&b, "  %-8s %-12s", r.Activation, r.SchemeLabel)
		for _, l := range r.Layers {
			if r.Activation == "relu" {
				fmt.Fprintf(&b, " %10.3g", l.Std)
			} else {
				fmt.Fprintf(&b, " %10.3g (%3.0f%%)", l.Std, 100*l.Saturated)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// SymmetryConfig configures Symmetry. Zero values mean: 200 examples of
// 8 random inputs labelled 0–2 by a random linear rule, a network
// 8 → 6 (tanh) → 3, 100 steps of plain gradient descent at η = 0.5 on the
// whole set, and constant weights of 0.3.
type SymmetryConfig struct {
	Examples, Inputs, Hidden, Classes, Steps int
	LR, Const                                float64
	Seed                                     uint64
}

func (c *SymmetryConfig) fill() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Examples, 200)
	def(&c.Inputs, 8)
	def(&c.Hidden, 6)
	def(&c.Classes, 3)
	def(&c.Steps, 100)
	if c.LR == 0 {
		c.LR = 0.5
	}
	if c.Const == 0 {
		c.Const = 0.3
	}
}

// SymmetryRun is one training run of the symmetry experiment.
type SymmetryRun struct {
	Init string `json:"init"` // "constant" or "random"
	// Spread[t] is the largest difference, after t steps, between the
	// incoming weights of any two hidden units (0 when all are the same).
	Spread []float64 `json:"spread"`
	// Loss[t] is the training loss before step t+1.
	Loss []float64 `json:"loss"`
	// Accuracy is the share of training examples classified right at the
	// end.
	Accuracy float64 `json:"accuracy"`
	// W1 holds the first layer's weights after training, one row per
	// hidden unit.
	W1 [][]float64 `json:"w1"`
}

// SymmetryResult is the result of Symmetry.
type SymmetryResult struct {
	Config   SymmetryConfig `json:"config"`
	Constant SymmetryRun    `json:"constant"`
	Random   SymmetryRun    `json:"random"`
}

// Symmetry trains the same small network twice on the same data: once
// from constant weights, once from random (Xavier) weights. With constant
// weights every hidden unit computes the same output and receives the
// same gradient, so the units stay identical at every step: the layer
// behaves as a single unit. Random weights break the symmetry.
func Symmetry(cfg SymmetryConfig) (*SymmetryResult, error) {
	cfg.fill()
	if cfg.Examples < 0 || cfg.Inputs < 0 || cfg.Hidden < 2 || cfg.Classes < 2 || cfg.Steps < 0 || !(cfg.LR > 0) {
		return nil, fmt.Errorf("experiment: bad symmetry settings %+v", cfg)
	}
	rng := tensor.NewRNG(cfg.Seed)
	x := tensor.RandNormal(rng, tensor.Float64, 0, 1, cfg.Examples, cfg.Inputs)
	teacher := tensor.RandNormal(rng, tensor.Float64, 0, 1, cfg.Classes, cfg.Inputs)
	// Each example's label is the class whose teacher row it has the
	// largest dot product with.
	scores := tensor.New(tensor.Float64, cfg.Examples, cfg.Classes)
	tensor.MatMulTo(scores, x, teacher, false, true)
	labels := tensor.ArgMaxRows(nil, scores)
	res := &SymmetryResult{Config: cfg}
	for _, init := range []string{"constant", "random"} {
		w1 := tensor.New(tensor.Float64, cfg.Hidden, cfg.Inputs)
		w2 := tensor.New(tensor.Float64, cfg.Classes, cfg.Hidden)
		if init == "constant" {
			w1.Fill(cfg.Const)
			w2.Fill(cfg.Const)
		} else {
			wr := tensor.NewRNG(cfg.Seed + 1)
			initializers.XavierNormal(wr, w1, 5.0/3)
			initializers.XavierNormal(wr, w2, 1)
		}
		p := []*autograd.Value{
			autograd.NewParam("w1", w1), autograd.NewParam("b1", tensor.New(tensor.Float64, cfg.Hidden)),
			autograd.NewParam("w2", w2), autograd.NewParam("b2", tensor.New(tensor.Float64, cfg.Classes)),
		}
		run := SymmetryRun{Init: init}
		g := autograd.NewGraph()
		forward := func() (*autograd.Value, *autograd.Value) {
			logits := g.Linear(g.Tanh(g.Linear(g.Input(x), p[0], p[1])), p[2], p[3])
			return logits, g.CrossEntropy(logits, labels, autograd.ReduceMean)
		}
		params := make([]nn.Param, len(p))
		for i, v := range p {
			params[i] = nn.Param{Name: v.Name(), Value: v}
		}
		opt, err := optim.NewSGD(params, optim.SGDConfig{LR: cfg.LR}) // plain gradient descent
		if err != nil {
			return nil, err
		}
		for step := 0; ; step++ {
			run.Spread = append(run.Spread, rowSpread(w1))
			if step == cfg.Steps {
				break
			}
			l, err := optim.Step(opt, func() *autograd.Value { _, loss := forward(); return loss })
			g.Reset()
			if err != nil {
				return nil, fmt.Errorf("experiment: %s initialisation, step %d: %w", init, step+1, err)
			}
			run.Loss = append(run.Loss, l)
		}
		logits, _ := forward()
		run.Accuracy = accuracy(logits.Data(), labels)
		g.Reset()
		for h := 0; h < cfg.Hidden; h++ {
			run.W1 = append(run.W1, w1.Index(h).Float64s())
		}
		if init == "constant" {
			res.Constant = run
		} else {
			res.Random = run
		}
	}
	return res, nil
}

// rowSpread returns the largest |w[i][k] - w[j][k]| over pairs of rows.
func rowSpread(w *tensor.Tensor) float64 {
	hi := tensor.Max(w, 0)             // the largest weight of each column
	lo := tensor.Max(tensor.Neg(w), 0) // minus the smallest
	return math.Max(0, tensor.Max(tensor.Add(hi, lo)).Item())
}

// accuracy returns the share of the rows of logits whose largest score is
// at their label.
func accuracy(logits *tensor.Tensor, labels []int) float64 {
	right := 0
	for i, p := range tensor.ArgMaxRows(nil, logits) {
		if p == labels[i] {
			right++
		}
	}
	return float64(right) / float64(len(labels))
}

// Draw writes init-symmetry.png/.svg: the first layer's weights after
// training from constant and from random weights (a row per hidden unit),
// and both runs' loss. It returns the paths of the files.
func (s *SymmetryResult) Draw(out Output) ([]string, error) {
	var files []string
	var panels []*gplot.Plot
	for _, r := range []SymmetryRun{s.Constant, s.Random} {
		var vals []float64
		m := 0.0
		for _, row := range r.W1 {
			vals = append(vals, row...)
			for _, v := range row {
				m = math.Max(m, math.Abs(v))
			}
		}
		img := plot.Raster(vals, s.Config.Inputs, s.Config.Hidden, -m, m, plot.BlueRed, 24)
		title := fmt.Sprintf("%s start: hidden units differ by %.2g", r.Init, r.Spread[len(r.Spread)-1])
		panels = append(panels, plot.ImagePanel(title+"\n(rows: hidden units, columns: inputs; blue < 0 < red)", img))
	}
	steps := make([]float64, len(s.Constant.Loss))
	for i := range steps {
		steps[i] = float64(i)
	}
	lp, err := plot.LineChart("Training loss", "step", "cross-entropy",
		plot.Series{Name: fmt.Sprintf("constant (accuracy %.0f%%)", 100*s.Constant.Accuracy), X: steps, Y: s.Constant.Loss},
		plot.Series{Name: fmt.Sprintf("random (accuracy %.0f%%)", 100*s.Random.Accuracy), X: steps, Y: s.Random.Loss})
	if err != nil {
		return files, err
	}
	panels = append(panels, lp)
	fig := plot.NewFigure(fmt.Sprintf("Constant weights never break symmetry: %d→%d→%d network, %d steps of gradient descent; first-layer weights after training",
		s.Config.Inputs, s.Config.Hidden, s.Config.Classes, s.Config.Steps), 12*vg.Inch, 4*vg.Inch, panels...)
	if err := out.picture(&files, fig, "init-symmetry"); err != nil {
		return files, err
	}
	return files, nil
}

// Table formats the first layer's weights after training from both
// starts.
func (s *SymmetryResult) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Symmetry: %d→%d→%d tanh network, %d steps of gradient descent (η = %g).\n", s.Config.Inputs, s.Config.Hidden, s.Config.Classes, s.Config.Steps, s.Config.LR)
	for _, r := range []SymmetryRun{s.Constant, s.Random} {
		fmt.Fprintf(&b, "%s start (%s): loss %.3f → %.3f, training accuracy %.0f%%; first-layer weights by hidden unit (largest difference between units %.3g):\n",
			r.Init, map[string]string{"constant": fmt.Sprintf("every weight %g", s.Config.Const), "random": "Xavier"}[r.Init],
			r.Loss[0], r.Loss[len(r.Loss)-1], 100*r.Accuracy, r.Spread[len(r.Spread)-1])
		for h, row := range r.W1 {
			fmt.Fprintf(&b, "  unit %d:", h+1)
			for _, v := range row {
				fmt.Fprintf(&b, " %7.3f", v)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
