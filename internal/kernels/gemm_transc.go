package kernels

// A linear layer's forward pass in training is C = X·Wᵀ (+ bias): a
// batch X of m rows, a weight W of n rows, both k wide. With a small
// batch and a wide layer (the MLP's 64 by 784→256) the blocked GEMM
// spends its copying on W: op(B) = Wᵀ must be packed, transposed, at
// every call (the weight changed since the last step), n·k numbers to
// be used by only m/MR tiles of rows. The same product transposed,
// Cᵀ = W·Xᵀ, reads W where it lies, as the left-hand operand (which a
// kernel broadcasts from by rows), and packs Xᵀ instead, m·k numbers.
// Each worker computes its rows of Cᵀ (rows of W, the part of the
// weight the optimizer's update gives it too) into scratch and writes
// them into C transposed, 16 at a time, adding the bias.
//
// Every element of C is the same sum, of the same products in the same
// order, blocked at the same depths when the two products choose kernels
// of the same kc (transposesC checks): C gets the bits that the direct
// product gives (TestTransCSameBits).

// transposesC reports whether Sgemm computes the m×n×k product
// A·Bᵀ (beta 0) as its transpose: when the weight B has several times
// more rows than the batch A, and the transposed product blocks the
// depth k as the direct one does.
func transposesC(m, n, k int) bool {
	if n < 2*m || m < 16 || m*n*k < parallelGemmWork {
		return false
	}
	direct, trans := defaultKernel.choose(m, n), defaultKernel.choose(n, m)
	return blockSize(k, direct.kc, 1) == blockSize(k, trans.kc, 1)
}

// sgemmTransC computes C = alpha·A·Bᵀ + bias (bias n numbers, or nil),
// then with relu ReLU(C), for an m×k A and an n×k B, as Cᵀ = alpha·B·Aᵀ
// on at most threads workers.
func sgemmTransC(threads, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, bias []float32, relu bool) {
	j := gemmJob{
		kern: defaultKernel.choose(n, m), transB: true, m: n, n: m, k: k,
		alpha: alpha, a: b, lda: ldb, b: a, ldb: lda, c: c, ldc: ldc, bias: bias, relu: relu, transC: true,
	}
	// plan splits the rows of Cᵀ (columns of C, whole), which
	// computeTransC needs: they cover at least n ≥ 2m numbers, more than
	// the tiles of Cᵀ's m columns, which the chosen kernel's width (less
	// than 2m, or at most m for several tiles) rounds up to fewer than 2m.
	j.plan(threads)
	j.run()
}

// computeTransC computes rows [m0, m1) of Cᵀ into the worker's scratch
// and writes them, transposed, into columns [m0, m1) of C with the bias
// (and ReLU) applied.
func (j *gemmJob) computeTransC(buf *gemmBuf, m0, m1 int) {
	rows, cols := m1-m0, j.n // of Cᵀ
	buf.ct = growAligned(buf.ct, rows*cols)
	t := *j
	t.transC, t.bias, t.relu = false, nil, false
	t.a = j.a[m0*j.lda:] // rows m0.. of A; m0 is a multiple of MR, so the tiles are the whole product's
	t.m = rows
	t.c, t.ldc = buf.ct, cols
	t.compute(buf, 0, rows, 0, cols)
	transposeInto(j.c[m0:], j.ldc, buf.ct, cols, rows, cols, &buf.ptrs)
	var bias []float32
	if j.bias != nil {
		bias = j.bias[m0:m1]
	}
	if bias != nil || j.relu {
		BiasReLUTile(j.c[m0:], j.ldc, cols, rows, bias, j.relu)
	}
}

// transposeInto writes the rows×cols matrix src (leading dimension lds)
// transposed into dst (leading dimension ldd): dst[c·ldd + r] =
// src[r·lds + c].
func transposeInto(dst []float32, ldd int, src []float32, lds, rows, cols int, ptrs *[16]*float32) {
	if rows == 0 || cols == 0 {
		return
	}
	_ = dst[(cols-1)*ldd+rows-1]
	_ = src[(rows-1)*lds+cols-1]
	r := 0
	if useAVX512 && ldd >= 16 {
		for ; r+16 <= rows; r += 16 {
			for i := range ptrs {
				ptrs[i] = &src[(r+i)*lds]
			}
			packTrans16AVX512(&dst[r], ldd, ptrs, cols)
		}
	}
	for ; r < rows; r++ {
		s := src[r*lds : r*lds+cols]
		for c, v := range s {
			dst[c*ldd+r] = v
		}
	}
}
