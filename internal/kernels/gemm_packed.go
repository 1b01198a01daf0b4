package kernels

// PackedB is the right-hand operand op(B) of a GEMM packed once, in the
// order the micro-kernels read it, for many products with different
// left-hand operands: a recurrent layer multiplies its W_hh at every time
// step, and packing it each time cost about a tenth of an LSTM's
// training step. The zero value is ready to Pack into; its memory is
// kept and reused by later Packs.
type PackedB struct {
	kern     *microKernel
	n, k, kc int
	data     []float32
	buf      gemmBuf // Pack's scratch (the transposing packer's row pointers)
}

// Pack packs op(B), k×n (B is n×k when transB), for products whose
// left-hand operand has about m rows (m chooses the micro-kernel, as
// Sgemm would). It keeps no reference to b: changing b afterwards does
// not change p.
func (p *PackedB) Pack(transB bool, n, k int, b []float32, ldb, m int) {
	checkGemm(false, transB, 1, n, k, k, max(k, 1), len(b), ldb, n, max(n, 1))
	kern := defaultKernel.choose(max(m, 1), n)
	p.kern, p.n, p.k = kern, n, k
	p.kc = blockSize(max(k, 1), kern.kc, 1)
	NR := kern.nr
	panels := (n + NR - 1) / NR
	p.data = growAligned(p.data, panels*NR*k)
	j := gemmJob{kern: kern, transB: transB, b: b, ldb: ldb}
	for pc := 0; pc < k; pc += p.kc {
		kcur := min(p.kc, k-pc)
		block := p.data[pc*panels*NR:]
		for jr := 0; jr < n; jr += NR {
			j.packBPanel(block[jr*kcur:], &p.buf, jr, min(NR, n-jr), pc, kcur)
		}
	}
}

// SgemmPackedSerial computes C = alpha·A·op(B) + beta·C on the calling
// goroutine alone, for an m×k A (not transposed, leading dimension lda)
// and the op(B) that p holds. It gives the same C as SgemmSerial on the
// unpacked operands when m chooses the same micro-kernel as Pack's m.
func SgemmPackedSerial(m int, alpha float32, a []float32, lda int, p *PackedB, beta float32, c []float32, ldc int) {
	if p.kern == nil {
		panic("kernels: SgemmPackedSerial with a PackedB that was never packed")
	}
	n, k := p.n, p.k
	checkGemm(false, false, m, n, k, len(a), lda, n*k, max(n, 1), len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleRows(c, m, n, ldc, beta)
		return
	}
	j := gemmJob{
		kern: p.kern, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, c: c, ldc: ldc, pre: p, parts: 1,
	}
	j.packA = n > 2*p.kern.nr
	buf := getGemmBuf()
	j.compute(buf, 0, m, 0, n)
	putGemmBuf(buf)
}

// Fits reports whether p was packed for the micro-kernel that a product
// with m rows runs (Sgemm's choice): then SgemmPackedBias on p gives the
// bits of SgemmBias on the unpacked operands.
func (p *PackedB) Fits(m int) bool {
	return p.kern != nil && p.kern == defaultKernel.choose(max(m, 1), p.n)
}

// SgemmPackedBias computes C = A·op(B) + bias (bias added to every row,
// nil for none) on the kernels' workers, for an m×k A (not transposed,
// leading dimension lda) and the op(B) that p holds: the product of
// SgemmBias(false, …, alpha 1, beta 0) with B packed once instead of at
// every call. With relu, ReLU follows, applied to each tile as it is
// finished (as ReLU would, after). When p fits m (Fits) the result is
// SgemmBias's (and ReLU's), bit for bit: the same panels, kernel and
// order of operations, only the workers split C by rows.
func SgemmPackedBias(m int, a []float32, lda int, p *PackedB, bias []float32, relu bool, c []float32, ldc int) {
	if p.kern == nil {
		panic("kernels: SgemmPackedBias with a PackedB that was never packed")
	}
	n, k := p.n, p.k
	checkGemm(false, false, m, n, k, len(a), lda, n*k, max(n, 1), len(c), ldc)
	bias = gemmBias(bias, n)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleRows(c, m, n, ldc, 0)
		biasReLURows(c, m, n, ldc, bias, relu)
		return
	}
	j := gemmJob{kern: p.kern, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, c: c, ldc: ldc, pre: p, bias: bias, relu: relu}
	threads := Threads() // read once: it can change meanwhile (Shares)
	j.plan(threads)
	j.splitM, j.packB = true, false // p holds every column, for any rows
	if j.parts > 1 {                // plan chose to split; split the rows among every worker
		j.parts = min(threads, (m+p.kern.mr-1)/p.kern.mr)
	}
	// With B packed beforehand, reading A where it lies beat packing it
	// for the MLP's layers (n = 256, 128, 10): 4% at a batch of 1000 and
	// 12% at 64 (baeum bench --child mlp:infer:B, four interleaved runs).
	// Only a much wider C, reusing each A panel for many B panels, might
	// repay the copy.
	j.packA = n > 16*p.kern.nr
	j.run()
}

// Blocked reports whether Sgemm computes an m×n×k product with the
// blocked algorithm, whose packed operands PackedB stands for, rather
// than with plain loops.
func Blocked(m, n, k int) bool { return m*n*k >= smallGemmWork }
