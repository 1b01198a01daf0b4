package models

import (
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

func TestModels(t *testing.T) {
	tests := []struct {
		cfg    Config
		params int
		input  []int
		names  string
	}{
		{Config{}, 61706, []int{1, 32, 32}, "c1.weight c1.bias c3.weight c3.bias c5.weight c5.bias f6.weight f6.bias output.weight output.bias"},
		{Config{Name: "lenet5", Activation: "sigmoid"}, 61706, []int{1, 32, 32}, ""},
		{Config{Name: "lenet5-relu"}, 61706, []int{1, 32, 32}, ""},
		{Config{Name: "mlp"}, 784*256 + 256 + 256*128 + 128 + 128*10 + 10, []int{784}, "fc1.weight fc1.bias fc2.weight fc2.bias output.weight output.bias"},
		{Config{Name: "mlp", Hidden: []int{32}, Activation: "tanh"}, 784*32 + 32 + 32*10 + 10, []int{784}, ""},
		{Config{Name: "softmax"}, 7850, []int{784}, "output.weight output.bias"},
	}
	for _, tt := range tests {
		m, err := ForMNIST(tensor.NewRNG(1), tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if n := nn.CountParams(m); n != tt.params {
			t.Errorf("%v: %d parameters, want %d", m, n, tt.params)
		}
		if got := m.InputShape(); !tensor.EqualShapes(got, tt.input) {
			t.Errorf("%v: input shape %v, want %v", m, got, tt.input)
		}
		g := autograd.NewInferenceGraph()
		x := tensor.RandNormal(tensor.NewRNG(2), tensor.Float32, 0, 1, append([]int{3}, tt.input...)...)
		if y := m.Forward(g, g.Input(x)); !tensor.EqualShapes(y.Shape(), []int{3, 10}) {
			t.Errorf("%v: output shape %v, want [3 10]", m, y.Shape())
		}
		if tt.names != "" {
			var names []string
			for _, p := range m.Params() {
				names = append(names, p.Name)
			}
			if got := strings.Join(names, " "); got != tt.names {
				t.Errorf("%v: parameters %s, want %s", m, got, tt.names)
			}
		}
	}
}

// TestSummaryThroughModel summarises a *Model, which wraps its network:
// the table must be the network's, row for row, exactly as it has always
// been printed.
func TestSummaryThroughModel(t *testing.T) {
	m, _ := ForMNIST(tensor.NewRNG(1), Config{Name: "lenet5"})
	s := nn.Summarize(m, 2, 1, 32, 32)
	want := map[string][]int{"c1": {2, 6, 28, 28}, "s2": {2, 6, 14, 14}, "c3": {2, 16, 10, 10}, "s4": {2, 16, 5, 5}, "c5": {2, 120, 1, 1}, "f6": {2, 84}, "output": {2, 10}}
	for _, r := range s.Rows {
		if w, ok := want[r.Name]; ok {
			if !tensor.EqualShapes(w, r.Output) {
				t.Errorf("%s output %v, want %v", r.Name, r.Output, w)
			}
			delete(want, r.Name)
		}
	}
	if len(s.Rows) != 12 || len(want) > 0 {
		t.Errorf("%d rows, lacking %v", len(s.Rows), want)
	}
	const lenet = `Input: (1, 1, 32, 32)
─────────────────────────────────────────────────────────────────────────────
Layer    Type                                  Output shape           Params
─────────────────────────────────────────────────────────────────────────────
c1       Conv2D(1→6, 5×5, stride 1, pad 0)     (1, 6, 28, 28)            156
c1_act   Tanh                                  (1, 6, 28, 28)              0
s2       AvgPool2D(2×2, stride 2)              (1, 6, 14, 14)              0
c3       Conv2D(6→16, 5×5, stride 1, pad 0)    (1, 16, 10, 10)         2,416
c3_act   Tanh                                  (1, 16, 10, 10)             0
s4       AvgPool2D(2×2, stride 2)              (1, 16, 5, 5)               0
c5       Conv2D(16→120, 5×5, stride 1, pad 0)  (1, 120, 1, 1)         48,120
c5_act   Tanh                                  (1, 120, 1, 1)              0
flatten  Flatten                               (1, 120)                    0
f6       Linear(120→84)                        (1, 84)                10,164
f6_act   Tanh                                  (1, 84)                     0
output   Linear(84→10)                         (1, 10)                   850
─────────────────────────────────────────────────────────────────────────────
Total params: 61,706
Trainable params: 61,706
Non-trainable params: 0
Multiply-adds per example: 416,520
`
	if got := nn.Summarize(m, 1, 1, 32, 32).String(); got != lenet {
		t.Errorf("LeNet-5 summary\n%s\nwant\n%s", got, lenet)
	}
	var paths []string
	nn.Walk(m, func(path string, _ nn.Module) { paths = append(paths, path) })
	if got := strings.Join(paths, ","); got != ",,c1,c1_act,s2,c3,c3_act,s4,c5,c5_act,flatten,f6,f6_act,output" {
		t.Errorf("walk of a Model: %s", got)
	}
}

func TestNewErrors(t *testing.T) {
	for _, cfg := range []Config{{Name: "vgg16"}, {Name: "cnn", Activation: "tanh"}, {Name: "mlp", Activation: "no-such-activation"}, {Name: "mlp", Hidden: []int{0}}} {
		if _, err := ForMNIST(tensor.NewRNG(1), cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if h, err := ParseHidden("512, 64"); err != nil || len(h) != 2 || h[1] != 64 {
		t.Errorf("ParseHidden = %v, %v", h, err)
	}
	for _, s := range []string{"", "a,b", "10,-1", ","} {
		if _, err := ParseHidden(s); err == nil {
			t.Errorf("ParseHidden(%q) accepted", s)
		}
	}
}

// TestRecordTravelsWithTheModel saves a model for colour 40×36 images of
// 12 classes and loads it back: the record, the input shape and the
// classes come from the file; records that are wrong or hostile are
// refused with an error naming what is wrong.
func TestRecordTravelsWithTheModel(t *testing.T) {
	prep := data.ImagePrep{Height: 40, Width: 36, Channels: 3, Mean: []float64{0.5, 0.4, 0.3}, Std: []float64{0.2, 0.2, 0.25}, Resize: "fit"}
	classes := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	m, err := New(tensor.NewRNG(1), Config{Name: "lenet5"}, prep, classes)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.InputShape(); !slices.Equal(got, []int{3, 44, 40}) {
		t.Fatalf("lenet5 for 3×40×36 takes %v, want [3 44 40] (padded by 2)", got)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	back, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Prep, m.Prep) || !slices.Equal(back.Prep.Classes, classes) {
		t.Errorf("record %+v after a round trip, want %+v", back.Prep, m.Prep)
	}
	for _, tc := range []struct{ record, want string }{
		{`{"inputs":[{"name":"image","image":{"height":40,"width":36,"channels":2}}]}`, "channels 2"},
		{`{"inputs":[{"name":"image","image":{"height":40,"width":36,"channels":3,"zoom":2}}]}`, `unknown field "zoom"`},
		{`{"inputs":[{"name":"image","image":{"height":99999,"width":36,"channels":3}}]}`, "99999"},
		{`{"inputs":[{"name":"image","image":{"height":40,"width":36,"channels":3,"std":[0]}}]}`, "standard deviation"},
		{`{"inputs":[]}`, "no inputs"},
		{`{"inputs":[{"name":"image","image":{"height":10,"width":10,"channels":1}}],"classes":["a","b"]}`, "lenet5 needs images of at least 28×28"},
		{`{"inputs":[{"name":"image","image":{"height":40,"width":36,"channels":3}}],"classes":["one"]}`, "at least 2 classes"},
	} {
		md := maps.Clone(meta)
		md[data.KeyPreprocess] = tc.record
		if _, err := FromMetadata(md); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("record %s: error %v, want one saying %q", tc.record, err, tc.want)
		}
	}
}
