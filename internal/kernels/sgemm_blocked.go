package kernels

import (
	"sync/atomic"
	"unsafe"
)

// The blocked SGEMM follows GotoBLAS/BLIS. C is computed in register tiles
// of MR×NR by a micro-kernel (microkernel.go, sgemm_amd64.s) that runs a
// rank-1 update per step of k. Around it, five loops keep the operands in
// cache:
//
//	for jc in blocks of nc columns of C:          B block → L3
//	  for pc in blocks of kc of the depth k:      (C += A[:,pc]·B[pc,:])
//	    pack B[pc:pc+kc, jc:jc+nc] into NR-wide micro-panels
//	    for ic in blocks of mc rows of C:         A block → L2
//	      pack A[ic:ic+mc, pc:pc+kc] into MR-tall micro-panels
//	      for jr in micro-panels of B:            B micro-panel → L1
//	        for ir in micro-panels of A:
//	          micro-kernel: C[ir, jr] (MR×NR) += A panel · B panel
//
// Packing copies each panel into the exact order the micro-kernel reads it,
// contiguous and aligned, so transposes and leading dimensions cost nothing
// inside the hot loop. The kernels also read A and not-transposed B where
// they lie, through strides: packing is skipped when an operand is used too
// few times to repay the copy (see planPacking).
//
// Large problems are split into disjoint blocks of rows or columns of C, one
// per worker, aligned to MR or NR; each worker packs what it needs into its
// own buffers. Every element of C is computed by one worker with the same
// sequence of operations whatever the split, so results depend neither on
// scheduling nor on the number of workers.

// sgemmKernels lists the micro-kernels this machine can run, the portable
// one first. Tests run every one of them.
var sgemmKernels = []*microKernel{kernelGo}

// defaultKernel is the micro-kernel Sgemm uses: the fastest in sgemmKernels.
var defaultKernel = kernelGo

// Tuning thresholds, chosen by measurement: BenchmarkSgemmTiny and
// BenchmarkSgemmSplit in gemm_bench_test.go.
var (
	// smallGemmWork is the size m·n·k below which sgemmSmall's plain loops
	// beat the packing and setup of the blocked path.
	smallGemmWork = 128

	// parallelGemmWork is the size m·n·k from which splitting a GEMM across
	// workers pays for waking them.
	parallelGemmWork = 64 * 64 * 64
)

// sgemm computes C = alpha·op(A)·op(B) + beta·C for non-empty C.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmBias(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil, false)
}

// sgemmBias is sgemm that adds bias (n numbers, or nil) to every row of
// C, then with relu applies ReLU to C: plain loops for a small product,
// else the blocked algorithm on every thread, transposed where that
// reads the weight in place (transposesC; with alpha 0 no product reads
// its operands). The blocked products add the bias and apply the ReLU
// to each tile as they finish it (BiasReLUTile).
func sgemmBias(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, bias []float32, relu bool) {
	switch {
	case !Blocked(m, n, k):
		sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		biasReLURows(c, m, n, ldc, bias, relu)
	case beta == 0 && alpha != 0 && !transA && transB && transposesC(m, n, k):
		sgemmTransC(Threads(), m, n, k, alpha, a, lda, b, ldb, c, ldc, bias, relu)
	default:
		sgemmBlockedBias(defaultKernel.choose(m, n), Threads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu)
	}
}

// choose returns the kernel of k's family that suits an m×n C: the short
// one for few rows, and the narrowest one as wide as n.
//
// A C no wider than the narrowest tall kernel (14×16 on AVX-512) takes
// that kernel from two of its tiles of rows on, however few rows it has:
// the short family's narrowest (6×16) has six accumulators, too few to
// hide the FMA's latency. On one core, 150×16 by 100 (the transposed
// weight gradient of LeNet-5's C3) took 2.8 µs against 3.4, and 64×16
// 1.5 against 1.7; at 20 rows 14×16 was 8% faster at 16 columns and even
// at 10, and at 12 rows 6×16 was faster (0.42 µs against 0.53). The two
// give the same bits (same kc, one accumulator an element), so the
// choice is free to follow the row count: TestNarrowKernelsAgree.
func (k *microKernel) choose(m, n int) *microKernel {
	tall := k
	for tall.narrow != nil && n <= tall.nr/2 {
		tall = tall.narrow
	}
	if k.short == nil || m > k.shortRows || (tall.narrow == nil && n <= tall.nr && m >= 2*tall.mr) {
		return tall
	}
	k = k.short
	for k.narrow != nil && n <= k.nr/2 {
		k = k.narrow
	}
	return k
}

