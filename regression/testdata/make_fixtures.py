#!/usr/bin/python3
"""Write the statsmodels reference fixtures for the regression package.

Reads public data sets that ship with statsmodels (Debian's
python3-statsmodels), writes them here as CSV files, fits the models the Go
tests fit, and writes statsmodels' results as JSON fixtures in fixtures/.
The Go tests read only the CSV and JSON files; they never run Python.

    /usr/bin/python3 regression/testdata/make_fixtures.py

Data sets (see statsmodels.datasets.<name>.NOTE for their documentation):
  spector  Spector & Mazzeo (1980), 32 students: GRADE ~ GPA + TUCE + PSI.
  anes96   American National Election Survey 1996, 944 respondents.
  fair     Fair (1978), affairs survey, 6366 women.
  longley  Longley (1967), 16 years of US macro data.

Coefficient names are written in this package's convention: the intercept
is "const" and level L of a categorical column A is "A[T.L]" (patsy writes
"C(A)[T.L]").
"""
import json
import os
from fractions import Fraction
import re
import sys

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.stattools import durbin_watson

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")


def fmt(v):
    """Write a cell so that Go's ParseFloat reads back the same float64."""
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def write_csv(name, df):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        f.write(",".join(df.columns) + "\n")
        for row in df.itertuples(index=False):
            f.write(",".join(fmt(v) for v in row) + "\n")
    return name


def rename(n):
    if n == "Intercept":
        return "const"
    m = re.fullmatch(r"C\((\w+)\)\[T\.(.+)\]", n)
    if m:
        level = m.group(2)
        if re.fullmatch(r"-?\d+\.0", level):
            level = level[:-2]
        return "%s[T.%s]" % (m.group(1), level)
    return n


def floats(a):
    return [float(v) for v in np.asarray(a).ravel()]


def common(res, csv, response, predictors, categorical, intercept):
    return {
        "generator": "make_fixtures.py, statsmodels %s" % statsmodels.__version__,
        "data": csv,
        "response": response,
        "predictors": predictors,
        "categorical": categorical,
        "intercept": intercept,
        "nobs": int(res.nobs),
        "df_model": float(res.df_model),
        "df_resid": float(res.df_resid),
        "llf": float(res.llf),
        "aic": float(res.aic),
        "bic": float(res.bic),
    }


def formula(response, predictors, categorical, intercept):
    terms = ["C(%s)" % p if p in categorical else p for p in predictors]
    f = response + " ~ " + " + ".join(terms)
    if not intercept:
        f += " - 1"
    return f


def fit_logit(name, df, csv, response, predictors, categorical=(), intercept=True):
    f = formula(response, predictors, categorical, intercept)
    res = smf.logit(f, df).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    assert res.mle_retvals["converged"], name
    ci = np.asarray(res.conf_int())
    out = common(res, csv, response, predictors, list(categorical), intercept)
    out.update({
        "model": "logistic",
        "formula": f,
        "names": [rename(n) for n in res.params.index],
        "params": floats(res.params),
        "bse": floats(res.bse),
        "zvalues": floats(res.tvalues),
        "pvalues": floats(res.pvalues),
        "conf_int_low": floats(ci[:, 0]),
        "conf_int_high": floats(ci[:, 1]),
        "odds_ratios": floats(np.exp(res.params)),
        "llnull": float(res.llnull),
        "deviance": float(-2 * res.llf),
        "null_deviance": float(-2 * res.llnull),
        "prsquared": float(res.prsquared),
        "llr": float(res.llr),
        "llr_pvalue": float(res.llr_pvalue),
        "fitted_first": floats(res.predict()[:5]),
    })
    dump(name, out)


def fit_mnlogit(name, df, csv, response, predictors):
    f = formula(response, predictors, (), True)
    res = smf.mnlogit(f, df).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    assert res.mle_retvals["converged"], name
    classes = sorted(df[response].unique())
    out = common(res, csv, response, predictors, [], True)
    params = np.asarray(res.params)  # p × (K−1)
    bse = np.asarray(res.bse)
    out.update({
        "model": "multinomial",
        "formula": f,
        "classes": [fmt(c) for c in classes],
        "names": [rename(n) for n in res.params.index],
        # One list per non-reference class, in class order.
        "params": [floats(params[:, k]) for k in range(params.shape[1])],
        "bse": [floats(bse[:, k]) for k in range(bse.shape[1])],
        "llnull": float(res.llnull),
        "prsquared": float(res.prsquared),
        "llr": float(res.llr),
        "llr_pvalue": float(res.llr_pvalue),
    })
    dump(name, out)


