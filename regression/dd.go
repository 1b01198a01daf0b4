package regression

import "math"

// Double-double ("compensated") arithmetic, used to compute residuals of the
// least-squares equations to about twice the working precision. Iterative
// refinement is only as good as its residuals: with them in double-double, a
// float64 QR factorisation yields solutions accurate to float64 precision even
// for the ill-conditioned NIST problems.

// twoSum returns s, e with s = fl(a+b) and a+b = s+e exactly (Knuth).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// twoProd returns p, e with p = fl(a·b) and a·b = p+e exactly, using a fused
// multiply-add.
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	e = math.FMA(a, b, -p)
	return p, e
}

// ddAcc accumulates a sum of float64 terms and exact products in
// double-double precision.
type ddAcc struct{ hi, lo float64 }

// add adds v to the accumulator.
func (d *ddAcc) add(v float64) {
	s, e := twoSum(d.hi, v)
	d.hi, d.lo = s, d.lo+e
}

// addProd adds the exact product a·b to the accumulator.
func (d *ddAcc) addProd(a, b float64) {
	p, pe := twoProd(a, b)
	s, e := twoSum(d.hi, p)
	d.hi, d.lo = s, d.lo+e+pe
}

// value rounds the accumulated sum to float64.
func (d *ddAcc) value() float64 { return d.hi + d.lo }
