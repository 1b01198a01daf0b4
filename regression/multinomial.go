package regression

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// Multinomial is a fitted multinomial (softmax) logistic regression of a
// response with K classes, the first of which is the reference:
//
//	P(yᵢ = k) = exp(xᵢᵀβₖ) / Σⱼ exp(xᵢᵀβⱼ),  β₀ = 0,
//
// so βₖ holds the log-odds of class k against the reference class. It is
// estimated by maximum likelihood with Newton–Raphson on all (K−1)·P
// coefficients at once.
type Multinomial struct {
	// Names are the design's column names; Response is the response's
	// name; Predictors are the predictors the columns were built from.
	Names      []string
	Response   string
	Predictors []string
	// Classes are the response's labels; Classes[0] is the reference.
	Classes []string
	// Intercept reports whether the model has an intercept.
	Intercept bool
	// N is the number of observations, P the number of design columns and
	// K the number of classes. DFModel = (P−1)(K−1) with an intercept and
	// P(K−1) without; DFResid = N − P(K−1).
	N, P, K, DFModel, DFResid int
	// Coefficients[k-1] holds βₖ for class Classes[k] (k ≥ 1), with Wald z
	// tests and 95% intervals.
	Coefficients [][]Coefficient
	// Cov is the covariance matrix of all coefficients, ordered class by
	// class (β₁ first), the inverse of the Fisher information.
	Cov *mat.SymDense
	// LogLikelihood is the maximised log-likelihood and NullLogLikelihood
	// that of the model with class frequencies only (with an intercept) or
	// equal probabilities (without).
	LogLikelihood, NullLogLikelihood float64
	// PseudoRSquared is McFadden's 1 − LogLikelihood/NullLogLikelihood.
	PseudoRSquared float64
	// LRStatistic = 2(LogLikelihood − NullLogLikelihood), with chi-squared
	// p-value LRPValue on DFModel degrees of freedom.
	LRStatistic, LRPValue float64
	// AIC = −2·LogLikelihood + 2P(K−1), BIC = −2·LogLikelihood + P(K−1)·ln N.
	AIC, BIC float64
	// Iterations is the number of Newton steps; Converged reports whether
	// the step size fell below the tolerance.
	Iterations int
	Converged  bool
	// Fitted is the N×K matrix of fitted class probabilities.
	Fitted *mat.Dense
	// Y holds each observation's class index.
	Y []int
}