// SameBitsRows reports whether a product of part rows computes each of
// its rows to the same bits as a product of whole rows does, with the
// same other operands: whether the two choose kernels of one family,
// whose depth blocks (kc) are the same. The short family (6×64 and 6×32,
// kc 160) runs products of at most shortRows rows and the tall one
// (14×32, kc 256) larger ones; for a depth over 160 the two sum a dot
// product in other blocks, so a batch split into shares of at most
// shortRows rows can differ from the whole batch in the last bits. The
// narrowest tiles of the two families already agree (see choose).
func SameBitsRows(whole, part int) bool {
	k := defaultKernel
	return k.short == nil || (whole > k.shortRows) == (part > k.shortRows)
}

// gemmJob is one blocked SGEMM: its operands, plan and split. Jobs are
// recycled so that a call allocates nothing.
type gemmJob struct {
	kern           *microKernel
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	packA, packB bool
	pre          *PackedB // op(B) packed beforehand (SgemmPackedSerial), or nil
	// transC: the job computes Cᵀ = B·Aᵀ of the product C = A·Bᵀ that
	// c (ldc) holds, each worker its rows of Cᵀ into scratch, which it
	// then writes transposed into c (see sgemmTransC); bias and relu
	// apply to c's columns, Cᵀ's rows.
	transC bool
	// bias, when not nil, is added to every row of C as each tile is
	// finished, while it is still in cache (SgemmBias); relu then sets
	// the tile's negative numbers to zero (SgemmPackedBias).
	bias   []float32
	relu   bool
	splitM bool // workers own blocks of rows (else of columns)
	parts  int  // number of workers
}

var gemmJobs = make(chan *gemmJob, 16)

// sgemmBlocked runs the blocked algorithm with kernel kern (and its narrow
// siblings for the last columns) on at most threads workers.
func sgemmBlocked(kern *microKernel, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmBlockedBias(kern, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil, false)
}

// sgemmBlockedBias is sgemmBlocked that adds bias (n, or nil) to every
// row of C, and with relu applies ReLU, as its tiles are finished.
func sgemmBlockedBias(kern *microKernel, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, bias []float32, relu bool) {
	if k == 0 || alpha == 0 {
		scaleRows(c, m, n, ldc, beta)
		biasReLURows(c, m, n, ldc, bias, relu)
		return
	}
	j := gemmJob{
		kern: kern, transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, bias: bias, relu: relu,
	}
	j.plan(threads)
	j.run()
}

// run computes the planned job j on its j.parts workers.
func (j gemmJob) run() {
	if j.parts == 1 {
		j.runChunk(0)
		return
	}
	runPooled(gemmJobs, j, j.parts)
}

// plan chooses what to pack and how to split the work.
func (j *gemmJob) plan(threads int) {
	kern := j.kern
	mPanels := (j.m + kern.mr - 1) / kern.mr
	nPanels := (j.n + kern.nr - 1) / kern.nr
	j.parts = 1
	if threads > 1 && j.m*j.n*j.k >= parallelGemmWork {
		// Split the larger dimension (counted in whole tiles), which
		// gives the more even parts; but a product with A transposed,
		// a weight gradient dYᵀ·X, splits its rows when each worker
		// gets several tiles of them (see splitsRows).
		j.splitM = mPanels*kern.mr >= nPanels*kern.nr || splitsRows(j.transA, mPanels, threads)
		panels := nPanels
		if j.splitM {
			panels = mPanels
		}
		j.parts = min(threads, panels)
	}
	// Each worker's share of C decides how often it reuses a panel.
	mw, nw := j.m, j.n
	if j.parts > 1 {
		if j.splitM {
			mw = (mPanels + j.parts - 1) / j.parts * kern.mr
		} else {
			nw = (nPanels + j.parts - 1) / j.parts * kern.nr
		}
	}
	// A packed B micro-panel is reused by every A micro-panel of the block;
	// a packed A block by every B micro-panel. Transposed B must be packed
	// (the kernel reads rows of B as vectors); otherwise pack an operand
	// only when it is reused enough to repay the copy.
	j.packB = j.transB || mw > 2*kern.mr
	j.packA = nw > 2*kern.nr
}

