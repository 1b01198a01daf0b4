package regression

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Coefficient is one estimated coefficient with its inference.
type Coefficient struct {
	// Name is the design column the coefficient multiplies ("const" for
	// the intercept). For multinomial models Class names the class whose
	// log-odds against the reference class it belongs to.
	Name  string
	Class string
	// Estimate is the point estimate.
	Estimate float64
	// StdError is the estimated standard error.
	StdError float64
	// Statistic is Estimate/StdError: a t statistic for linear models, a
	// Wald z statistic for logistic ones.
	Statistic float64
	// PValue is the two-sided p-value of Statistic under the null
	// hypothesis that the coefficient is zero.
	PValue float64
	// CILow and CIHigh bound the 95% confidence interval.
	CILow, CIHigh float64
}

// CollinearityError reports a design whose columns are linearly dependent
// (numerically): Column is, to within rounding, a linear combination of the
// columns in Others, with the given coefficients. Such a design has no unique
// least-squares or maximum-likelihood solution; drop one of the columns
// named.
type CollinearityError struct {
	Column       string
	Others       []string
	Coefficients []float64
}

// Error implements the error interface.
func (e *CollinearityError) Error() string {
	if len(e.Others) == 0 {
		return fmt.Sprintf("design matrix is rank deficient: column %q is zero in every row", e.Column)
	}
	parts := make([]string, len(e.Others))
	for i, o := range e.Others {
		parts[i] = fmt.Sprintf("%.6g·%s", e.Coefficients[i], o)
	}
	return fmt.Sprintf("design matrix is rank deficient: column %q is collinear with %s (%s ≈ %s); drop one of these columns",
		e.Column, quoteList(e.Others), e.Column, strings.Join(parts, " + "))
}

// checkRank returns a *CollinearityError if the design's columns are
// numerically dependent.
func checkRank(l *lsq, names []string) error {
	j, c := l.dependent()
	if j < 0 {
		return nil
	}
	if j >= len(names) {
		j = len(names) - 1
	}
	e := &CollinearityError{Column: names[j]}
	// Name the columns that carry weight in the combination: those whose
	// share of column j's length is not negligible.
	var norms []float64
	for k := 0; k <= j; k++ {
		s := 0.0
		for i := 0; i < l.n; i++ {
			s = math.Hypot(s, l.x[i*l.p+k])
		}
		norms = append(norms, s)
	}
	for k, ck := range c {
		if math.Abs(ck)*norms[k] > 1e-6*norms[j] {
			e.Others = append(e.Others, names[k])
			e.Coefficients = append(e.Coefficients, ck)
		}
	}
	return e
}

// OLS is a fitted linear model y = Xβ + ε by ordinary least squares, with
// the statistics of R's summary.lm and statsmodels' OLSResults.
//
// The inference (standard errors, t tests, F test, intervals) assumes the
// classical error model: the εᵢ are independent, have mean zero and a common
// variance σ², and are normally distributed. The estimates themselves need
// only the first two for unbiasedness.
type OLS struct {
	// Names are the design's column names; Response is the response's
	// name; Predictors are the predictors the columns were built from.
	Names      []string
	Response   string
	Predictors []string
	// Intercept reports whether the model has an intercept; without one,
	// R² is the uncentred R² (about zero rather than the mean).
	Intercept bool
	// N is the number of observations and P the number of coefficients.
	N, P int
	// DFResid = N − P and DFModel = P − 1 (with intercept) or P (without).
	DFResid, DFModel int
	// Coefficients hold the estimates with t tests and 95% intervals.
	Coefficients []Coefficient
	// Cov is the estimated covariance matrix of the coefficients, s²(XᵀX)⁻¹.
	Cov *mat.SymDense
	// Sigma is the residual standard error s = √(RSS/DFResid).
	Sigma float64
	// RSS is the residual sum of squares; TSS the total sum of squares
	// about the mean (with intercept) or about zero (without).
	RSS, TSS float64
	// RSquared = 1 − RSS/TSS; AdjRSquared corrects it for DFResid.
	RSquared, AdjRSquared float64
	// FStatistic tests all coefficients but the intercept being zero;
	// FPValue is its p-value on DFModel and DFResid degrees of freedom.
	FStatistic, FPValue float64
	// LogLikelihood is the maximised normal log-likelihood, with σ² at its
	// MLE RSS/N.
	LogLikelihood float64
	// AIC = −2·LogLikelihood + 2P and BIC = −2·LogLikelihood + P·ln N.
	// Like statsmodels, P counts the coefficients only; R's AIC() also
	// counts σ² and so is larger by 2 (and BIC by ln N).
	AIC, BIC float64
	// DurbinWatson is Σ(eₜ−eₜ₋₁)²/Σeₜ², near 2 for uncorrelated residuals
	// in row order.
	DurbinWatson float64
	// Residuals are yᵢ − ŷᵢ and Fitted the ŷᵢ.
	Residuals, Fitted []float64
	// RefineSweeps is the number of iterative-refinement sweeps the solver
	// used.
	RefineSweeps int

	tcrit  float64
	solver *lsq
}

