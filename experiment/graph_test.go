package experiment_test

import (
	"context"
	"errors"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/plot/plottest"
	"github.com/baeum-ml/baeum/tensor"
)

const checkpoint = "../testdata/lenet5-2epochs.safetensors"

func TestStepGraph(t *testing.T) {
	lenet := map[string]int{"conv2d": 3, "tanh": 4, "avgpool2d": 2, "reshape": 1, "linear": 2, "cross_entropy": 1}
	lenetParams := []string{"c1.weight", "c1.bias", "c3.weight", "c3.bias", "c5.weight", "c5.bias", "f6.weight", "f6.bias", "output.weight", "output.bias"}
	tests := []struct {
		model  string
		ops    map[string]int
		params []string
	}{
		{"lenet5", lenet, lenetParams},
		{"lenet5-relu", map[string]int{"conv2d": 3, "relu": 4, "maxpool2d": 2, "reshape": 1, "linear": 2, "cross_entropy": 1}, lenetParams},
		{"mlp", map[string]int{"linear": 3, "relu": 2, "cross_entropy": 1}, []string{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "output.weight", "output.bias"}},
		{"softmax", map[string]int{"linear": 1, "cross_entropy": 1}, []string{"output.weight", "output.bias"}},
		{checkpoint, lenet, lenetParams},
		// The word "graph": an LSTM node for all the steps, the two
		// biases of its input projection summed, the output layer on
		// every step.
		{"charlm", map[string]int{"embedding": 1, "linear": 2, "add": 1, "lstm": 1, "slice": 1, "reshape": 5, "cross_entropy": 1},
			[]string{"embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "output.weight", "output.bias"}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.model), func(t *testing.T) {
			r, err := experiment.StepGraph(tc.model, 1)
			if err != nil {
				t.Fatal(err)
			}
			g := r.Graph
			if got := g.Ops(); !maps.Equal(got, tc.ops) {
				t.Errorf("operations %v, want %v", got, tc.ops)
			}
			if !slices.Equal(r.Params, tc.params) {
				t.Errorf("parameters %v, want %v", r.Params, tc.params)
			}
			// A node per parameter, each with its gradient beside it.
			var params []string
			for _, n := range g.Nodes {
				if n.Kind == plot.NodeParam {
					params = append(params, n.Name)
					d := g.Node("d" + strings.TrimPrefix(n.ID, "n"))
					if d == nil || !strings.HasPrefix(d.Label, "∂L/∂"+n.Name+"\n") {
						t.Errorf("parameter %s has no gradient node (got %+v)", n.Name, d)
					}
				}
			}
			slices.Sort(params)
			want := slices.Sorted(slices.Values(tc.params))
			if !slices.Equal(params, want) {
				t.Errorf("parameter nodes %v, want %v", params, want)
			}
			// The images get no gradient; every parameter and operation does.
			ops := 0
			for _, n := range tc.ops {
				ops += n
			}
			if g.Count(plot.NodeInput) != 1 || g.Count(plot.NodeGrad) != ops+len(tc.params) {
				t.Errorf("%d inputs and %d gradient nodes, want 1 and %d", g.Count(plot.NodeInput), g.Count(plot.NodeGrad), ops+len(tc.params))
			}
			// Every forward edge between values that get gradients has a
			// backward twin.
			fwd, back := 0, 0
			for _, e := range g.Edges {
				if e.Backward {
					back++
					if !strings.HasPrefix(e.From, "d") || !strings.HasPrefix(e.To, "d") {
						t.Errorf("backward edge %v does not join gradients", e)
					}
				} else if g.Node(e.From).Kind != plot.NodeInput {
					fwd++
				}
			}
			if fwd != back || back == 0 {
				t.Errorf("%d forward edges from values with gradients, %d backward edges", fwd, back)
			}
			if !(r.Output > 0) {
				t.Errorf("loss %v", r.Output)
			}
			dot := string(g.DOT())
			for _, w := range []string{"digraph G {", "dir=back", "rank=same", `"L\ncross_entropy\nscalar"`} {
				if !strings.Contains(dot, w) {
					t.Errorf("DOT lacks %q", w)
				}
			}
		})
	}
	// cnn's dropout draws its masks from the graph's random source.
	if r, err := experiment.StepGraph("cnn", 1); err != nil || r.Graph.Ops()["dropout"] != 1 {
		t.Errorf("cnn: %v, operations %v", err, r.Graph.Ops())
	}
	if _, err := experiment.StepGraph("resnet.safetensors", 1); err == nil {
		t.Error("a missing checkpoint accepted")
	}
}

