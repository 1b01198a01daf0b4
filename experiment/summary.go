package experiment

import (
	"errors"
	"fmt"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
)

// ModelSummary is a model's layer table.
type ModelSummary struct {
	// Name is the architecture ("lenet5"), Label how it is described.
	Name, Label string
	// Summary holds the layers with output shapes and parameter counts.
	Summary *nn.Summary
}

// Summarize builds the model that a --model value names (a built-in
// architecture or a checkpoint path) and summarizes it for one input.
func Summarize(model string) (*ModelSummary, error) {
	var m *models.Model
	var err error
	if models.IsBuiltin(model) {
		m, err = models.ForMNIST(tensor.NewRNG(0), models.Config{Name: model})
	} else {
		m, _, err = models.Load(model)
	}
	if err != nil {
		return nil, err
	}
	return summarize(m), nil
}

func summarize(m *models.Model) *ModelSummary {
	s := &ModelSummary{Name: m.Config.Name, Label: m.String(), Summary: nn.Summarize(m.Module, append([]int{1}, m.InputShape()...)...)}
	switch m.Config.Name {
	case "lenet5", "lenet5-relu":
		s.Label = fmt.Sprintf("LeNet-5 (%s)", m.Config.Activation)
	case "mlp":
		sizes := []string{fmt.Sprint(m.InputShape()[0])}
		for _, h := range m.Config.Hidden {
			sizes = append(sizes, fmt.Sprint(h))
		}
		s.Label = fmt.Sprintf("MLP %s-10 (%s)", strings.Join(sizes, "-"), m.Config.Activation)
	case "softmax":
		s.Label = "softmax regression 784-10"
	case "cnn":
		s.Label = "CNN (3×3 convolutions 32, 32, 64, 64 with batch norm, a dense layer of 256)"
	case "resnet":
		s.Label = "ResNet (a stem and three stages of two residual blocks, 16, 32 and 64 channels)"
	}
	return s
}

// Sharing is what weight sharing saves in a convolution layer: the layer
// against a fully connected layer with the same input and output sizes.
type Sharing struct {
	Layer             string // "c1"
	InC, InH, InW     int    // input: channels × height × width
	OutC, OutH, OutW  int    // output
	K                 int    // filter size
	ConvParams        int    // OutC·(InC·K·K + 1)
	ConvConnections   int    // OutC·OutH·OutW·(InC·K·K + 1): multiply-adds with their weights
	DenseParams       int    // (InC·InH·InW)·(OutC·OutH·OutW) + OutC·OutH·OutW
	DenseOverConvRate float64
}

// ParamComparison sets an MLP on the flattened image against LeNet-5.
type ParamComparison struct {
	MLP, CNN *ModelSummary
	// C1 is LeNet-5's first convolution against a fully connected layer
	// that would produce its 6×28×28 output from the 32×32 image.
	C1 Sharing
}

// CompareParams summarizes the MLP and LeNet-5 and works out what LeNet's
// C1 would cost as a fully connected layer.
func CompareParams() (*ParamComparison, error) {
	mlp, err := models.ForMNIST(tensor.NewRNG(0), models.Config{Name: "mlp"})
	if err != nil {
		return nil, err
	}
	cnn, err := models.ForMNIST(tensor.NewRNG(0), models.Config{Name: "lenet5"})
	if err != nil {
		return nil, err
	}
	c := &ParamComparison{MLP: summarize(mlp), CNN: summarize(cnn)}
	seq, ok := cnn.Module.(*nn.Sequential)
	if !ok {
		return nil, errors.New("experiment: LeNet-5 is not a Sequential")
	}
	conv, ok := seq.Children()[0].Module.(*nn.Conv2D)
	if !ok {
		return nil, errors.New("experiment: LeNet-5 does not start with a convolution")
	}
	in := cnn.InputShape()
	out := c.CNN.Summary.Rows[0].Output // (1, C, H, W)
	s := Sharing{Layer: seq.Children()[0].Name, InC: in[0], InH: in[1], InW: in[2],
		OutC: out[1], OutH: out[2], OutW: out[3], K: conv.K}
	perUnit := s.InC*s.K*s.K + 1
	outputs := s.OutC * s.OutH * s.OutW
	s.ConvParams = s.OutC * perUnit
	s.ConvConnections = outputs * perUnit
	s.DenseParams = s.InC*s.InH*s.InW*outputs + outputs
	s.DenseOverConvRate = float64(s.DenseParams) / float64(s.ConvParams)
	c.C1 = s
	return c, nil
}

