package regression

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Logistic is a fitted binary logistic regression,
//
//	P(yᵢ = 1) = πᵢ,  log(πᵢ/(1−πᵢ)) = xᵢᵀβ,
//
// estimated by maximum likelihood with Newton–Raphson (which for the logit
// link is the same as iteratively reweighted least squares).
type Logistic struct {
	// Names are the design's column names; Response is the response's
	// name; Predictors are the predictors the columns were built from.
	Names      []string
	Response   string
	Predictors []string
	// Intercept reports whether the model has an intercept.
	Intercept bool
	// N is the number of observations and P the number of coefficients;
	// DFResid = N − P, DFModel = P − 1 with an intercept and P without.
	N, P, DFResid, DFModel int
	// Coefficients are the estimates on the log-odds scale with Wald z
	// tests and 95% intervals, standard errors from the inverse of the
	// Fisher information XᵀWX at the estimate.
	Coefficients []Coefficient
	// OddsRatios are exp(β) with the exponentiated 95% intervals: the
	// factor by which the odds of y = 1 change per unit of the predictor.
	OddsRatios []OddsRatio
	// Cov is the estimated covariance matrix of the coefficients.
	Cov *mat.SymDense
	// LogLikelihood is the maximised log-likelihood; NullLogLikelihood
	// that of the intercept-only model (with an intercept) or of β = 0,
	// every π = ½ (without one).
	LogLikelihood, NullLogLikelihood float64
	// Deviance = −2·LogLikelihood and NullDeviance = −2·NullLogLikelihood
	// (for 0/1 data the saturated model's log-likelihood is 0).
	Deviance, NullDeviance float64
	// PseudoRSquared is McFadden's 1 − LogLikelihood/NullLogLikelihood.
	PseudoRSquared float64
	// LRStatistic = NullDeviance − Deviance is the likelihood-ratio
	// statistic for all non-intercept coefficients being zero, and
	// LRPValue its chi-squared p-value on DFModel degrees of freedom.
	LRStatistic, LRPValue float64
	// AIC = Deviance + 2P and BIC = Deviance + P·ln N.
	AIC, BIC float64
	// Iterations is the number of Newton steps taken; Converged reports
	// whether the step size fell below the tolerance.
	Iterations int
	Converged  bool
	// Fitted are the fitted probabilities πᵢ.
	Fitted []float64
	// Y is the 0/1 response.
	Y []float64
}

// OddsRatio is an exponentiated logistic coefficient with its interval.
type OddsRatio struct {
	Estimate, CILow, CIHigh float64
}

// LogisticOptions tune the Newton iteration. The zero value (or a nil
// pointer) asks for the defaults.
type LogisticOptions struct {
	// MaxIter bounds the Newton steps; default 100.
	MaxIter int
	// Tol is the convergence tolerance on the largest step,
	// |Δβⱼ| ≤ Tol·(1+|βⱼ|); default 1e-10.
	Tol float64
	// SkipSeparationCheck skips the linear-programming test for
	// separation before fitting (divergence is still reported).
	SkipSeparationCheck bool
}

func (o *LogisticOptions) withDefaults() LogisticOptions {
	var r LogisticOptions
	if o != nil {
		r = *o
	}
	if r.MaxIter <= 0 {
		r.MaxIter = 100
	}
	if r.Tol <= 0 {
		r.Tol = 1e-10
	}
	return r
}

// sigmoid returns 1/(1+e^−η) without overflow.
func sigmoid(eta float64) float64 {
	if eta >= 0 {
		return 1 / (1 + math.Exp(-eta))
	}
	e := math.Exp(eta)
	return e / (1 + e)
}

// softplus returns log(1+e^η) without overflow.
func softplus(eta float64) float64 {
	if eta > 0 {
		return eta + math.Log1p(math.Exp(-eta))
	}
	return math.Log1p(math.Exp(eta))
}

// binaryLogLik returns Σ yᵢηᵢ − log(1+e^ηᵢ).
func binaryLogLik(y, eta []float64) float64 {
	var s ddAcc
	for i, e := range eta {
		s.add(y[i]*e - softplus(e))
	}
	return s.value()
}

