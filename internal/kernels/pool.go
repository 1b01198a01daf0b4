package kernels

import (
	"fmt"
	"math"
)

// Pooling works on whole images of C channels (C×H×W, row-major), with the
// window geometry of a ConvGeom. Padding, where given, counts as zeros for
// average pooling (PyTorch's count_include_pad) and is never chosen by max
// pooling.

func checkPool(ld, ls int, g ConvGeom) {
	if ls < g.C*g.H*g.W || ld < g.C*g.OutH()*g.OutW() {
		panic(fmt.Sprintf("kernels: pooling buffers of %d and %d elements too small for %+v", ls, ld, g))
	}
}

// is2x2 reports whether g is the common non-overlapping 2×2 window with
// stride 2 and no padding, which has loops of its own.
func is2x2(g ConvGeom) bool {
	return g.KH == 2 && g.KW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0
}

// AvgPool writes into dst (C×OutH×OutW) the mean of every KH×KW window of
// src.
func AvgPool[T float32 | float64](dst, src []T, g ConvGeom) {
	checkPool(len(dst), len(src), g)
	oh, ow := g.OutH(), g.OutW()
	if is2x2(g) {
		if f32, ok := any(dst).([]float32); ok && useAVX512 && g.H%2 == 0 && g.W%2 == 0 {
			avgPool2x2AVX512(&f32[0], &any(src).([]float32)[0], g.C, g.H, g.W)
			return
		}
		avgPool2x2Go(dst, src, g.C, g.H, g.W)
		return
	}
	inv := 1 / T(g.KH*g.KW)
	for c := 0; c < g.C; c++ {
		img := src[c*g.H*g.W : (c+1)*g.H*g.W]
		out := dst[c*oh*ow : (c+1)*oh*ow]
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				var s T
				for i := 0; i < g.KH; i++ {
					iy := y*g.StrideH - g.PadH + i
					if iy < 0 || iy >= g.H {
						continue
					}
					for j := 0; j < g.KW; j++ {
						if ix := x*g.StrideW - g.PadW + j; ix >= 0 && ix < g.W {
							s += img[iy*g.W+ix]
						}
					}
				}
				out[y*ow+x] = s * inv
			}
		}
	}
}

// AvgPoolBackward adds to gsrc (C×H×W) the gradient of AvgPool given the
// gradient gdst of its output: each window's gradient, divided by the
// window's size, to each pixel of the window.
func AvgPoolBackward[T float32 | float64](gsrc, gdst []T, g ConvGeom) {
	checkPool(len(gdst), len(gsrc), g)
	oh, ow := g.OutH(), g.OutW()
	if is2x2(g) {
		if f32, ok := any(gsrc).([]float32); ok && useAVX512 && g.H%2 == 0 && g.W%2 == 0 {
			avgPool2x2GradAVX512(&f32[0], &any(gdst).([]float32)[0], g.C, g.H, g.W)
			return
		}
		avgPool2x2GradGo(gsrc, gdst, g.C, g.H, g.W)
		return
	}
	inv := 1 / T(g.KH*g.KW)
	for c := 0; c < g.C; c++ {
		img := gsrc[c*g.H*g.W : (c+1)*g.H*g.W]
		gout := gdst[c*oh*ow : (c+1)*oh*ow]
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				v := gout[y*ow+x] * inv
				for i := 0; i < g.KH; i++ {
					iy := y*g.StrideH - g.PadH + i
					if iy < 0 || iy >= g.H {
						continue
					}
					for j := 0; j < g.KW; j++ {
						if ix := x*g.StrideW - g.PadW + j; ix >= 0 && ix < g.W {
							img[iy*g.W+ix] += v
						}
					}
				}
			}
		}
	}
}

// MaxPool writes into dst the largest element of every window of src, or
// NaN for a window that holds NaN, as in PyTorch.
func MaxPool[T float32 | float64](dst, src []T, g ConvGeom) {
	checkPool(len(dst), len(src), g)
	oh, ow := g.OutH(), g.OutW()
	if is2x2(g) {
		if d, ok := AsF32(dst); ok {
			s, _ := AsF32(src)
			for c := 0; c < g.C; c++ {
				out, img := d[c*oh*ow:(c+1)*oh*ow], s[c*g.H*g.W:(c+1)*g.H*g.W]
				if useAVX512 && oh*ow > 0 {
					maxPool2x2AVX512(&out[0], &img[0], oh, ow, g.W)
				} else {
					maxPool2x2Go(out, img, oh, ow, g.W)
				}
			}
			return
		}
		maxPool2x2(dst, nil, src, g, false)
		return
	}
	for c := 0; c < g.C; c++ {
		img := src[c*g.H*g.W : (c+1)*g.H*g.W]
		out := dst[c*oh*ow : (c+1)*oh*ow]
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				out[y*ow+x] = img[maxIndex(img, g, y, x)]
			}
		}
	}
}

