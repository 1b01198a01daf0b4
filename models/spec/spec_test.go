package spec_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/models/spec"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

const examples = "../../examples/models"

// mnistInput returns the shape of one MNIST example prepared as d's
// input section says.
func mnistInput(d *spec.Description) []int {
	p := mnist.DigitPrep()
	p.Pad, p.Flatten = d.Input.Pad, d.Input.Flatten
	return p.Shape()
}

func read(t *testing.T, name string) *spec.Description {
	t.Helper()
	d, err := spec.ReadFile(filepath.Join(examples, name))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The example files build the built-in models: the same parameter names,
// shapes and (for the same seed) values, and the same outputs.
func TestExamplesMatchBuiltins(t *testing.T) {
	tanh, _ := nn.Activation("tanh")
	relu, _ := nn.Activation("relu")
	cases := []struct {
		file   string
		params int64
		build  func(rng *rand.Rand) nn.Module
	}{
		{"lenet5.yaml", 61_706, func(rng *rand.Rand) nn.Module { return models.LeNet5(rng, 1, 32, 32, 10, tanh, false) }},
		{"lenet5.json", 61_706, func(rng *rand.Rand) nn.Module { return models.LeNet5(rng, 1, 32, 32, 10, tanh, false) }},
		{"mlp.yaml", 235_146, func(rng *rand.Rand) nn.Module { return models.MLP(rng, 784, []int{256, 128}, 10, relu) }},
		{"cnn.yaml", 870_826, func(rng *rand.Rand) nn.Module { return models.CNN(rng, 1, 28, 28, 10) }},
		{"resnet.yaml", 174_970, func(rng *rand.Rand) nn.Module { return models.ResNet(rng, 1, 10) }},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			d := read(t, c.file)
			in := mnistInput(d)
			got, plan, err := d.Build(tensor.NewRNG(7), in, 10)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Params != c.params {
				t.Errorf("plan: %d parameters, want %d", plan.Params, c.params)
			}
			want := c.build(tensor.NewRNG(7))
			gp, wp := nn.Params(got), nn.Params(want)
			if len(gp) != len(wp) {
				t.Fatalf("%d parameters tensors, want %d", len(gp), len(wp))
			}
			for i := range gp {
				if gp[i].Name != wp[i].Name || !tensor.Equal(gp[i].Value.Data(), wp[i].Value.Data()) {
					t.Fatalf("parameter %d: %s %v, want %s %v (or values differ)", i, gp[i].Name, gp[i].Value.Shape(), wp[i].Name, wp[i].Value.Shape())
				}
			}
			// The plan's state dict is the built network's.
			var names []string
			for _, p := range gp {
				names = append(names, p.Name+shapeKey(p.Value.Shape()))
			}
			for _, b := range nn.Buffers(got) {
				names = append(names, b.Name+shapeKey(b.Tensor.Shape()))
			}
			var planned []string
			for _, ts := range plan.Tensors {
				planned = append(planned, ts.Name+shapeKey(ts.Shape))
			}
			if !reflect.DeepEqual(names, planned) {
				t.Errorf("planned tensors\n%v\nbuilt\n%v", planned, names)
			}
			x := tensor.RandNormal(tensor.NewRNG(1), tensor.Float32, 0, 1, append([]int{2}, in...)...)
			g := autograd.NewInferenceGraph()
			y1 := got.Forward(g, g.Input(x)).Data()
			y2 := want.Forward(g, g.Input(x)).Data()
			if !tensor.Equal(y1, y2) {
				t.Errorf("outputs differ")
			}
			// The plan's rows agree with nn.Summarize on shapes and
			// multiply-adds.
			s := nn.Summarize(got, append([]int{1}, in...)...)
			if int64(s.MultiplyAdds) != plan.MultiplyAdds || int64(s.Total) != plan.Params {
				t.Errorf("plan: %d params, %d multiply-adds; summary %d, %d", plan.Params, plan.MultiplyAdds, s.Total, s.MultiplyAdds)
			}
			if !reflect.DeepEqual(plan.Output, []int{10}) {
				t.Errorf("output %v", plan.Output)
			}
		})
	}
}