func TestGraphDraw(t *testing.T) {
	r, err := experiment.StepGraph("lenet5", 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := r.Draw(context.Background(), experiment.Output{Dir: dir})
	if plot.DotProgram() == "" {
		if !errors.Is(err, plot.ErrNoGraphviz) || len(files) != 1 {
			t.Fatalf("without Graphviz: %v, %v", files, err)
		}
		t.Skip("Graphviz's dot is not installed: only the .dot file was checked")
	}
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 1000, 300, "graph-lenet5.dot", "graph-lenet5.png", "graph-lenet5.svg")
	st, err := plottest.InspectSVG(filepath.Join(dir, "graph-lenet5.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"c1.weight", "∂L/∂c1.weight", "avgpool2d", "cross_entropy"} {
		if !strings.Contains(st.Text, w) {
			t.Errorf("the SVG does not show %q", w)
		}
	}
}

func TestExpression(t *testing.T) {
	tests := []struct {
		src   string
		vars  map[string]float64
		value float64
		grads map[string]float64
	}{
		{"y = w*x + b", map[string]float64{"w": 2, "x": 3, "b": 1}, 7, map[string]float64{"w": 3, "x": 2, "b": 1}},
		{"x*x", map[string]float64{"x": 3}, 9, map[string]float64{"x": 6}}, // a variable used twice: the gradients add up
		{"x^3 - 2*x", map[string]float64{"x": 2}, 4, map[string]float64{"x": 10}},
		{"x**3", map[string]float64{"x": 2}, 8, map[string]float64{"x": 12}},
		{"-x + +x·x × 2", map[string]float64{"x": 1}, 1, map[string]float64{"x": 3}},
		{"z = tanh(w*x + b)", map[string]float64{"w": 0.5, "x": 1, "b": -0.2}, math.Tanh(0.3), nil},
		{"L = -log(sigmoid(w*x))", map[string]float64{"w": 1.5, "x": -0.4}, -math.Log(1 / (1 + math.Exp(0.6))), nil},
		{"exp(a)/(1 + exp(a)) + sqrt(abs(b)) + square(c) + relu(a - c)", map[string]float64{"a": 0.3, "b": -4, "c": 0.1}, 0, nil},
		{"2^x + x^y", map[string]float64{"x": 1.5, "y": 2}, math.Pow(2, 1.5) + 2.25, nil},
		{"1.5e-1 * w_2 / 4", map[string]float64{"w_2": 8}, 0.3, map[string]float64{"w_2": 0.0375}},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			r, err := experiment.Expression(tc.src, tc.vars)
			if err != nil {
				t.Fatal(err)
			}
			if tc.value != 0 && math.Abs(r.Output-tc.value) > 1e-12 {
				t.Errorf("value %v, want %v", r.Output, tc.value)
			}
			for name, want := range tc.grads {
				if math.Abs(r.Grads[name]-want) > 1e-12 {
					t.Errorf("d/d%s = %v, want %v", name, r.Grads[name], want)
				}
			}
			// Every gradient agrees with central differences.
			for name, g := range r.Grads {
				const h = 1e-6
				at := func(d float64) float64 {
					v := maps.Clone(tc.vars)
					v[name] += d
					r2, err := experiment.Expression(tc.src, v)
					if err != nil {
						t.Fatal(err)
					}
					return r2.Output
				}
				num := (at(h) - at(-h)) / (2 * h)
				if math.Abs(num-g) > 1e-6*math.Max(1, math.Abs(g)) {
					t.Errorf("d/d%s = %v by backpropagation, %v by central differences", name, g, num)
				}
			}
			if n := r.Graph.Count(plot.NodeParam); n != len(tc.vars) {
				t.Errorf("%d variable nodes, want %d", n, len(tc.vars))
			}
		})
	}
}

