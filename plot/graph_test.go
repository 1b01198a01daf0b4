package plot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/plot/plottest"
	"github.com/baeum-ml/baeum/tensor"
)

// tanh(w·x) with x an input: three values get gradients, x does not.
func smallGraph(t *testing.T, backward bool) *autograd.Value {
	t.Helper()
	w := autograd.NewParam("w", tensor.FromFloat64([]float64{2}))
	g := autograd.NewGraph()
	x := g.Input(tensor.FromFloat64([]float64{0.25})).SetName("x")
	y := g.Tanh(g.Mul(w, x)).SetName("y")
	if backward {
		y.Backward()
	}
	return y
}

func TestNewGraph(t *testing.T) {
	tests := []struct {
		name      string
		opt       plot.GraphOptions
		nodes     int
		backEdges int
		want      []string
		wantNot   []string
	}{
		{"forward only", plot.GraphOptions{}, 4, 0, []string{`"w\n(1)"`, `"x\n(1)"`, `"mul\n(1)"`, `"y\ntanh\n(1)"`, "n0 -> n2;", "n2 -> n3;"}, []string{"∂", "dir=back"}},
		{"backward", plot.GraphOptions{Backward: true}, 7, 2, []string{`"∂y/∂w\n(1)"`, `"∂y/∂y\n= 1"`, "d2 -> d3 [", "d0 -> d2 [", "{ rank=same; n0; d0; }"}, []string{"∂y/∂x"}},
		{"values", plot.GraphOptions{Backward: true, Values: true, Output: "f", Title: `say "hi"`}, 7, 2,
			[]string{`"w\n= 2"`, `"∂f/∂w\n= 0.1966"`, `"∂f/∂mul\n= 0.7864"`, `label="say \"hi\""`}, []string{"(1)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := plot.NewGraph(smallGraph(t, tc.opt.Backward), tc.opt)
			back := 0
			for _, e := range g.Edges {
				if e.Backward {
					back++
				}
			}
			if len(g.Nodes) != tc.nodes || back != tc.backEdges {
				t.Errorf("%d nodes and %d backward edges, want %d and %d", len(g.Nodes), back, tc.nodes, tc.backEdges)
			}
			if g.Count(plot.NodeParam) != 1 || g.Count(plot.NodeInput) != 1 || g.Ops()["mul"] != 1 || g.Ops()["tanh"] != 1 {
				t.Errorf("kinds: %+v", g.Nodes)
			}
			dot := string(g.DOT())
			for _, w := range tc.want {
				if !strings.Contains(dot, w) {
					t.Errorf("DOT lacks %s:\n%s", w, dot)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(dot, w) {
					t.Errorf("DOT has %s:\n%s", w, dot)
				}
			}
		})
	}
}

func TestRenderDOT(t *testing.T) {
	src := plot.NewGraph(smallGraph(t, true), plot.GraphOptions{Backward: true}).DOT()
	dir := t.TempDir()
	if err := plot.RenderDOT(context.Background(), src, filepath.Join(dir, "g.pdf")); err == nil || !strings.Contains(err.Error(), "unknown picture format") {
		t.Errorf("a .pdf: %v", err)
	}
	if plot.DotProgram() != "" {
		for _, f := range []string{"g.png", "g.svg"} {
			p := filepath.Join(dir, f)
			if err := plot.RenderDOT(context.Background(), src, p); err != nil {
				t.Fatal(err)
			}
			plottest.Check(t, p, 100, 100)
		}
		if err := plot.RenderDOT(context.Background(), []byte("digraph {"), filepath.Join(dir, "bad.svg")); err == nil {
			t.Error("broken DOT accepted")
		}
		if _, err := os.Stat(filepath.Join(dir, "bad.svg")); err == nil {
			t.Error("broken DOT left a file")
		}
	}
	t.Setenv("PATH", "")
	err := plot.RenderDOT(context.Background(), src, filepath.Join(dir, "h.svg"))
	if !errors.Is(err, plot.ErrNoGraphviz) || !strings.Contains(err.Error(), "apt install graphviz") {
		t.Errorf("without dot: %v", err)
	}
}

func TestBarsAndRaster(t *testing.T) {
	if _, err := plot.Bars("t", "y", []string{"a"}, []float64{1, 2}, "%.0f"); err == nil {
		t.Error("Bars: mismatched names accepted")
	}
	if _, err := plot.LogBars("t", "y", []string{"a", "b"}, []float64{10, 0}, nil); err == nil {
		t.Error("LogBars: zero accepted on a log axis")
	}
	img := plot.Raster([]float64{0, 1, 2, 3}, 2, 2, 0, 3, plot.Gray, 3)
	if b := img.Bounds(); b.Dx() != 6 || b.Dy() != 6 {
		t.Errorf("raster of %v", b)
	}
	if c := img.RGBAAt(0, 0); c.R != 255 { // 0 is white
		t.Errorf("top left %v, want white", c)
	}
	if c := img.RGBAAt(5, 5); c.R != 0 { // 3 is black
		t.Errorf("bottom right %v, want black", c)
	}
	if c := plot.BlueRed(0.5); c.R != c.B {
		t.Errorf("BlueRed(½) = %v, want neutral", c)
	}
	fig := plot.NewFigure("two images", 0, 0, plot.ImagePanel("a", img), nil, plot.ImagePanel("b", img))
	p := filepath.Join(t.TempDir(), "f.png")
	if err := fig.Save(p); err != nil {
		t.Fatal(err)
	}
	plottest.Check(t, p, 600, 400)
	if err := (&plot.Figure{}).Save(filepath.Join(t.TempDir(), "empty.png")); err == nil {
		t.Error("a figure without panels saved")
	}
}