// splitsRows reports whether a product with A transposed as transA says,
// of mPanels tiles of rows, splits its rows among threads workers even
// where it has more columns. Such a product is a linear layer's weight
// gradient dYᵀ·X, whose rows are the weight's rows; the optimizer's
// update that reads it next splits the parameter into contiguous runs
// of elements, so whole rows, one per worker in the same order
// (parallelUpdate), and the forward pass's X·Wᵀ splits its columns, the
// same rows of W. With the rows split, each worker updates, give or take
// a tile's rows, the part of the gradient it has just written, in its
// own cache, rather than half of each row from the other core's. The
// MLP's training at batch 64 (interleaved runs of baeum bench --child
// mlp:train:64, seven each) went from a median of 164,584 to 177,993
// images/s, faster in six pairs of seven. Each worker needs a few tiles
// of rows for an even split.
func splitsRows(transA bool, mPanels, threads int) bool {
	return transA && mPanels >= 4*threads
}

// chunk returns the rows [m0, m1) and columns [n0, n1) of C owned by worker w.
func (j *gemmJob) chunk(w int) (m0, m1, n0, n1 int) {
	if j.parts == 1 {
		return 0, j.m, 0, j.n
	}
	if j.splitM {
		p := (j.m + j.kern.mr - 1) / j.kern.mr
		lo, hi := ChunkRange(p, j.parts, w)
		return lo * j.kern.mr, min(hi*j.kern.mr, j.m), 0, j.n
	}
	p := (j.n + j.kern.nr - 1) / j.kern.nr
	lo, hi := ChunkRange(p, j.parts, w)
	return 0, j.m, lo * j.kern.nr, min(hi*j.kern.nr, j.n)
}

// runChunk computes worker w's part of C.
func (j *gemmJob) runChunk(w int) {
	buf, slot := chunkGemmBuf(w)
	m0, m1, n0, n1 := j.chunk(w)
	switch {
	case m0 >= m1 || n0 >= n1:
	case j.transC:
		j.computeTransC(buf, m0, m1)
	default:
		j.compute(buf, m0, m1, n0, n1)
	}
	releaseGemmBuf(buf, slot)
}

// blockSize splits total into blocks of at most max (a multiple of unit)
// that are as even as possible, so no block is a thin leftover.
func blockSize(total, max, unit int) int {
	if total <= max {
		return total
	}
	blocks := (total + max - 1) / max
	size := (total + blocks - 1) / blocks
	return (size + unit - 1) / unit * unit
}

