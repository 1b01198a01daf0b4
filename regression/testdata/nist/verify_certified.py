#!/usr/bin/python3
"""Check the transcribed NIST StRD data against the transcribed certified values.

For every data set in this folder the least-squares problem is solved in exact
rational arithmetic (fractions.Fraction, from the decimal text of each cell),
and the exact coefficients, their standard deviations, the residual standard
deviation and R² are compared with certified.json. NIST's certified values are
given to 15 significant digits, so every one must agree to within rounding of
that many digits. A typo in a data cell or a certified value shows up here as
a disagreement.

Run from anywhere:  /usr/bin/python3 regression/testdata/nist/verify_certified.py
Uses only the Python standard library.
"""
import csv
import json
import os
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
getcontext().prec = 50


def solve_exact(a, b):
    """Gauss-Jordan elimination in Fractions; returns the inverse of a and a⁻¹b."""
    n = len(a)
    m = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(a)]
    for c in range(n):
        piv = next(r for r in range(c, n) if m[r][c] != 0)
        m[c], m[piv] = m[piv], m[c]
        f = m[c][c]
        m[c] = [v / f for v in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0:
                g = m[r][c]
                m[r] = [vr - g * vc for vr, vc in zip(m[r], m[c])]
    inv = [row[n:] for row in m]
    x = [sum(inv[i][j] * b[j] for j in range(n)) for i in range(n)]
    return inv, x


def sqrt_fraction(q):
    return Decimal(q.numerator).sqrt() / Decimal(q.denominator).sqrt() if q.denominator != 1 else Decimal(q.numerator).sqrt()


def to_dec(q):
    return Decimal(q.numerator) / Decimal(q.denominator)


def agrees(exact, certified_text):
    cert = Decimal(certified_text)
    if cert == 0:
        return abs(exact) == 0
    digits = 15
    rel = abs((exact - cert) / cert)
    return rel <= Decimal(10) ** (-(digits - 1))


def main():
    cert = json.load(open(os.path.join(HERE, "certified.json")))
    bad = 0
    for name, c in cert.items():
        with open(os.path.join(HERE, name + ".csv")) as f:
            rows = list(csv.reader(f))
        header, rows = rows[0], rows[1:]
        y = [Fraction(r[0]) for r in rows]
        xs = [[Fraction(v) for v in r[1:]] for r in rows]
        design = []
        for r in xs:
            row = [Fraction(1)] if c["intercept"] else []
            if c["degree"] > 1:
                row += [r[0] ** k for k in range(1, c["degree"] + 1)]
            else:
                row += r
            design.append(row)
        n, p = len(design), len(design[0])
        xtx = [[sum(design[i][j] * design[i][k] for i in range(n)) for k in range(p)] for j in range(p)]
        xty = [sum(design[i][j] * y[i] for i in range(n)) for j in range(p)]
        inv, beta = solve_exact(xtx, xty)
        res = [y[i] - sum(design[i][j] * beta[j] for j in range(p)) for i in range(n)]
        rss = sum(r * r for r in res)
        s2 = rss / (n - p)
        if c["intercept"]:
            ybar = sum(y) / n
            tss = sum((v - ybar) ** 2 for v in y)
        else:
            tss = sum(v * v for v in y)
        r2 = 1 - rss / tss
        checks = []
        for j in range(p):
            checks.append(("beta[%d]" % j, to_dec(beta[j]), c["beta"][j]))
            checks.append(("sd[%d]" % j, sqrt_fraction(s2 * inv[j][j]), c["sd"][j]))
        checks.append(("residual_sd", sqrt_fraction(s2), c["residual_sd"]))
        checks.append(("r_squared", to_dec(r2), c["r_squared"]))
        ok = True
        for what, exact, text in checks:
            if not agrees(exact, text):
                ok = False
                bad += 1
                print("%-9s %-12s exact %.20g certified %s" % (name, what, exact, text))
        print("%-9s n=%-3d p=%d %s" % (name, n, p, "agrees" if ok else "DISAGREES"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
