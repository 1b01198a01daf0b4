package regression

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// lsq solves linear least-squares problems min ‖y − Xβ‖₂ for one design X.
//
// The method, in three steps:
//
//  1. Each column of X is scaled by a power of two (so exactly, with no
//     rounding) to have Euclidean norm in [1, 2). Scaling does not change the
//     fitted values but evens out columns of very different size, such as 1,
//     x, …, x⁵.
//  2. The scaled design is factorised by Householder QR (LAPACK's dgeqrf via
//     gonum): Xs = QR. XᵀX is never formed or inverted for the solution.
//  3. The QR solution is improved by Björck's iterative refinement of the
//     augmented system  r + Xβ = y,  Xᵀr = 0,  whose residuals are computed
//     in double-double arithmetic from the unscaled data. This removes the
//     κ²·ε·‖r‖ term that limits a plain QR solution when the residuals are
//     large (as in NIST's Wampler4 and Wampler5), so the result is accurate
//     to about machine precision whenever κ(X)·ε is well below one.
//
// The covariance factor (XᵀX)⁻¹ is obtained from R as R⁻¹R⁻ᵀ (with the column
// scaling undone) and refined the same way, against XᵀX accumulated in
// double-double.
type lsq struct {
	n, p  int
	x     []float64 // the design as given, row-major n×p
	scale []float64 // column j of the factorised matrix is x[:,j]/scale[j]
	qr    blas64.General
	tau   []float64
	work  []float64
}

// newLSQ factorises x. It does not check the rank; see dependent.
func newLSQ(x *mat.Dense) *lsq {
	n, p := x.Dims()
	l := &lsq{n: n, p: p, x: make([]float64, n*p), scale: make([]float64, p), tau: make([]float64, p)}
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			l.x[i*p+j] = x.At(i, j)
		}
	}
	a := make([]float64, n*p)
	for j := 0; j < p; j++ {
		var ss float64
		for i := 0; i < n; i++ {
			ss = math.Hypot(ss, l.x[i*p+j])
		}
		s := 1.0
		if ss > 0 && !math.IsInf(ss, 0) {
			_, e := math.Frexp(ss) // ss = f·2^e with f in [0.5, 1)
			s = math.Ldexp(1, e-1)
		}
		l.scale[j] = s
		for i := 0; i < n; i++ {
			a[i*p+j] = l.x[i*p+j] / s
		}
	}
	l.qr = blas64.General{Rows: n, Cols: p, Stride: p, Data: a}
	work := make([]float64, 1)
	lapack64.Geqrf(l.qr, l.tau, work, -1)
	lw := max(int(work[0]), n, 1)
	work = make([]float64, lw)
	lapack64.Geqrf(l.qr, l.tau, work, lw)
	l.work = work
	return l
}

// rDiag returns |R_jj| of the scaled design: the distance of scaled column j
// from the span of the columns before it, relative to its own length, which
// lies in [1, 2). A value near zero means column j is (nearly) a linear
// combination of the earlier columns.
func (l *lsq) rDiag(j int) float64 {
	nrm := 0.0
	for i := 0; i < l.n; i++ {
		nrm = math.Hypot(nrm, l.x[i*l.p+j]/l.scale[j])
	}
	if nrm == 0 {
		return 0
	}
	return math.Abs(l.qr.Data[j*l.p+j]) / nrm
}

// rankTol is the relative size of R_jj below which a column is treated as a
// linear combination of the columns before it.
func (l *lsq) rankTol() float64 {
	return 1e3 * float64(max(l.n, l.p)) * eps
}

// eps is the float64 unit roundoff.
const eps = 0x1p-52

// dependent returns the index of the first column that is numerically a
// linear combination of the columns before it, and the coefficients of that
// combination in terms of the unscaled columns; it returns -1 if the design
// has full column rank.
func (l *lsq) dependent() (int, []float64) {
	if l.n < l.p {
		// Columns beyond the n-th are always dependent; find the first one
		// that is, checking the leading n as usual.
		for j := 0; j < l.n; j++ {
			if l.rDiag(j) <= l.rankTol() {
				return j, l.combination(j)
			}
		}
		return l.n, l.combination(l.n)
	}
	for j := 0; j < l.p; j++ {
		if l.rDiag(j) <= l.rankTol() {
			return j, l.combination(j)
		}
	}
	return -1, nil
}