// compute runs the five loops over C[m0:m1, n0:n1].
func (j *gemmJob) compute(buf *gemmBuf, m0, m1, n0, n1 int) {
	kern := j.kern
	MR, NR := kern.mr, kern.nr
	kc := blockSize(j.k, kern.kc, 1)
	nc := blockSize(n1-n0, kern.nc, NR)
	if j.pre != nil {
		// Every panel of B is packed already, in blocks of depth pre.kc.
		kc, nc = j.pre.kc, n1-n0
	}
	mc := m1 - m0
	if j.packA {
		mc = blockSize(mc, kern.mc, MR)
	}
	if j.packB {
		buf.b = growAligned(buf.b, (nc+NR-1)/NR*NR*kc)
	} else {
		buf.bEdge = growAligned(buf.bEdge, NR*kc)
	}
	if j.packA {
		buf.a = growAligned(buf.a, (mc+MR-1)/MR*MR*kc)
	} else {
		buf.aEdge = growAligned(buf.aEdge, MR*kc)
	}
	if !kern.edges {
		buf.tile = growAligned(buf.tile, MR*NR)
	}
	for jc := n0; jc < n1; jc += nc {
		ncur := min(nc, n1-jc)
		for pc := 0; pc < j.k; pc += kc {
			kcur := min(kc, j.k-pc)
			beta := j.beta
			if pc > 0 {
				beta = 1
			}
			switch r := ncur % NR; {
			case j.pre != nil: // B was packed beforehand
			case j.packB:
				for jr := 0; jr < ncur; jr += NR {
					j.packBPanel(buf.b[jr*kcur:], buf, jc+jr, min(NR, ncur-jr), pc, kcur)
				}
			case r != 0:
				j.packBPanel(buf.bEdge, buf, jc+ncur-r, r, pc, kcur)
			}
			for ic := m0; ic < m1; ic += mc {
				mcur := min(mc, m1-ic)
				if j.packA {
					for ir := 0; ir < mcur; ir += MR {
						j.packAPanel(buf.a[ir*kcur:], buf, ic+ir, min(MR, mcur-ir), pc, kcur)
					}
				} else if r := mcur % MR; r != 0 {
					j.packAPanel(buf.aEdge, buf, ic+mcur-r, r, pc, kcur)
				}
				j.macroKernel(buf, ic, mcur, jc, ncur, pc, kcur, beta)
			}
		}
	}
}

// packAPanel packs rows [i0, i0+rows) of op(A), depth [p0, p0+k), as an
// MR-tall micro-panel.
func (j *gemmJob) packAPanel(dst []float32, buf *gemmBuf, i0, rows, p0, k int) {
	if j.transA {
		j.kern.packN(dst, j.kern.mr, j.a, p0*j.lda+i0, j.lda, rows, k)
	} else {
		j.kern.packT(dst, j.kern.mr, j.a, i0*j.lda+p0, j.lda, rows, k, &buf.ptrs)
	}
}

// packBPanel packs columns [j0, j0+cols) of op(B), depth [p0, p0+k), as an
// NR-wide micro-panel.
func (j *gemmJob) packBPanel(dst []float32, buf *gemmBuf, j0, cols, p0, k int) {
	if j.transB {
		j.kern.packT(dst, j.kern.nr, j.b, j0*j.ldb+p0, j.ldb, cols, k, &buf.ptrs)
	} else {
		j.kern.packN(dst, j.kern.nr, j.b, p0*j.ldb+j0, j.ldb, cols, k)
	}
}

// macroKernel sweeps the micro-kernel over the mcur×ncur block of C at
// (ic, jc) for depth [pc, pc+kcur).
func (j *gemmJob) macroKernel(buf *gemmBuf, ic, mcur, jc, ncur, pc, kcur int, beta float32) {
	kern := j.kern
	MR, NR := kern.mr, kern.nr
	for jr := 0; jr < ncur; jr += NR {
		nr := min(NR, ncur-jr)
		var bp *float32
		var csb int
		switch {
		case j.pre != nil: // panels of NR columns, kcur deep, from column 0
			bp, csb = &j.pre.data[pc*((j.n+NR-1)/NR)*NR+(jc+jr)*kcur], NR
		case j.packB:
			bp, csb = &buf.b[jr*kcur], NR
		case nr == NR:
			bp, csb = &j.b[pc*j.ldb+jc+jr], j.ldb
		default:
			bp, csb = &buf.bEdge[0], NR
		}
		k := kern
		for k.narrow != nil && nr <= k.nr/2 {
			k = k.narrow
		}
		for ir := 0; ir < mcur; ir += MR {
			mr := min(MR, mcur-ir)
			var ap *float32
			var rsa, csa int
			switch {
			case j.packA:
				ap, rsa, csa = &buf.a[ir*kcur], 1, MR
			case mr < MR:
				ap, rsa, csa = &buf.aEdge[0], 1, MR
			case j.transA:
				ap, rsa, csa = &j.a[pc*j.lda+ic+ir], 1, j.lda
			default:
				ap, rsa, csa = &j.a[(ic+ir)*j.lda+pc], j.lda, 1
			}
			cp := &j.c[(ic+ir)*j.ldc+jc+jr]
			if k.edges || (mr == MR && nr == NR) {
				k.fn(kcur, ap, rsa, csa, bp, csb, cp, j.ldc, j.alpha, beta, mr, nr)
				if (j.bias != nil || j.relu) && pc+kcur == j.k {
					j.addBias(ic+ir, mr, jc+jr, nr)
				}
				continue
			}
			// A partial tile for a kernel that writes full tiles: compute
			// alpha·A·B into the scratch tile, then merge the valid part.
			t := buf.tile
			k.fn(kcur, ap, rsa, csa, bp, csb, &t[0], NR, j.alpha, 0, MR, NR)
			c := j.c[(ic+ir)*j.ldc+jc+jr:]
			for i := 0; i < mr; i++ {
				ci := c[i*j.ldc : i*j.ldc+nr]
				ti := t[i*NR : i*NR+nr]
				if beta == 0 {
					copy(ci, ti)
					continue
				}
				for x, v := range ti {
					ci[x] = v + beta*ci[x]
				}
			}
			if (j.bias != nil || j.relu) && pc+kcur == j.k {
				j.addBias(ic+ir, mr, jc+jr, nr)
			}
		}
	}
}

