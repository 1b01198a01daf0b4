package experiment_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/experiment"
)

func TestActivationStats(t *testing.T) {
	a, err := experiment.ActivationStats(experiment.ActivationConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Runs) != 12 {
		t.Fatalf("%d runs, want 3 activations × 4 initializations", len(a.Runs))
	}
	first := func(r *experiment.ActivationRun) experiment.LayerStats { return r.Layers[0] }
	last := func(r *experiment.ActivationRun) experiment.LayerStats { return r.Layers[len(r.Layers)-1] }
	every := func(r *experiment.ActivationRun, ok func(experiment.LayerStats) bool) bool {
		for _, l := range r.Layers {
			if !ok(l) {
				return false
			}
		}
		return true
	}
	tests := []struct {
		act, scheme string
		want        string
		ok          func(r *experiment.ActivationRun) bool
	}{
		{"sigmoid", "std1", "most activations at 0 or 1 in every layer (saturation)", func(r *experiment.ActivationRun) bool {
			return every(r, func(l experiment.LayerStats) bool { return l.Saturated > 0.5 })
		}},
		{"sigmoid", "std0.01", "every layer collapsed near 0.5 (σ < 0.03)", func(r *experiment.ActivationRun) bool {
			return every(r, func(l experiment.LayerStats) bool { return l.Std < 0.03 && l.Mean > 0.49 && l.Mean < 0.51 })
		}},
		{"sigmoid", "xavier", "a spread (σ > 0.1) without saturation in every layer", func(r *experiment.ActivationRun) bool {
			return every(r, func(l experiment.LayerStats) bool { return l.Std > 0.1 && l.Saturated < 0.01 })
		}},
		{"tanh", "std1", "most activations at ±1 in every layer", func(r *experiment.ActivationRun) bool {
			return every(r, func(l experiment.LayerStats) bool { return l.Saturated > 0.7 })
		}},
		{"tanh", "std0.01", "a spread shrinking by about 10 per layer", func(r *experiment.ActivationRun) bool {
			return last(r).Std < 1e-3*first(r).Std
		}},
		{"tanh", "xavier", "a spread above 0.3 in every layer, barely saturated", func(r *experiment.ActivationRun) bool {
			return every(r, func(l experiment.LayerStats) bool { return l.Std > 0.3 && l.Saturated < 0.05 })
		}},
		{"relu", "std1", "activations that explode (last layer 100× the first)", func(r *experiment.ActivationRun) bool {
			return last(r).Std > 100*first(r).Std
		}},
		{"relu", "std0.01", "activations that vanish (last layer < 1e-4 of the first)", func(r *experiment.ActivationRun) bool {
			return last(r).Std < 1e-4*first(r).Std
		}},
		{"relu", "xavier", "a spread that halves or worse over the layers", func(r *experiment.ActivationRun) bool {
			return last(r).Std < first(r).Std/2
		}},
		{"relu", "he", "the last layer's spread within a factor of 2 of the first's, about half the units active", func(r *experiment.ActivationRun) bool {
			ratio := last(r).Std / first(r).Std
			return ratio > 0.5 && ratio < 2 && every(r, func(l experiment.LayerStats) bool { return l.Zero > 0.35 && l.Zero < 0.65 })
		}},
	}
	for _, tc := range tests {
		r := a.Run(tc.act, tc.scheme)
		if r == nil {
			t.Errorf("no run for %s with %s", tc.act, tc.scheme)
			continue
		}
		if !tc.ok(r) {
			t.Errorf("%s with %s should give %s; layers: %+v", tc.act, tc.scheme, tc.want, r.Layers)
		}
	}
	// The histograms hold every activation (sigmoid, tanh) or every
	// positive one (ReLU).
	for _, r := range a.Runs {
		for _, l := range r.Layers {
			n := 0
			for _, c := range l.Hist.Counts {
				n += c
			}
			want := l.Hist.Total
			if r.Activation == "relu" {
				want = int(float64(l.Hist.Total)*(1-l.Zero) + 0.5)
				// The bins stop at the 99.5th percentile of the largest layer.
				if n > want || n < want*9/10 {
					t.Errorf("%s %s layer %d: %d of %d positive values in the bins", r.Activation, r.Scheme, l.Layer, n, want)
				}
				continue
			}
			if n != want || len(l.Hist.Counts) != 30 {
				t.Errorf("%s %s layer %d: %d values in %d bins, want %d in 30", r.Activation, r.Scheme, l.Layer, n, len(l.Hist.Counts), want)
			}
		}
	}
	// The weights drawn have the standard deviation the scheme promises.
	for _, tc := range []struct {
		scheme string
		std    float64
	}{{"std1", 1}, {"std0.01", 0.01}, {"xavier", 0.1}, {"he", 0.1414}} {
		got := a.Run("tanh", tc.scheme).WeightStd
		if got < 0.97*tc.std || got > 1.03*tc.std {
			t.Errorf("%s: weights of standard deviation %.4g, want %.4g", tc.scheme, got, tc.std)
		}
	}

	dir := t.TempDir()
	files, err := a.Draw(experiment.Output{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 900, 600, "init-sigmoid.png", "init-sigmoid.svg", "init-tanh.png", "init-tanh.svg",
		"init-relu.png", "init-relu.svg", "init-activations.csv")
	if rows := readCSV(t, filepath.Join(dir, "init-activations.csv")); len(rows) != 1+12*5 {
		t.Errorf("CSV has %d rows, want 61", len(rows))
	}
}

func TestActivationStatsErrors(t *testing.T) {
	tests := []struct {
		cfg  experiment.ActivationConfig
		want string
	}{
		{experiment.ActivationConfig{Schemes: []string{"glorot"}}, "unknown initialization"},
		{experiment.ActivationConfig{Activations: []string{"softplus"}}, "unknown activation"},
		{experiment.ActivationConfig{Layers: -1}, "positive"},
	}
	for _, tc := range tests {
		_, err := experiment.ActivationStats(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
}

func TestSymmetry(t *testing.T) {
	s, err := experiment.Symmetry(experiment.SymmetryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, r := s.Constant, s.Random
	if len(c.Spread) != s.Config.Steps+1 || len(c.Loss) != s.Config.Steps {
		t.Fatalf("%d spreads and %d losses for %d steps", len(c.Spread), len(c.Loss), s.Config.Steps)
	}
	for step, d := range c.Spread {
		if d > 1e-12 {
			t.Fatalf("constant start: hidden units differ by %g after %d steps; they must stay identical", d, step)
		}
	}
	// The constant network did learn something — its units moved together.
	if c.W1[0][0] == s.Config.Const || !(c.Loss[len(c.Loss)-1] < c.Loss[0]) {
		t.Errorf("constant start: the weights or the loss did not move: %v, loss %v → %v", c.W1[0], c.Loss[0], c.Loss[len(c.Loss)-1])
	}
	if r.Spread[len(r.Spread)-1] < 0.5 {
		t.Errorf("random start: hidden units differ by only %g", r.Spread[len(r.Spread)-1])
	}
	if !(r.Loss[len(r.Loss)-1] < c.Loss[len(c.Loss)-1]) || !(r.Accuracy > c.Accuracy) {
		t.Errorf("random start should learn more: loss %.3f against %.3f, accuracy %.2f against %.2f",
			r.Loss[len(r.Loss)-1], c.Loss[len(c.Loss)-1], r.Accuracy, c.Accuracy)
	}
	if tab := s.Table(); !strings.Contains(tab, "unit 6:") || !strings.Contains(tab, "largest difference between units 0)") {
		t.Errorf("table:\n%s", tab)
	}
	dir := t.TempDir()
	files, err := s.Draw(experiment.Output{Dir: dir, Formats: []string{"png"}})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, dir, 1000, 400, "init-symmetry.png")
	if _, err := experiment.Symmetry(experiment.SymmetryConfig{Hidden: 1}); err == nil {
		t.Error("a single hidden unit accepted")
	}
}