// maxIndex returns the offset within one channel of the element that max
// pooling picks from the window at output position (y, x), as PyTorch's
// CPU kernel does: the first largest element, or, if the window holds NaN,
// the last NaN (in row-major order), since a NaN replaces the best so far
// and nothing but a NaN replaces a NaN.
func maxIndex[T float32 | float64](img []T, g ConvGeom, y, x int) int {
	best, bi := T(math.Inf(-1)), -1
	for i := 0; i < g.KH; i++ {
		iy := y*g.StrideH - g.PadH + i
		if iy < 0 || iy >= g.H {
			continue
		}
		for j := 0; j < g.KW; j++ {
			ix := x*g.StrideW - g.PadW + j
			if ix < 0 || ix >= g.W {
				continue
			}
			if v := img[iy*g.W+ix]; v > best || v != v || bi < 0 {
				best, bi = v, iy*g.W+ix
			}
		}
	}
	return bi
}

// MaxPoolBackward adds to gsrc the gradient of MaxPool: each window's
// gradient goes to the element MaxPool picked from src, found again rather
// than stored: the window's first largest element, or its last NaN.
func MaxPoolBackward[T float32 | float64](gsrc, gdst, src []T, g ConvGeom) {
	checkPool(len(gdst), len(gsrc), g)
	oh, ow := g.OutH(), g.OutW()
	if is2x2(g) {
		if gd, ok := AsF32(gdst); ok {
			gs, _ := AsF32(gsrc)
			s, _ := AsF32(src)
			for c := 0; c < g.C; c++ {
				gout, gimg, img := gd[c*oh*ow:(c+1)*oh*ow], gs[c*g.H*g.W:(c+1)*g.H*g.W], s[c*g.H*g.W:(c+1)*g.H*g.W]
				if useAVX512 && oh*ow > 0 {
					maxPool2x2GradAVX512(&gimg[0], &gout[0], &img[0], oh, ow, g.W)
				} else {
					maxPool2x2GradGo(gimg, gout, img, oh, ow, g.W)
				}
			}
			return
		}
		maxPool2x2(gdst, gsrc, src, g, true)
		return
	}
	for c := 0; c < g.C; c++ {
		img := src[c*g.H*g.W : (c+1)*g.H*g.W]
		gimg := gsrc[c*g.H*g.W : (c+1)*g.H*g.W]
		gout := gdst[c*oh*ow : (c+1)*oh*ow]
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				gimg[maxIndex(img, g, y, x)] += gout[y*ow+x]
			}
		}
	}
}

// maxPool2x2 is MaxPool (backward false: out is its output) and
// MaxPoolBackward (backward true: out is the output's gradient, added to
// gsrc) for the 2×2 window of stride 2, with the choice of maxIndex made
// inline on the window's four pixels.
func maxPool2x2[T float32 | float64](out, gsrc, src []T, g ConvGeom, backward bool) {
	oh, ow := g.OutH(), g.OutW()
	for c := 0; c < g.C; c++ {
		img := src[c*g.H*g.W : (c+1)*g.H*g.W]
		o := out[c*oh*ow : (c+1)*oh*ow]
		for y := 0; y < oh; y++ {
			top := img[2*y*g.W : (2*y+1)*g.W]
			bot := img[(2*y+1)*g.W : (2*y+2)*g.W]
			orow := o[y*ow : (y+1)*ow]
			if !backward {
				// The value alone, without branches: the builtin max
				// gives NaN when any of the four is NaN, as maxIndex's
				// choice does.
				top, bot := top[:2*ow], bot[:2*ow]
				for x := range orow {
					orow[x] = max(max(top[2*x], top[2*x+1]), max(bot[2*x], bot[2*x+1]))
				}
				continue
			}
			for x := range orow {
				// The first largest of the four in row-major order, or the
				// last NaN: see maxIndex.
				best, bi := top[2*x], 2*y*g.W+2*x
				if v := top[2*x+1]; v > best || v != v {
					best, bi = v, bi+1
				}
				if v := bot[2*x]; v > best || v != v {
					best, bi = v, (2*y+1)*g.W+2*x
				}
				if v := bot[2*x+1]; v > best || v != v {
					best, bi = v, (2*y+1)*g.W+2*x+1
				}
				if backward {
					gsrc[c*g.H*g.W+bi] += orow[x]
				} else {
					orow[x] = best
				}
			}
		}
	}
}