// addBias adds the bias to the rows [i0, i0+rows) of C, columns
// [j0, j0+cols): a finished tile.
func (j *gemmJob) addBias(i0, rows, j0, cols int) {
	var bias []float32
	if j.bias != nil {
		bias = j.bias[j0 : j0+cols]
	}
	BiasReLUTile(j.c[i0*j.ldc+j0:], j.ldc, rows, cols, bias, j.relu)
}

// gemmBuf holds one worker's packing buffers. They grow to the largest
// problem seen and are kept on a free list, never released, so that steady
// state allocates nothing (a sync.Pool would hand megabytes back to the
// garbage collector at every cycle).
type gemmBuf struct {
	a, b         []float32 // packed A block (mc×kc), packed B block (kc×nc)
	aEdge, bEdge []float32 // the partial micro-panel when the rest is unpacked
	tile         []float32 // scratch MR×NR tile for kernels without edges
	ct           []float32 // a worker's rows of Cᵀ (transC)
	ptrs         [16]*float32
}

var gemmBufs = make(chan *gemmBuf, 64)

// chunkBufs are packing buffers kept for CPUs, or, where a build cannot
// tell the CPU, for chunk numbers: a chunk packs into the buffers of the
// CPU it runs on while no other chunk holds them, and finds them, packed
// the last time, in that core's cache. From a shared free list a chunk
// took the buffers that another core had written about as often as its
// own, and packing into them first moved every line of them across.
var chunkBufs [64]struct {
	held atomic.Bool
	buf  gemmBuf
}

// chunkGemmBuf returns packing buffers for chunk w, and the slot to
// release them into: chunkBufs' slot for the current CPU (or for w)
// when it is free, else buffers from the free list (slot -1).
func chunkGemmBuf(w int) (*gemmBuf, int) {
	if cpu := currentCPU(); cpu >= 0 {
		w = cpu
	}
	if w < len(chunkBufs) && chunkBufs[w].held.CompareAndSwap(false, true) {
		return &chunkBufs[w].buf, w
	}
	return getGemmBuf(), -1
}

// releaseGemmBuf gives back what chunkGemmBuf returned.
func releaseGemmBuf(b *gemmBuf, slot int) {
	if slot < 0 {
		putGemmBuf(b)
		return
	}
	clear(b.ptrs[:])
	chunkBufs[slot].held.Store(false)
}

func getGemmBuf() *gemmBuf {
	select {
	case b := <-gemmBufs:
		return b
	default:
		return new(gemmBuf)
	}
}

func putGemmBuf(b *gemmBuf) {
	clear(b.ptrs[:])
	select {
	case gemmBufs <- b:
	default:
	}
}

// growAligned returns s resliced to n elements, or a new slice whose first
// element is aligned to 64 bytes (a cache line) when s is too small.
func growAligned(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	s = make([]float32, n+16)
	off := int(uintptr(unsafe.Pointer(&s[0]))&63) / 4
	if off != 0 {
		off = 16 - off
	}
	return s[off : off+n : off+n]
}