// classIndices returns the class of each row and the class labels.
func classIndices(d *Design) ([]int, []string, error) {
	n := d.Rows()
	y := make([]int, n)
	if d.Classes != nil {
		for i, v := range d.Y {
			k := int(v)
			if float64(k) != v || k < 0 || k >= len(d.Classes) {
				return nil, nil, fmt.Errorf("regression: response row %d is %v, not a class index below %d", i+1, v, len(d.Classes))
			}
			y[i] = k
		}
		return y, d.Classes, nil
	}
	var vals []float64
	seen := map[float64]bool{}
	for _, v := range d.Y {
		if !seen[v] {
			seen[v] = true
			vals = append(vals, v)
		}
	}
	sort.Float64s(vals)
	pos := map[float64]int{}
	labels := make([]string, len(vals))
	for k, v := range vals {
		pos[v] = k
		labels[k] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	for i, v := range d.Y {
		y[i] = pos[v]
	}
	return y, labels, nil
}

// FitMultinomial fits a multinomial logistic regression of the classes in
// d (built with Spec.CategoricalResponse, or with class values in d.Y) on
// d.X. A class absent from the data, collinear columns or separation (the
// iteration running off with fitted probabilities of 0 or 1) are errors.
func FitMultinomial(d *Design, opts *LogisticOptions) (*Multinomial, error) {
	o := opts.withDefaults()
	n, p := d.X.Dims()
	if len(d.Y) != n {
		return nil, fmt.Errorf("regression: design has %d rows but %d responses", n, len(d.Y))
	}
	y, classes, err := classIndices(d)
	if err != nil {
		return nil, err
	}
	K := len(classes)
	if K < 2 {
		return nil, errors.New("regression: multinomial regression needs at least two classes in the response")
	}
	counts := make([]int, K)
	for _, k := range y {
		counts[k]++
	}
	for k, c := range counts {
		if c == 0 {
			return nil, fmt.Errorf("regression: class %q of %q has no observations", classes[k], d.Response)
		}
	}
	q := p * (K - 1)
	if n <= q {
		return nil, fmt.Errorf("regression: too few observations: %d rows for %d coefficients", n, q)
	}
	if err := checkRank(newLSQ(d.X), d.Names); err != nil {
		return nil, err
	}
	m := &Multinomial{Names: d.Names, Response: d.Response, Predictors: d.Predictors(), Classes: classes, Intercept: d.Intercept,
		N: n, P: p, K: K, DFModel: q, DFResid: n - q, Y: y}
	if d.Intercept {
		m.DFModel = (p - 1) * (K - 1)
	}
	x := d.X.RawMatrix()
	row := func(i int) []float64 { return x.Data[i*x.Stride : i*x.Stride+p] }

	theta := make([]float64, q)
	prob := mat.NewDense(n, K, nil)
	// loglik computes the class probabilities at th and the log-likelihood.
	loglik := func(th []float64) float64 {
		var ll ddAcc
		eta := make([]float64, K)
		for i := 0; i < n; i++ {
			xi := row(i)
			mx := 0.0
			for k := 1; k < K; k++ {
				var s ddAcc
				for j, v := range xi {
					s.addProd(v, th[(k-1)*p+j])
				}
				eta[k] = s.value()
				mx = math.Max(mx, eta[k])
			}
			var z float64
			for k := 0; k < K; k++ {
				z += math.Exp(eta[k] - mx)
			}
			lse := mx + math.Log(z)
			for k := 0; k < K; k++ {
				prob.Set(i, k, math.Exp(eta[k]-lse))
			}
			ll.add(eta[y[i]] - lse)
		}
		return ll.value()
	}
	info := mat.NewSymDense(q, nil)
	score := make([]float64, q)
	// information fills the Fisher information and the score at the
	// probabilities last computed by loglik.
	information := func() {
		raw := info.RawSymmetric()
		for i := range raw.Data {
			raw.Data[i] = 0
		}
		for i := range score {
			score[i] = 0
		}
		for i := 0; i < n; i++ {
			xi := row(i)
			for k := 1; k < K; k++ {
				pk := prob.At(i, k)
				r := -pk
				if y[i] == k {
					r++
				}
				for j, v := range xi {
					score[(k-1)*p+j] += v * r
				}
				for l := k; l < K; l++ {
					w := -pk * prob.At(i, l)
					if l == k {
						w += pk
					}
					for a, va := range xi {
						ra := (k-1)*p + a
						for b, vb := range xi {
							cb := (l-1)*p + b
							if cb < ra {
								continue
							}
							raw.Data[ra*raw.Stride+cb] += w * va * vb
						}
					}
				}
			}
		}
	}
	ll := loglik(theta)
	information()
	trial := make([]float64, q)
	var chol mat.Cholesky
	for m.Iterations < o.MaxIter {
		if ok := chol.Factorize(info); !ok {
			break
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, mat.NewVecDense(q, score)); err != nil {
			break
		}
		m.Iterations++
		small := true
		for j := range theta {
			if math.Abs(step.AtVec(j)) > o.Tol*(1+math.Abs(theta[j])) {
				small = false
			}
		}
		t := 1.0
		var newLL float64
		improved := false
		for h := 0; h < 40; h++ {
			for j := range theta {
				trial[j] = theta[j] + t*step.AtVec(j)
			}
			newLL = loglik(trial)
			if newLL >= ll-1e-12*math.Abs(ll) {
				improved = true
				break
			}
			t /= 2
		}
		if !improved {
			loglik(theta)
			m.Converged = small
			break
		}
		copy(theta, trial)
		ll = newLL
		information()
		if small {
			m.Converged = true
			break
		}
	}
	// Separation shows as probabilities driven to 0 or 1 with coefficients
	// running off (where a relative step criterion can even be met).
	{
		perfect := 0
		for i := 0; i < n; i++ {
			if prob.At(i, y[i]) > 1-perfectTol {
				perfect++
			}
		}
		if perfect > 0 {
			e := &SeparationError{Response: d.Response, Perfect: perfect, N: n}
			big := 0.0
			score := make([]float64, p)
			for j := 0; j < p; j++ {
				if d.Intercept && j == 0 {
					continue
				}
				col := mat.Col(nil, j, d.X)
				sd := stddev(col)
				if !d.Intercept {
					sd = rms(col)
				}
				for k := 1; k < K; k++ {
					score[j] = math.Max(score[j], math.Abs(theta[(k-1)*p+j])*sd)
				}
				big = math.Max(big, score[j])
			}
			for j, s := range score {
				if s > 0 && s >= 0.1*big {
					e.Predictors = append(e.Predictors, d.Names[j])
				}
			}
			if len(e.Predictors) == 0 {
				e.Predictors = []string{d.Names[0]}
			}
			return nil, e
		}
	}
	if math.IsNaN(ll) || math.IsInf(ll, 0) {
		return nil, errors.New("regression: the log-likelihood is not finite: the data overflow float64 arithmetic; rescale the columns")
	}
	if err := finite(theta, nil); err != nil {
		return nil, err
	}
	m.Fitted = prob
	m.LogLikelihood = ll
	if d.Intercept {
		var s float64
		for _, c := range counts {
			s += float64(c) * math.Log(float64(c)/float64(n))
		}
		m.NullLogLikelihood = s
	} else {
		m.NullLogLikelihood = float64(n) * math.Log(1/float64(K))
	}
	m.PseudoRSquared = 1 - m.LogLikelihood/m.NullLogLikelihood
	m.LRStatistic = 2 * (m.LogLikelihood - m.NullLogLikelihood)
	if m.DFModel > 0 {
		m.LRPValue = chi2Survival(m.LRStatistic, float64(m.DFModel))
	} else {
		m.LRPValue = math.NaN()
	}
	m.AIC = -2*ll + 2*float64(q)
	m.BIC = -2*ll + float64(q)*math.Log(float64(n))
	if ok := chol.Factorize(info); !ok {
		return nil, errors.New("regression: the Fisher information is singular at the estimate; the coefficients are not identified")
	}
	m.Cov = mat.NewSymDense(q, nil)
	if err := chol.InverseTo(m.Cov); err != nil {
		return nil, fmt.Errorf("regression: inverting the Fisher information: %w", err)
	}
	z := normQuantile(0.975)
	m.Coefficients = make([][]Coefficient, K-1)
	for k := 1; k < K; k++ {
		cs := make([]Coefficient, p)
		for j := 0; j < p; j++ {
			idx := (k-1)*p + j
			b := theta[idx]
			se := math.Sqrt(m.Cov.At(idx, idx))
			st := b / se
			cs[j] = Coefficient{Name: d.Names[j], Class: classes[k], Estimate: b, StdError: se, Statistic: st,
				PValue: normTwoSided(st), CILow: b - z*se, CIHigh: b + z*se}
		}
		m.Coefficients[k-1] = cs
	}
	return m, nil
}

// PredictProb returns the N×K matrix of class probabilities at the rows of
// x (model-matrix rows, as Design.Encode builds them).
func (m *Multinomial) PredictProb(x mat.Matrix) (*mat.Dense, error) {
	r, c := x.Dims()
	if c != m.P {
		return nil, fmt.Errorf("regression: prediction rows have %d columns, the model has %d", c, m.P)
	}
	out := mat.NewDense(r, m.K, nil)
	eta := make([]float64, m.K)
	for i := 0; i < r; i++ {
		mx := 0.0
		for k := 1; k < m.K; k++ {
			var s ddAcc
			for j, co := range m.Coefficients[k-1] {
				s.addProd(x.At(i, j), co.Estimate)
			}
			eta[k] = s.value()
			mx = math.Max(mx, eta[k])
		}
		var z float64
		for k := range eta {
			z += math.Exp(eta[k] - mx)
		}
		for k := range eta {
			out.Set(i, k, math.Exp(eta[k]-mx)/z)
		}
	}
	return out, nil
}
