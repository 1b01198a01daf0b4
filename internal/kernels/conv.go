package kernels

import "fmt"

// Direct convolution for small images, the case of LeNet-5's C1 and C3:
// stride 1, no padding, output rows of at most 32 pixels. Instead of
// unfolding each image with im2col and multiplying matrices, an AVX-512
// kernel computes an output row of eight channels at once, each window
// weight broadcast into the fused multiply-adds of all eight; rows of 16
// pixels or fewer run two at a time (convFwd8x2AVX512), so that every
// kernel call keeps sixteen accumulators busy. It touches
// the input and the weights only, where im2col writes and re-reads a
// matrix of C·K·K times the output's size (25 times for C1).
//
// Weights are repacked for it (PackConvWeights): for each group of eight
// output channels, the C·KH·KW window positions in order, each holding the
// eight channels' weights side by side, zero for channels past O.
//
// The kernels have Go twins (convFwd8Go, convWGrad8Go), which compute the
// same sums in plain loops. They are the reference the assembly is tested
// against and what ConvForwardDirect and ConvWeightGradDirect run without
// AVX-512, where DirectConv says no because im2col and GEMM are faster.

// convArgs is the geometry the assembly kernels read; keep in step with
// the A_ offsets in conv_amd64.s.
type convArgs struct {
	cin, k, inW, inC, ow, outC, nOut, oh int
	// The two vectors of convFwd8x2AVX512: how many outputs each holds,
	// and where the second starts on the input and the output, in bytes
	// past the first.
	lanes1, lanes2, in2, out2 int
}

// DirectConv reports whether the direct kernels are the way to compute a
// convolution of geometry g: stride 1, no padding, a square window, output
// rows of at most 32 pixels, on a machine with AVX-512.
func DirectConv(g ConvGeom) bool {
	return useAVX512 && directGeom(g)
}

// DirectConvPadded reports whether the direct kernels are the way to
// compute a convolution of geometry g whose padding is written out first
// (ConvForwardDirectPadded): stride 1, a square window, output rows of at
// most 32 pixels, on a machine with AVX-512. It holds for the 3×3
// convolutions with padding 1 of the cnn and resnet models on MNIST.
func DirectConvPadded(g ConvGeom) bool {
	return useAVX512 && directGeom(g.unpadded())
}

// ConvForwardDirectPadded is ConvForwardDirect for a geometry with
// padding: it writes the padded image into the start of scratch
// (DirectPaddedScratch(g, o) elements) and runs the direct kernels on
// it. The weights are packed for g (PackConvWeights), padding or not.
func ConvForwardDirectPadded(out, in, scratch, wt, bias8 []float32, g ConvGeom, o int) {
	n := padLen(g)
	if len(scratch) < n {
		panic(fmt.Sprintf("kernels: ConvForwardDirectPadded scratch too small for %+v", g))
	}
	img, u := paddedInput("ConvForwardDirectPadded", scratch[:n], in, g)
	ConvForwardDirect(out, img, scratch[n:], wt, bias8, u, o)
}

// ConvWeightGradDirectPadded is ConvWeightGradDirect for a geometry with
// padding: the image is padded into pad (PadScratch(g) elements) first.
func ConvWeightGradDirectPadded(gw, in, gr, pad, scratch []float32, g ConvGeom, o int) {
	img, u := paddedInput("ConvWeightGradDirectPadded", pad, in, g)
	ConvWeightGradDirect(gw, img, gr, scratch, u, o)
}

// paddedInput returns the image in of geometry g as the direct kernels
// read it, and its geometry without padding: in itself when g has none,
// else in written with its padding into scratch.
func paddedInput(fn string, scratch, in []float32, g ConvGeom) ([]float32, ConvGeom) {
	if g.PadH == 0 && g.PadW == 0 {
		return in, g
	}
	u := g.unpadded()
	if len(scratch) < u.C*u.H*u.W || len(in) < g.C*g.H*g.W {
		panic(fmt.Sprintf("kernels: %s buffers too small for %+v", fn, g))
	}
	padImage(scratch, in, g)
	return scratch, u
}

