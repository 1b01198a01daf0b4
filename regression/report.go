package regression

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Number is a float64 that encodes to JSON as null when it is NaN or
// infinite (an F statistic for a perfect fit, say), which plain float64
// cannot encode at all.
type Number float64

// MarshalJSON implements json.Marshaler.
func (x Number) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON implements json.Unmarshaler; null decodes as NaN.
func (x *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = Number(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*x = Number(f)
	return nil
}

func num(f float64) *Number { n := Number(f); return &n }

// Report is a fitted model in a form ready for encoding/json: one object
// with the fields a statistician expects. Fields that do not apply to a
// model are omitted.
type Report struct {
	// Model is "linear", "logistic" or "multinomial".
	Model    string `json:"model"`
	Response string `json:"response"`
	// N is the number of observations.
	N       int      `json:"n"`
	DFModel int      `json:"df_model"`
	DFResid int      `json:"df_resid"`
	Classes []string `json:"classes,omitempty"`
	// Coefficients are in design-column order (class by class for
	// multinomial models); the intercept is named "const".
	Coefficients []ReportCoefficient `json:"coefficients"`

	RSquared         *Number `json:"r_squared,omitempty"`
	AdjRSquared      *Number `json:"adj_r_squared,omitempty"`
	ResidualStdError *Number `json:"residual_std_error,omitempty"`
	FStatistic       *Number `json:"f_statistic,omitempty"`
	FPValue          *Number `json:"f_p_value,omitempty"`
	LogLikelihood    Number  `json:"log_likelihood"`
	AIC              Number  `json:"aic"`
	BIC              Number  `json:"bic"`
	DurbinWatson     *Number `json:"durbin_watson,omitempty"`

	Deviance       *Number `json:"deviance,omitempty"`
	NullDeviance   *Number `json:"null_deviance,omitempty"`
	NullLogLik     *Number `json:"null_log_likelihood,omitempty"`
	PseudoRSquared *Number `json:"pseudo_r_squared,omitempty"`
	LRStatistic    *Number `json:"lr_statistic,omitempty"`
	LRPValue       *Number `json:"lr_p_value,omitempty"`
	Converged      *bool   `json:"converged,omitempty"`
	Iterations     *int    `json:"iterations,omitempty"`
	// Accuracy and AUC describe the fitted probabilities as a classifier
	// (threshold 0.5, or the most probable class).
	Accuracy *Number `json:"accuracy,omitempty"`
	AUC      *Number `json:"auc,omitempty"`
	// Predictions at new data, if any were asked for.
	Predictions []ReportPrediction `json:"predictions,omitempty"`
}

// ReportPrediction is one prediction in a Report, with its 95% confidence
// interval for the mean response and prediction interval for a new
// observation.
type ReportPrediction struct {
	Fit    Number `json:"fit"`
	SEFit  Number `json:"se_fit"`
	CILow  Number `json:"ci_low"`
	CIHigh Number `json:"ci_high"`
	PILow  Number `json:"pi_low"`
	PIHigh Number `json:"pi_high"`
}

// ReportPredictions converts predictions for a Report.
func ReportPredictions(ps []Prediction) []ReportPrediction {
	out := make([]ReportPrediction, len(ps))
	for i, p := range ps {
		out[i] = ReportPrediction{Fit: Number(p.Fit), SEFit: Number(p.SEFit), CILow: Number(p.CILow),
			CIHigh: Number(p.CIHigh), PILow: Number(p.PILow), PIHigh: Number(p.PIHigh)}
	}
	return out
}

// FormatPredictions lays predictions out as a table, one row each.
func FormatPredictions(ps []Prediction) string {
	rows := [][]string{{"row", "fit", "se(fit)", "CI low", "CI high", "PI low", "PI high"}}
	for i, p := range ps {
		g6 := func(x float64) string { return fmt.Sprintf("%.6g", x) }
		rows = append(rows, []string{fmt.Sprint(i + 1), g6(p.Fit), g(p.SEFit), g6(p.CILow), g6(p.CIHigh), g6(p.PILow), g6(p.PIHigh)})
	}
	return table(rows)
}

// ReportCoefficient is one coefficient in a Report.
type ReportCoefficient struct {
	Name      string `json:"name"`
	Class     string `json:"class,omitempty"`
	Estimate  Number `json:"estimate"`
	StdError  Number `json:"std_error"`
	Statistic Number `json:"statistic"`
	PValue    Number `json:"p_value"`
	CILow     Number `json:"ci_low"`
	CIHigh    Number `json:"ci_high"`
	// The odds ratio exp(estimate) and its interval, for logistic models.
	OddsRatio       *Number `json:"odds_ratio,omitempty"`
	OddsRatioCILow  *Number `json:"odds_ratio_ci_low,omitempty"`
	OddsRatioCIHigh *Number `json:"odds_ratio_ci_high,omitempty"`
}

func reportCoef(c Coefficient) ReportCoefficient {
	return ReportCoefficient{Name: c.Name, Class: c.Class, Estimate: Number(c.Estimate), StdError: Number(c.StdError),
		Statistic: Number(c.Statistic), PValue: Number(c.PValue), CILow: Number(c.CILow), CIHigh: Number(c.CIHigh)}
}

// Report returns the model as a JSON-ready Report.
func (m *OLS) Report() *Report {
	r := &Report{Model: "linear", Response: m.Response, N: m.N, DFModel: m.DFModel, DFResid: m.DFResid,
		RSquared: num(m.RSquared), AdjRSquared: num(m.AdjRSquared), ResidualStdError: num(m.Sigma),
		FStatistic: num(m.FStatistic), FPValue: num(m.FPValue),
		LogLikelihood: Number(m.LogLikelihood), AIC: Number(m.AIC), BIC: Number(m.BIC),
		DurbinWatson: num(m.DurbinWatson)}
	for _, c := range m.Coefficients {
		r.Coefficients = append(r.Coefficients, reportCoef(c))
	}
	return r
}

// Report returns the model as a JSON-ready Report.
func (m *Logistic) Report() *Report {
	conv, it := m.Converged, m.Iterations
	r := &Report{Model: "logistic", Response: m.Response, N: m.N, DFModel: m.DFModel, DFResid: m.DFResid,
		LogLikelihood: Number(m.LogLikelihood), AIC: Number(m.AIC), BIC: Number(m.BIC),
		Deviance: num(m.Deviance), NullDeviance: num(m.NullDeviance), NullLogLik: num(m.NullLogLikelihood),
		PseudoRSquared: num(m.PseudoRSquared), LRStatistic: num(m.LRStatistic), LRPValue: num(m.LRPValue),
		Converged: &conv, Iterations: &it}
	for j, c := range m.Coefficients {
		rc := reportCoef(c)
		or := m.OddsRatios[j]
		rc.OddsRatio, rc.OddsRatioCILow, rc.OddsRatioCIHigh = num(or.Estimate), num(or.CILow), num(or.CIHigh)
		r.Coefficients = append(r.Coefficients, rc)
	}
	if bm, err := m.Classification(0.5); err == nil {
		r.Accuracy = num(bm.Accuracy)
	}
	if _, auc, err := m.ROC(); err == nil {
		r.AUC = num(auc)
	}
	return r
}

// Report returns the model as a JSON-ready Report.
func (m *Multinomial) Report() *Report {
	conv, it := m.Converged, m.Iterations
	r := &Report{Model: "multinomial", Response: m.Response, N: m.N, DFModel: m.DFModel, DFResid: m.DFResid,
		Classes: m.Classes, LogLikelihood: Number(m.LogLikelihood), AIC: Number(m.AIC), BIC: Number(m.BIC),
		NullLogLik: num(m.NullLogLikelihood), PseudoRSquared: num(m.PseudoRSquared),
		LRStatistic: num(m.LRStatistic), LRPValue: num(m.LRPValue), Converged: &conv, Iterations: &it}
	for _, cs := range m.Coefficients {
		for _, c := range cs {
			r.Coefficients = append(r.Coefficients, reportCoef(c))
		}
	}
	if cm, err := m.Confusion(); err == nil {
		r.Accuracy = num(cm.Accuracy())
	}
	return r
}

// fmtP formats a p-value as R does: "< 2e-16" below machine precision.
func fmtP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "NA"
	case p < 2.2e-16:
		return "<2e-16"
	case p < 1e-4:
		return fmt.Sprintf("%.2e", p)
	}
	return fmt.Sprintf("%.4f", p)
}

