package regression

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestLinearCollinearity(t *testing.T) {
	tests := []struct {
		name   string
		csv    string
		spec   Spec
		column string
		others []string
	}{
		{"duplicate column", "y,a,b\n1,1,1\n2,2,2\n4,3,3\n3,4,4\n5,5,5\n", Spec{Response: "y"}, "b", []string{"a"}},
		{"sum of two", "y,a,b,c\n1,1,0,1\n2,2,1,3\n4,3,0,3\n3,4,2,6\n5,5,1,6\n6,1,1,2\n", Spec{Response: "y"}, "c", []string{"a", "b"}},
		{"constant with intercept", "y,a,k\n1,1,7\n2,2,7\n4,3,7\n3,5,7\n", Spec{Response: "y"}, "k", []string{"const"}},
		{"all zero", "y,a,z\n1,1,0\n2,2,0\n4,3,0\n3,5,0\n", Spec{Response: "y"}, "z", nil},
		{"scaled copy, large", "y,a,b\n1,1e6,2e-3\n2,2e6,4e-3\n4,3e6,6e-3\n3,5e6,1e-2\n", Spec{Response: "y"}, "b", []string{"a"}},
		{"dummy trap", "y,a,g1,g2\n1,1,1,0\n2,2,0,1\n4,3,1,0\n3,5,0,1\n2,2,1,0\n", Spec{Response: "y"}, "g2", []string{"const", "g1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tableFrom(t, tc.csv).Design(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			_, err = FitLinear(d)
			var ce *CollinearityError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *CollinearityError", err)
			}
			if ce.Column != tc.column || strings.Join(ce.Others, ",") != strings.Join(tc.others, ",") {
				t.Errorf("column %q with %q, want %q with %q (%v)", ce.Column, ce.Others, tc.column, tc.others, err)
			}
			for _, n := range append([]string{tc.column}, tc.others...) {
				if !strings.Contains(err.Error(), `"`+n+`"`) {
					t.Errorf("message %q does not name %q", err, n)
				}
			}
		})
	}
}

func TestLinearEdgeCases(t *testing.T) {
	// An exact fit: RSS = 0, so s = 0, standard errors 0 and F = +Inf;
	// the JSON report must still encode (F as null).
	d, err := tableFrom(t, "y,x\n1,1\n3,2\n5,3\n7,4\n").Design(Spec{Response: "y"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := FitLinear(d)
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Params(); b[0] != -1 || b[1] != 2 {
		t.Errorf("coefficients %v, want [-1 2]", b)
	}
	if m.RSS != 0 || m.RSquared != 1 || !math.IsInf(m.FStatistic, 1) {
		t.Errorf("RSS %v, R² %v, F %v", m.RSS, m.RSquared, m.FStatistic)
	}
	b, err := json.Marshal(m.Report())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"f_statistic":null`) {
		t.Errorf("JSON %s", b)
	}
	_ = m.Summary()

	// Intercept only: no F test.
	d, _ = tableFrom(t, "y\n1\n2\n4\n").Design(Spec{Response: "y"})
	m, err = FitLinear(d)
	if err != nil {
		t.Fatal(err)
	}
	if m.Params()[0] != 7.0/3 || !math.IsNaN(m.FStatistic) || m.DFModel != 0 {
		t.Errorf("intercept-only: %v, F %v, df %d", m.Params(), m.FStatistic, m.DFModel)
	}
	if s := m.Summary(); strings.Contains(s, "F-statistic") {
		t.Errorf("intercept-only summary has an F test:\n%s", s)
	}

	// Too few rows.
	d, _ = tableFrom(t, "y,a,b\n1,2,3\n2,5,1\n").Design(Spec{Response: "y"})
	if _, err := FitLinear(d); err == nil || !strings.Contains(err.Error(), "too few observations") {
		t.Errorf("error %v", err)
	}
}

// TestLinearPredictAtData checks that predictions at the design's own rows
// are the fitted values, and that the prediction interval is wider than the
// confidence interval by the residual variance.
func TestLinearPredictAtData(t *testing.T) {
	f, tab := loadFixture(t, "fair_ols")
	d, err := tab.Design(f.spec())
	if err != nil {
		t.Fatal(err)
	}
	m, err := FitLinear(d)
	if err != nil {
		t.Fatal(err)
	}
	x := mat.DenseCopyOf(d.X.Slice(0, 20, 0, d.Cols()))
	ps, err := m.Predict(x, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	q := tQuantile(0.95, float64(m.DFResid))
	for i, p := range ps {
		if relErr(p.Fit, m.Fitted[i]) > 1e-12 {
			t.Errorf("row %d: prediction %v, fitted %v", i, p.Fit, m.Fitted[i])
		}
		half := (p.PIHigh - p.PILow) / 2
		want := q * math.Sqrt(m.Sigma*m.Sigma+p.SEFit*p.SEFit)
		if relErr(half, want) > 1e-12 {
			t.Errorf("row %d: PI half-width %v, want %v", i, half, want)
		}
		// Var(fit) = x₀ᵀ Cov x₀.
		var v float64
		for a := 0; a < m.P; a++ {
			for b := 0; b < m.P; b++ {
				v += x.At(i, a) * m.Cov.At(a, b) * x.At(i, b)
			}
		}
		if relErr(p.SEFit, math.Sqrt(v)) > 1e-9 {
			t.Errorf("row %d: SE %v, from Cov %v", i, p.SEFit, math.Sqrt(v))
		}
	}
	if _, err := m.Predict(mat.NewDense(1, 2, nil), 0.95); err == nil {
		t.Error("no error for wrong column count")
	}
	if _, err := m.Predict(x, 1.5); err == nil {
		t.Error("no error for level 1.5")
	}
}

func TestNewDesign(t *testing.T) {
	x := mat.NewDense(4, 1, []float64{1, 2, 3, 4})
	d, err := NewDesign(x, []float64{2, 4, 5, 8}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.Names, ",") != "const,x1" {
		t.Errorf("names %q", d.Names)
	}
	for _, tc := range []struct {
		x     *mat.Dense
		y     []float64
		names []string
		icpt  bool
		want  string
	}{
		{x, []float64{1, 2}, nil, true, "4 rows but y has 2"},
		{x, []float64{1, 2, 3, 4}, []string{"a", "b"}, true, "2 names for 1 predictors"},
		{nil, []float64{1, 2}, nil, false, "no columns"},
		{x, []float64{1, math.NaN(), 3, 4}, nil, true, "not finite"},
		{mat.NewDense(2, 1, []float64{1, math.Inf(1)}), []float64{1, 2}, nil, true, "not finite"},
	} {
		if _, err := NewDesign(tc.x, tc.y, tc.names, tc.icpt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

func TestOverflow(t *testing.T) {
	d, err := tableFrom(t, "y,x\n1e308,1e308\n-1e308,-1e308\n1e308,1\n0,1e300\n").Design(Spec{Response: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := FitLinear(d); err == nil {
		t.Logf("linear fit of extreme values: %v", m.Params())
	}
	d, _ = tableFrom(t, "y,x\n1,1e308\n0,-1e308\n1,1\n0,1e300\n1,-3\n").Design(Spec{Response: "y"})
	if m, err := FitLogistic(d, nil); err == nil {
		for _, c := range m.Coefficients {
			if math.IsNaN(c.Estimate) {
				t.Errorf("NaN estimate without an error")
			}
		}
	}
}