// FitLinear fits d by ordinary least squares. The design must have more rows
// than columns and full column rank; a rank-deficient design gives a
// *CollinearityError naming the column that is a combination of earlier ones.
func FitLinear(d *Design) (*OLS, error) {
	n, p := d.X.Dims()
	if len(d.Y) != n {
		return nil, fmt.Errorf("regression: design has %d rows but %d responses", n, len(d.Y))
	}
	if n <= p {
		return nil, fmt.Errorf("regression: too few observations: %d rows for %d coefficients (need more rows than coefficients)", n, p)
	}
	l := newLSQ(d.X)
	if err := checkRank(l, d.Names); err != nil {
		return nil, err
	}
	beta, resid, sweeps := l.solve(d.Y)
	if err := finite(beta, d.Names); err != nil {
		return nil, err
	}
	m := &OLS{
		Names: d.Names, Response: d.Response, Predictors: d.Predictors(), Intercept: d.Intercept,
		N: n, P: p, DFResid: n - p, DFModel: p,
		Residuals: resid, Fitted: make([]float64, n), RefineSweeps: sweeps, solver: l,
	}
	if d.Intercept {
		m.DFModel--
	}
	for i := range resid {
		m.Fitted[i] = d.Y[i] - resid[i]
	}
	var rss ddAcc
	for _, r := range resid {
		rss.addProd(r, r)
	}
	m.RSS = rss.value()
	m.TSS = totalSS(d.Y, d.Intercept)
	df := float64(m.DFResid)
	s2 := m.RSS / df
	m.Sigma = math.Sqrt(s2)
	m.RSquared = 1 - m.RSS/m.TSS
	k := 0.0
	if d.Intercept {
		k = 1
	}
	m.AdjRSquared = 1 - (1-m.RSquared)*(float64(n)-k)/df
	if m.DFModel > 0 {
		m.FStatistic = ((m.TSS - m.RSS) / float64(m.DFModel)) / s2
		m.FPValue = fSurvival(m.FStatistic, float64(m.DFModel), df)
	} else {
		m.FStatistic, m.FPValue = math.NaN(), math.NaN()
	}
	nf := float64(n)
	m.LogLikelihood = -nf / 2 * (math.Log(2*math.Pi) + math.Log(m.RSS/nf) + 1)
	m.AIC = -2*m.LogLikelihood + 2*float64(p)
	m.BIC = -2*m.LogLikelihood + float64(p)*math.Log(nf)
	var num, den ddAcc
	for i, r := range resid {
		den.addProd(r, r)
		if i > 0 {
			dlt := r - resid[i-1]
			num.addProd(dlt, dlt)
		}
	}
	m.DurbinWatson = num.value() / den.value()

	c := l.unscaledCov()
	m.Cov = mat.NewSymDense(p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			m.Cov.SetSym(i, j, s2*c[i*p+j])
		}
	}
	m.tcrit = tQuantile(0.975, df)
	m.Coefficients = make([]Coefficient, p)
	for j := 0; j < p; j++ {
		se := math.Sqrt(m.Cov.At(j, j))
		t := beta[j] / se
		m.Coefficients[j] = Coefficient{
			Name: d.Names[j], Estimate: beta[j], StdError: se, Statistic: t,
			PValue: tTwoSided(t, df),
			CILow:  beta[j] - m.tcrit*se, CIHigh: beta[j] + m.tcrit*se,
		}
	}
	return m, nil
}