func TestExpressionErrors(t *testing.T) {
	tests := []struct {
		src  string
		vars map[string]float64
		want string
	}{
		{"w*", map[string]float64{"w": 1}, "ends where"},
		{"(w + 1", map[string]float64{"w": 1}, "missing )"},
		{"w + 1)", map[string]float64{"w": 1}, `unexpected ")"`},
		{"w x", map[string]float64{"w": 1, "x": 1}, "character 3"},
		{"tanh w", map[string]float64{"w": 1}, "needs an argument"},
		{"tanh(w", map[string]float64{"w": 1}, "missing ) after"},
		{"w * $", map[string]float64{"w": 1}, "unexpected"},
		{"w*x + b", map[string]float64{"w": 1}, "no value for b, x (give them, e.g. --vars b=1,x=1)"},
		{"3 + 4", nil, "no variable"},
		{"1..2 * w", map[string]float64{"w": 1}, "not a number"},
		{"2y = w", map[string]float64{"w": 1}, "not a name"},
		{strings.Repeat("w+", 300) + "w", map[string]float64{"w": 1}, "characters"},
		{strings.Repeat("1*", 190) + "w", map[string]float64{"w": 1}, "too many"},
	}
	for _, tc := range tests {
		_, err := experiment.Expression(tc.src, tc.vars)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Expression(%.40q): got %v, want an error containing %q", tc.src, err, tc.want)
		}
	}
}

func TestParseVars(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]float64
		err  bool
	}{
		{"w=2,x=3, b = -1.5", map[string]float64{"w": 2, "x": 3, "b": -1.5}, false},
		{"", map[string]float64{}, false},
		{"w=2,,", map[string]float64{"w": 2}, false},
		{"w", nil, true},
		{"w=two", nil, true},
		{"2w=1", nil, true},
	}
	for _, tc := range tests {
		got, err := experiment.ParseVars(tc.in)
		if (err != nil) != tc.err || (!tc.err && !maps.Equal(got, tc.want)) {
			t.Errorf("ParseVars(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestExpressionDraw(t *testing.T) {
	r, err := experiment.Expression(experiment.DefaultExpression, experiment.DefaultExpressionVars)
	if err != nil {
		t.Fatal(err)
	}
	dot := string(r.Graph.DOT())
	for _, w := range []string{`"w\n= 2"`, `"∂y/∂w\n= 3"`, `"∂y/∂x\n= 2"`, `"y\nadd\n= 7"`, `"∂y/∂y\n= 1"`} {
		if !strings.Contains(dot, w) {
			t.Errorf("DOT lacks %s:\n%s", w, dot)
		}
	}
	if plot.DotProgram() == "" {
		t.Skip("Graphviz's dot is not installed")
	}
	dir := t.TempDir()
	files, err := r.Draw(context.Background(), experiment.Output{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 300, 150, "graph-expr.dot", "graph-expr.png", "graph-expr.svg")
}

// TestStepGraphTextVocabulary: a language model whose characters do not
// spell "graph" reads a word of its own first characters instead.
func TestStepGraphTextVocabulary(t *testing.T) {
	m, err := models.NewText(tensor.NewRNG(1), models.Config{Name: models.CharLMName, Hidden: []int{8}, Embed: 4}, models.TextPrepOf("xyz", 5))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "xyz.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	r, err := experiment.StepGraph(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if title := string(r.Graph.DOT()); !strings.Contains(title, `on \"xyz\"`) && !strings.Contains(title, `on "xyz"`) {
		t.Errorf("the graph does not read the word xyz:\n%.300s", title)
	}
	if !(r.Output > 0) || r.Graph.Ops()["lstm"] != 1 {
		t.Errorf("loss %v, operations %v", r.Output, r.Graph.Ops())
	}
}
