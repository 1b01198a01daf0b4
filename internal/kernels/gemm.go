package kernels

//go:generate go run ./asmgen -out sgemm_amd64.s

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in float32, where op(X) is X
// or its transpose as transA and transB say. All matrices are row-major:
// op(A) is m×k, op(B) is k×n and C is m×n; lda, ldb and ldc are the leading
// dimensions (row strides) of A, B and C as stored. When beta is zero, C is
// not read, so it may hold NaN or garbage.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on the calling goroutine alone, for callers that
// already split their work across the threads (each worker's GEMM on its
// own rows).
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if !Blocked(m, n, k) {
		sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	sgemmBlocked(defaultKernel.choose(m, n), 1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmBias is Sgemm that also adds bias (n numbers) to every row of C:
// C = alpha·op(A)·op(B) + beta·C + bias, as a linear layer's forward pass
// does. The bias is added to each tile of C as the tile is finished,
// while it is still in cache, rather than in a pass of its own over C;
// the result is the same, to the bit, as Sgemm followed by adding the
// bias.
func SgemmBias(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if len(bias) < n {
		panic(fmt.Sprintf("kernels: gemm bias has %d elements for %d columns", len(bias), n))
	}
	if m == 0 || n == 0 {
		return
	}
	sgemmBias(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias[:n], false)
}

// SgemmBiasReLU is SgemmBias followed by ReLU on C (kernels.ReLU, to
// the bits), applied to each tile of C as it is finished; bias may be
// nil. A linear layer and the ReLU after it, in training, run so.
func SgemmBiasReLU(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, bias, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	bias = gemmBias(bias, n)
	if m == 0 || n == 0 {
		return
	}
	sgemmBias(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, true)
}

// gemmBias returns a GEMM's bias for n columns, bias[:n], or nil for
// none; it panics when bias has fewer than n numbers.
func gemmBias(bias []float32, n int) []float32 {
	if bias == nil {
		return nil
	}
	if len(bias) < n {
		panic(fmt.Sprintf("kernels: gemm bias has %d elements for %d columns", len(bias), n))
	}
	return bias[:n]
}

// biasReLURows adds bias (n numbers, or nil) to every row of the m×n C
// and, with relu, applies ReLU to it (BiasReLUTile).
func biasReLURows(c []float32, m, n, ldc int, bias []float32, relu bool) {
	if bias != nil || relu {
		BiasReLUTile(c, ldc, m, n, bias, relu)
	}
}

// Dgemm is Sgemm in float64. It uses gonum's BLAS: statistics and gradient
// checks need accuracy more than speed.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleRows(c, m, n, ldc, beta)
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleRows sets C = beta·C for an m×n matrix (C = 0 when beta is 0, even
// where C held NaN).
func scaleRows[T float32 | float64](c []T, m, n, ldc int, beta T) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// checkGemm panics with a message naming the problem when the dimensions,
// leading dimensions or slice lengths of a GEMM call do not fit together.
func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: negative gemm dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	check := func(name string, rows, cols, ld, length int) {
		if ld < max(cols, 1) {
			panic(fmt.Sprintf("kernels: gemm %s has %d columns but leading dimension %d", name, cols, ld))
		}
		if rows > 0 && cols > 0 && length < (rows-1)*ld+cols {
			panic(fmt.Sprintf("kernels: gemm %s is %d×%d with leading dimension %d and needs %d elements, has %d", name, rows, cols, ld, (rows-1)*ld+cols, length))
		}
	}
	check("A", ar, ac, lda, la)
	check("B", br, bc, ldb, lb)
	check("C", m, n, ldc, lc)
}