// combination expresses column j through columns 0..j-1: it solves
// R[:j,:j]·c = R[:j,j] and undoes the scaling.
func (l *lsq) combination(j int) []float64 {
	c := make([]float64, j)
	for i := 0; i < j; i++ {
		c[i] = l.qr.Data[i*l.p+j]
	}
	l.triSolve(c, false, j)
	for i := range c {
		c[i] = c[i] * l.scale[j] / l.scale[i]
	}
	return c
}

// triSolve solves R[:k,:k]·z = v (trans false) or R[:k,:k]ᵀ·z = v in place.
func (l *lsq) triSolve(v []float64, trans bool, k int) {
	t := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: k, Stride: l.p, Data: l.qr.Data}
	tr := blas.NoTrans
	if trans {
		tr = blas.Trans
	}
	blas64.Trsv(tr, t, blas64.Vector{N: k, Inc: 1, Data: v})
}

// applyQ overwrites v (length n) with Qv, or Qᵀv if trans.
func (l *lsq) applyQ(v []float64, trans bool) {
	tr := blas.NoTrans
	if trans {
		tr = blas.Trans
	}
	c := blas64.General{Rows: l.n, Cols: 1, Stride: 1, Data: v}
	lapack64.Ormqr(blas.Left, tr, l.qr, l.tau, c, l.work, len(l.work))
}

// correction solves the augmented system  δr + Xδβ = f,  Xᵀδr = g  with the
// QR factors, overwriting f with δr and returning δβ.
func (l *lsq) correction(f, g []float64) []float64 {
	p := l.p
	// Rᵀh = S⁻¹g
	h := make([]float64, p)
	for j := range h {
		h[j] = g[j] / l.scale[j]
	}
	l.triSolve(h, true, p)
	// d = Qᵀf
	l.applyQ(f, true)
	db := make([]float64, p)
	for j := 0; j < p; j++ {
		db[j] = f[j] - h[j]
		f[j] = h[j]
	}
	l.triSolve(db, false, p)
	for j := range db {
		db[j] /= l.scale[j]
	}
	l.applyQ(f, false)
	return db
}

// maxRefine bounds the refinement sweeps; each normally gains about
// −log10(κ·ε) digits, so a handful suffice. Tests set it to 0 to measure
// the plain QR solution.
var maxRefine = 10

// solve returns the least-squares coefficients for response y, the residuals
// y − Xβ (computed in double-double and rounded), and the number of
// refinement sweeps used.
func (l *lsq) solve(y []float64) (beta, resid []float64, sweeps int) {
	n, p := l.n, l.p
	r := make([]float64, n)
	beta = make([]float64, p)
	f := make([]float64, n)
	g := make([]float64, p)
	// Start from β = 0, r = 0: the first correction is the plain QR solution.
	copy(f, y)
	db := l.correction(f, g)
	copy(r, f)
	copy(beta, db)
	prev := math.Inf(1)
	for sweeps = 1; sweeps <= maxRefine; sweeps++ {
		// f = y − r − Xβ and g = −Xᵀr, in double-double.
		for i := 0; i < n; i++ {
			var acc ddAcc
			acc.add(y[i])
			acc.add(-r[i])
			row := l.x[i*p : (i+1)*p]
			for j, v := range row {
				acc.addProd(-v, beta[j])
			}
			f[i] = acc.value()
		}
		for j := 0; j < p; j++ {
			var acc ddAcc
			for i := 0; i < n; i++ {
				acc.addProd(-l.x[i*p+j], r[i])
			}
			g[j] = acc.value()
		}
		db := l.correction(f, g)
		size := 0.0
		for j := range beta {
			beta[j] += db[j]
			if beta[j] != 0 {
				size = math.Max(size, math.Abs(db[j]/beta[j]))
			} else {
				size = math.Max(size, math.Abs(db[j]))
			}
		}
		for i := range r {
			r[i] += f[i]
		}
		if size <= 2*eps || size >= prev/2 {
			break
		}
		prev = size
	}
	resid = make([]float64, n)
	for i := 0; i < n; i++ {
		var acc ddAcc
		acc.add(y[i])
		row := l.x[i*p : (i+1)*p]
		for j, v := range row {
			acc.addProd(-v, beta[j])
		}
		resid[i] = acc.value()
	}
	return beta, resid, sweeps
}