// padImage writes the image src of geometry g into dst with its padding
// of zeros: C×(H+2·PadH)×(W+2·PadW) elements.
func padImage[T float32 | float64](dst, src []T, g ConvGeom) {
	ph, pw := g.H+2*g.PadH, g.W+2*g.PadW
	dst = dst[:g.C*ph*pw]
	clear(dst)
	if g.H == 0 || g.W == 0 {
		return
	}
	// One call a channel instead of a copy a row: the rows of the small
	// images this serves are 7 to 32 elements long.
	d32, f32 := any(dst).([]float32)
	for c := 0; c < g.C; c++ {
		at, plane := (c*ph+g.PadH)*pw+g.PadW, src[c*g.H*g.W:(c+1)*g.H*g.W]
		if f32 {
			copyRowsF32(d32[at:], any(plane).([]float32), g.H, g.W, pw, g.W)
			continue
		}
		copyRows(dst[at:], plane, g.H, g.W, pw, g.W)
	}
}

// directGeom reports whether g has the shape the direct kernels take.
func directGeom(g ConvGeom) bool {
	return g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0 &&
		g.KH == g.KW && g.OutW() <= 32 && g.OutW() >= 1
}

// PackedConvWeights returns the length of the packed weights of o filters
// of geometry g.
func PackedConvWeights(g ConvGeom, o int) int { return (o + 7) / 8 * 8 * g.C * g.KH * g.KW }

// PackConvWeights writes the filters w (O×C×KH×KW) into dst in the layout
// the direct kernels read, and the bias (nil for none) into bias8, padded
// to a multiple of eight.
func PackConvWeights(dst, bias8, w, bias []float32, g ConvGeom, o int) {
	ckk := g.C * g.KH * g.KW
	clear(dst[:PackedConvWeights(g, o)])
	for oc := 0; oc < o; oc++ {
		grp, lane := oc/8, oc%8
		base := grp * ckk * 8
		for p, v := range w[oc*ckk : (oc+1)*ckk] {
			dst[base+p*8+lane] = v
		}
	}
	clear(bias8[:(o+7)/8*8])
	copy(bias8, bias)
}

// ConvForwardDirect writes into out (O×OH×OW) the convolution of one image
// in (C×H×W) with packed weights and bias8 (see PackConvWeights). The
// geometry must be one DirectConv accepts, but for the machine: without
// AVX-512 the Go twin of the kernels computes the same result. scratch
// holds FlatScratch(g, o) elements.
//
// Rows of at most 16 pixels (flatRows) would fill at most one vector a
// row, and the kernels compute them in flat chunks instead: the output
// pixel (y, x) is computed at y·W+x, as if the output had the input's
// width, so that a chunk of 32 consecutive positions spans rows (the
// pixels x ≥ OW between them are computed and thrown away). Every pixel
// is the same sum in the same order either way, so the result does not
// depend on the layout, to the bit; for a 7-pixel row padded to 9, 61
// positions in two chunks replace seven rows of one vector each.
func ConvForwardDirect(out, in, scratch, wt, bias8 []float32, g ConvGeom, o int) {
	checkDirect("ConvForwardDirect", g)
	oh, ow := g.OutH(), g.OutW()
	ckk := g.C * g.KH * g.KW
	if len(in) < g.C*g.H*g.W || len(out) < o*oh*ow || len(wt) < PackedConvWeights(g, o) || len(bias8) < (o+7)/8*8 ||
		len(scratch) < FlatScratch(g, o) {
		panic("kernels: ConvForwardDirect buffers too small")
	}
	a := convArgs{cin: g.C, k: g.KH, inW: g.W, inC: g.H * g.W, ow: ow, outC: oh * ow, oh: oh}
	flat, dst := flatRows(g), out
	if flat {
		a.outC, dst = flatLen(g), scratch
	}
	for grp := 0; grp*8 < o; grp++ {
		a.nOut = min(8, o-grp*8)
		w, b := wt[grp*ckk*8:(grp+1)*ckk*8], bias8[grp*8:grp*8+8]
		if flat {
			l := a.outC
			for q := 0; q < l; q += 32 {
				a.ow = min(32, l-q)
				convFwd8(dst[grp*8*l+q:], in[q:], w, b, &a)
			}
			continue
		}
		y := 0
		if useAVX512 && rowPairs && ow <= 16 {
			// Rows y and y+1 as the two vectors.
			a.lanes1, a.lanes2, a.in2, a.out2 = ow, ow, 4*g.W, 4*ow
			for ; y+1 < oh; y += 2 {
				convFwd8x2AVX512(&dst[(grp*8*oh+y)*ow], &in[y*g.W], &w[0], &b[0], &a)
			}
		}
		for ; y < oh; y++ {
			convFwd8(dst[(grp*8*oh+y)*ow:], in[y*g.W:], w, b, &a)
		}
	}
	for c := 0; flat && c < o; c++ { // each channel's rows, W apart, one after the other
		copyRowsF32(out[c*oh*ow:(c+1)*oh*ow], scratch[c*a.outC:(c+1)*a.outC], oh, ow, ow, g.W)
	}
}