// String explains the comparison.
func (c *ParamComparison) String() string {
	var b strings.Builder
	th := nn.Thousands
	s := c.C1
	first := c.MLP.Summary.Rows[0]
	fmt.Fprintf(&b, "MLP on the flattened image against the CNN:\n")
	fmt.Fprintf(&b, "  %-32s %12s\n", "model", "parameters")
	fmt.Fprintf(&b, "  %-32s %12s\n", c.MLP.Label, th(c.MLP.Summary.Total))
	fmt.Fprintf(&b, "  %-32s %12s\n", c.CNN.Label, th(c.CNN.Summary.Total))
	fmt.Fprintf(&b, "\nWhy the CNN is smaller: weight sharing.\n")
	fmt.Fprintf(&b, "  The MLP gives every hidden unit its own weight for every pixel: its first layer alone has\n")
	fmt.Fprintf(&b, "  %d × %d + %d = %s parameters, %.0f%% of the whole network.\n", c.MLP.Summary.Input[1], first.Output[1], first.Output[1], th(first.Params), 100*float64(first.Params)/float64(c.MLP.Summary.Total))
	fmt.Fprintf(&b, "  LeNet-5's %s slides %d filters of %d×%d over the %d×%d image. Every one of the %s outputs\n", s.Layer, s.OutC, s.K, s.K, s.InH, s.InW, th(s.OutC*s.OutH*s.OutW))
	fmt.Fprintf(&b, "  (%d×%d×%d) looks at a %d×%d patch, so the layer makes %s connections, but the %d positions of a\n", s.OutC, s.OutH, s.OutW, s.K, s.K, th(s.ConvConnections), s.OutH*s.OutW)
	fmt.Fprintf(&b, "  filter share its weights: %d × (%d + 1) = %s parameters to learn.\n", s.OutC, s.InC*s.K*s.K, th(s.ConvParams))
	fmt.Fprintf(&b, "  A fully connected layer producing the same %d×%d×%d output from the %s pixels would need\n", s.OutC, s.OutH, s.OutW, th(s.InC*s.InH*s.InW))
	fmt.Fprintf(&b, "  %s × %s + %s = %s parameters: %s times as many.\n", th(s.InC*s.InH*s.InW), th(s.OutC*s.OutH*s.OutW), th(s.OutC*s.OutH*s.OutW), th(s.DenseParams), th(int(s.DenseOverConvRate+0.5)))
	fmt.Fprintf(&b, "  Sharing also builds in what images need: a stroke is detected the same way wherever it is.\n")
	return b.String()
}

// Draw writes summary-params.png/.svg: the parameters of every layer of
// the MLP and of LeNet-5, and C1 against its fully connected equivalent,
// on logarithmic scales. It returns the paths of the files.
func (c *ParamComparison) Draw(out Output) ([]string, error) {
	var files []string
	var names []string
	var vals []float64
	var groups []int
	for gi, m := range []*ModelSummary{c.MLP, c.CNN} {
		tag := map[int]string{0: "MLP ", 1: "LeNet "}[gi]
		for _, r := range m.Summary.Rows {
			if r.Params > 0 {
				names = append(names, tag+r.Name)
				vals = append(vals, float64(r.Params))
				groups = append(groups, gi)
			}
		}
	}
	layers, err := plot.LogBars(fmt.Sprintf("Parameters per layer: MLP %s in all, LeNet-5 %s",
		nn.Thousands(c.MLP.Summary.Total), nn.Thousands(c.CNN.Summary.Total)), "parameters", names, vals, groups)
	if err != nil {
		return files, err
	}
	s := c.C1
	c1, err := plot.LogBars(fmt.Sprintf("%s's %d×%d×%d output from the %d×%d image", s.Layer, s.OutC, s.OutH, s.OutW, s.InH, s.InW), "",
		[]string{"convolution: parameters", "convolution: connections", "fully connected: parameters"},
		[]float64{float64(s.ConvParams), float64(s.ConvConnections), float64(s.DenseParams)}, []int{1, 7, 3})
	if err != nil {
		return files, err
	}
	fig := &plot.Figure{
		Title:  "Weight sharing: a convolution reuses each 5×5 filter at every position of the image",
		Panels: [][]*gplot.Plot{{layers, c1}}, Width: 12 * vg.Inch, Height: 4.8 * vg.Inch,
	}
	if err := out.picture(&files, fig, "summary-params"); err != nil {
		return files, err
	}
	return files, nil
}
