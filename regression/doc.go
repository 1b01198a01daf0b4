// Package regression fits linear and logistic regression models in float64
// and reports the statistics a statistician expects: standard errors, tests,
// confidence intervals, goodness of fit and information criteria.
//
// # Linear regression and least squares
//
// A linear model explains a response y by predictors x₁…x_k:
//
//	yᵢ = β₀ + β₁xᵢ₁ + … + β_k xᵢ_k + εᵢ,   or   y = Xβ + ε,
//
// where X is the n×p model (design) matrix, one row per observation, with a
// leading column of ones for the intercept β₀. Least squares chooses the β̂
// that minimises the residual sum of squares ‖y − Xβ‖². Geometrically, Xβ̂
// is the orthogonal projection of y onto the span of X's columns, so the
// residuals e = y − Xβ̂ are orthogonal to every column: Xᵀe = 0 (the
// "normal equations" XᵀXβ̂ = Xᵀy).
//
// Solving the normal equations by forming and inverting XᵀX squares the
// condition number of the problem and loses twice as many digits as
// necessary. FitLinear instead factorises X = QR (Householder QR, Q with
// orthonormal columns, R upper triangular), so that β̂ solves Rβ̂ = Qᵀy,
// and then refines the solution with residuals computed in extended
// precision. It reproduces NIST's certified results for its hardest linear
// test problems (Longley, Wampler1–5) to 13 or more significant digits.
//
// The estimates are unbiased if the errors εᵢ have mean zero and are
// uncorrelated with X. The standard errors, t tests, F test and intervals
// further assume the classical error-term model: the εᵢ are independent,
// have a constant variance σ² (homoscedasticity) and are normally
// distributed. Then
//
//	β̂ ~ N(β, σ²(XᵀX)⁻¹),   s² = RSS/(n−p) estimates σ²,
//
// and (β̂ⱼ − βⱼ)/SE(β̂ⱼ) has Student's t distribution on n−p degrees of
// freedom. R² = 1 − RSS/TSS is the fraction of the variation about the mean
// that the model explains (about zero, "uncentred", without an intercept);
// the F statistic tests whether all slopes are zero together; AIC and BIC
// trade fit (the normal log-likelihood) against the number of coefficients;
// and the Durbin–Watson statistic, near 2 for independent errors, warns of
// residuals correlated from one row to the next. Check the assumptions by
// looking at the residuals, which OLS keeps.
//
// # Logistic regression: odds, logit and maximum likelihood
//
// For a 0/1 response the model is for the probability πᵢ = P(yᵢ = 1). The
// odds of an event are π/(1−π) — even odds are 1 — and the logit is the log
// of the odds, which ranges over the whole real line. Logistic regression
// makes the logit linear in the predictors:
//
//	log(πᵢ/(1−πᵢ)) = xᵢᵀβ,   πᵢ = 1/(1 + e^−xᵢᵀβ).
//
// So βⱼ is the change in log-odds per unit of xⱼ, and exp(βⱼ) the factor by
// which the odds are multiplied: the odds ratio.
//
// There is no closed form; β̂ is the maximum-likelihood estimate, the β
// under which the observed outcomes are most probable. The log-likelihood
// ℓ(β) = Σ yᵢ log πᵢ + (1−yᵢ) log(1−πᵢ) is concave, and FitLogistic climbs it
// by Newton–Raphson: β ← β + (XᵀWX)⁻¹Xᵀ(y − π) with W = diag(πᵢ(1−πᵢ)).
// Each step is a weighted least-squares fit, hence the other name,
// iteratively reweighted least squares (IRLS). The inverse of the Fisher
// information XᵀWX at β̂ estimates the covariance of β̂, which gives the
// standard errors and Wald z tests. The deviance −2ℓ plays the part of the
// residual sum of squares; McFadden's pseudo-R² = 1 − ℓ(β̂)/ℓ₀ compares it
// with the intercept-only model.
//
// The maximum does not exist when some combination of predictors separates
// the outcomes — predicts every one of them (complete separation) or all
// but ties (quasi-complete) — because the likelihood then keeps rising as
// the coefficients run to infinity. FitLogistic tests for this by linear
// programming before it fits and returns a *SeparationError naming the
// predictors, rather than the huge coefficients and standard errors a
// naive iteration would report.
//
// FitMultinomial generalises the model to K classes (softmax regression):
// each class k but the first has its own coefficient vector βₖ, and
// P(y = k) ∝ exp(xᵀβₖ), with β₀ = 0 for the reference class.
//
// ConfusionMatrix, Classify and ROC score the fitted probabilities as a
// classifier: accuracy, precision, recall, F1, the ROC curve and its area.
//
// # Data
//
// ReadCSV reads a table with a header row; Table.Design builds the model
// matrix from named columns, with dummy (treatment) coding for categorical
// predictors, and reports a missing or non-numeric cell by row, column and
// value. NewDesign builds one from numbers. A design is independent of the
// fitting method, so other estimators — such as a model trained by gradient
// descent on the same Design.X and Design.Y — can be compared with these
// exact ones.
//
// Every fitted model has a Summary method, for a table like R's summary(),
// and a Report method whose result encodes to JSON.
package regression
