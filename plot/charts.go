package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/baeum-ml/baeum/train"
)

// Series is one line of a line chart: the points (X[i], Y[i]) joined in
// order. Points that are not finite numbers are left out.
type Series struct {
	Name   string
	X, Y   []float64
	Color  color.Color // nil: the palette's colour for the series' position
	Dashed bool        // draw a dashed line
	Points bool        // mark every point
	Width  float64     // line width in points (0: 1.5)
}

// LineChart returns a plot of the series, with a legend when any series
// has a name. It returns an error if a series' X and Y differ in length or
// no series has a finite point.
func LineChart(title, xLabel, yLabel string, series ...Series) (*gplot.Plot, error) {
	p := NewPanel(title, xLabel, yLabel)
	any := false
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plot: series %q has %d x values and %d y values", s.Name, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, 0, len(s.X))
		for k := range s.X {
			if finite(s.X[k]) && finite(s.Y[k]) {
				pts = append(pts, plotter.XY{X: s.X[k], Y: s.Y[k]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		any = true
		clr := s.Color
		if clr == nil {
			clr = Color(i)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color = clr
		l.Width = vg.Points(1.5)
		if s.Width > 0 {
			l.Width = vg.Points(s.Width)
		}
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		var thumb gplot.Thumbnailer = l
		if s.Points {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.Color = clr
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.5)
			p.Add(sc)
			thumb = lineAndPoint{l, sc}
		}
		if s.Name != "" {
			p.Legend.Add(s.Name, thumb)
		}
	}
	if !any {
		return nil, fmt.Errorf("plot: %q: nothing to draw (no finite points)", title)
	}
	return p, nil
}

type lineAndPoint struct {
	l *plotter.Line
	s *plotter.Scatter
}

// Thumbnail draws the legend entry: a line with a dot on it.
func (t lineAndPoint) Thumbnail(c *draw.Canvas) { t.l.Thumbnail(c); t.s.Thumbnail(c) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// NewPanel returns an empty gonum plot with baeum's styling: a title,
// axis labels, light grid lines and a legend in the top right corner.
func NewPanel(title, xLabel, yLabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.Padding = vg.Points(1)
	p.Legend.ThumbnailWidth = vg.Points(18)
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	return p
}

// TrainingCurves draws the loss and the accuracy of every epoch of a
// training run — on the training batches, the validation set and the test
// set — as two panels side by side, and writes them to path as PNG or SVG,
// chosen by the extension. Validation or test curves are left out when the
// run had no such set (their numbers are all zero). This is what
// `baeum train --plot FILE` draws.
func TrainingCurves(history []train.EpochStats, path string) error {
	if _, err := FormatOf(path); err != nil {
		return err
	}
	f, err := TrainingCurvesFigure(history)
	if err != nil {
		return err
	}
	return f.Save(path)
}

// TrainingCurvesFigure returns the figure TrainingCurves writes.
func TrainingCurvesFigure(history []train.EpochStats) (*Figure, error) {
	if len(history) == 0 {
		return nil, errors.New("plot: training curves: the history has no epochs")
	}
	n := len(history)
	epochs := make([]float64, n)
	col := func(get func(train.EpochStats) float64) ([]float64, bool) {
		v := make([]float64, n)
		any := false
		for i, h := range history {
			v[i] = get(h)
			any = any || v[i] != 0
		}
		return v, any
	}
	for i, h := range history {
		epochs[i] = float64(h.Epoch)
	}
	trainLoss, _ := col(func(h train.EpochStats) float64 { return h.TrainLoss })
	trainAcc, _ := col(func(h train.EpochStats) float64 { return 100 * h.TrainAccuracy })
	valLoss, hasVal := col(func(h train.EpochStats) float64 { return h.ValLoss })
	valAcc, _ := col(func(h train.EpochStats) float64 { return 100 * h.ValAccuracy })
	testLoss, hasTest := col(func(h train.EpochStats) float64 { return h.TestLoss })
	testAcc, _ := col(func(h train.EpochStats) float64 { return 100 * h.TestAccuracy })

	loss := []Series{{Name: "train", X: epochs, Y: trainLoss, Color: Color(0), Points: true}}
	acc := []Series{{Name: "train", X: epochs, Y: trainAcc, Color: Color(0), Points: true}}
	if hasVal {
		loss = append(loss, Series{Name: "validation", X: epochs, Y: valLoss, Color: Color(1), Points: true})
		acc = append(acc, Series{Name: "validation", X: epochs, Y: valAcc, Color: Color(1), Points: true})
	}
	if hasTest {
		loss = append(loss, Series{Name: "test", X: epochs, Y: testLoss, Color: Color(2), Points: true, Dashed: true})
		acc = append(acc, Series{Name: "test", X: epochs, Y: testAcc, Color: Color(2), Points: true, Dashed: true})
	}
	lp, err := LineChart("Loss (cross-entropy)", "epoch", "mean loss", loss...)
	if err != nil {
		return nil, err
	}
	ap, err := LineChart("Accuracy", "epoch", "accuracy (%)", acc...)
	if err != nil {
		return nil, err
	}
	ap.Legend.Top = false // accuracy rises towards the top right
	for _, p := range []*gplot.Plot{lp, ap} {
		integerTicks(p, epochs)
	}
	return NewFigure("", 9*vg.Inch, 3.6*vg.Inch, lp, ap), nil
}

// integerTicks puts the x axis' ticks on whole epochs (at most about ten
// of them) and pads the range by half an epoch.
func integerTicks(p *gplot.Plot, xs []float64) {
	lo, hi := xs[0], xs[len(xs)-1]
	p.X.Min, p.X.Max = lo-0.5, hi+0.5
	step := math.Max(1, math.Ceil((hi-lo+1)/10))
	p.X.Tick.Marker = gplot.TickerFunc(func(min, max float64) []gplot.Tick {
		var ts []gplot.Tick
		for x := lo; x <= hi; x += step {
			ts = append(ts, gplot.Tick{Value: x, Label: fmt.Sprint(x)})
		}
		return ts
	})
}

// LogY gives p a logarithmic y axis with ticks at 1, 2 and 5 times the
// powers of ten (only the powers of ten when the axis spans more than
// three of them), labelled compactly (500, 2k, 1M). Every y value drawn on
// p must be positive.
func LogY(p *gplot.Plot) {
	p.Y.Scale = gplot.LogScale{}
	p.Y.Tick.Marker = gplot.TickerFunc(func(min, max float64) []gplot.Tick {
		var ts []gplot.Tick
		if !(min > 0) || !(max > min) {
			return ts
		}
		lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
		mult := []float64{1, 2, 5}
		if hi-lo > 3 {
			mult = []float64{1}
		}
		for e := lo; e <= hi; e++ {
			for _, m := range mult {
				v := m * math.Pow(10, e)
				if v >= min*0.999 && v <= max*1.001 {
					ts = append(ts, gplot.Tick{Value: v, Label: compact(v)})
				}
			}
		}
		return ts
	})
}

// compact formats a tick value: 0.2, 50, 2k, 1M.
func compact(v float64) string {
	switch {
	case v >= 1e9:
		return strconv.FormatFloat(v/1e9, 'g', -1, 64) + "G"
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Bars returns a bar chart of values with a name under each bar and the
// value, formatted with format (such as "%.1f%%"), above it.
func Bars(title, yLabel string, names []string, values []float64, format string) (*gplot.Plot, error) {
	if len(names) != len(values) || len(values) == 0 {
		return nil, fmt.Errorf("plot: bar chart %q: %d names for %d values", title, len(names), len(values))
	}
	p := NewPanel(title, "", yLabel)
	top := 0.0
	labels := plotter.XYLabels{}
	for i, v := range values {
		if !finite(v) {
			return nil, fmt.Errorf("plot: bar chart %q: value %v for %q", title, v, names[i])
		}
		top = math.Max(top, v)
	}
	for i, v := range values {
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: v + 0.02*top})
		labels.Labels = append(labels.Labels, fmt.Sprintf(format, v))
	}
	for i := range values {
		b, err := plotter.NewBarChart(plotter.Values{values[i]}, vg.Points(22))
		if err != nil {
			return nil, err
		}
		b.XMin = float64(i)
		b.Color = Color(i)
		b.LineStyle.Width = 0
		p.Add(b)
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].Font.Size = vg.Points(8)
	}
	p.Add(l)
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Y.Min = 0
	p.Y.Max = top * 1.12
	return p, nil
}

// LogBars returns a bar chart of positive values on a logarithmic axis,
// for counts that span orders of magnitude, with each value written above
// its bar. colors[i] picks bar i's colour from the palette (nil: one
// colour per bar).
func LogBars(title, yLabel string, names []string, values []float64, colors []int) (*gplot.Plot, error) {
	if len(names) != len(values) || len(values) == 0 || (colors != nil && len(colors) != len(values)) {
		return nil, fmt.Errorf("plot: bar chart %q: %d names, %d values and %d colours", title, len(names), len(values), len(colors))
	}
	p := NewPanel(title, "", yLabel)
	top := 1.0
	var labels plotter.XYLabels
	for i, v := range values {
		if !(v >= 1) || !finite(v) {
			return nil, fmt.Errorf("plot: bar chart %q: value %v for %q (a logarithmic axis needs values of at least 1)", title, v, names[i])
		}
		top = math.Max(top, v)
		ci := i
		if colors != nil {
			ci = colors[i]
		}
		x := float64(i)
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x - 0.35, Y: 1}, {X: x + 0.35, Y: 1}, {X: x + 0.35, Y: v}, {X: x - 0.35, Y: v}})
		if err != nil {
			return nil, err
		}
		poly.Color = Color(ci)
		poly.LineStyle.Width = 0
		p.Add(poly)
		labels.XYs = append(labels.XYs, plotter.XY{X: x, Y: v * 1.15})
		labels.Labels = append(labels.Labels, thousands(int64(math.Round(v))))
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].Font.Size = vg.Points(8)
	}
	p.Add(l)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(values))-0.4
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Y.Min, p.Y.Max = 1, top*4
	LogY(p)
	return p, nil
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
