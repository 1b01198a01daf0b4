package experiment_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/digits"
	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		model  string
		label  string
		total  int
		layers int
		out    []int // the last layer's output
	}{
		{"lenet5", "LeNet-5 (tanh)", 61706, 12, []int{1, 10}},
		{"lenet5-relu", "LeNet-5 (relu)", 61706, 12, []int{1, 10}},
		{"mlp", "MLP 784-256-128-10 (relu)", 235146, 5, []int{1, 10}},
		{"softmax", "softmax regression 784-10", 7850, 1, []int{1, 10}},
		{checkpoint, "LeNet-5 (tanh)", 61706, 12, []int{1, 10}},
	}
	for _, tc := range tests {
		s, err := experiment.Summarize(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		rows := s.Summary.Rows
		if s.Label != tc.label || s.Summary.Total != tc.total || len(rows) != tc.layers || !slices.Equal(rows[len(rows)-1].Output, tc.out) {
			t.Errorf("%s: %q, %d parameters, %d layers ending in %v; want %q, %d, %d, %v",
				tc.model, s.Label, s.Summary.Total, len(rows), rows[len(rows)-1].Output, tc.label, tc.total, tc.layers, tc.out)
		}
	}
	if _, err := experiment.Summarize("no-such-model"); err == nil {
		t.Error("an unknown model accepted")
	}
}

func TestCompareParams(t *testing.T) {
	c, err := experiment.CompareParams()
	if err != nil {
		t.Fatal(err)
	}
	want := experiment.Sharing{Layer: "c1", InC: 1, InH: 32, InW: 32, OutC: 6, OutH: 28, OutW: 28, K: 5,
		ConvParams: 156, ConvConnections: 122304, DenseParams: 1024*4704 + 4704}
	got := c.C1
	got.DenseOverConvRate = 0
	if got != want {
		t.Errorf("C1: %+v\nwant %+v", got, want)
	}
	if math.Abs(c.C1.DenseOverConvRate-4821600.0/156) > 1e-9 {
		t.Errorf("ratio %v", c.C1.DenseOverConvRate)
	}
	if c.MLP.Summary.Total != 235146 || c.CNN.Summary.Total != 61706 {
		t.Errorf("MLP %d, CNN %d parameters", c.MLP.Summary.Total, c.CNN.Summary.Total)
	}
	text := c.String()
	for _, w := range []string{"235,146", "61,706", "200,960", "122,304", "156", "4,821,600", "30,908 times"} {
		if !strings.Contains(text, w) {
			t.Errorf("the explanation lacks %q:\n%s", w, text)
		}
	}
	dir := t.TempDir()
	files, err := c.Draw(experiment.Output{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 1000, 400, "summary-params.png", "summary-params.svg")
}

func TestFilters(t *testing.T) {
	m, _, err := models.Load(checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	_, test := mnistSets(t, flat, 1, 10)
	f, err := experiment.Filters(m, test.Pixels(0), test.Label(0), "MNIST test image 0")
	if err != nil {
		t.Fatal(err)
	}
	if f.Label != 7 || f.Predicted != 7 || f.Probability < 0.9 {
		t.Errorf("label %d, predicted %d with probability %.3f; want a confident 7", f.Label, f.Predicted, f.Probability)
	}
	if len(f.Filters) != 6 || f.K != 5 || len(f.Maps) != 6 || f.OutH != 28 || f.OutW != 28 || f.InH != 32 || f.Activation != "Tanh" {
		t.Fatalf("%d filters of %d×%d, %d maps of %d×%d from %d×%d, activation %s", len(f.Filters), f.K, f.K, len(f.Maps), f.OutH, f.OutW, f.InH, f.InW, f.Activation)
	}
	// The filters are the checkpoint's weights.
	w := m.Params()[0]
	if w.Name != "c1.weight" || !slices.Equal(slices.Concat(f.Filters...), w.Value.Data().Float64s()) {
		t.Errorf("the filters are not c1.weight")
	}
	// The input is the digit prepared as in training: bit for bit what the
	// model's record makes of it for a training batch.
	prep := *m.Image()
	train, err := test.WithPrep(prep)
	if err != nil {
		t.Fatal(err)
	}
	b := data.NewBatch(train.Spec(), 1)
	b.Collate(train, []int{0})
	if want := b.Inputs[0].Float64s(); !slices.Equal(f.Input, want) {
		t.Errorf("input not prepared as in training")
	}
	// That is the digit padded by 2 and normalised by MNIST's mean and
	// deviation, worked out here in float64; Prepare computes in float32,
	// hence the tolerance (float32 rounding of values up to about 3).
	if prep.Pad != 2 || len(f.Input) != 32*32 {
		t.Fatalf("input of %d numbers prepared with pad %d, want 32×32 with pad 2", len(f.Input), prep.Pad)
	}
	for y := range 32 {
		for x := range 32 {
			v := 0.0 // the background
			if y >= 2 && y < 30 && x >= 2 && x < 30 {
				v = float64(test.Pixels(0)[(y-2)*28+x-2]) / 255
			}
			want := (v - mnist.Mean) / mnist.Std
			if got := f.Input[y*32+x]; math.Abs(got-want) > 1e-6 {
				t.Fatalf("input at (%d, %d) is %v, want %v", y, x, got, want)
			}
		}
	}
	// Each feature map is tanh(filter ⋆ input + bias), computed here by hand.
	for o := range 6 {
		for _, at := range [][2]int{{0, 0}, {5, 9}, {14, 14}, {20, 3}, {27, 27}} {
			s := f.Bias[o]
			for u := range 5 {
				for v := range 5 {
					s += f.Filters[o][u*5+v] * f.Input[(at[0]+u)*32+at[1]+v]
				}
			}
			if got := f.Maps[o][at[0]*28+at[1]]; math.Abs(got-math.Tanh(s)) > 1e-4 {
				t.Errorf("map %d at %v: %v, by hand %v", o+1, at, got, math.Tanh(s))
			}
		}
	}
	dir := t.TempDir()
	files, err := f.Draw(experiment.Output{Dir: dir}, "lenet5")
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 1000, 400, "inspect-lenet5.png", "inspect-lenet5.svg")
}

func TestFiltersErrors(t *testing.T) {
	mlp, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "mlp"})
	if err != nil {
		t.Fatal(err)
	}
	lenet, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "lenet5"})
	if err != nil {
		t.Fatal(err)
	}
	px := make([]byte, digits.Size*digits.Size)
	if _, err := experiment.Filters(mlp, px, -1, ""); err == nil || !strings.Contains(err.Error(), "convolution") {
		t.Errorf("MLP: %v", err)
	}
	if _, err := experiment.Filters(lenet, px[:100], -1, ""); err == nil || !strings.Contains(err.Error(), "28×28") {
		t.Errorf("short image: %v", err)
	}
}
