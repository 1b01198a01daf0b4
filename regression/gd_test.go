package regression

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// standardized returns a copy of d with every non-intercept column scaled
// to mean 0 and standard deviation 1 (and, for a linear model, the
// response too), as gradient descent needs a well-conditioned problem.
func standardized(t *testing.T, d *Design, scaleY bool) *Design {
	t.Helper()
	n, p := d.X.Dims()
	x := mat.NewDense(n, p-1, nil)
	for j := 1; j < p; j++ {
		col := mat.Col(nil, j, d.X)
		mean, sd := meanSD(col)
		for i, v := range col {
			x.Set(i, j-1, (v-mean)/sd)
		}
	}
	y := append([]float64(nil), d.Y...)
	if scaleY {
		mean, sd := meanSD(y)
		for i := range y {
			y[i] = (y[i] - mean) / sd
		}
	}
	sd, err := NewDesign(x, y, d.Names[1:], true)
	if err != nil {
		t.Fatal(err)
	}
	sd.Response = d.Response
	return sd
}

func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}

func design(t *testing.T, file, y string) *Design {
	t.Helper()
	tab, err := ReadCSVFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d, err := tab.Design(Spec{Response: y})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestGradientDescentReachesClosedForm fits the same models by least
// squares or IRLS and by gradient descent through autograd; on
// standardised data the coefficients agree to 1e-4.
func TestGradientDescentReachesClosedForm(t *testing.T) {
	tests := []struct {
		name, file, y, model string
		lr                   float64
	}{
		{"linear, Longley", "testdata/longley.csv", "TOTEMP", "linear", 0.05},
		{"logistic, Spector", "testdata/spector.csv", "GRADE", "logistic", 0.5},
	}
	for _, tt := range tests {
		d := standardized(t, design(t, tt.file, tt.y), tt.model == "linear")
		var want []float64
		if tt.model == "linear" {
			ols, err := FitLinear(d)
			if err != nil {
				t.Fatal(err)
			}
			want = ols.Params()
		} else {
			lg, err := FitLogistic(d, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range lg.Coefficients {
				want = append(want, c.Estimate)
			}
		}
		fit, err := FitGD(d, tt.model, GDOptions{LR: tt.lr, MaxSteps: 200000})
		if err != nil {
			t.Fatal(err)
		}
		if !fit.Converged {
			t.Errorf("%s: not converged after %d steps", tt.name, fit.Steps)
		}
		for i, w := range want {
			if math.Abs(fit.Coefficients[i]-w) > 1e-4 {
				t.Errorf("%s: %s = %.8f by gradient descent, %.8f in closed form", tt.name, fit.Names[i], fit.Coefficients[i], w)
			}
		}
		t.Logf("%s: %d steps", tt.name, fit.Steps)
	}
}

func TestGradientDescentErrors(t *testing.T) {
	d := design(t, "testdata/longley.csv", "TOTEMP")
	if _, err := FitGD(d, "probit", GDOptions{}); err == nil {
		t.Error("unknown model accepted")
	}
	if _, err := FitGD(d, "logistic", GDOptions{}); err == nil {
		t.Error("logistic regression of a non-binary response accepted")
	}
	// Unstandardised Longley with a large rate diverges, which must be an
	// error naming the step, not silent NaNs.
	if _, err := FitGD(d, "linear", GDOptions{LR: 1, MaxSteps: 100}); err == nil {
		t.Error("divergence not reported")
	}
}
