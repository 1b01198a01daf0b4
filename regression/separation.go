package regression

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// SeparationError reports outcomes that some predictor, or combination of
// predictors, predicts perfectly. With complete separation a linear
// combination xᵀb is positive for every y = 1 and negative for every y = 0;
// with quasi-complete separation the same holds with some ties at zero. In
// both cases the likelihood increases without bound along b, so the
// maximum-likelihood estimate does not exist: a Newton iteration would only
// report ever larger coefficients and standard errors. Remedies are to drop
// or merge the offending predictor or levels, or to use penalised (Firth)
// or exact methods.
type SeparationError struct {
	// Response is the response name.
	Response string
	// Predictors are the design columns involved.
	Predictors []string
	// Complete is true for complete separation, false for quasi-complete
	// separation or when the kind was not determined.
	Complete bool
	// Known reports whether Complete was determined.
	Known bool
	// Detail describes the separation in words, e.g. "every observation
	// with x > 3 has y = 1".
	Detail string
	// Perfect is the number of observations whose outcome is predicted
	// perfectly, and N the number of observations.
	Perfect, N int
}

// Error implements the error interface.
func (e *SeparationError) Error() string {
	kind := "separation"
	if e.Known {
		if e.Complete {
			kind = "complete separation"
		} else {
			kind = "quasi-complete separation"
		}
	}
	var b strings.Builder
	if len(e.Predictors) == 1 {
		fmt.Fprintf(&b, "%s: predictor %q predicts %q perfectly", kind, e.Predictors[0], e.Response)
	} else {
		fmt.Fprintf(&b, "%s: predictors %s together predict %q perfectly", kind, quoteList(e.Predictors), e.Response)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	if e.Perfect > 0 {
		fmt.Fprintf(&b, " for %d of %d observations", e.Perfect, e.N)
	}
	b.WriteString("; the maximum-likelihood estimates do not exist (coefficients would run to infinity). " +
		"Drop or merge the predictor, or its sparse levels")
	return b.String()
}

// singleSeparation checks whether column j alone (with the intercept, if
// the design has one) separates the outcomes, and if so describes how.
// With an intercept that happens exactly when some threshold c has every
// y = 1 at x ≥ c and every y = 0 at x ≤ c (or the reverse); without one,
// c must be 0.
func singleSeparation(d *Design, j int) *SeparationError {
	n := d.Rows()
	min0, max0 := math.Inf(1), math.Inf(-1)
	min1, max1 := math.Inf(1), math.Inf(-1)
	binary := true
	for i := 0; i < n; i++ {
		x := d.X.At(i, j)
		if x != 0 && x != 1 {
			binary = false
		}
		if d.Y[i] == 1 {
			min1, max1 = math.Min(min1, x), math.Max(max1, x)
		} else {
			min0, max0 = math.Min(min0, x), math.Max(max0, x)
		}
	}
	name := d.Names[j]
	var up, down bool // y = 1 at high x, or at low x
	var c float64     // the threshold
	if d.Intercept {
		up, down = max0 <= min1, max1 <= min0
		switch {
		case max0 < min1:
			c = (max0 + min1) / 2
		case max1 < min0:
			c = (max1 + min0) / 2
		case up:
			c = max0
		case down:
			c = min0
		default:
			return nil
		}
	} else {
		up = max0 <= 0 && min1 >= 0
		down = max1 <= 0 && min0 >= 0
		if !up && !down {
			return nil
		}
	}
	e := &SeparationError{Response: d.Response, Predictors: []string{name}, Known: true, N: n}
	// Observations on the threshold are not predicted perfectly.
	var above, below, at int
	for i := 0; i < n; i++ {
		switch x := d.X.At(i, j); {
		case x > c:
			above++
		case x < c:
			below++
		default:
			at++
		}
	}
	e.Perfect = above + below
	e.Complete = at == 0
	hiY, loY := 1, 0
	if !up {
		hiY, loY = 0, 1
	}
	var parts []string
	switch {
	case binary && c == 0 && above > 0:
		parts = append(parts, fmt.Sprintf("every observation with %s = 1 has %s = %d", name, d.Response, hiY))
	case binary && c == 1 && below > 0:
		parts = append(parts, fmt.Sprintf("every observation with %s = 0 has %s = %d", name, d.Response, loY))
	default:
		if e.Complete && d.Intercept {
			// Report the gap between the classes.
			lo, hi := max0, min1
			if !up {
				lo, hi = max1, min0
			}
			parts = append(parts, fmt.Sprintf("every observation with %s ≤ %g has %s = %d and every one with %s ≥ %g has %s = %d",
				name, lo, d.Response, loY, name, hi, d.Response, hiY))
		} else {
			if above > 0 {
				parts = append(parts, fmt.Sprintf("every observation with %s > %g has %s = %d", name, c, d.Response, hiY))
			}
			if below > 0 {
				parts = append(parts, fmt.Sprintf("every observation with %s < %g has %s = %d", name, c, d.Response, loY))
			}
		}
	}
	e.Detail = strings.Join(parts, ", and ")
	return e
}

// lpSeparated decides by linear programming whether the outcomes are
// separated by some combination of the design's columns. With zᵢ = ±xᵢ
// (+ for y = 1), separation means some b ≠ 0 has zᵢᵀb ≥ 0 for all i. By
// Stiemke's theorem of alternatives that fails exactly when there are
// strictly positive weights w with Σ wᵢzᵢ = 0 — a small LP with one
// equation per column: w = 1 + v, v ≥ 0, Zᵀv = −Zᵀ1.
//
// The answer does not change if X is replaced by XT for an invertible T,
// so the LP is posed with the orthonormal factor Q₁ = XR⁻¹ of X's QR
// factorisation, whose columns are perfectly conditioned. It returns
// ok = false if the LP solver could not decide.
func lpSeparated(d *Design) (separated, ok bool) {
	n, p := d.X.Dims()
	var rows []int
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			if d.X.At(i, j) != 0 {
				rows = append(rows, i)
				break
			}
		}
	}
	m := len(rows)
	if m <= p {
		return false, false
	}
	l := newLSQ(d.X)
	q := make([][]float64, p)
	for j := range q {
		q[j] = make([]float64, n)
		q[j][j] = 1
		l.applyQ(q[j], false)
	}
	if p*m > 1<<24 {
		return false, false // too large for a dense tableau; rely on the iteration
	}
	a := make([][]float64, p)
	b := make([]float64, p)
	for j := 0; j < p; j++ {
		a[j] = make([]float64, m)
		for k, i := range rows {
			z := q[j][i]
			if d.Y[i] == 0 {
				z = -z
			}
			if math.IsNaN(z) || math.IsInf(z, 0) {
				return false, false
			}
			a[j][k] = z
			b[j] -= z
		}
	}
	isFeasible, ok := feasible(a, b)
	return !isFeasible, ok
}