// checkBinary checks that y holds 0s and 1s, both.
func checkBinary(y []float64, name string) error {
	var n1 int
	for i, v := range y {
		if v != 0 && v != 1 {
			return fmt.Errorf("regression: logistic regression needs a 0/1 response, but %q is %v in row %d", name, v, i+1)
		}
		if v == 1 {
			n1++
		}
	}
	if n1 == 0 || n1 == len(y) {
		return fmt.Errorf("regression: response %q is %v in every row; logistic regression needs both 0s and 1s", name, y[0])
	}
	return nil
}

// FitLogistic fits a binary logistic regression of d.Y (0s and 1s) on
// d.X by maximum likelihood.
//
// Before fitting, the design is checked for collinearity (a
// *CollinearityError) and the data for complete or quasi-complete
// separation — some combination of predictors that predicts the outcome
// perfectly, so that the likelihood keeps increasing as coefficients run to
// ±∞ and no maximum-likelihood estimate exists. Separation is reported as a
// *SeparationError naming the predictor(s), never as huge coefficients.
func FitLogistic(d *Design, opts *LogisticOptions) (*Logistic, error) {
	o := opts.withDefaults()
	n, p := d.X.Dims()
	if len(d.Y) != n {
		return nil, fmt.Errorf("regression: design has %d rows but %d responses", n, len(d.Y))
	}
	if err := checkBinary(d.Y, d.Response); err != nil {
		return nil, err
	}
	if n <= p {
		return nil, fmt.Errorf("regression: too few observations: %d rows for %d coefficients", n, p)
	}
	if err := checkRank(newLSQ(d.X), d.Names); err != nil {
		return nil, err
	}
	lpSep, decided := false, false
	if !o.SkipSeparationCheck {
		var err error
		if lpSep, decided, err = checkSeparation(d); err != nil {
			return nil, err
		}
	}
	maxIter := o.MaxIter
	if lpSep {
		// Separation is certain; iterate only far enough to see which
		// coefficients run off.
		maxIter = min(maxIter, 30)
	}

	beta := make([]float64, p)
	eta := make([]float64, n)
	mu := make([]float64, n)
	wx := mat.NewDense(n, p, nil)
	score := make([]float64, p)
	m := &Logistic{Names: d.Names, Response: d.Response, Predictors: d.Predictors(), Intercept: d.Intercept, N: n, P: p,
		DFResid: n - p, DFModel: p, Y: d.Y}
	if d.Intercept {
		m.DFModel--
	}
	ll := binaryLogLik(d.Y, eta)
	var l *lsq
	// linpred sets eta = Xb.
	linpred := func(b []float64) {
		for i := 0; i < n; i++ {
			var s ddAcc
			for j := 0; j < p; j++ {
				s.addProd(d.X.At(i, j), b[j])
			}
			eta[i] = s.value()
		}
	}
	// factor computes μ, the score Xᵀ(y−μ) and the QR factors of W^½X.
	factor := func() {
		for i := 0; i < n; i++ {
			mu[i] = sigmoid(eta[i])
			w := math.Sqrt(mu[i] * (1 - mu[i]))
			for j := 0; j < p; j++ {
				wx.Set(i, j, w*d.X.At(i, j))
			}
		}
		for j := 0; j < p; j++ {
			var s ddAcc
			for i := 0; i < n; i++ {
				s.addProd(d.X.At(i, j), d.Y[i]-mu[i])
			}
			score[j] = s.value()
		}
		l = newLSQ(wx)
	}
	factor()
	trial := make([]float64, p)
	for m.Iterations < maxIter {
		step := l.normalSolve(score)
		m.Iterations++
		// Converged when the full Newton step is negligible.
		small := true
		for j := range beta {
			if math.Abs(step[j]) > o.Tol*(1+math.Abs(beta[j])) {
				small = false
			}
		}
		// Step halving guards the rare Newton step that overshoots.
		t := 1.0
		var newLL float64
		improved := false
		for h := 0; h < 40; h++ {
			for j := range beta {
				trial[j] = beta[j] + t*step[j]
			}
			linpred(trial)
			newLL = binaryLogLik(d.Y, eta)
			if newLL >= ll-1e-12*math.Abs(ll) {
				improved = true
				break
			}
			t /= 2
		}
		if !improved {
			// No step along the Newton direction increases the
			// likelihood: stalled, not converged (unless already there).
			linpred(beta)
			m.Converged = small
			break
		}
		copy(beta, trial)
		ll = newLL
		factor()
		if small {
			m.Converged = true
			break
		}
	}
	// Without the LP's verdict, fitted probabilities of 0 or 1 are the
	// sign of separation: the iteration has been pushing coefficients
	// towards infinity (and a relative step criterion can be met there).
	if lpSep || !decided {
		if err := divergenceSeparation(d, beta, mu, lpSep); err != nil {
			return nil, err
		}
	}
	if math.IsNaN(ll) || math.IsInf(ll, 0) {
		return nil, errors.New("regression: the log-likelihood is not finite: the data overflow float64 arithmetic; rescale the columns")
	}
	if err := finite(beta, d.Names); err != nil {
		return nil, err
	}
	m.Fitted = append([]float64(nil), mu...)
	m.LogLikelihood = ll
	m.Deviance = -2 * ll
	m.NullLogLikelihood = binaryNullLogLik(d.Y, d.Intercept)
	m.NullDeviance = -2 * m.NullLogLikelihood
	m.PseudoRSquared = 1 - m.LogLikelihood/m.NullLogLikelihood
	m.LRStatistic = m.NullDeviance - m.Deviance
	if m.DFModel > 0 {
		m.LRPValue = chi2Survival(m.LRStatistic, float64(m.DFModel))
	} else {
		m.LRPValue = math.NaN()
	}
	m.AIC = m.Deviance + 2*float64(p)
	m.BIC = m.Deviance + float64(p)*math.Log(float64(n))

	c := l.unscaledCov()
	m.Cov = mat.NewSymDense(p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			m.Cov.SetSym(i, j, c[i*p+j])
		}
	}
	z := normQuantile(0.975)
	m.Coefficients = make([]Coefficient, p)
	m.OddsRatios = make([]OddsRatio, p)
	for j := 0; j < p; j++ {
		se := math.Sqrt(m.Cov.At(j, j))
		st := beta[j] / se
		lo, hi := beta[j]-z*se, beta[j]+z*se
		m.Coefficients[j] = Coefficient{Name: d.Names[j], Estimate: beta[j], StdError: se, Statistic: st,
			PValue: normTwoSided(st), CILow: lo, CIHigh: hi}
		m.OddsRatios[j] = OddsRatio{Estimate: math.Exp(beta[j]), CILow: math.Exp(lo), CIHigh: math.Exp(hi)}
	}
	return m, nil
}

