package tensor

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// Conv2DParams describes a convolution with every option PyTorch's
// Conv2d has: a stride and a dilation per axis, padding per side (so that
// "same" padding of an even window, which puts the extra zero at the
// bottom and right, can be expressed) and groups. Zero strides, dilations
// and groups mean 1, so the zero value is a plain stride-1 convolution
// without padding.
type Conv2DParams struct {
	StrideH, StrideW                     int
	PadTop, PadBottom, PadLeft, PadRight int
	DilationH, DilationW                 int
	Groups                               int
}

// norm returns p with zero strides, dilations and groups replaced by 1.
func (p Conv2DParams) norm() Conv2DParams {
	one := func(v *int) {
		if *v == 0 {
			*v = 1
		}
	}
	one(&p.StrideH)
	one(&p.StrideW)
	one(&p.DilationH)
	one(&p.DilationW)
	one(&p.Groups)
	return p
}

// Uniform reports whether the convolution is one that Conv2DTo computes
// (one group, no dilation, the same stride on both axes and the same
// padding on every side), and returns that stride and padding.
func (p Conv2DParams) Uniform() (stride, pad int, ok bool) {
	p = p.norm()
	ok = p.Groups == 1 && p.DilationH == 1 && p.DilationW == 1 && p.StrideH == p.StrideW &&
		p.PadTop == p.PadBottom && p.PadTop == p.PadLeft && p.PadTop == p.PadRight
	return p.StrideH, p.PadTop, ok
}

// convGeneral is the resolved geometry of one group of a general
// convolution over one image.
type convGeneral struct {
	c, h, w    int // input channels of a group, image size
	kh, kw     int
	sh, sw     int
	pt, pl     int
	dh, dw     int
	oh, ow     int
	groups, og int // groups, output channels per group
}

// generalGeom checks a general convolution of images x with filters w
// and returns its geometry, panicking with both shapes when they do not fit.
func generalGeom(x, w []int, p Conv2DParams) convGeneral {
	p = p.norm()
	if len(x) != 4 || len(w) != 4 {
		panic(fmt.Sprintf("tensor: conv2d: input %v does not fit filters %v (want (N, C, H, W) and (O, C/groups, KH, KW))", x, w))
	}
	if p.StrideH < 0 || p.StrideW < 0 || p.DilationH < 0 || p.DilationW < 0 || p.Groups < 0 ||
		p.PadTop < 0 || p.PadBottom < 0 || p.PadLeft < 0 || p.PadRight < 0 {
		panic(fmt.Sprintf("tensor: conv2d: invalid parameters %+v", p))
	}
	g := p.Groups
	if x[1]%g != 0 || w[0]%g != 0 || w[1]*g != x[1] {
		panic(fmt.Sprintf("tensor: conv2d with %d groups: input %v does not fit filters %v (want (N, C, H, W) and (O, C/groups, KH, KW), C and O divisible by groups)", g, x, w))
	}
	geo := convGeneral{c: w[1], h: x[2], w: x[3], kh: w[2], kw: w[3], sh: p.StrideH, sw: p.StrideW,
		pt: p.PadTop, pl: p.PadLeft, dh: p.DilationH, dw: p.DilationW, groups: g, og: w[0] / g}
	eh, ew := p.DilationH*(geo.kh-1)+1, p.DilationW*(geo.kw-1)+1
	ph, pw := geo.h+p.PadTop+p.PadBottom, geo.w+p.PadLeft+p.PadRight
	if geo.kh <= 0 || geo.kw <= 0 || geo.h <= 0 || geo.w <= 0 || eh > ph || ew > pw {
		panic(fmt.Sprintf("tensor: conv2d: %d×%d window (dilated %d×%d) does not fit the padded %d×%d image of input %v", geo.kh, geo.kw, eh, ew, ph, pw, x))
	}
	geo.oh, geo.ow = (ph-eh)/p.StrideH+1, (pw-ew)/p.StrideW+1
	return geo
}

// AppendConv2DShapeWith appends to dst the output shape (N, O, OH, OW) of
// a general convolution (see Conv2DParams) of images x (N, C, H, W) with
// filters w (O, C/groups, KH, KW), and returns the extended slice. It
// panics naming both shapes when they do not fit.
func AppendConv2DShapeWith(dst []int, x, w []int, p Conv2DParams) []int {
	g := generalGeom(x, w, p)
	return append(dst, x[0], w[0], g.oh, g.ow)
}

