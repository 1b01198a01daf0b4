package kernels

// sgemmSmall is the straightforward float32 GEMM: it scales C by beta, then
// adds alpha·op(A)·op(B) one row of C at a time, in the loop order that walks
// memory contiguously for each combination of transposes. It needs no
// packing buffers, so it wins on problems too small for the blocked path to
// pay for its setup (see smallGemmWork).
func sgemmSmall(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	scaleRows(c, m, n, ldc, beta)
	if k == 0 || alpha == 0 {
		return
	}
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if transB {
			for j := range ci {
				bj := b[j*ldb : j*ldb+k]
				var s float32
				if transA {
					for p, bv := range bj {
						s += a[p*lda+i] * bv
					}
				} else {
					ai := a[i*lda : i*lda+k]
					for p, bv := range bj {
						s += ai[p] * bv
					}
				}
				ci[j] += alpha * s
			}
			continue
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			bp := b[p*ldb : p*ldb+n]
			for j, bv := range bp {
				ci[j] += av * bv
			}
		}
	}
}