// convFwd8 runs the kernel for one chunk of a.ow ≤ 32 outputs of up to
// eight channels.
func convFwd8(out, in, wt, bias []float32, a *convArgs) {
	switch {
	case !useAVX512:
		convFwd8Go(out, in, wt, bias, a)
	case a.ow > 16: // 16 outputs, then the rest of the row
		a.lanes1, a.lanes2, a.in2, a.out2 = 16, a.ow-16, 64, 64
		convFwd8x2AVX512(&out[0], &in[0], &wt[0], &bias[0], a)
	default:
		convFwd8x1AVX512(&out[0], &in[0], &wt[0], &bias[0], a)
	}
}

// flatRows reports whether ConvForwardDirect computes g's output in flat
// chunks: rows of at most 16 pixels, more than one of them, where the
// flat layout needs at most three quarters of the vector lanes that a
// vector a row takes. That holds for resnet's 7-pixel rows padded to 9
// (64 lanes against 112), not for LeNet-5's C3 (144 against 160, which
// measured no faster) or rows of 14 padded to 16 (as many lanes).
func flatRows(g ConvGeom) bool {
	oh := g.OutH()
	return flatChunks && g.OutW() <= 16 && oh > 1 && (flatLen(g)+15)/16*4 <= oh*3
}

// flatChunks lets a test turn the flat layout off, to compare.
var flatChunks = true

// rowPairs lets a test run rows of at most 16 pixels one at a time
// (convFwd8x1AVX512) instead of two at once (convFwd8x2AVX512), to
// compare.
var rowPairs = true

// flatLen returns the positions of one channel's output in the flat
// layout: OH-1 rows of the input's width and a last one of OW.
func flatLen(g ConvGeom) int { return (g.OutH()-1)*g.W + g.OutW() }

// FlatScratch returns the scratch length ConvForwardDirect needs for o
// filters of geometry g: the output in the flat layout when flatRows
// holds, else nothing.
func FlatScratch(g ConvGeom, o int) int {
	if !directGeom(g) || !flatRows(g) {
		return 0
	}
	return o * flatLen(g)
}

// DirectPaddedScratch returns the scratch length ConvForwardDirectPadded
// needs for o filters of geometry g: the padded image (when g has
// padding), then FlatScratch's part.
func DirectPaddedScratch(g ConvGeom, o int) int {
	return padLen(g) + FlatScratch(g.unpadded(), o)
}

// padLen returns the length of g's image with its padding written out, 0
// when it has none.
func padLen(g ConvGeom) int {
	if g.PadH == 0 && g.PadW == 0 {
		return 0
	}
	u := g.unpadded()
	return u.C * u.H * u.W
}

// checkDirect panics unless g is a geometry the direct kernels take.
func checkDirect(fn string, g ConvGeom) {
	g.Validate()
	if !directGeom(g) {
		panic(fmt.Sprintf("kernels: %s needs stride 1, no padding, a square window and output rows of 1 to 32 pixels, not %+v", fn, g))
	}
}