// checkSeparation looks for separation before fitting. It returns a
// *SeparationError when a single predictor separates the outcomes, and
// reports whether the LP test decided (decided) and whether it found
// separation by a combination of predictors (sep).
func checkSeparation(d *Design) (sep, decided bool, err error) {
	var found *SeparationError
	for j := range d.Names {
		if d.Intercept && j == 0 {
			continue
		}
		if e := singleSeparation(d, j); e != nil {
			if found == nil {
				found = e
			} else {
				found.Predictors = append(found.Predictors, e.Predictors...)
			}
		}
	}
	if found != nil {
		if len(found.Predictors) > 1 {
			// Several predictors separate on their own: name them all,
			// describe the first.
			found.Detail = "for instance " + found.Detail
		}
		return false, true, found
	}
	sep, decided = lpSeparated(d)
	return sep && decided, decided, nil
}

// perfectTol is how close a fitted probability must come to the observed
// 0 or 1 to count as a perfect prediction: |η| ≳ 23.
const perfectTol = 1e-10

// divergenceSeparation explains a Newton iteration that did not converge:
// if some fitted probabilities are 0 or 1 to within rounding, or the LP
// test already found separation (known), the outcomes are separated along
// the direction in which β has been running off. The predictors named are
// those whose standardised coefficients |βⱼ|·sd(xⱼ) are largest.
func divergenceSeparation(d *Design, beta, mu []float64, known bool) error {
	n := d.Rows()
	perfect := 0
	for i := 0; i < n; i++ {
		if math.Abs(d.Y[i]-mu[i]) < perfectTol {
			perfect++
		}
	}
	if perfect == 0 && !known {
		return nil
	}
	type cand struct {
		j int
		s float64
	}
	var cs []cand
	big := 0.0
	for j, b := range beta {
		if d.Intercept && j == 0 {
			continue
		}
		col := mat.Col(nil, j, d.X)
		s := math.Abs(b) * stddev(col)
		if !d.Intercept {
			s = math.Abs(b) * rms(col)
		}
		cs = append(cs, cand{j, s})
		big = math.Max(big, s)
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].s > cs[b].s })
	e := &SeparationError{Response: d.Response, Perfect: perfect, N: n}
	for _, c := range cs {
		if c.s >= 0.1*big && c.s > 0 {
			e.Predictors = append(e.Predictors, d.Names[c.j])
		}
	}
	if len(e.Predictors) == 0 {
		e.Predictors = []string{d.Names[0]}
	}
	return e
}

func stddev(x []float64) float64 {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)))
}

func rms(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(len(x)))
}