// finite reports non-finite estimates, which only overflow in the data can
// cause.
func finite(beta []float64, names []string) error {
	for j, b := range beta {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			name := fmt.Sprint("coefficient ", j+1)
			if j < len(names) {
				name = names[j]
			}
			return fmt.Errorf("regression: the estimate for %q is %v: the data overflow float64 arithmetic; rescale the columns", name, b)
		}
	}
	return nil
}

// totalSS returns Σ(y−ȳ)² with an intercept and Σy² without, accurately.
func totalSS(y []float64, centred bool) float64 {
	mean := 0.0
	if centred {
		var s ddAcc
		for _, v := range y {
			s.add(v)
		}
		mean = s.value() / float64(len(y))
		// One correction step for the mean.
		var r ddAcc
		for _, v := range y {
			r.add(v - mean)
		}
		mean += r.value() / float64(len(y))
	}
	var ss ddAcc
	for _, v := range y {
		ss.addProd(v-mean, v-mean)
	}
	return ss.value()
}

// Params returns the coefficient estimates in design-column order.
func (m *OLS) Params() []float64 {
	b := make([]float64, len(m.Coefficients))
	for i, c := range m.Coefficients {
		b[i] = c.Estimate
	}
	return b
}

// ConfInt returns confidence intervals for the coefficients at the given
// level (0.95 for the intervals already in Coefficients).
func (m *OLS) ConfInt(level float64) ([][2]float64, error) {
	if !(level > 0 && level < 1) {
		return nil, fmt.Errorf("regression: confidence level %v is not between 0 and 1", level)
	}
	q := tQuantile(0.5+level/2, float64(m.DFResid))
	out := make([][2]float64, len(m.Coefficients))
	for i, c := range m.Coefficients {
		out[i] = [2]float64{c.Estimate - q*c.StdError, c.Estimate + q*c.StdError}
	}
	return out, nil
}

// Prediction is a predicted mean response with its intervals.
type Prediction struct {
	// Fit is x₀ᵀβ̂, the estimated mean response at x₀.
	Fit float64
	// SEFit is the standard error of Fit, s·√(x₀ᵀ(XᵀX)⁻¹x₀).
	SEFit float64
	// CILow and CIHigh bound the confidence interval for the mean
	// response at x₀.
	CILow, CIHigh float64
	// PILow and PIHigh bound the prediction interval for a new
	// observation at x₀, whose variance adds σ² to SEFit².
	PILow, PIHigh float64
}

// Predict returns predictions at the rows of x (model-matrix rows with the
// same columns as the design, intercept included; Design.Encode builds them
// from a table), with confidence and prediction intervals at the given
// level, e.g. 0.95.
func (m *OLS) Predict(x mat.Matrix, level float64) ([]Prediction, error) {
	r, c := x.Dims()
	if c != m.P {
		return nil, fmt.Errorf("regression: prediction rows have %d columns, the model has %d", c, m.P)
	}
	if !(level > 0 && level < 1) {
		return nil, fmt.Errorf("regression: confidence level %v is not between 0 and 1", level)
	}
	if m.solver == nil {
		return nil, errors.New("regression: model was not fitted by FitLinear")
	}
	q := tQuantile(0.5+level/2, float64(m.DFResid))
	beta := m.Params()
	out := make([]Prediction, r)
	v := make([]float64, m.P)
	l := m.solver
	for i := 0; i < r; i++ {
		var fit ddAcc
		for j := 0; j < m.P; j++ {
			xij := x.At(i, j)
			fit.addProd(xij, beta[j])
			// X = Xs·S = Q·R·S, so x₀ᵀ(XᵀX)⁻¹x₀ = ‖R⁻ᵀS⁻¹x₀‖².
			v[j] = xij / l.scale[j]
		}
		l.triSolve(v, true, m.P)
		h := 0.0
		for _, vj := range v {
			h = math.Hypot(h, vj)
		}
		se := m.Sigma * h
		f := fit.value()
		sp := math.Hypot(m.Sigma, se)
		out[i] = Prediction{Fit: f, SEFit: se, CILow: f - q*se, CIHigh: f + q*se, PILow: f - q*sp, PIHigh: f + q*sp}
	}
	return out, nil
}