// stars is R's significance code for p.
func stars(p float64) string {
	switch {
	case math.IsNaN(p):
		return ""
	case p < 0.001:
		return "***"
	case p < 0.01:
		return "**"
	case p < 0.05:
		return "*"
	case p < 0.1:
		return "."
	}
	return ""
}

// g formats x to 4 significant digits, or NA.
func g(x float64) string {
	if math.IsNaN(x) {
		return "NA"
	}
	if math.IsInf(x, 0) {
		if x > 0 {
			return "Inf"
		}
		return "-Inf"
	}
	return fmt.Sprintf("%.4g", x)
}

// table lays out rows of cells: the first column left-aligned, the rest
// right-aligned, separated by two spaces.
func table(rows [][]string) string {
	var w []int
	for _, r := range rows {
		for j, c := range r {
			if j >= len(w) {
				w = append(w, 0)
			}
			w[j] = max(w[j], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		line := ""
		for j, c := range r {
			pad := strings.Repeat(" ", w[j]-len([]rune(c)))
			if j == 0 {
				line += c + pad
			} else {
				line += "  " + pad + c
			}
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

const signifCodes = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n"

// coefTable formats coefficients; stat names the test statistic column
// ("t" or "z"); or, if non-nil, adds odds-ratio columns.
func coefTable(cs []Coefficient, stat string, or []OddsRatio) string {
	head := []string{"", "Estimate", "Std. Error", stat + " value", "Pr(>|" + stat + "|)", "", "[0.025", "0.975]"}
	if or != nil {
		head = append(head, "Odds ratio", "[0.025", "0.975]")
	}
	rows := [][]string{head}
	for j, c := range cs {
		r := []string{c.Name, g(c.Estimate), g(c.StdError), fmt.Sprintf("%.3f", c.Statistic), fmtP(c.PValue),
			stars(c.PValue), g(c.CILow), g(c.CIHigh)}
		if or != nil {
			r = append(r, g(or[j].Estimate), g(or[j].CILow), g(or[j].CIHigh))
		}
		rows = append(rows, r)
	}
	// Left-align the significance stars.
	out := table(rows)
	return out
}

// quantiles returns min, quartiles and max of x (type-7 quantiles, as R's
// default).
func quantiles(x []float64) [5]float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	q := func(p float64) float64 {
		h := (float64(len(s)) - 1) * p
		lo := math.Floor(h)
		i := int(lo)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (h-lo)*(s[i+1]-s[i])
	}
	return [5]float64{s[0], q(0.25), q(0.5), q(0.75), s[len(s)-1]}
}

// describe names the predictors for a summary heading.
func describe(preds []string, intercept bool) string {
	s := strings.Join(preds, " + ")
	if len(preds) > 8 {
		s = fmt.Sprintf("%d predictors", len(preds))
	}
	switch {
	case len(preds) == 0 && intercept:
		return "an intercept only"
	case !intercept:
		s += " (no intercept)"
	}
	return s
}

// Summary returns a readable report of the fit in the manner of R's
// summary.lm: residual quantiles, the coefficient table with t tests and
// 95% intervals, and the overall statistics.
func (m *OLS) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Linear regression (ordinary least squares) of %s on %s\n", m.Response, describe(m.Predictors, m.Intercept))
	fmt.Fprintf(&b, "Observations: %d, coefficients: %d\n\n", m.N, m.P)
	q := quantiles(m.Residuals)
	b.WriteString("Residuals:\n")
	b.WriteString(table([][]string{{"", "Min", "1Q", "Median", "3Q", "Max"},
		{"", g(q[0]), g(q[1]), g(q[2]), g(q[3]), g(q[4])}}))
	b.WriteString("\nCoefficients:\n")
	b.WriteString(coefTable(m.Coefficients, "t", nil))
	b.WriteString("---\n" + signifCodes + "\n")
	fmt.Fprintf(&b, "Residual standard error: %s on %d degrees of freedom\n", g(m.Sigma), m.DFResid)
	r2 := "Multiple R-squared"
	if !m.Intercept {
		r2 = "R-squared (uncentred)"
	}
	fmt.Fprintf(&b, "%s: %.6g,  Adjusted R-squared: %.6g\n", r2, m.RSquared, m.AdjRSquared)
	if m.DFModel > 0 {
		fmt.Fprintf(&b, "F-statistic: %s on %d and %d DF,  p-value: %s\n", g(m.FStatistic), m.DFModel, m.DFResid, fmtP(m.FPValue))
	}
	fmt.Fprintf(&b, "Log-likelihood: %.6g,  AIC: %.6g,  BIC: %.6g\n", m.LogLikelihood, m.AIC, m.BIC)
	fmt.Fprintf(&b, "Durbin-Watson: %.4f\n", m.DurbinWatson)
	return b.String()
}

// Summary returns a readable report of the fit in the manner of R's
// summary.glm, with odds ratios, the likelihood-ratio test, McFadden's
// pseudo-R² and the in-sample classification at probability ½.
func (m *Logistic) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Logistic regression (maximum likelihood, Newton-Raphson) of %s on %s\n", m.Response, describe(m.Predictors, m.Intercept))
	conv := fmt.Sprintf("converged in %d iterations", m.Iterations)
	if !m.Converged {
		conv = fmt.Sprintf("DID NOT CONVERGE in %d iterations", m.Iterations)
	}
	fmt.Fprintf(&b, "Observations: %d, coefficients: %d, %s\n\n", m.N, m.P, conv)
	b.WriteString("Coefficients (log-odds scale; odds ratio = exp(estimate)):\n")
	b.WriteString(coefTable(m.Coefficients, "z", m.OddsRatios))
	b.WriteString("---\n" + signifCodes + "\n")
	fmt.Fprintf(&b, "    Null deviance: %.6g on %d degrees of freedom\n", m.NullDeviance, m.N-(m.P-m.DFModel))
	fmt.Fprintf(&b, "Residual deviance: %.6g on %d degrees of freedom\n", m.Deviance, m.DFResid)
	fmt.Fprintf(&b, "Log-likelihood: %.6g,  AIC: %.6g,  BIC: %.6g\n", m.LogLikelihood, m.AIC, m.BIC)
	fmt.Fprintf(&b, "McFadden pseudo R-squared: %.4f\n", m.PseudoRSquared)
	if m.DFModel > 0 {
		fmt.Fprintf(&b, "Likelihood-ratio test: %s on %d DF,  p-value: %s\n", g(m.LRStatistic), m.DFModel, fmtP(m.LRPValue))
	}
	if bm, err := m.Classification(0.5); err == nil {
		fmt.Fprintf(&b, "\nIn-sample classification at p >= 0.5:\n")
		b.WriteString(table([][]string{{"", "predicted 0", "predicted 1"},
			{"observed 0", fmt.Sprint(bm.TN), fmt.Sprint(bm.FP)},
			{"observed 1", fmt.Sprint(bm.FN), fmt.Sprint(bm.TP)}}))
		fmt.Fprintf(&b, "Accuracy: %.4f,  precision: %s,  recall: %s,  F1: %s", bm.Accuracy, g(bm.Precision), g(bm.Recall), g(bm.F1))
		if _, auc, err := m.ROC(); err == nil {
			fmt.Fprintf(&b, ",  ROC AUC: %.4f", auc)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Summary returns a readable report of the fit: one coefficient table per
// non-reference class, then the overall statistics.
func (m *Multinomial) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Multinomial logistic regression (maximum likelihood, Newton-Raphson) of %s on %s\n", m.Response, describe(m.Predictors, m.Intercept))
	conv := fmt.Sprintf("converged in %d iterations", m.Iterations)
	if !m.Converged {
		conv = fmt.Sprintf("DID NOT CONVERGE in %d iterations", m.Iterations)
	}
	fmt.Fprintf(&b, "Observations: %d, classes: %d (reference %q), coefficients: %d, %s\n", m.N, m.K, m.Classes[0], m.P*(m.K-1), conv)
	for k, cs := range m.Coefficients {
		fmt.Fprintf(&b, "\n%s = %s vs %s (log-odds):\n", m.Response, m.Classes[k+1], m.Classes[0])
		b.WriteString(coefTable(cs, "z", nil))
	}
	b.WriteString("---\n" + signifCodes + "\n")
	fmt.Fprintf(&b, "Log-likelihood: %.6g (null %.6g),  AIC: %.6g,  BIC: %.6g\n", m.LogLikelihood, m.NullLogLikelihood, m.AIC, m.BIC)
	fmt.Fprintf(&b, "McFadden pseudo R-squared: %.4f\n", m.PseudoRSquared)
	if m.DFModel > 0 {
		fmt.Fprintf(&b, "Likelihood-ratio test: %s on %d DF,  p-value: %s\n", g(m.LRStatistic), m.DFModel, fmtP(m.LRPValue))
	}
	if cm, err := m.Confusion(); err == nil {
		fmt.Fprintf(&b, "\nIn-sample classification (most probable class), accuracy %.4f:\n", cm.Accuracy())
		b.WriteString(cm.String())
	}
	return b.String()
}