// Conv2DToWith writes into dst (N, O, OH, OW) the convolution of x
// (N, C, H, W) with the filters w (O, C/groups, KH, KW), plus the bias b
// (O) or nil, with the options of p. A convolution that Conv2DTo can
// compute (one group, no dilation, the same stride and padding everywhere)
// goes there, bit for bit; the others unfold each group of each image
// with a dilated im2col and multiply it by the group's filters. Scratch
// memory comes from ar (nil: the heap).
func Conv2DToWith(dst, x, w, b *Tensor, p Conv2DParams, ar *Arena) {
	if stride, pad, ok := p.Uniform(); ok {
		Conv2DTo(dst, x, w, b, stride, pad, ar)
		return
	}
	checkFloat("conv2d", dst, x, w, b)
	var buf [4]int
	want := AppendConv2DShapeWith(buf[:0], x.shape, w.shape, p)
	if !EqualShapes(want, dst.shape) || x.dtype != w.dtype || dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: conv2d of %v %v with %v %v into %v %v", x.dtype, x.shape, w.dtype, w.shape, dst.dtype, dst.shape))
	}
	if b != nil && (len(b.shape) != 1 || b.shape[0] != w.shape[0] || b.dtype != x.dtype) {
		panic(fmt.Sprintf("tensor: conv2d: bias %v does not fit filters %v", b.shape, w.shape))
	}
	geo := generalGeom(x.shape, w.shape, p)
	if x.dtype == Float64 {
		convGeneralForward(ar, f64s, dst.f64, x.f64, w.f64, f64s(b), x.shape[0], geo)
	} else {
		convGeneralForward(ar, f32s, dst.f32, x.f32, w.f32, f32s(b), x.shape[0], geo)
	}
}

// Conv2DBackwardWith adds to gx, gw and gb (each nil when not wanted) the
// gradients of a convolution (see Conv2DToWith) of x with w, given gout,
// the gradient of its output. Per group, the filters' gradient is g·colsᵀ
// and the input's is Wᵀ·g folded back with a dilated col2im; the filters'
// gradient is summed over workers in a fixed order.
func Conv2DBackwardWith(gx, gw, gb, gout, x, w *Tensor, p Conv2DParams, ar *Arena) {
	if stride, pad, ok := p.Uniform(); ok {
		Conv2DBackward(gx, gw, gb, gout, x, w, stride, pad, ar)
		return
	}
	checkFloat("conv2d gradient", gx, gw, gb, gout, x, w)
	geo := generalGeom(x.shape, w.shape, p)
	for _, c := range [...]struct{ g, v *Tensor }{{gx, x}, {gw, w}} {
		if c.g != nil && (c.g.dtype != c.v.dtype || !c.g.SameShape(c.v)) {
			panic(fmt.Sprintf("tensor: conv2d gradient %v %v for %v %v", c.g.dtype, c.g.shape, c.v.dtype, c.v.shape))
		}
	}
	if gb != nil && (gb.Len() != w.shape[0] || gb.dtype != x.dtype) {
		panic(fmt.Sprintf("tensor: conv2d bias gradient %v for filters %v", gb.shape, w.shape))
	}
	var buf [4]int
	if want := AppendConv2DShapeWith(buf[:0], x.shape, w.shape, p); !EqualShapes(want, gout.shape) {
		panic(fmt.Sprintf("tensor: conv2d output gradient %v, want %v", gout.shape, want))
	}
	if x.dtype == Float64 {
		convGeneralBackward(ar, f64s, f64s(gx), f64s(gw), f64s(gb), gout.f64, x.f64, w.f64, x.shape[0], geo)
	} else {
		convGeneralBackward(ar, f32s, f32s(gx), f32s(gw), f32s(gb), gout.f32, x.f32, w.f32, x.shape[0], geo)
	}
}

// im2colGeneral unfolds the geo.c channels of src (c×h×w) into col
// (c·kh·kw rows of oh·ow), with dilation and per-side padding.
func im2colGeneral[T float](col, src []T, geo convGeneral) {
	ohw := geo.oh * geo.ow
	row := 0
	for c := 0; c < geo.c; c++ {
		img := src[c*geo.h*geo.w : (c+1)*geo.h*geo.w]
		for i := 0; i < geo.kh; i++ {
			for j := 0; j < geo.kw; j++ {
				out := col[row*ohw : (row+1)*ohw]
				row++
				for y := 0; y < geo.oh; y++ {
					o := out[y*geo.ow : (y+1)*geo.ow]
					iy := y*geo.sh - geo.pt + i*geo.dh
					if iy < 0 || iy >= geo.h {
						clear(o)
						continue
					}
					line := img[iy*geo.w : (iy+1)*geo.w]
					for x := range o {
						if ix := x*geo.sw - geo.pl + j*geo.dw; ix >= 0 && ix < geo.w {
							o[x] = line[ix]
						} else {
							o[x] = 0
						}
					}
				}
			}
		}
	}
}

