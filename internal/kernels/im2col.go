package kernels

import "fmt"

// ConvGeom describes a 2-D convolution or pooling window over one image of
// C channels and H×W pixels: a KH×KW window moved by StrideH/StrideW, over
// the image padded with PadH/PadW zeros on each side.
type ConvGeom struct {
	C, H, W          int
	KH, KW           int
	StrideH, StrideW int
	PadH, PadW       int
}

// OutH returns the number of window positions down the image.
func (g ConvGeom) OutH() int { return (g.H+2*g.PadH-g.KH)/g.StrideH + 1 }

// OutW returns the number of window positions across the image.
func (g ConvGeom) OutW() int { return (g.W+2*g.PadW-g.KW)/g.StrideW + 1 }

// Validate panics with a description of the problem if the geometry is not
// usable: non-positive sizes or strides, negative padding, or a window
// larger than the padded image.
func (g ConvGeom) Validate() {
	if g.C <= 0 || g.H <= 0 || g.W <= 0 || g.KH <= 0 || g.KW <= 0 || g.StrideH <= 0 || g.StrideW <= 0 || g.PadH < 0 || g.PadW < 0 {
		panic(fmt.Sprintf("kernels: invalid convolution geometry %+v", g))
	}
	if g.KH > g.H+2*g.PadH || g.KW > g.W+2*g.PadW {
		panic(fmt.Sprintf("kernels: %d×%d window larger than the padded %d×%d image", g.KH, g.KW, g.H+2*g.PadH, g.W+2*g.PadW))
	}
}

// Im2col unfolds one C×H×W image (src, row-major) into the column matrix
// dst of C·KH·KW rows and OutH·OutW columns: row (c, i, j) holds, for every
// window position, the pixel at offset (i, j) of channel c inside the
// window (zero where the window overlaps the padding). A convolution with
// weights W of shape O×(C·KH·KW) is then the matrix product W·dst, which
// gives the O×OutH×OutW output directly.
func Im2col[T float32 | float64](dst, src []T, g ConvGeom) {
	oh, ow := g.OutH(), g.OutW()
	if len(src) < g.C*g.H*g.W || len(dst) < g.C*g.KH*g.KW*oh*ow {
		panic(fmt.Sprintf("kernels: Im2col buffers too small for %+v", g))
	}
	if g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0 {
		// Every row of the window's positions is a contiguous run of the
		// image: copy runs instead of testing each pixel.
		if f32, ok := any(dst).([]float32); ok && useAVX512 {
			im2colRowsAVX512(f32, any(src).([]float32), g)
			return
		}
		row := 0
		for c := 0; c < g.C; c++ {
			for i := 0; i < g.KH; i++ {
				for j := 0; j < g.KW; j++ {
					copyRows(dst[row*oh*ow:(row+1)*oh*ow], src[(c*g.H+i)*g.W+j:], oh, ow, ow, g.W)
					row++
				}
			}
		}
		return
	}
	row := 0
	for c := 0; c < g.C; c++ {
		img := src[c*g.H*g.W : (c+1)*g.H*g.W]
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				out := dst[row*oh*ow : (row+1)*oh*ow]
				x0, x1 := g.inside(j)
				for y := 0; y < oh; y++ {
					iy := y*g.StrideH - g.PadH + i
					o := out[y*ow : (y+1)*ow]
					if iy < 0 || iy >= g.H {
						clear(o)
						continue
					}
					line := img[iy*g.W : (iy+1)*g.W]
					clear(o[:x0])
					if g.StrideW == 1 && x0 < x1 {
						copy(o[x0:x1], line[x0-g.PadW+j:])
					} else {
						for x, ix := x0, x0*g.StrideW-g.PadW+j; x < x1; x, ix = x+1, ix+g.StrideW {
							o[x] = line[ix]
						}
					}
					clear(o[x1:])
				}
				row++
			}
		}
	}
}