def fit_ols(name, df, csv, response, predictors, categorical=(), intercept=True, new=None):
    f = formula(response, predictors, categorical, intercept)
    res = smf.ols(f, df).fit()
    ci = np.asarray(res.conf_int())
    out = common(res, csv, response, predictors, list(categorical), intercept)
    out.update({
        "model": "linear",
        "formula": f,
        "names": [rename(n) for n in res.params.index],
        "params": floats(res.params),
        "bse": floats(res.bse),
        "tvalues": floats(res.tvalues),
        "pvalues": floats(res.pvalues),
        "conf_int_low": floats(ci[:, 0]),
        "conf_int_high": floats(ci[:, 1]),
        "ssr": float(res.ssr),
        "scale": float(res.scale),
        "rsquared": float(res.rsquared),
        "rsquared_adj": float(res.rsquared_adj),
        "fvalue": float(res.fvalue),
        "f_pvalue": float(res.f_pvalue),
        "durbin_watson": float(durbin_watson(res.resid)),
        "resid_first": floats(np.asarray(res.resid)[:5]),
    })
    if new is not None:
        newcsv = write_csv(name + "_new.csv", new)
        sf = res.get_prediction(new).summary_frame(alpha=0.05)
        out["predict"] = {
            "data": newcsv,
            "mean": floats(sf["mean"]),
            "mean_se": floats(sf["mean_se"]),
            "mean_ci_lower": floats(sf["mean_ci_lower"]),
            "mean_ci_upper": floats(sf["mean_ci_upper"]),
            "obs_ci_lower": floats(sf["obs_ci_lower"]),
            "obs_ci_upper": floats(sf["obs_ci_upper"]),
            "exact_mean_se": exact_mean_se(df, response, predictors, new),
        }
    dump(name, out)


def exact_mean_se(df, response, predictors, new):
    """Standard errors of the predicted means in exact rational arithmetic.

    statsmodels computes x₀ᵀ(XᵀX)⁻¹x₀ through a pseudo-inverse in floating
    point, which on Longley (condition number about 5·10⁹ before scaling)
    is good to only about 9 digits; these exact values let the Go test hold
    its own predictions to a tighter tolerance.
    """
    X = [[Fraction(1)] + [Fraction(repr(float(r[c]))) for c in predictors] for _, r in df.iterrows()]
    y = [Fraction(repr(float(v))) for v in df[response]]
    n, p = len(X), len(X[0])
    a = [[sum(X[i][j] * X[i][k] for i in range(n)) for k in range(p)] + [Fraction(int(j == k)) for k in range(p)]
         for j in range(p)]
    for c in range(p):
        piv = next(r for r in range(c, p) if a[r][c] != 0)
        a[c], a[piv] = a[piv], a[c]
        f = a[c][c]
        a[c] = [v / f for v in a[c]]
        for r in range(p):
            if r != c and a[r][c] != 0:
                g = a[r][c]
                a[r] = [u - g * v for u, v in zip(a[r], a[c])]
    inv = [row[p:] for row in a]
    xty = [sum(X[i][j] * y[i] for i in range(n)) for j in range(p)]
    beta = [sum(inv[j][k] * xty[k] for k in range(p)) for j in range(p)]
    rss = sum((y[i] - sum(X[i][j] * beta[j] for j in range(p))) ** 2 for i in range(n))
    s2 = rss / (n - p)
    out = []
    for _, r in new.iterrows():
        x0 = [Fraction(1)] + [Fraction(repr(float(r[c]))) for c in predictors]
        q = sum(x0[j] * inv[j][k] * x0[k] for j in range(p) for k in range(p))
        out.append(float(s2 * q) ** 0.5)
    return out


def dump(name, obj):
    os.makedirs(FIX, exist_ok=True)
    with open(os.path.join(FIX, name + ".json"), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    print("wrote fixtures/%s.json" % name)


def main():
    # Spector & Mazzeo: the classic small logit example.
    sp = sm.datasets.spector.load_pandas().data[["GPA", "TUCE", "PSI", "GRADE"]]
    csv = write_csv("spector.csv", sp)
    fit_logit("spector_logit", sp, csv, "GRADE", ["GPA", "TUCE", "PSI"])

    # ANES 1996: binary vote, and party identification (7 classes).
    an = sm.datasets.anes96.load_pandas().data
    an = an[["vote", "PID", "logpopul", "TVnews", "selfLR", "ClinLR", "DoleLR", "age", "educ", "income", "popul"]]
    csv = write_csv("anes96.csv", an)
    fit_logit("anes96_logit", an, csv, "vote",
              ["logpopul", "TVnews", "selfLR", "ClinLR", "DoleLR", "age", "educ", "income"])
    fit_mnlogit("anes96_mnlogit", an, csv, "PID", ["logpopul", "selfLR", "age", "educ", "income"])

    # Fair's affairs data: any affair (binary), with two categorical predictors.
    fa = sm.datasets.fair.load_pandas().data.copy()
    fa["affair"] = (fa["affairs"] > 0).astype(float)
    fa = fa[["affair", "rate_marriage", "age", "yrs_married", "children", "religious", "educ",
             "occupation", "occupation_husb", "affairs"]]
    csv = write_csv("fair.csv", fa)
    fit_logit("fair_logit", fa, csv, "affair",
              ["rate_marriage", "age", "yrs_married", "children", "religious", "educ", "occupation", "occupation_husb"],
              categorical=("occupation", "occupation_husb"))
    fit_ols("fair_ols", fa, csv, "rate_marriage", ["age", "yrs_married", "children", "religious", "educ", "occupation"],
            categorical=("occupation",))

    # Longley: OLS with every statistic, predictions, and a no-intercept fit.
    lo = sm.datasets.longley.load_pandas().data
    csv = write_csv("longley.csv", lo)
    new = lo.iloc[[0, 7, 15]].drop(columns=["TOTEMP"]).copy()
    extra = new.iloc[[2]].copy()
    extra["YEAR"] = 1963.0
    extra["GNP"] = 560000.0
    new = pd.concat([new, extra])
    fit_ols("longley_ols", lo, csv, "TOTEMP", ["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"], new=new)
    fit_ols("longley_noint_ols", lo, csv, "TOTEMP", ["GNP", "POP"], intercept=False)


if __name__ == "__main__":
    sys.exit(main())
