package experiment_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/experiment"
	"github.com/baeum-ml/baeum/plot/plottest"
)

// TestRNNGradients checks the shape of the experiment's numbers with the
// default configuration: the tanh RNN's gradient vanishes on its way back
// through 50 steps, and so does the LSTM's with PyTorch's biases, whose
// forget gates sit at ½; the LSTM whose forget gate starts open keeps it
// within a factor of ten. With the recurrent weights scaled up, SGD
// without clipping blows up while clipped SGD brings the loss down.
func TestRNNGradients(t *testing.T) {
	r, err := experiment.RNNGradients(experiment.RNNGradientConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	if c.Steps != 50 || c.Hidden != 32 || c.Batch != 16 || c.ForgetBias != 3 || c.Gain != 2.5 || c.TrainSteps != 100 {
		t.Fatalf("defaults %+v", c)
	}
	for _, cv := range []experiment.GradientCurve{r.RNN, r.LSTM, r.LSTMForget} {
		if len(cv.Norms) != c.Steps {
			t.Fatalf("%s: %d norms for %d steps", cv.Name, len(cv.Norms), c.Steps)
		}
		for i, n := range cv.Norms {
			if !(n > 0) || math.IsInf(n, 0) {
				t.Fatalf("%s: norm %v at step %d", cv.Name, n, i+1)
			}
		}
		if !(cv.Loss > 0) {
			t.Errorf("%s: loss %v", cv.Name, cv.Loss)
		}
	}
	if q := r.RNN.Ratio(); q < 100 {
		t.Errorf("tanh RNN: ‖∂L/∂x_T‖/‖∂L/∂x_1‖ = %.3g, want at least 100 (the gradient vanishes)", q)
	}
	if q := r.LSTM.Ratio(); q < 100 {
		t.Errorf("LSTM with PyTorch's biases: ratio %.3g, want at least 100 (forget gates at ½ halve the gradient every step)", q)
	}
	if q := r.LSTMForget.Ratio(); q > 10 || q < 0.1 {
		t.Errorf("LSTM with forget bias %g: ratio %.3g, want within 10× either way", c.ForgetBias, q)
	}
	if !(r.Radius < 1) || !(r.ScaledRadius > 1.2) {
		t.Errorf("spectral radii %.3g and %.3g, want below 1 and well above 1", r.Radius, r.ScaledRadius)
	}

	u, cl := r.Unclipped, r.Clipped
	for _, run := range []experiment.ClipRun{u, cl} {
		if len(run.Loss) != c.TrainSteps+1 || len(run.GradNorm) != c.TrainSteps {
			t.Fatalf("%s: %d losses and %d norms for %d steps", run.Name, len(run.Loss), len(run.GradNorm), c.TrainSteps)
		}
	}
	if u.Loss[0] != cl.Loss[0] || u.GradNorm[0] != cl.GradNorm[0] {
		t.Errorf("the runs start differently: loss %v and %v, norm %v and %v", u.Loss[0], cl.Loss[0], u.GradNorm[0], cl.GradNorm[0])
	}
	if !(cl.GradNorm[0] > c.MaxNorm) {
		t.Errorf("the first gradient's norm %v does not exceed the threshold %v: nothing to clip", cl.GradNorm[0], c.MaxNorm)
	}
	if cl.NonFinite >= 0 || !(cl.Final() < cl.Loss[0]/10) {
		t.Errorf("clipped: loss %v → %v (non-finite at %d), want a tenfold decrease", cl.Loss[0], cl.Final(), cl.NonFinite)
	}
	if u.NonFinite < 0 && !(u.Final() > 100*cl.Final()) {
		t.Errorf("unclipped final loss %v, clipped %v: want the unclipped run to blow up", u.Final(), cl.Final())
	}
	if !(maxOf(u.GradNorm) > 1e6*u.GradNorm[0]) {
		t.Errorf("unclipped gradient norms %v … max %v: want them to explode", u.GradNorm[0], maxOf(u.GradNorm))
	}

	again, err := experiment.RNNGradients(experiment.RNNGradientConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if again.RNN.Norms[0] != r.RNN.Norms[0] || again.Clipped.Final() != cl.Final() {
		t.Error("two runs with the same seed differ")
	}
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		if !math.IsNaN(x) {
			m = math.Max(m, x)
		}
	}
	return m
}

func TestRNNGradientsTableAndDraw(t *testing.T) {
	r, err := experiment.RNNGradients(experiment.RNNGradientConfig{Steps: 12, Hidden: 8, TrainSteps: 10, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	tab := r.Table()
	for _, w := range []string{"T = 12 steps", "‖∂L/∂x_1‖", "‖∂L/∂x_6‖", "‖∂L/∂x_12‖", "last / first", "tanh RNN (ρ(W_hh) = ",
		"LSTM, forget bias 3", "W_hh × 2.5", "loss clipped", "final loss:"} {
		if !strings.Contains(tab, w) {
			t.Errorf("table lacks %q:\n%s", w, tab)
		}
	}
	dir := t.TempDir()
	files, err := r.Draw(experiment.Output{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rnn-gradients.png", "rnn-gradients.svg", "rnn-gradients.csv", "rnn-clipping.png", "rnn-clipping.svg", "rnn-clipping.csv"}
	if len(files) != len(want) {
		t.Fatalf("wrote %v, want %v", files, want)
	}
	for i, w := range want {
		if files[i] != filepath.Join(dir, w) {
			t.Errorf("file %d is %s, want %s", i, files[i], w)
		}
		if strings.HasSuffix(w, ".csv") {
			b, err := os.ReadFile(files[i])
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Count(string(b), "\n")
			if n := map[string]int{"rnn-gradients.csv": 13, "rnn-clipping.csv": 12}[w]; lines != n {
				t.Errorf("%s has %d lines, want %d", w, lines, n)
			}
			continue
		}
		plottest.Check(t, files[i], 300, 150)
	}
}

func TestRNNGradientsBadConfig(t *testing.T) {
	for _, cfg := range []experiment.RNNGradientConfig{
		{Steps: 1},
		{Hidden: -1},
		{Gain: -2},
		{LR: math.NaN()},
		{MaxNorm: -1},
		{ForgetBias: math.Inf(1)},
	} {
		if _, err := experiment.RNNGradients(cfg); err == nil || !strings.Contains(err.Error(), "bad RNN gradient settings") {
			t.Errorf("%+v: got %v", cfg, err)
		}
	}
}

// The gradient reaching the first of 50 steps, against the last, in a
// tanh RNN and in an LSTM whose forget gates start open.
func ExampleRNNGradients() {
	r, err := experiment.RNNGradients(experiment.RNNGradientConfig{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("tanh RNN: the gradient at step 1 is 10^%.0f of the one at step 50\n", -math.Log10(r.RNN.Ratio()))
	fmt.Printf("LSTM, forget bias 3: %.1f times\n", 1/r.LSTMForget.Ratio())
	fmt.Printf("clipped SGD: loss %.2f → below 0.001: %v\n", r.Clipped.Loss[0], r.Clipped.Final() < 0.001)
	fmt.Printf("unclipped SGD: loss above 10¹⁰⁰: %v\n", r.Unclipped.Final() > 1e100)
	// Output:
	// tanh RNN: the gradient at step 1 is 10^-13 of the one at step 50
	// LSTM, forget bias 3: 0.8 times
	// clipped SGD: loss 1.14 → below 0.001: true
	// unclipped SGD: loss above 10¹⁰⁰: true
}