func shapeKey(s []int) string { return fmt.Sprint(s) }

// stripLines zeroes every Line, which JSON does not keep.
func stripLines(ls []spec.Layer) {
	for i := range ls {
		ls[i].Line = 0
		stripLines(ls[i].Layers)
		stripLines(ls[i].Body)
		stripLines(ls[i].Shortcut)
		stripLines(ls[i].Branches)
	}
}

func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(examples, "*.yaml"))
	if len(files) < 4 {
		t.Fatalf("found %d example files", len(files))
	}
	for _, f := range files {
		d, err := spec.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := d.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := spec.Parse(raw, spec.JSON)
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, raw)
		}
		stripLines(d.Layers)
		stripLines(back.Layers)
		if !reflect.DeepEqual(d, back) {
			t.Errorf("%s: round trip changed the description:\n%+v\n%+v", f, d, back)
		}
	}
	// The JSON example is the YAML one.
	y, j := read(t, "lenet5.yaml"), read(t, "lenet5.json")
	stripLines(y.Layers)
	stripLines(j.Layers)
	if !reflect.DeepEqual(y, j) {
		t.Errorf("lenet5.json differs from lenet5.yaml")
	}
}

// Strict decoding: each error names the line and what is wrong.
func TestStrictErrors(t *testing.T) {
	cases := []struct {
		name   string
		format spec.Format
		text   string
		want   string
	}{
		{"unknown key", spec.YAML, "layers:\n  - {type: conv, out: 6, kernel: 5}\n  - type: conv\n    out: 6\n    kernal: 5\n", `line 5: layers[1] (conv): unknown key "kernal"`},
		{"unknown top key", spec.YAML, "name: x\nlayer:\n  - {type: relu}\n", `line 2: unknown key "layer"`},
		{"unknown type", spec.YAML, "layers:\n  - {type: linear, out: 3}\n  - {type: convolution, out: 6}\n", `line 3: layers[1] (convolution): unknown layer type "convolution"`},
		{"no type", spec.YAML, "layers:\n  - {out: 6}\n", `line 2: layers[0]: no type`},
		{"json unknown key", spec.JSON, "{\"layers\": [\n {\"type\": \"linear\",\n  \"out\": 3,\n  \"units\": 4}]}", `line 4: layers[0] (linear): unknown key "units"`},
		{"json duplicate key", spec.JSON, "{\"layers\": [{\"type\": \"linear\", \"out\": 3, \"out\": 4}]}", `key "out" given twice`},
		{"yaml duplicate key", spec.YAML, "layers:\n  - type: linear\n    out: 3\n    out: 4\n", `line 4: key "out" given twice`},
		{"json trailing", spec.JSON, "{\"layers\": [{\"type\": \"relu\"}]} {}", "data after"},
		{"json syntax", spec.JSON, "{\"layers\": [\n{\"type\": \"relu\",}]}", "line 2"},
		{"hex", spec.YAML, "layers:\n  - {type: linear, out: 0x10}\n", `want a whole number in decimal, got "0x10"`},
		{"float units", spec.YAML, "layers:\n  - {type: linear, out: 2.5}\n", `want a whole number in decimal, got "2.5"`},
		{"string units", spec.YAML, "layers:\n  - {type: linear, out: \"10\"}\n", `want a whole number, got a string`},
		{"too many units", spec.YAML, "layers:\n  - {type: linear, out: 1e12}\n", `out of range`},
		{"negative padding", spec.YAML, "layers:\n  - {type: conv, out: 2, kernel: 3, padding: -1}\n", `-1 is out of range`},
		{"dropout 1", spec.YAML, "layers:\n  - {type: dropout, p: 1}\n", `not a probability`},
		{"dropout nan", spec.YAML, "layers:\n  - {type: dropout, p: .nan}\n", `finite`},
		{"alias", spec.YAML, "layers:\n  - &a {type: relu}\n  - *a\n", "anchors and aliases"},
		{"tag", spec.YAML, "layers:\n  - !!binary aGVsbG8=\n", "not allowed"},
		{"two documents", spec.YAML, "layers: [{type: relu}]\n---\nlayers: [{type: relu}]\n", "second YAML document"},
		{"repeated name", spec.YAML, "layers:\n  - {type: relu, name: a}\n  - {type: tanh, name: a}\n", `line 3: layers[1] "a" (tanh): the name "a" is taken`},
		{"dotted name", spec.YAML, "layers:\n  - {type: relu, name: a.b}\n", `letters, digits`},
		{"bad join", spec.YAML, "layers:\n  - {type: branches, join: mul, branches: [{type: relu}]}\n", `unknown join "mul"`},
		{"empty body", spec.YAML, "layers:\n  - {type: residual, body: []}\n", `empty list`},
		{"no layers", spec.YAML, "name: x\n", `no layers`},
		{"empty", spec.YAML, "", `empty`},
		{"not a mapping", spec.YAML, "- relu\n", `want a mapping`},
		{"activation key", spec.YAML, "layers:\n  - {type: relu, out: 3}\n", `unknown key "out" (an activation takes type, name)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := spec.Parse([]byte(c.text), c.format)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// Shape errors name the layer and its line.
func TestPlanErrors(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"linear on images", "layers:\n  - {type: conv, out: 6, kernel: 5}\n  - {type: linear, name: f6, out: classes}\n",
			`line 3: layers[1] "f6" (linear): wants one vector an example, but gets 6×24×24: add {type: flatten}`},
		{"window too large", "layers:\n  - {type: conv, out: 6, kernel: 29}\n", `a 29×29 window is larger than its 28×28 input`},
		{"residual mismatch", "layers:\n  - type: residual\n    name: block\n    body:\n      - {type: conv, out: 8, kernel: 3, padding: 1}\n  - {type: flatten}\n  - {type: linear, out: classes}\n",
			`line 2: layers[0] "block" (residual): the body turns 1×28×28 into 8×28×28`},
		{"shortcut mismatch", "layers:\n  - type: residual\n    body: [{type: conv, out: 8, kernel: 3, padding: 1}]\n    shortcut: [{type: conv, out: 8, kernel: 1, stride: 2}]\n",
			`the body gives 8×28×28 but the shortcut 8×14×14`},
		{"branches add", "layers:\n  - type: branches\n    join: add\n    branches:\n      - {type: conv, out: 4, kernel: 3}\n      - {type: conv, out: 4, kernel: 1}\n",
			`branch 1 gives 4×28×28 but branch 0 4×26×26`},
		{"wrong output", "layers:\n  - {type: flatten}\n  - {type: linear, out: 7}\n", `line 3: layers[1] (linear): the network ends with 7 an example, but the data has 10 classes`},
		{"pool on vector", "layers:\n  - {type: flatten}\n  - {type: maxpool, kernel: 2}\n", `wants images`},
		{"nested", "layers:\n  - type: sequential\n    layers:\n      - {type: flatten}\n      - {type: conv, out: 3, kernel: 3}\n", `layers[0].layers[1] (conv): wants images`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := spec.Parse([]byte(c.text), spec.YAML)
			if err != nil {
				t.Fatal(err)
			}
			_, err = d.Plan([]int{1, 28, 28}, 10)
			var se *spec.Error
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			} else if !errors.As(err, &se) {
				t.Errorf("error %T, want *spec.Error", err)
			}
		})
	}
}

// A description of a trillion parameters (or of huge activations) is
// refused by arithmetic, before anything is allocated for it.
func TestLimitsBeforeAllocation(t *testing.T) {
	// 15 layers of 65,536×65,536 and a convolution of 65,536 64×64
	// filters on 65,536 channels: 1.8·10¹³ parameters in all.
	var b strings.Builder
	b.WriteString("layers:\n  - {type: flatten}\n")
	for range 15 {
		b.WriteString("  - {type: linear, out: 65536}\n")
	}
	b.WriteString("  - {type: conv, out: 65536, kernel: 64}\n")
	cases := []struct{ name, text, want string }{
		{"linear", b.String(), "line 4: layers[2] (linear): takes the network to 4,346,478,592 parameters, more than the limit of 100,000,000"},
		{"second linear", "layers:\n  - {type: flatten}\n  - {type: linear, out: 1000}\n  - {type: linear, out: 65536}\n  - {type: linear, out: 65536}\n", "layers[3] (linear): takes the network to 4,360,... "},
		{"conv 1e12", "layers:\n  - {type: conv, out: 65536, kernel: 64, padding: 64}\n  - {type: conv, out: 65536, kernel: 64}\n", "more than the limit"},
		{"activations", "layers:\n  - {type: conv, out: 65536, kernel: 1, padding: 64}\n", "numbers an example, more than the limit of 16,777,216"},
	}
	cases[1].want = "layers[3] (linear): takes the network to 4,"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := spec.Parse([]byte(c.text), spec.YAML)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err = d.Build(tensor.NewRNG(0), []int{1, 28, 28}, 10)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", got)
			}
		})
	}
	// Too many layers, and blocks nested too deep, are refused while
	// decoding.
	var many strings.Builder
	many.WriteString("layers:\n")
	for range spec.MaxLayers + 1 {
		many.WriteString("  - {type: relu}\n")
	}
	if _, err := spec.Parse([]byte(many.String()), spec.YAML); err == nil || !strings.Contains(err.Error(), "more than 1024 layers") {
		t.Errorf("%d layers: %v", spec.MaxLayers+1, err)
	}
	deep := "{\"layers\": [" + strings.Repeat(`{"type": "sequential", "layers": [`, spec.MaxDepth+1) + `{"type": "relu"}` + strings.Repeat("]}", spec.MaxDepth+1) + "]}"
	if _, err := spec.Parse([]byte(deep), spec.JSON); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep nesting: %v", err)
	}
	big := make([]byte, spec.MaxFileBytes+1)
	if _, err := spec.Parse(big, spec.YAML); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("big file: %v", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := spec.ReadFile(dir + "/x.toml"); err == nil || !strings.Contains(err.Error(), ".yaml") {
		t.Errorf("toml: %v", err)
	}
	if err := os.Mkdir(dir+"/d.yaml", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := spec.ReadFile(dir + "/d.yaml"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("folder: %v", err)
	}
	p := dir + "/bad.yaml"
	os.WriteFile(p, []byte("layers:\n  - {type: relu, size: 3}\n"), 0o644)
	if _, err := spec.ReadFile(p); err == nil || !strings.Contains(err.Error(), "model file "+p+": line 2") {
		t.Errorf("bad file: %v", err)
	}
}

// Branches and residual blocks build and run, and Plan's figures are
// nn.Summarize's.
func TestBlocks(t *testing.T) {
	text := `
layers:
  - type: branches
    name: inception
    join: concat
    branches:
      - {type: conv, name: a, out: 4, kernel: 1}
      - type: sequential
        name: b
        layers:
          - {type: conv, out: 4, kernel: 1}
          - {type: conv, out: 6, kernel: 3, padding: 1}
      - {type: maxpool, name: c, kernel: 1}
  - {type: batchnorm}
  - type: residual
    body:
      - {type: conv, out: 11, kernel: 3, padding: 1, bias: false}
      - {type: relu}
  - {type: globalavgpool}
  - {type: dropout, p: 0.5}
  - type: branches
    join: add
    branches:
      - {type: linear, out: classes}
      - {type: linear, out: classes, bias: false}
`
	d, err := spec.Parse([]byte(text), spec.YAML)
	if err != nil {
		t.Fatal(err)
	}
	m, plan, err := d.Build(tensor.NewRNG(0), []int{1, 8, 8}, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := nn.Summarize(m, 2, 1, 8, 8)
	if int64(s.Total) != plan.Params || int64(s.MultiplyAdds) != plan.MultiplyAdds || int64(s.Buffers) != plan.Buffers {
		t.Errorf("plan %d params, %d madds, %d buffers; summary %d, %d, %d", plan.Params, plan.MultiplyAdds, plan.Buffers, s.Total, s.MultiplyAdds, s.Buffers)
	}
	if got := s.Rows[len(s.Rows)-1].Output; !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("output %v", got)
	}
	if !strings.Contains(plan.String(), "inception.b.1") {
		t.Errorf("plan table:\n%s", plan)
	}
}

// The general convolution and pooling options, adaptive pooling and the
// newer activations: Plan agrees with the built network.
func TestOptions(t *testing.T) {
	text := `
layers:
  - {type: conv, out: 8, kernel: [3, 5], padding: same}
  - {type: gelu}
  - {type: conv, out: 8, kernel: 3, dilation: 2, groups: 4, padding: [2, 1], bias: false}
  - {type: silu}
  - {type: maxpool, kernel: 3, stride: 2, padding: 1, ceil: true}
  - {type: avgpool, kernel: [2, 3], stride: [1, 2], padding: 1, exclude_pad: true}
  - {type: conv, out: 6, kernel: 1, padding: valid, stride: [1, 2]}
  - {type: softplus}
  - {type: adaptiveavgpool, size: [2, 3]}
  - {type: flatten}
  - {type: linear, out: classes}
`
	d, err := spec.Parse([]byte(text), spec.YAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]int{{1, 13, 11}, {1, 28, 28}} {
		m, plan, err := d.Build(tensor.NewRNG(0), in, 4)
		if err != nil {
			t.Fatal(err)
		}
		s := nn.Summarize(m, append([]int{1}, in...)...)
		for i, r := range s.Rows {
			if !reflect.DeepEqual(r.Output[1:], plan.Rows[i].Output) || int64(r.Params) != plan.Rows[i].Params || int64(r.MultiplyAdds) != plan.Rows[i].MultiplyAdds {
				t.Errorf("%v: row %s: built %v %d %d, planned %v %d %d", in, r.Name, r.Output[1:], r.Params, r.MultiplyAdds, plan.Rows[i].Output, plan.Rows[i].Params, plan.Rows[i].MultiplyAdds)
			}
		}
	}
	raw, _ := d.MarshalJSON()
	back, err := spec.Parse(raw, spec.JSON)
	if err != nil {
		t.Fatal(err)
	}
	stripLines(d.Layers)
	stripLines(back.Layers)
	if !reflect.DeepEqual(d, back) {
		t.Errorf("round trip: %s", raw)
	}
	for _, c := range []struct{ text, want string }{
		{"layers:\n  - {type: conv, out: 6, kernel: 3, groups: 4}\n", "not multiples of 4 groups"},
		{"layers:\n  - {type: conv, out: 6, kernel: 3, stride: 2, padding: same}\n", `padding "same" needs stride 1`},
		{"layers:\n  - {type: maxpool, kernel: 2, padding: 2}\n", "half the 2×2 window"},
		{"layers:\n  - {type: conv, out: 6, kernel: 5, dilation: 9}\n", "5×5 window, 37×37 dilated"},
	} {
		d, err := spec.Parse([]byte(c.text), spec.YAML)
		if err == nil {
			_, err = d.Plan([]int{1, 28, 28}, 4)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"layers:\n  - {type: conv, out: 6, kernel: [3, 3, 3]}\n", "a list of 3"},
		{"layers:\n  - {type: conv, out: 6, kernel: 3, padding: full}\n", `unknown padding "full"`},
		{"layers:\n  - {type: maxpool, kernel: 3, exclude_pad: true}\n", `unknown key "exclude_pad"`},
	} {
		if _, err := spec.Parse([]byte(c.text), spec.YAML); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}
