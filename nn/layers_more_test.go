package nn

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// moreFixture is a case of testdata/torch_layers_more.json, made by
// testdata/make_fixtures_more.py; Config decodes into the layer's config.
type moreFixture struct {
	Name       string               `json:"name"`
	Kind       string               `json:"kind"`
	Config     json.RawMessage      `json:"config"`
	Input      fixTensor            `json:"input"`
	Params     map[string]fixTensor `json:"params"`
	R          fixTensor            `json:"r"`
	Output     fixTensor            `json:"output"`
	GradInput  fixTensor            `json:"grad_input"`
	GradParams map[string]fixTensor `json:"grad_params"`
}

func loadMoreFixtures(t *testing.T) []moreFixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/torch_layers_more.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Layers []moreFixture `json:"layers"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Layers) < 25 {
		t.Fatalf("fixtures hold %d layers, expected the full set", len(f.Layers))
	}
	return f.Layers
}

// moreModule builds the layer a fixture describes, with PyTorch's
// parameters.
func moreModule(t *testing.T, f moreFixture) Module {
	t.Helper()
	decode := func(v any) {
		if err := json.Unmarshal(f.Config, v); err != nil {
			t.Fatalf("%s: config: %v", f.Name, err)
		}
	}
	var m Module
	switch f.Kind {
	case "conv2d":
		var c Conv2DConfig
		decode(&c)
		m = NewConv2DWith(tensor.NewRNG(1), c)
	case "maxpool", "avgpool":
		var c Pool2DConfig
		decode(&c)
		if f.Kind == "maxpool" {
			m = MaxPool2DWith(c)
		} else {
			m = AvgPool2DWith(c)
		}
	case "adaptive":
		var a AdaptiveAvgPool2D
		decode(&a)
		m = a
	case "global":
		m = GlobalAvgPool{}
	case "gelu":
		var a GELU
		decode(&a)
		m = a
	case "silu":
		m = SiLU{}
	case "softplus":
		var a Softplus
		decode(&a)
		m = a
	case "dropout":
		var d Dropout
		decode(&d)
		m = d
	default:
		t.Fatalf("fixture %s: unknown kind %q", f.Name, f.Kind)
	}
	if len(m.Params()) != len(f.Params) {
		t.Fatalf("fixture %s: layer has %d parameters, PyTorch %d", f.Name, len(m.Params()), len(f.Params))
	}
	for _, p := range m.Params() {
		want, ok := f.Params[p.Name]
		if !ok {
			t.Fatalf("fixture %s has no parameter %q", f.Name, p.Name)
		}
		p.Value.Data().CopyFrom(want.tensor())
	}
	return m
}

// TestMoreLayersMatchPyTorch runs every fixture in float32, within the
// tolerance of TestLayersMatchPyTorch, and in float64, where the answers
// are exact up to rounding.
func TestMoreLayersMatchPyTorch(t *testing.T) {
	for _, f := range loadMoreFixtures(t) {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(f.Name+"/"+dt.String(), func(t *testing.T) {
				m := moreModule(t, f)
				Convert(m, dt)
				g := autograd.NewGraph()
				g.Training = true
				x := g.Var(f.Input.tensor().To(dt))
				y := m.Forward(g, x)
				g.Sum(g.Mul(y, g.Input(f.R.tensor().To(dt)))).Backward()
				check := closeTo
				if dt == tensor.Float64 {
					check = closeTo64
				}
				check(t, "output", y.Data(), f.Output)
				check(t, "input gradient", x.Grad(), f.GradInput)
				for _, p := range m.Params() {
					check(t, p.Name+" gradient", p.Value.Grad(), f.GradParams[p.Name])
				}
			})
		}
	}
}

// closeTo64 compares a float64 result with PyTorch's float64 one.
func closeTo64(t *testing.T, what string, got *tensor.Tensor, want fixTensor) {
	t.Helper()
	if !tensor.EqualShapes(got.Shape(), want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	for i, w := range want.Data {
		if g := got.Flat(i); math.Abs(g-w) > 1e-12+1e-10*math.Abs(w) || math.IsNaN(g) {
			t.Errorf("%s[%d] = %v, want %v (PyTorch, float64)", what, i, g, w)
			return
		}
	}
}

// TestGradCheckMoreLayers checks the new layers' gradients in float64
// against central differences, through the nn modules.
func TestGradCheckMoreLayers(t *testing.T) {
	rng := tensor.NewRNG(5)
	img := autograd.NewParam("x", tensor.New(tensor.Float64, 2, 4, 7, 6))
	for i := 0; i < img.Data().Len(); i++ {
		img.Data().SetFlat(i, rng.Float64()*2-1)
	}
	mods := []Module{
		NewConv2DWith(rng, Conv2DConfig{InC: 4, OutC: 6, KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 2, Groups: 2}),
		NewConv2DWith(rng, Conv2DConfig{InC: 4, OutC: 4, K: 2, Padding: "same", Dilation: 2, Groups: 4}),
		NewConv2DWith(rng, Conv2DConfig{InC: 4, OutC: 3, KH: 1, KW: 3, Padding: "valid", NoBias: true}),
		MaxPool2DWith(Pool2DConfig{KH: 3, KW: 2, Stride: 2, Pad: 1, CeilMode: true}),
		AvgPool2DWith(Pool2DConfig{K: 3, Stride: 2, Pad: 1, CeilMode: true, ExcludePad: true}),
		AdaptiveAvgPool2D{H: 4, W: 5},
		GlobalAvgPool{},
		GELU{}, GELU{Approximate: "tanh"}, SiLU{}, Softplus{Beta: 0.5, Threshold: 1},
	}
	for _, m := range mods {
		t.Run(m.(interface{ String() string }).String(), func(t *testing.T) {
			Convert(m, tensor.Float64)
			wrt := []*autograd.Value{img}
			for _, p := range m.Params() {
				wrt = append(wrt, p.Value)
			}
			// The loss Σ y·w with fixed random weights w, so that no
			// gradient vanishes by symmetry.
			w := tensor.New(tensor.Float64, 4096)
			for i := 0; i < w.Len(); i++ {
				w.SetFlat(i, rng.Float64()*2-1)
			}
			res := autograd.GradCheck(func(g *autograd.Graph) *autograd.Value {
				y := g.Flatten(m.Forward(g, img))
				n := y.Data().Len()
				wv := g.Input(g.Arena().Reshape(g.Arena().Slice(w, 0, n), y.Shape()...))
				return g.Sum(g.Mul(y, wv))
			}, wrt...)
			if res.MaxError > 1e-6 || math.IsNaN(res.MaxError) {
				t.Errorf("%s", res)
			}
		})
	}
}

func TestConv2DWithKeepsTheFastPath(t *testing.T) {
	a := NewConv2D(tensor.NewRNG(3), 3, 4, 5, 2, 1)
	b := NewConv2DWith(tensor.NewRNG(3), Conv2DConfig{InC: 3, OutC: 4, K: 5, Stride: 2, Pad: 1})
	if a.String() != b.String() || a.K != b.K || a.Stride != b.Stride || a.Pad != b.Pad || a.Config != b.Config {
		t.Fatalf("NewConv2DWith %v %+v differs from NewConv2D %v %+v", b, b.Config, a, a.Config)
	}
	if !tensor.EqualShapes(a.Weight.Shape(), b.Weight.Shape()) {
		t.Fatalf("weights %v and %v", a.Weight.Shape(), b.Weight.Shape())
	}
	for i := 0; i < a.Weight.Data().Len(); i++ {
		if a.Weight.Data().Flat(i) != b.Weight.Data().Flat(i) {
			t.Fatal("same seed, different initial weights")
		}
	}
	g := autograd.NewGraph()
	x := g.Input(tensor.Full(tensor.Float32, 0.5, 1, 3, 9, 9))
	ya, yb := a.Forward(g, x).Data(), b.Forward(g, x).Data()
	for i := 0; i < ya.Len(); i++ {
		if ya.Flat(i) != yb.Flat(i) {
			t.Fatalf("output %d: %v and %v", i, ya.Flat(i), yb.Flat(i))
		}
	}
}

func TestConvConfigErrorsAndStrings(t *testing.T) {
	bad := []struct {
		c    Conv2DConfig
		want string
	}{
		{Conv2DConfig{InC: 3, OutC: 4}, "window"},
		{Conv2DConfig{InC: 3, OutC: 4, K: 3, Groups: 2}, "groups"},
		{Conv2DConfig{InC: 4, OutC: 4, K: 3, Padding: "same", Stride: 2}, "stride 1"},
		{Conv2DConfig{InC: 4, OutC: 4, K: 3, Padding: "full"}, "padding"},
		{Conv2DConfig{InC: 4, OutC: 4, K: 3, Padding: "same", Pad: 1}, "explicit"},
		{Conv2DConfig{InC: 4, OutC: 4, K: 3, Pad: -1}, "negative"},
	}
	for _, b := range bad {
		if _, err := b.c.Normalize(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", b.c, err, b.want)
		}
	}
	if _, err := (Pool2DConfig{K: 2, Pad: 2}).Normalize(); err == nil {
		t.Error("padding larger than half the window accepted")
	}
	rng := tensor.NewRNG(1)
	for _, c := range []struct {
		m    Module
		want string
	}{
		{NewConv2D(rng, 1, 6, 5, 1, 0), "Conv2D(1→6, 5×5, stride 1, pad 0)"},
		{NewConv2DWith(rng, Conv2DConfig{InC: 4, OutC: 8, KH: 3, KW: 1, StrideH: 2, Pad: 1, Dilation: 2, Groups: 4, NoBias: true}), "Conv2D(4→8, 3×1, stride 2×1, pad 1, dilation 2, groups 4, no bias)"},
		{NewConv2DWith(rng, Conv2DConfig{InC: 4, OutC: 8, K: 3, Padding: "same"}), "Conv2D(4→8, 3×3, pad same)"},
		{MaxPool2DWith(Pool2DConfig{K: 3, Stride: 2, Pad: 1, CeilMode: true}), "MaxPool2D(3×3, stride 2, pad 1, ceil)"},
		{AvgPool2DWith(Pool2DConfig{KH: 2, KW: 3, ExcludePad: true}), "AvgPool2D(2×3, stride 2×3, excluding padding)"},
		{AdaptiveAvgPool2D{H: 1, W: 1}, "AdaptiveAvgPool2D(1×1)"},
		{Softplus{}, "Softplus(beta=1, threshold=20)"},
		{GELU{Approximate: "tanh"}, "GELU(tanh)"},
	} {
		if got := c.m.(interface{ String() string }).String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
	// A same-padded convolution with odd windows is uniform: the fast path.
	same := NewConv2DWith(rng, Conv2DConfig{InC: 2, OutC: 2, K: 3, Padding: "same"})
	if same.Pad != 1 || same.Stride != 1 || same.K != 3 {
		t.Errorf("same-padded 3×3: K %d, Stride %d, Pad %d; want 3, 1, 1", same.K, same.Stride, same.Pad)
	}
	if same.Bias == nil || len(same.Params()) != 2 {
		t.Error("a convolution has a bias by default")
	}
}

func TestDropoutOneGivesZeros(t *testing.T) {
	g := autograd.NewGraph()
	g.Training = true // no RNG needed: nothing is drawn
	x := g.Var(tensor.Full(tensor.Float32, 3, 4, 5))
	y := Dropout{P: 1}.Forward(g, x)
	g.Sum(y).Backward()
	for i := 0; i < y.Data().Len(); i++ {
		if y.Data().Flat(i) != 0 || x.Grad().Flat(i) != 0 {
			t.Fatalf("element %d: output %v, gradient %v; want zeros", i, y.Data().Flat(i), x.Grad().Flat(i))
		}
	}
	g.Training = false
	if (Dropout{P: 1}).Forward(g, x) != x {
		t.Error("Dropout in inference must pass its input through")
	}
	defer func() {
		if recover() == nil {
			t.Error("Dropout{P: 1.5} did not panic")
		}
	}()
	g.Training = true
	(Dropout{P: 1.5}).Forward(g, x)
}

func TestNewActivationsRegistered(t *testing.T) {
	for name, want := range map[string]string{"gelu": "GELU", "gelu_tanh": "GELU(tanh)", "silu": "SiLU", "softplus": "Softplus(beta=1, threshold=20)"} {
		m, err := Activation(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.(interface{ String() string }).String(); got != want {
			t.Errorf("Activation(%q) = %s, want %s", name, got, want)
		}
	}
}
