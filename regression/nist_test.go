package regression

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// nistSet is one entry of testdata/nist/certified.json.
type nistSet struct {
	Difficulty string   `json:"difficulty"`
	Degree     int      `json:"degree"`
	Intercept  bool     `json:"intercept"`
	Beta       []string `json:"beta"`
	SD         []string `json:"sd"`
	ResidualSD string   `json:"residual_sd"`
	RSquared   string   `json:"r_squared"`
}

// lre is NIST's log relative error: the number of correct significant
// digits of est against the certified value, capped at 15 (the digits NIST
// certifies). Where the certified value is zero it is the log absolute
// error instead.
func lre(est float64, certified string) float64 {
	c, err := strconv.ParseFloat(certified, 64)
	if err != nil {
		panic(err)
	}
	var e float64
	if c == 0 {
		e = math.Abs(est)
	} else {
		e = math.Abs(est-c) / math.Abs(c)
	}
	if e == 0 {
		return 15
	}
	return math.Min(15, -math.Log10(e))
}

// nistDesign reads a NIST data set and forms its design: the predictors as
// given, or the powers x, x², …, x^degree of a single x for the polynomial
// sets.
func nistDesign(t testing.TB, name string, s nistSet) *Design {
	tab, err := ReadCSVFile(filepath.Join("testdata", "nist", name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Degree <= 1 {
		d, err := tab.Design(Spec{Response: "y", NoIntercept: !s.Intercept})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	x, err := tab.Float("x")
	if err != nil {
		t.Fatal(err)
	}
	y, err := tab.Float("y")
	if err != nil {
		t.Fatal(err)
	}
	xm := mat.NewDense(len(x), s.Degree, nil)
	names := make([]string, s.Degree)
	for j := 0; j < s.Degree; j++ {
		names[j] = "x^" + strconv.Itoa(j+1)
		for i, v := range x {
			xm.Set(i, j, math.Pow(v, float64(j+1)))
		}
	}
	d, err := NewDesign(xm, y, names, s.Intercept)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// nistOrder is the order of the report table: lower, average, higher.
var nistOrder = []string{"Norris", "Pontius", "NoInt1", "NoInt2", "Longley",
	"Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5", "Filip"}

// TestNISTLinear checks FitLinear against the certified values of the NIST
// StRD linear least-squares data sets, by LRE: at least 9 digits on the
// lower- and average-difficulty sets and at least 6 on the higher ones.
// Run with -v to see the table.
func TestNISTLinear(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "nist", "certified.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sets map[string]nistSet
	if err := json.Unmarshal(raw, &sets); err != nil {
		t.Fatal(err)
	}
	if len(sets) != len(nistOrder) {
		t.Fatalf("certified.json has %d sets, want %d", len(sets), len(nistOrder))
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-9s %-10s %8s %8s %8s %8s %6s | %s\n", "data set", "difficulty", "min β", "min SD", "res. SD", "R²", "sweeps", "plain QR: min β, min SD")
	for _, name := range nistOrder {
		s := sets[name]
		t.Run(name, func(t *testing.T) {
			d := nistDesign(t, name, s)
			m, err := FitLinear(d)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Coefficients) != len(s.Beta) {
				t.Fatalf("%d coefficients, want %d", len(m.Coefficients), len(s.Beta))
			}
			minB, minSD := 15.0, 15.0
			for j, c := range m.Coefficients {
				minB = math.Min(minB, lre(c.Estimate, s.Beta[j]))
				minSD = math.Min(minSD, lre(c.StdError, s.SD[j]))
			}
			rsd := lre(m.Sigma, s.ResidualSD)
			r2 := lre(m.RSquared, s.RSquared)
			// The same fit without iterative refinement, for comparison.
			save := maxRefine
			maxRefine = 0
			plain, err := FitLinear(d)
			maxRefine = save
			if err != nil {
				t.Fatal(err)
			}
			plainB, plainSD := 15.0, 15.0
			for j, c := range plain.Coefficients {
				plainB = math.Min(plainB, lre(c.Estimate, s.Beta[j]))
				plainSD = math.Min(plainSD, lre(c.StdError, s.SD[j]))
			}
			fmt.Fprintf(&table, "%-9s %-10s %8.1f %8.1f %8.1f %8.1f %6d | %5.1f %5.1f\n", name, s.Difficulty, minB, minSD, rsd, r2, m.RefineSweeps, plainB, plainSD)
			want := 9.0
			if s.Difficulty == "higher" {
				want = 6
			}
			for what, got := range map[string]float64{"coefficients": minB, "standard deviations": minSD, "residual SD": rsd, "R²": r2} {
				if got < want {
					t.Errorf("LRE of %s = %.1f, want ≥ %.0f", what, got, want)
				}
			}
		})
	}
	t.Logf("NIST StRD linear least squares, log relative error (digits):\n%s", table.String())
}