// col2imGeneral adds the columns col back onto the image dst, the
// transpose of im2colGeneral.
func col2imGeneral[T float](dst, col []T, geo convGeneral) {
	ohw := geo.oh * geo.ow
	row := 0
	for c := 0; c < geo.c; c++ {
		img := dst[c*geo.h*geo.w : (c+1)*geo.h*geo.w]
		for i := 0; i < geo.kh; i++ {
			for j := 0; j < geo.kw; j++ {
				in := col[row*ohw : (row+1)*ohw]
				row++
				for y := 0; y < geo.oh; y++ {
					iy := y*geo.sh - geo.pt + i*geo.dh
					if iy < 0 || iy >= geo.h {
						continue
					}
					line := img[iy*geo.w : (iy+1)*geo.w]
					for x, v := range in[y*geo.ow : (y+1)*geo.ow] {
						if ix := x*geo.sw - geo.pl + j*geo.dw; ix >= 0 && ix < geo.w {
							line[ix] += v
						}
					}
				}
			}
		}
	}
}

func convGeneralForward[T float](ar *Arena, elems func(*Tensor) []T, out, x, w, bias []T, n int, geo convGeneral) {
	ckk, ohw := geo.c*geo.kh*geo.kw, geo.oh*geo.ow
	in, gin := geo.groups*geo.c*geo.h*geo.w, geo.c*geo.h*geo.w
	o := geo.groups * geo.og
	chunks := kernels.Chunks(n, 1)
	cols := elems(ar.Empty(dtypeOf[T](), chunks*ckk*ohw))
	kernels.ParallelChunks(n, chunks, func(wk, lo, hi int) {
		col := cols[wk*ckk*ohw : (wk+1)*ckk*ohw]
		for i := lo; i < hi; i++ {
			oi := out[i*o*ohw : (i+1)*o*ohw]
			for g := 0; g < geo.groups; g++ {
				im2colGeneral(col, x[i*in+g*gin:i*in+(g+1)*gin], geo)
				gemmT(false, false, geo.og, ohw, ckk, w[g*geo.og*ckk:], ckk, col, ohw, 0, oi[g*geo.og*ohw:], ohw)
			}
			for k, v := range bias {
				row := oi[k*ohw : (k+1)*ohw]
				for j := range row {
					row[j] += v
				}
			}
		}
	})
}

func convGeneralBackward[T float](ar *Arena, elems func(*Tensor) []T, gx, gw, gb, gr, x, w []T, n int, geo convGeneral) {
	ckk, ohw := geo.c*geo.kh*geo.kw, geo.oh*geo.ow
	in, gin := geo.groups*geo.c*geo.h*geo.w, geo.c*geo.h*geo.w
	o := geo.groups * geo.og
	if gb != nil {
		for i := 0; i < n; i++ {
			for k := 0; k < o; k++ {
				gb[k] += sum(gr[(i*o+k)*ohw : (i*o+k+1)*ohw])
			}
		}
	}
	if gw == nil && gx == nil {
		return
	}
	workers := kernels.Chunks(n, 1)
	var gws []T
	if gw != nil {
		gws = elems(ar.Empty(dtypeOf[T](), workers*o*ckk))
		clear(gws)
	}
	cols := elems(ar.Empty(dtypeOf[T](), workers*ckk*ohw))
	kernels.ParallelChunks(n, workers, func(wk, lo, hi int) {
		col := cols[wk*ckk*ohw : (wk+1)*ckk*ohw]
		for i := lo; i < hi; i++ {
			for g := 0; g < geo.groups; g++ {
				gi := gr[i*o*ohw+g*geo.og*ohw : i*o*ohw+(g+1)*geo.og*ohw]
				xi := x[i*in+g*gin : i*in+(g+1)*gin]
				wg := w[g*geo.og*ckk : (g+1)*geo.og*ckk]
				if gw != nil {
					im2colGeneral(col, xi, geo)
					// gw_worker(group) += g_i · col_iᵀ
					gemmT(false, true, geo.og, ckk, ohw, gi, ohw, col, ohw, 1, gws[wk*o*ckk+g*geo.og*ckk:], ckk)
				}
				if gx != nil {
					// col = W_gᵀ · g_i, folded back onto the group's channels.
					gemmT(true, false, ckk, ohw, geo.og, wg, ckk, gi, ohw, 0, col, ohw)
					col2imGeneral(gx[i*in+g*gin:i*in+(g+1)*gin], col, geo)
				}
			}
		}
	})
	for wk := 0; gw != nil && wk < workers; wk++ {
		for j, v := range gws[wk*o*ckk : (wk+1)*o*ckk] {
			gw[j] += v
		}
	}
}