// unscaledCov returns (XᵀX)⁻¹ as a p×p row-major matrix: R⁻¹R⁻ᵀ with the
// scaling undone, then refined against XᵀX accumulated in double-double.
func (l *lsq) unscaledCov() []float64 {
	p := l.p
	// Rinv = R⁻¹ (upper triangular).
	rinv := make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			rinv[i*p+j] = l.qr.Data[i*p+j]
		}
	}
	lapack64.Trtri(blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Stride: p, Data: rinv})
	c := make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			var acc ddAcc
			for k := j; k < p; k++ {
				acc.addProd(rinv[i*p+k], rinv[j*p+k])
			}
			v := acc.value() / (l.scale[i] * l.scale[j])
			c[i*p+j], c[j*p+i] = v, v
		}
	}
	// G = XᵀX in double-double (hi, lo).
	ghi := make([]float64, p*p)
	glo := make([]float64, p*p)
	for j := 0; j < p; j++ {
		for k := j; k < p; k++ {
			var acc ddAcc
			for i := 0; i < l.n; i++ {
				acc.addProd(l.x[i*p+j], l.x[i*p+k])
			}
			hi, lo := twoSum(acc.hi, acc.lo)
			ghi[j*p+k], ghi[k*p+j] = hi, hi
			glo[j*p+k], glo[k*p+j] = lo, lo
		}
	}
	e := make([]float64, p*p)
	col := make([]float64, p)
	prev := math.Inf(1)
	for sweep := 0; sweep < maxRefine; sweep++ {
		// E = I − G·C
		for i := 0; i < p; i++ {
			for j := 0; j < p; j++ {
				var acc ddAcc
				if i == j {
					acc.add(1)
				}
				for k := 0; k < p; k++ {
					acc.addProd(-ghi[i*p+k], c[k*p+j])
					acc.addProd(-glo[i*p+k], c[k*p+j])
				}
				e[i*p+j] = acc.value()
			}
		}
		// C += (XᵀX)⁻¹·E, column by column, with the factors:
		// (XᵀX)⁻¹ = S⁻¹R⁻¹R⁻ᵀS⁻¹.
		size := 0.0
		for j := 0; j < p; j++ {
			for i := 0; i < p; i++ {
				col[i] = e[i*p+j] / l.scale[i]
			}
			l.triSolve(col, true, p)
			l.triSolve(col, false, p)
			for i := 0; i < p; i++ {
				d := col[i] / l.scale[i]
				c[i*p+j] += d
				if ref := math.Abs(c[i*p+j]); ref > 0 {
					size = math.Max(size, math.Abs(d)/ref)
				}
			}
		}
		// Keep C exactly symmetric.
		for i := 0; i < p; i++ {
			for j := i + 1; j < p; j++ {
				v := (c[i*p+j] + c[j*p+i]) / 2
				c[i*p+j], c[j*p+i] = v, v
			}
		}
		if size <= 2*eps || size >= prev/2 {
			break
		}
		prev = size
	}
	return c
}

// normalSolve returns (XᵀX)⁻¹g using the factors: S⁻¹R⁻¹R⁻ᵀS⁻¹g. It is a
// Newton step when X carries the square-root weights of a likelihood's
// information matrix and g is the score.
func (l *lsq) normalSolve(g []float64) []float64 {
	v := make([]float64, l.p)
	for j := range v {
		v[j] = g[j] / l.scale[j]
	}
	l.triSolve(v, true, l.p)
	l.triSolve(v, false, l.p)
	for j := range v {
		v[j] /= l.scale[j]
	}
	return v
}