// binaryNullLogLik is the log-likelihood of the intercept-only model (or of
// π = ½ without an intercept).
func binaryNullLogLik(y []float64, intercept bool) float64 {
	n := float64(len(y))
	if !intercept {
		return n * math.Log(0.5)
	}
	var k float64
	for _, v := range y {
		k += v
	}
	pbar := k / n
	return k*math.Log(pbar) + (n-k)*math.Log1p(-pbar)
}

// Params returns the coefficient estimates in design-column order.
func (m *Logistic) Params() []float64 {
	b := make([]float64, len(m.Coefficients))
	for i, c := range m.Coefficients {
		b[i] = c.Estimate
	}
	return b
}

// PredictProb returns the fitted probabilities P(y = 1) at the rows of x
// (model-matrix rows, as Design.Encode builds them).
func (m *Logistic) PredictProb(x mat.Matrix) ([]float64, error) {
	r, c := x.Dims()
	if c != m.P {
		return nil, fmt.Errorf("regression: prediction rows have %d columns, the model has %d", c, m.P)
	}
	out := make([]float64, r)
	for i := 0; i < r; i++ {
		var s ddAcc
		for j, co := range m.Coefficients {
			s.addProd(x.At(i, j), co.Estimate)
		}
		out[i] = sigmoid(s.value())
	}
	return out, nil
}