// avgPool2x2Go averages the 2×2 blocks of planes of h×w pixels (a last odd
// row or column is left out): the Go twin of avgPool2x2AVX512.
func avgPool2x2Go[T float32 | float64](dst, src []T, planes, h, w int) {
	oh, ow := h/2, w/2
	for c := 0; c < planes; c++ {
		img, out := src[c*h*w:(c+1)*h*w], dst[c*oh*ow:(c+1)*oh*ow]
		for y := 0; y < oh; y++ {
			r0, r1 := img[2*y*w:2*y*w+2*ow], img[(2*y+1)*w:(2*y+1)*w+2*ow]
			o := out[y*ow : (y+1)*ow]
			for x := range o {
				o[x] = (r0[2*x] + r0[2*x+1] + r1[2*x] + r1[2*x+1]) * 0.25
			}
		}
	}
}

// avgPool2x2GradGo adds a quarter of each 2×2 block's gradient to the
// block's four pixels: the Go twin of avgPool2x2GradAVX512.
func avgPool2x2GradGo[T float32 | float64](gsrc, gdst []T, planes, h, w int) {
	oh, ow := h/2, w/2
	for c := 0; c < planes; c++ {
		img, gout := gsrc[c*h*w:(c+1)*h*w], gdst[c*oh*ow:(c+1)*oh*ow]
		for y := 0; y < oh; y++ {
			r0, r1 := img[2*y*w:2*y*w+2*ow], img[(2*y+1)*w:(2*y+1)*w+2*ow]
			for x, v := range gout[y*ow : (y+1)*ow] {
				v *= 0.25
				r0[2*x] += v
				r0[2*x+1] += v
				r1[2*x] += v
				r1[2*x+1] += v
			}
		}
	}
}

// maxPool2x2Go writes into dst (oh×ow) the 2×2, stride-2 max pool of the
// plane src, w pixels wide: the element maxIndex picks from each window
// (the first largest, or the last NaN). It is the Go twin of
// maxPool2x2AVX512.
func maxPool2x2Go(dst, src []float32, oh, ow, w int) {
	for y := 0; y < oh; y++ {
		top, bot := src[2*y*w:2*y*w+2*ow], src[(2*y+1)*w:(2*y+1)*w+2*ow]
		for x := range dst[y*ow : (y+1)*ow] {
			v, _ := pick2x2(top[2*x], top[2*x+1], bot[2*x], bot[2*x+1])
			dst[y*ow+x] = v
		}
	}
}

// maxPool2x2GradGo adds each window's gradient gdst to the element of
// src that maxPool2x2Go picked, and zero to the window's three others
// (which turns a −0 into +0, and nothing else): the Go twin of
// maxPool2x2GradAVX512.
func maxPool2x2GradGo(gsrc, gdst, src []float32, oh, ow, w int) {
	for y := 0; y < oh; y++ {
		t, b := 2*y*w, (2*y+1)*w
		for x := 0; x < ow; x++ {
			_, k := pick2x2(src[t+2*x], src[t+2*x+1], src[b+2*x], src[b+2*x+1])
			var g [4]float32
			g[k] = gdst[y*ow+x]
			gsrc[t+2*x] += g[0]
			gsrc[t+2*x+1] += g[1]
			gsrc[b+2*x] += g[2]
			gsrc[b+2*x+1] += g[3]
		}
	}
}

// pick2x2 returns the value maxIndex picks from a window of four (top
// left, top right, bottom left, bottom right) and its place, 0 to 3.
func pick2x2(tl, tr, bl, br float32) (float32, int) {
	best, k := tl, 0
	if tr > best || tr != tr {
		best, k = tr, 1
	}
	if bl > best || bl != bl {
		best, k = bl, 2
	}
	if br > best || br != br {
		best, k = br, 3
	}
	return best, k
}
