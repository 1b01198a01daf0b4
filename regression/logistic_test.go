package regression

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// tableFrom builds a Table from CSV text, failing the test on error.
func tableFrom(t *testing.T, text string) *Table {
	t.Helper()
	tab, err := ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestLogisticSeparation(t *testing.T) {
	tests := []struct {
		name       string
		csv        string
		spec       Spec
		predictors []string // want exactly these named
		complete   int      // 1 complete, 0 quasi, -1 not determined
		detail     string   // substring of the message
	}{
		{
			name:       "complete by one predictor",
			csv:        "y,x,z\n0,1,3\n0,2,1\n0,3,4\n1,4,1\n1,5,5\n1,6,9\n0,2.5,2\n1,7,6\n",
			spec:       Spec{Response: "y"},
			predictors: []string{"x"},
			complete:   1,
			detail:     "every observation with x ≤ 3 has y = 0 and every one with x ≥ 4 has y = 1",
		},
		{
			name:       "complete, reversed",
			csv:        "y,x,z\n1,1,3\n1,2,1\n1,3,4\n0,4,1\n0,5,5\n0,6,9\n1,2.5,2\n0,7,6\n",
			spec:       Spec{Response: "y"},
			predictors: []string{"x"},
			complete:   1,
			detail:     "every observation with x ≤ 3 has y = 1 and every one with x ≥ 4 has y = 0",
		},
		{
			name:       "quasi-complete with a tie at the threshold",
			csv:        "y,x,z\n0,1,3\n0,2,1\n0,3,4\n1,3,1\n1,5,5\n1,6,9\n0,3,2\n1,7,6\n",
			spec:       Spec{Response: "y"},
			predictors: []string{"x"},
			complete:   0,
			detail:     "every observation with x > 3 has y = 1, and every observation with x < 3 has y = 0",
		},
		{
			name:       "quasi-complete by a category level",
			csv:        "y,g,z\n1,a,3\n0,a,1\n1,b,4\n0,b,1\n1,c,5\n1,c,9\n0,a,2\n1,c,6\n0,b,2\n1,a,1\n",
			spec:       Spec{Response: "y", Categorical: []string{"g"}},
			predictors: []string{"g[T.c]"},
			complete:   0,
			detail:     "every observation with g[T.c] = 1 has y = 1",
		},
		{
			name:       "combination of two predictors",
			csv:        "y,a,b\n1,1,0\n1,0,1\n1,3,-1\n1,-1,3\n0,-1,0\n0,0,-1\n0,-3,1\n0,1,-3\n1,2,2\n0,-2,-2\n",
			spec:       Spec{Response: "y"},
			predictors: []string{"a", "b"},
			complete:   -1,
		},
		{
			name:       "no intercept: sign of x",
			csv:        "y,x\n1,1\n1,2\n0,-1\n0,-3\n1,0.5\n0,-2\n",
			spec:       Spec{Response: "y", NoIntercept: true},
			predictors: []string{"x"},
			complete:   1,
			detail:     "every observation with x > 0 has y = 1, and every observation with x < 0 has y = 0",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tableFrom(t, tc.csv).Design(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			m, err := FitLogistic(d, nil)
			var se *SeparationError
			if !errors.As(err, &se) {
				t.Fatalf("FitLogistic = %v, %v; want a *SeparationError", m, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "separation") {
				t.Errorf("message %q does not say separation", msg)
			}
			if strings.Join(se.Predictors, ",") != strings.Join(tc.predictors, ",") {
				t.Errorf("predictors %q, want %q", se.Predictors, tc.predictors)
			}
			for _, p := range tc.predictors {
				if !strings.Contains(msg, `"`+p+`"`) {
					t.Errorf("message %q does not name %q", msg, p)
				}
			}
			switch {
			case tc.complete < 0 && se.Known:
				t.Errorf("kind determined as complete=%v, want undetermined", se.Complete)
			case tc.complete >= 0 && (!se.Known || se.Complete != (tc.complete == 1)):
				t.Errorf("known=%v complete=%v, want complete=%v", se.Known, se.Complete, tc.complete == 1)
			}
			if !strings.Contains(msg, tc.detail) {
				t.Errorf("message %q\ndoes not contain %q", msg, tc.detail)
			}
			// The divergence check alone (without the LP and the
			// single-predictor rules) must also refuse to answer.
			_, err = FitLogistic(d, &LogisticOptions{SkipSeparationCheck: true})
			if !errors.As(err, &se) {
				t.Errorf("without the separation check: %v; want a *SeparationError", err)
			}
		})
	}
}

func TestLogisticBadInput(t *testing.T) {
	tests := []struct {
		name, csv string
		spec      Spec
		want      string
	}{
		{"response not 0/1", "y,x\n0,1\n2,2\n1,3\n0,4\n", Spec{Response: "y"}, `needs a 0/1 response, but "y" is 2 in row 2`},
		{"one class", "y,x\n1,1\n1,2\n1,3\n", Spec{Response: "y"}, "needs both 0s and 1s"},
		{"collinear", "y,a,b\n0,1,2\n1,2,4\n0,3,6.0\n1,4,8\n0,5,10\n1,2,4\n", Spec{Response: "y"}, `column "b" is collinear with "a"`},
		{"too few rows", "y,a,b\n0,1,2\n1,2,1\n", Spec{Response: "y"}, "too few observations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tableFrom(t, tc.csv).Design(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			_, err = FitLogistic(d, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestLogisticRecovers checks on simulated data that the estimates land
// near the true coefficients and that the Wald intervals cover them about
// as often as they should.
func TestLogisticRecovers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	truth := []float64{-0.5, 1.2, -0.8}
	cover, trials := 0, 200
	for trial := 0; trial < trials; trial++ {
		var b strings.Builder
		b.WriteString("y,a,b\n")
		for i := 0; i < 400; i++ {
			a, c := r.NormFloat64(), r.NormFloat64()
			p := sigmoid(truth[0] + truth[1]*a + truth[2]*c)
			y := 0
			if r.Float64() < p {
				y = 1
			}
			b.WriteString(strings.Join([]string{itoa(y), ftoa(a), ftoa(c)}, ",") + "\n")
		}
		d, err := tableFrom(t, b.String()).Design(Spec{Response: "y"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := FitLogistic(d, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c := m.Coefficients[1]; c.CILow <= truth[1] && truth[1] <= c.CIHigh {
			cover++
		}
	}
	// 95% nominal; with 200 trials a binomial 3-sigma band is about ±4.6%.
	if rate := float64(cover) / float64(trials); math.Abs(rate-0.95) > 0.05 {
		t.Errorf("95%% interval covered the truth in %.1f%% of trials", 100*rate)
	}
}

// TestLPSeparationAgreesWithRule checks the linear-programming test for
// separation against the exact rule for one predictor with an intercept
// (some threshold splits the classes), on many small data sets full of
// ties — the degenerate problems that make simplex methods cycle.
func TestLPSeparationAgreesWithRule(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[bool]int{}
	for trial := 0; trial < 3000; trial++ {
		n := 3 + r.IntN(10)
		x := make([]float64, n)
		y := make([]float64, n)
		span := 1 + r.IntN(6)
		for i := range x {
			x[i] = float64(r.IntN(span))
			y[i] = float64(r.IntN(2))
			if r.IntN(4) == 0 {
				x[i] *= 1e5
			}
		}
		y[0], y[1] = 0, 1
		if x[0] == x[1] {
			x[1]++
		}
		xm := mat.NewDense(n, 1, x)
		d, err := NewDesign(xm, y, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if j, _ := newLSQ(d.X).dependent(); j >= 0 {
			continue
		}
		want := singleSeparation(d, 1) != nil
		got, ok := lpSeparated(d)
		if !ok {
			t.Fatalf("LP undecided on x=%v y=%v", x, y)
		}
		if got != want {
			t.Fatalf("x=%v y=%v: LP says separated=%v, rule says %v", x, y, got, want)
		}
		seen[want]++
	}
	if seen[true] < 100 || seen[false] < 100 {
		t.Errorf("too few cases of each kind: %v", seen)
	}
}
