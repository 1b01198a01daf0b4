package regression

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// Tail probabilities are computed from the regularised incomplete beta and
// gamma functions directly rather than as 1 − CDF, so that very small
// p-values keep their relative accuracy instead of rounding to zero.

// tTwoSided returns P(|T| ≥ |t|) for Student's t with df degrees of freedom.
func tTwoSided(t, df float64) float64 {
	if math.IsNaN(t) || df <= 0 {
		return math.NaN()
	}
	if math.IsInf(t, 0) {
		return 0
	}
	return mathext.RegIncBeta(df/2, 0.5, df/(df+t*t))
}

// tQuantile returns the p-quantile of Student's t with df degrees of freedom.
func tQuantile(p, df float64) float64 {
	if df <= 0 {
		return math.NaN()
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// fSurvival returns P(F ≥ f) for the F distribution with d1, d2 degrees of
// freedom.
func fSurvival(f, d1, d2 float64) float64 {
	if math.IsNaN(f) || d1 <= 0 || d2 <= 0 {
		return math.NaN()
	}
	if math.IsInf(f, 1) {
		return 0
	}
	if f <= 0 {
		return 1
	}
	return mathext.RegIncBeta(d2/2, d1/2, d2/(d2+d1*f))
}

// normTwoSided returns P(|Z| ≥ |z|) for a standard normal Z.
func normTwoSided(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// normQuantile returns the p-quantile of the standard normal distribution.
func normQuantile(p float64) float64 {
	return distuv.UnitNormal.Quantile(p)
}

// chi2Survival returns P(X ≥ x) for a chi-squared X with k degrees of freedom.
func chi2Survival(x, k float64) float64 {
	if math.IsNaN(x) || k <= 0 {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	return mathext.GammaIncRegComp(k/2, x/2)
}