// convFwd8Go is the Go twin of convFwd8x1AVX512 and convFwd8x2AVX512: one
// output row of a.nOut ≤ 8 channels. out holds the row of the first
// channel, the others following a.outC apart; in holds the input from the
// row's first pixel on; wt and bias hold the group's packed weights and
// eight biases. Each output starts from its bias and adds the window's
// products in the order of the packed weights, as the kernels do.
func convFwd8Go(out, in, wt, bias []float32, a *convArgs) {
	for o := 0; o < a.nOut; o++ {
		row := out[o*a.outC : o*a.outC+a.ow]
		for x := range row {
			row[x] = bias[o]
		}
		p := 0 // window position (c, i, j)
		for c := 0; c < a.cin; c++ {
			for i := 0; i < a.k; i++ {
				line := in[c*a.inC+i*a.inW:]
				for j := 0; j < a.k; j++ {
					w := wt[p*8+o]
					for x, v := range line[j : j+a.ow] {
						row[x] += w * v
					}
					p++
				}
			}
		}
	}
}

// ConvWeightGradScratch returns the scratch length ConvWeightGradDirect
// needs.
func ConvWeightGradScratch(g ConvGeom, o int) int {
	return g.C*g.KH*g.KW*8 + 8*g.OutH()*g.OutW()
}

// ConvWeightGradDirect adds to gw (O×C×KH×KW) the filters' gradient for
// one image: gw[o][c][i][j] += Σ_y Σ_x gr[o][y][x]·in[c][y+i][x+j], where
// gr is the output's gradient (O×OH×OW). As for ConvForwardDirect, the
// geometry must be one DirectConv accepts, but for the machine.
func ConvWeightGradDirect(gw, in, gr, scratch []float32, g ConvGeom, o int) {
	checkDirect("ConvWeightGradDirect", g)
	oh, ow := g.OutH(), g.OutW()
	ckk := g.C * g.KH * g.KW
	k := g.KH
	res := scratch[:ckk*8]
	a := convArgs{cin: g.C, k: k, inW: g.W, inC: g.H * g.W, ow: ow, outC: oh * ow, oh: oh}
	for grp := 0; grp*8 < o; grp++ {
		n := min(8, o-grp*8)
		src := gr[grp*8*oh*ow:]
		if n < 8 {
			// The kernel reads eight gradient channels; pad with zeros.
			pad := scratch[ckk*8 : ckk*8+8*oh*ow]
			copy(pad, src[:n*oh*ow])
			clear(pad[n*oh*ow:])
			src = pad
		}
		for c := 0; c < g.C; c++ {
			for i := 0; i < k; i++ {
				r, row := res[(c*k+i)*k*8:(c*k+i+1)*k*8], in[(c*g.H+i)*g.W:]
				if useAVX512 {
					convWGrad8AVX512(&r[0], &row[0], &src[0], &a)
					continue
				}
				convWGrad8Go(r, row, src, &a)
			}
		}
		for oc := 0; oc < n; oc++ {
			dst := gw[(grp*8+oc)*ckk : (grp*8+oc+1)*ckk]
			for p := range dst {
				dst[p] += res[p*8+oc]
			}
		}
	}
}

// convWGrad8Go is the Go twin of convWGrad8AVX512: for one input channel
// and window row (in holds the input from the row's first pixel on) and
// each window column j < a.k, res[8j+o] = Σ_y Σ_x gr[o][y][x]·in[y][x+j]
// for the eight output channels o whose gradients gr holds, a.outC apart.
func convWGrad8Go(res, in, gr []float32, a *convArgs) {
	for j := 0; j < a.k; j++ {
		for o := 0; o < 8; o++ {
			g := gr[o*a.outC : o*a.outC+a.oh*a.ow]
			var s float32
			for y := 0; y < a.oh; y++ {
				for x, v := range in[y*a.inW+j : y*a.inW+j+a.ow] {
					s += g[y*a.ow+x] * v
				}
			}
			res[8*j+o] = s
		}
	}
}
