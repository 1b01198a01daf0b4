package nn

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Golden values from PyTorch, made by testdata/make_fixtures.py. Each
// layer's output and the gradients of sum(output·r) must match within
// rtol 1e-5 + atol 1e-6 in float32.
const fixRtol, fixAtol = 1e-5, 1e-6

type fixTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (f fixTensor) tensor() *tensor.Tensor {
	t := tensor.New(tensor.Float32, f.Shape...)
	for i, v := range f.Data {
		t.SetFlat(i, v)
	}
	return t
}

type layerFixture struct {
	Name          string               `json:"name"`
	Kind          string               `json:"kind"`
	Config        map[string]float64   `json:"config"`
	Train         bool                 `json:"train"`
	Input         fixTensor            `json:"input"`
	Params        map[string]fixTensor `json:"params"`
	BuffersBefore map[string]fixTensor `json:"buffers_before"`
	R             fixTensor            `json:"r"`
	Output        fixTensor            `json:"output"`
	GradInput     fixTensor            `json:"grad_input"`
	GradParams    map[string]fixTensor `json:"grad_params"`
	BuffersAfter  map[string]fixTensor `json:"buffers_after"`
	Mask          *fixTensor           `json:"mask"`
}

type lossFixture struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Reduction string    `json:"reduction"`
	Input     fixTensor `json:"input"`
	Target    fixTensor `json:"target"`
	Labels    []int     `json:"labels"`
	Output    float64   `json:"output"`
	GradInput fixTensor `json:"grad_input"`
}

func loadFixtures(t *testing.T) (layers []layerFixture, losses []lossFixture) {
	t.Helper()
	raw, err := os.ReadFile("testdata/torch_layers.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Layers []layerFixture `json:"layers"`
		Losses []lossFixture  `json:"losses"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Layers) < 20 || len(f.Losses) < 10 {
		t.Fatalf("fixtures hold %d layers and %d losses, expected the full set", len(f.Layers), len(f.Losses))
	}
	return f.Layers, f.Losses
}

func closeTo(t *testing.T, what string, got *tensor.Tensor, want fixTensor) {
	t.Helper()
	if !tensor.EqualShapes(got.Shape(), want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	for i, w := range want.Data {
		if g := got.Flat(i); math.Abs(g-w) > fixAtol+fixRtol*math.Abs(w) || math.IsNaN(g) {
			t.Errorf("%s[%d] = %v, want %v (PyTorch)", what, i, g, w)
			return
		}
	}
}

func fixtureModule(t *testing.T, f layerFixture) Module {
	rng := tensor.NewRNG(1)
	c := func(k string) int { return int(f.Config[k]) }
	var m Module
	switch f.Kind {
	case "linear":
		m = NewLinear(rng, c("in"), c("out"))
	case "conv2d":
		m = NewConv2D(rng, c("in"), c("out"), c("k"), c("stride"), c("pad"))
	case "avgpool":
		m = AvgPool2D{K: c("k"), Stride: c("stride")}
	case "maxpool":
		m = MaxPool2D{K: c("k"), Stride: c("stride")}
	case "flatten":
		m = Flatten{}
	case "batchnorm1d":
		m = NewBatchNorm1d(f.Input.Shape[1])
	case "batchnorm2d":
		m = NewBatchNorm2d(f.Input.Shape[1])
	case "sigmoid":
		m = Sigmoid{}
	case "tanh":
		m = Tanh{}
	case "relu":
		m = ReLU{}
	case "leaky_relu":
		m = LeakyReLU{Slope: f.Config["slope"]}
	case "elu":
		m = ELU{Alpha: f.Config["alpha"]}
	case "softmax":
		m = Softmax{Axis: c("axis")}
	case "log_softmax":
		m = LogSoftmax{Axis: c("axis")}
	default:
		t.Fatalf("fixture %s: unknown kind %q", f.Name, f.Kind)
	}
	for _, p := range m.Params() {
		want, ok := f.Params[p.Name]
		if !ok {
			t.Fatalf("fixture %s has no parameter %q", f.Name, p.Name)
		}
		p.Value.Data().CopyFrom(want.tensor())
	}
	if len(m.Params()) != len(f.Params) {
		t.Fatalf("fixture %s: layer has %d parameters, PyTorch %d", f.Name, len(m.Params()), len(f.Params))
	}
	for _, b := range Buffers(m) {
		if want, ok := f.BuffersBefore[b.Name]; ok {
			b.Tensor.CopyFrom(want.tensor())
		}
	}
	return m
}

func TestLayersMatchPyTorch(t *testing.T) {
	layers, _ := loadFixtures(t)
	for _, f := range layers {
		t.Run(f.Name, func(t *testing.T) {
			g := autograd.NewGraph()
			g.Training = f.Train
			x := g.Var(f.Input.tensor())
			var y *autograd.Value
			var m Module
			if f.Kind == "dropout" {
				y = g.Dropout(x, f.Mask.tensor()) // torch's random mask, injected
			} else {
				m = fixtureModule(t, f)
				y = m.Forward(g, x)
			}
			g.Sum(g.Mul(y, g.Input(f.R.tensor()))).Backward()
			closeTo(t, "output", y.Data(), f.Output)
			closeTo(t, "input gradient", x.Grad(), f.GradInput)
			if m == nil {
				return
			}
			for _, p := range m.Params() {
				closeTo(t, p.Name+" gradient", p.Value.Grad(), f.GradParams[p.Name])
			}
			for _, b := range Buffers(m) {
				if want, ok := f.BuffersAfter[b.Name]; ok {
					closeTo(t, "buffer "+b.Name, b.Tensor, want)
				}
			}
		})
	}
}

func TestLossesMatchPyTorch(t *testing.T) {
	_, losses := loadFixtures(t)
	for _, f := range losses {
		t.Run(f.Name, func(t *testing.T) {
			g := autograd.NewGraph()
			x := g.Var(f.Input.tensor())
			red := autograd.ReduceMean
			if f.Reduction == "sum" {
				red = autograd.ReduceSum
			}
			var loss *autograd.Value
			switch f.Kind {
			case "cross_entropy":
				loss = g.CrossEntropy(x, f.Labels, red)
			case "nll":
				loss = g.NLLLoss(x, f.Labels, red)
			case "mse":
				loss = g.MSELoss(x, g.Input(f.Target.tensor()), red)
			case "bce":
				loss = g.BCELoss(x, g.Input(f.Target.tensor()), red)
			case "bce_with_logits":
				loss = g.BCEWithLogitsLoss(x, g.Input(f.Target.tensor()), red)
			default:
				t.Fatalf("unknown loss %q", f.Kind)
			}
			loss.Backward()
			if got := loss.Item(); math.Abs(got-f.Output) > fixAtol+fixRtol*math.Abs(f.Output) {
				t.Errorf("loss = %v, want %v (PyTorch)", got, f.Output)
			}
			closeTo(t, "input gradient", x.Grad(), f.GradInput)
		})
	}
}