// inside returns the window positions [x0, x1) across the image at which
// column j of the window falls on the image rather than on the padding:
// those x with 0 ≤ x·StrideW − PadW + j < W.
func (g ConvGeom) inside(j int) (x0, x1 int) {
	ow := g.OutW()
	if d := g.PadW - j; d > 0 {
		x0 = (d + g.StrideW - 1) / g.StrideW
	}
	x1 = (g.W + g.PadW - j + g.StrideW - 1) / g.StrideW
	x0, x1 = min(x0, ow), min(x1, ow)
	return x0, max(x0, x1)
}

// Col2im is the adjoint of Im2col: it adds every entry of the column
// matrix col back onto the pixel of dst (one C×H×W image) it was copied
// from. Entries that came from the padding are dropped. dst is accumulated
// into, not overwritten, because overlapping windows share pixels.
func Col2im[T float32 | float64](dst, col []T, g ConvGeom) {
	oh, ow := g.OutH(), g.OutW()
	if len(dst) < g.C*g.H*g.W || len(col) < g.C*g.KH*g.KW*oh*ow {
		panic(fmt.Sprintf("kernels: Col2im buffers too small for %+v", g))
	}
	if g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0 {
		if f32, ok := any(dst).([]float32); ok && useAVX512 {
			col2imRowsAVX512(f32, any(col).([]float32), g)
			return
		}
		for c := 0; c < g.C; c++ {
			for i := 0; i < g.KH; i++ {
				base := (c*g.KH + i) * g.KW * oh * ow // column row (c, i, 0)
				for y := 0; y < oh; y++ {
					col2imRow(dst[(c*g.H+y+i)*g.W:(c*g.H+y+i+1)*g.W], col[base+y*ow:], g.KW, ow, oh*ow)
				}
			}
		}
		return
	}
	row := 0
	for c := 0; c < g.C; c++ {
		img := dst[c*g.H*g.W : (c+1)*g.H*g.W]
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				in := col[row*oh*ow : (row+1)*oh*ow]
				x0, x1 := g.inside(j)
				for y := 0; y < oh; y++ {
					iy := y*g.StrideH - g.PadH + i
					if iy < 0 || iy >= g.H {
						continue
					}
					line := img[iy*g.W : (iy+1)*g.W]
					r := in[y*ow : (y+1)*ow]
					if g.StrideW == 1 && x0 < x1 {
						seg := line[x0-g.PadW+j : x1-g.PadW+j]
						for x, v := range r[x0:x1] {
							seg[x] += v
						}
						continue
					}
					for x, ix := x0, x0*g.StrideW-g.PadW+j; x < x1; x, ix = x+1, ix+g.StrideW {
						line[ix] += r[x]
					}
				}
				row++
			}
		}
	}
}

// copyRows copies rows runs of n elements, srcStride apart in src, to
// dstStride apart in dst: dst[r·dstStride + x] = src[r·srcStride + x]. It
// is the Go twin of copyRowsAVX512.
func copyRows[T float32 | float64](dst, src []T, rows, n, dstStride, srcStride int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*dstStride:r*dstStride+n], src[r*srcStride:r*srcStride+n])
	}
}

// copyRowsF32 is copyRows with the vector copier where it runs.
func copyRowsF32(dst, src []float32, rows, n, dstStride, srcStride int) {
	if useAVX512 && rows > 0 && n > 0 {
		copyRowsAVX512(&dst[0], &src[0], rows, n, dstStride, srcStride)
		return
	}
	copyRows(dst, src, rows, n, dstStride, srcStride)
}

// col2imRow adds onto one image row dst the k rows of a column matrix that
// fold onto it, each n long, jStride apart in col and shifted right by its
// index j: dst[x+j] += col[j·jStride + x] for j < k, x < n. It is the Go
// twin of col2imRowAVX512 and adds in the same order.
func col2imRow[T float32 | float64](dst, col []T, k, n, jStride int) {
	for j := 0; j < k; j++ {
		line := dst[j : j+n]
		for x, v := range col[j*jStride : j*jStride+n] {
			line[x] += v
		}
	}
}

