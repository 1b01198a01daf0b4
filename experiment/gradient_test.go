package experiment_test

import (
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/plot/plottest"
)

func TestGradient(t *testing.T) {
	for _, act := range experiment.GradientActivations {
		t.Run(act, func(t *testing.T) {
			r, err := experiment.Gradient(experiment.GradientConfig{Activation: act, Steps: 30})
			if err != nil {
				t.Fatal(err)
			}
			const p = 4*5 + 5 + 5*3 + 3
			if r.Params != p || len(r.Elements) != p {
				t.Fatalf("%d parameters, %d elements; want %d", r.Params, len(r.Elements), p)
			}
			if r.Forwards != 2*p {
				t.Errorf("central differences took %d forward passes, want 2P = %d", r.Forwards, 2*p)
			}
			if want := 30*(2*p+1) + 1; r.TrainForwards != want {
				t.Errorf("numerical training took %d forward passes, want %d", r.TrainForwards, want)
			}
			// In float64 with h = 1e-6, central differences are good to
			// about 1e-10; backprop must agree with them.
			if r.MaxAbs > 1e-8 || r.MaxRel > 1e-5 {
				t.Errorf("gradients differ by %g (relative %g)", r.MaxAbs, r.MaxRel)
			}
			nonzero := 0
			for _, e := range r.Elements {
				if math.Abs(e.Backprop) > 1e-6 {
					nonzero++
				}
			}
			if nonzero < p/2 {
				t.Errorf("only %d of %d derivatives are not near 0", nonzero, p)
			}
			if len(r.NumericalLoss) != 31 || len(r.BackpropLoss) != 31 {
				t.Fatalf("%d and %d losses, want 31", len(r.NumericalLoss), len(r.BackpropLoss))
			}
			for i := range r.NumericalLoss {
				if d := math.Abs(r.NumericalLoss[i] - r.BackpropLoss[i]); d > 1e-8 {
					t.Errorf("step %d: losses %v and %v differ by %g", i, r.NumericalLoss[i], r.BackpropLoss[i], d)
				}
			}
			if first, last := r.BackpropLoss[0], r.BackpropLoss[30]; !(last < 0.8*first) {
				t.Errorf("loss %v → %v: training did not learn", first, last)
			}
		})
	}
}

func TestGradientDeterministic(t *testing.T) {
	a, err := experiment.Gradient(experiment.GradientConfig{Steps: 5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := experiment.Gradient(experiment.GradientConfig{Steps: 5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Elements {
		if a.Elements[i] != b.Elements[i] {
			t.Fatalf("element %d: %+v, then %+v", i, a.Elements[i], b.Elements[i])
		}
	}
	for i := range a.BackpropLoss {
		if a.BackpropLoss[i] != b.BackpropLoss[i] || a.NumericalLoss[i] != b.NumericalLoss[i] {
			t.Fatalf("step %d: losses differ between runs", i)
		}
	}
}

var (
	number = regexp.MustCompile(`[-+]?[0-9][0-9.,]*(e[-+]?[0-9]+)?`)
	spaces = regexp.MustCompile(` +`)
)

// TestGradientTableShape checks that the table has the same lines,
// numbers and padding aside, for 20 steps as for 100, so that --quick output can stand
// for the full one.
func TestGradientTableShape(t *testing.T) {
	shape := func(steps int) string {
		r, err := experiment.Gradient(experiment.GradientConfig{Steps: steps})
		if err != nil {
			t.Fatal(err)
		}
		tab := r.Table()
		for _, want := range []string{"w1[0,0]", "b2[2]", "largest difference over all 43 parameters", "86 forward passes (2 per parameter)", "Why backprop wins"} {
			if !strings.Contains(tab, want) {
				t.Errorf("table lacks %q:\n%s", want, tab)
			}
		}
		return spaces.ReplaceAllString(number.ReplaceAllString(tab, "N"), " ")
	}
	if a, b := shape(20), shape(100); a != b {
		t.Errorf("the table's shape depends on the steps:\n%s\nvs\n%s", a, b)
	}
}

func TestGradientBadConfig(t *testing.T) {
	for _, c := range []experiment.GradientConfig{
		{Hidden: -1}, {Examples: 2}, {Steps: -3}, {LR: -1}, {Activation: "relu"},
	} {
		if _, err := experiment.Gradient(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestGradientDraw(t *testing.T) {
	r, err := experiment.Gradient(experiment.GradientConfig{Steps: 10})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := r.Draw(experiment.Output{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"gradient-training.png", "gradient-training.svg", "gradient-training.csv"}
	if len(files) != len(want) {
		t.Fatalf("wrote %v, want %v", files, want)
	}
	for i, n := range want {
		if files[i] != filepath.Join(dir, n) {
			t.Errorf("file %d is %s, want %s", i, files[i], n)
		}
	}
	plottest.Check(t, files[0], 300, 150)
}
