package experiment

import (
	"fmt"
	"math"
	"slices"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
)

// FeatureMaps is what a convolutional model's first layer does to one
// digit: its learned filters and the maps they produce.
type FeatureMaps struct {
	// Model describes the model; Layer names the convolution ("c1") and
	// Activation the nonlinearity after it.
	Model, Layer, Activation string
	// Source says where the digit came from ("MNIST test image 0").
	Source string
	// Label is the digit's true label, or -1 when unknown.
	Label int
	// Predicted is the model's answer and Probability its softmax
	// probability.
	Predicted   int
	Probability float64
	// Pixels is the 28×28 digit (0 background, 255 ink).
	Pixels []byte
	// Input is the image the model sees (padded and normalised), InH×InW.
	Input    []float64
	InH, InW int
	// Filters holds each filter's K×K weights (row-major) and Bias its
	// bias.
	Filters [][]float64
	Bias    []float64
	K       int
	// Maps holds each filter's feature map after the activation, OutH×OutW.
	Maps       [][]float64
	OutH, OutW int
}

// Filters runs one grey image (for MNIST, a 28×28 digit, ink high) through the first
// convolution of m and its activation, and returns the layer's filters
// and feature maps. label is the true digit or -1; source describes where
// the digit came from. m must start with a convolution over one channel,
// as LeNet-5 does.
func Filters(m *models.Model, pixels []byte, label int, source string) (*FeatureMaps, error) {
	prep := m.Image()
	if len(pixels) != prep.RawSize() || prep.Channels != 1 {
		return nil, fmt.Errorf("inspect: the image has %d pixels; %v takes grey %d×%d images", len(pixels), m, prep.Height, prep.Width)
	}
	seq, ok := m.Module.(*nn.Sequential)
	var conv *nn.Conv2D
	if ok && len(seq.Children()) > 0 {
		conv, _ = seq.Children()[0].Module.(*nn.Conv2D)
	}
	if conv == nil || conv.InC != 1 || prep.Flatten {
		return nil, fmt.Errorf("inspect: %v does not start with a convolution over the image, so it has no filters to show (use a LeNet-5 checkpoint)", m)
	}
	children := seq.Children()
	f := &FeatureMaps{Model: m.String(), Layer: children[0].Name, Source: source, Label: label,
		Pixels: slices.Clone(pixels), K: conv.K}
	// The model's input: the image prepared as in training, by the
	// checkpoint's record.
	shape := prep.Shape()
	f.InH, f.InW = shape[1], shape[2]
	in := tensor.New(tensor.Float32, shape...)
	prep.Prepare(in.F32(), pixels)
	f.Input = in.Float64s()
	w := conv.Weight.Data()
	for o := 0; o < conv.OutC; o++ {
		f.Filters = append(f.Filters, w.Float64s()[o*conv.K*conv.K:(o+1)*conv.K*conv.K])
		b := 0.0
		if conv.Bias != nil {
			b = conv.Bias.Data().Flat(o)
		}
		f.Bias = append(f.Bias, b)
	}
	g := autograd.NewInferenceGraph()
	x := g.Input(tensor.FromFloat64(f.Input, 1, 1, f.InH, f.InW).To(w.DType()))
	y := children[0].Module.Forward(g, x)
	f.Activation = "none"
	if len(children) > 1 && len(children[1].Module.Params()) == 0 {
		if _, isPool := children[1].Module.(nn.AvgPool2D); !isPool {
			if _, isMax := children[1].Module.(nn.MaxPool2D); !isMax {
				y = children[1].Module.Forward(g, y)
				f.Activation = fmt.Sprint(children[1].Module)
			}
		}
	}
	f.OutH, f.OutW = y.Shape()[2], y.Shape()[3]
	maps := y.Data().Float64s()
	for o := 0; o < conv.OutC; o++ {
		f.Maps = append(f.Maps, maps[o*f.OutH*f.OutW:(o+1)*f.OutH*f.OutW])
	}
	pred, err := infer.New(m).PredictPixels(pixels)
	if err != nil {
		return nil, err
	}
	f.Predicted, f.Probability = pred.Digit, pred.Probabilities[pred.Digit]
	return f, nil
}

// Draw writes inspect-<name>.png/.svg: the digit, each filter (blue
// negative, red positive weights) and, under each filter, its feature map.
// It returns the paths of the files.
func (f *FeatureMaps) Draw(out Output, name string) ([]string, error) {
	var files []string
	absMax := func(vs [][]float64) float64 {
		m := 0.0
		for _, v := range vs {
			for _, x := range v {
				m = math.Max(m, math.Abs(x))
			}
		}
		if m == 0 {
			m = 1
		}
		return m
	}
	px := make([]float64, len(f.Pixels))
	for i, v := range f.Pixels {
		px[i] = float64(v)
	}
	what := f.Source
	if f.Label >= 0 {
		what = fmt.Sprintf("%s, a %d", f.Source, f.Label)
	}
	top := []*gplot.Plot{plot.ImagePanel(what, plot.Raster(px, digits.Size, digits.Size, 0, 255, plot.Gray, 8))}
	bottom := []*gplot.Plot{nil}
	wm := absMax(f.Filters)
	mm := absMax(f.Maps)
	for i := range f.Filters {
		top = append(top, plot.ImagePanel(fmt.Sprintf("filter %d (bias %+.2f)", i+1, f.Bias[i]), plot.Raster(f.Filters[i], f.K, f.K, -wm, wm, plot.BlueRed, 40)))
		bottom = append(bottom, plot.ImagePanel(fmt.Sprintf("feature map %d", i+1), plot.Raster(f.Maps[i], f.OutW, f.OutH, -mm, mm, plot.BlueRed, 8)))
	}
	title := fmt.Sprintf("%s: %s's %d learned %d×%d filters (blue < 0 < red, up to ±%.2f) and their feature maps after %s (up to ±%.2f)\npredicted %d with probability %.1f%%",
		f.Model, f.Layer, len(f.Filters), f.K, f.K, wm, f.Activation, mm, f.Predicted, 100*f.Probability)
	fig := &plot.Figure{Title: title, Panels: [][]*gplot.Plot{top, bottom},
		Width: vg.Length(1.7*float64(len(top))) * vg.Inch, Height: 4.4 * vg.Inch}
	if err := out.picture(&files, fig, "inspect-"+name); err != nil {
		return files, err
	}
	return files, nil
}