// im2colRowsAVX512 is Im2col for stride 1 and no padding with the vector
// row copier: each row of the column matrix is OutH runs of OutW pixels.
func im2colRowsAVX512(dst, src []float32, g ConvGeom) {
	oh, ow := g.OutH(), g.OutW()
	row := 0
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			for j := 0; j < g.KW; j++ {
				copyRowsAVX512(&dst[row*oh*ow], &src[(c*g.H+i)*g.W+j], oh, ow, ow, g.W)
				row++
			}
		}
	}
}

// col2imRowsAVX512 is Col2im for stride 1 and no padding: for each
// channel, window row i and output row y, the KW column rows that fold
// onto image row y+i are summed in registers and added to it at once.
func col2imRowsAVX512(dst, col []float32, g ConvGeom) {
	oh, ow := g.OutH(), g.OutW()
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.KH; i++ {
			base := (c*g.KH + i) * g.KW * oh * ow // column row (c, i, 0)
			for y := 0; y < oh; y++ {
				col2imRowAVX512(&dst[(c*g.H+y+i)*g.W], &col[base+y*ow], g.KW, ow, g.W, oh*ow)
			}
		}
	}
}

// PadScratch returns the length of the scratch buffer Im2colPad,
// Col2imPad and the padded direct convolutions (ConvForwardDirectPadded,
// ConvWeightGradDirectPadded) use for geometry g: the padded image, when
// g is a padded stride-1 window that the vector kernels take once the
// padding is written out, and 0 otherwise (the scratch is then not
// used).
func PadScratch(g ConvGeom) int {
	if !useAVX512 || g.StrideH != 1 || g.StrideW != 1 || (g.PadH == 0 && g.PadW == 0) {
		return 0
	}
	return g.C * (g.H + 2*g.PadH) * (g.W + 2*g.PadW)
}

// unpadded returns the geometry of g over its padded image with the
// padding written out.
func (g ConvGeom) unpadded() ConvGeom {
	g.H, g.W = g.H+2*g.PadH, g.W+2*g.PadW
	g.PadH, g.PadW = 0, 0
	return g
}

// Im2colPad is Im2col with a scratch buffer of PadScratch(g) elements: a
// padded stride-1 window is unfolded by writing the padded image into the
// scratch and running the vector row copier on it. Without such a window,
// or for float64, it is Im2col.
func Im2colPad[T float32 | float64](dst, src, scratch []T, g ConvGeom) {
	n := PadScratch(g)
	f32, ok := any(dst).([]float32)
	if n == 0 || !ok || len(scratch) < n {
		Im2col(dst, src, g)
		return
	}
	if len(src) < g.C*g.H*g.W || len(dst) < g.C*g.KH*g.KW*g.OutH()*g.OutW() {
		panic(fmt.Sprintf("kernels: Im2colPad buffers too small for %+v", g))
	}
	p := any(scratch).([]float32)[:n]
	padImage(p, any(src).([]float32), g)
	im2colRowsAVX512(f32, p, g.unpadded())
}

// Col2imPad is Col2im with a scratch buffer of PadScratch(g) elements: a
// padded stride-1 window's columns are folded by the vector kernel onto
// the padded image in the scratch, whose inside is then added to dst.
// Without such a window, or for float64, it is Col2im.
func Col2imPad[T float32 | float64](dst, col, scratch []T, g ConvGeom) {
	n := PadScratch(g)
	f32, ok := any(dst).([]float32)
	if n == 0 || !ok || len(scratch) < n {
		Col2im(dst, col, g)
		return
	}
	if len(dst) < g.C*g.H*g.W || len(col) < g.C*g.KH*g.KW*g.OutH()*g.OutW() {
		panic(fmt.Sprintf("kernels: Col2imPad buffers too small for %+v", g))
	}
	p := any(scratch).([]float32)[:n]
	pw := g.W + 2*g.PadW
	clear(p)
	col2imRowsAVX512(p, any(col).([]float32), g.unpadded())
	for c := 0; c < g.C; c++ {
		for y := 0; y < g.H; y++ {
			at := (c*(g.H+2*g.PadH)+y+g.PadH)*pw + g.PadW
			row := f32[(c*g.H+y)*g.W : (c*g.H+y+1)*g.W]
			for x, v := range p[at : at+g.W] {
				row[x] += v
			}
		}
	}
}
