package kernels

import "unsafe"

// A microKernel computes one register tile of C, the innermost step of the
// blocked SGEMM (see sgemm_blocked.go):
//
//	C[i][j] = alpha·Σ_p A[i][p]·B[p][j] + beta·C[i][j]   for i < mr, j < nr
//
// reading A[i][p] at a[i·rsa + p·csa] and B[p][j] at b[p·csb + j], and C
// row-major with leading dimension ldc (all strides in elements). When beta
// is zero C is not read. A kernel whose edges field is false writes the full
// MR×NR tile whatever mr and nr say; the driver then hands it a scratch tile
// at the edges of C.
type microKernel struct {
	name   string
	mr, nr int  // register tile: MR rows of A by NR columns of B
	edges  bool // writes only the mr×nr corner of partial tiles
	fn     func(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, mr, nr int)

	// narrow, if set, is a kernel with the same MR and half the NR used
	// for panels with nr ≤ NR/2; it reads the same packed B panels.
	narrow *microKernel

	// short, if set, is the kernel to use instead when C has at most
	// shortRows rows: a tile with fewer rows wastes less on the ragged
	// last row panel and can afford more columns.
	short     *microKernel
	shortRows int

	// Cache blocking (see sgemm_blocked.go): kc is the depth of a packed
	// panel, mc the rows of A packed per block (a multiple of mr) and nc
	// the columns of B packed per block (a multiple of nr).
	kc, mc, nc int

	// packT and packN pack one micro-panel of A or B: the portable
	// packPanelT and packPanelN, or assembly twins that match them.
	packT func(dst []float32, w int, src []float32, off, ld, rows, k int, ptrs *[16]*float32)
	packN func(dst []float32, w int, src []float32, off, ld, cols, k int)
}

// kernelGo is the portable micro-kernel: a 4×4 tile of scalar accumulators.
// With the operands that is 24 values, which fit the 32 floating-point
// registers of arm64 and most other targets; amd64 (in purego builds) has
// 16 and spills, at about 5 GFLOP/s.
var kernelGo = &microKernel{
	name: "go4x4", mr: 4, nr: 4, edges: false, fn: sgemmKernelGo4x4,
	kc: 256, mc: 128, nc: 2048,
	packT: packPanelT, packN: packPanelN,
}

// sgemmKernelGo4x4 is the 4×4 micro-kernel in Go. It always writes a full
// 4×4 tile.
func sgemmKernelGo4x4(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, _, _ int) {
	as := unsafe.Slice(a, 3*rsa+(k-1)*csa+1)
	bs := unsafe.Slice(b, (k-1)*csb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	ia, ib := 0, 0
	for p := 0; p < k; p++ {
		var a0, a1, a2, a3 float32
		if rsa == 1 {
			aa := as[ia : ia+4 : ia+4]
			a0, a1, a2, a3 = aa[0], aa[1], aa[2], aa[3]
		} else {
			a0, a1, a2, a3 = as[ia], as[ia+rsa], as[ia+2*rsa], as[ia+3*rsa]
		}
		bb := bs[ib : ib+4 : ib+4]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		ia += csa
		ib += csb
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	store4(cs[0:4:4], alpha, beta, c00, c01, c02, c03)
	store4(cs[ldc:ldc+4:ldc+4], alpha, beta, c10, c11, c12, c13)
	store4(cs[2*ldc:2*ldc+4:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	store4(cs[3*ldc:3*ldc+4:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

// store4 writes alpha·(x0..x3) + beta·row into a row of four, without
// reading row when beta is zero.
func store4(row []float32, alpha, beta, x0, x1, x2, x3 float32) {
	if beta == 0 {
		row[0], row[1], row[2], row[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
		return
	}
	row[0] = alpha*x0 + beta*row[0]
	row[1] = alpha*x1 + beta*row[1]
	row[2] = alpha*x2 + beta*row[2]
	row[3] = alpha*x3 + beta*row[3]
}

// packPanelT packs a micro-panel that has to be transposed on the way:
// dst[p·w + i] = src[off + i·ld + p] for i < rows and p < k, with zeros in
// lanes rows ≤ i < w. It serves A when A is not transposed (the panel's
// rows are rows of A) and B when B is transposed.
func packPanelT(dst []float32, w int, src []float32, off, ld, rows, k int, _ *[16]*float32) {
	dst = dst[:w*k]
	for i := 0; i < rows; i++ {
		row := src[off+i*ld : off+i*ld+k]
		d := dst[i:]
		for p, v := range row {
			d[p*w] = v
		}
	}
	if rows < w {
		for p := 0; p < k; p++ {
			clear(dst[p*w+rows : p*w+w])
		}
	}
}

// packPanelN packs a micro-panel that is already laid out the right way:
// dst[p·w + j] = src[off + p·ld + j] for j < cols and p < k, with zeros in
// lanes cols ≤ j < w. It serves B when B is not transposed and A when A is.
func packPanelN(dst []float32, w int, src []float32, off, ld, cols, k int) {
	dst = dst[:w*k]
	for p := 0; p < k; p++ {
		d := dst[p*w : p*w+w]
		copy(d, src[off+p*ld:off+p*ld+cols])
		clear(d[cols:])
	}
}
