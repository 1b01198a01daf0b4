package tensor

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// Pool2DParams describes max or average pooling with every option of
// PyTorch's MaxPool2d and AvgPool2d (but dilation): a KH×KW window moved
// by StrideH/StrideW (0: the window's size, PyTorch's default), over the
// image with PadH/PadW implicit padding on each side (at most half the
// window). CeilMode rounds the number of windows up, as long as the last
// window starts inside the image or its left/top padding. ExcludePad
// (PyTorch's count_include_pad=False) makes average pooling divide by the
// number of real pixels in a window instead of counting the padding; max
// pooling never sees the padding.
type Pool2DParams struct {
	KH, KW, StrideH, StrideW, PadH, PadW int
	CeilMode, ExcludePad                 bool
}

// poolGeneral is the resolved geometry of a general pooling.
type poolGeneral struct {
	Pool2DParams
	h, w, oh, ow int
}

// PoolOutSize is the output size of pooling along one axis of in numbers,
// with a window of k, pad on each side and the given stride, rounding up
// when ceil: PyTorch's pooling_output_shape, whose last window must start
// inside the input or its left padding.
func PoolOutSize(in, k, pad, stride int, ceil bool) int {
	num := in + 2*pad - k
	if ceil {
		num += stride - 1
	}
	out := num/stride + 1
	if ceil && (out-1)*stride >= in+pad {
		out--
	}
	return out
}

// poolGeom checks a general pooling of images of NCHW shape and returns
// its geometry, panicking with the shape and parameters when they do not
// fit.
func poolGeom(shape []int, p Pool2DParams) poolGeneral {
	if len(shape) != 4 {
		panic(fmt.Sprintf("tensor: pooling needs NCHW (4-D) images, got shape %v", shape))
	}
	if p.StrideH == 0 {
		p.StrideH = p.KH
	}
	if p.StrideW == 0 {
		p.StrideW = p.KW
	}
	if p.KH <= 0 || p.KW <= 0 || p.StrideH <= 0 || p.StrideW <= 0 || p.PadH < 0 || p.PadW < 0 || 2*p.PadH > p.KH || 2*p.PadW > p.KW {
		panic(fmt.Sprintf("tensor: pooling parameters %+v invalid (positive window and stride, padding at most half the window)", p))
	}
	g := poolGeneral{Pool2DParams: p, h: shape[2], w: shape[3]}
	g.oh = PoolOutSize(g.h, p.KH, p.PadH, p.StrideH, p.CeilMode)
	g.ow = PoolOutSize(g.w, p.KW, p.PadW, p.StrideW, p.CeilMode)
	if g.h <= 0 || g.w <= 0 || g.oh <= 0 || g.ow <= 0 {
		panic(fmt.Sprintf("tensor: %d×%d pooling window with padding %d×%d does not fit images %v", p.KH, p.KW, p.PadH, p.PadW, shape))
	}
	return g
}

// AppendPool2DShapeWith appends to dst the output shape (N, C, OH, OW) of
// a general pooling (see Pool2DParams) of images x (N, C, H, W).
func AppendPool2DShapeWith(dst []int, x []int, p Pool2DParams) []int {
	g := poolGeom(x, p)
	return append(dst, x[0], x[1], g.oh, g.ow)
}

// window returns the rows [y0, y1) and columns [x0, x1) of the image that
// output (y, x) covers, and the divisor of average pooling.
func (g *poolGeneral) window(y, x int) (y0, y1, x0, x1, div int) {
	y0, x0 = y*g.StrideH-g.PadH, x*g.StrideW-g.PadW
	y1, x1 = min(y0+g.KH, g.h+g.PadH), min(x0+g.KW, g.w+g.PadW)
	div = (y1 - y0) * (x1 - x0)
	y0, x0, y1, x1 = max(y0, 0), max(x0, 0), min(y1, g.h), min(x1, g.w)
	if g.ExcludePad {
		div = (y1 - y0) * (x1 - x0)
	}
	return
}

// Pool2DToWith writes into dst (N, C, OH, OW) the max or average of every
// window of x (N, C, H, W) described by p, as PyTorch computes it. The
// planes are split among the workers.
func Pool2DToWith(kind PoolKind, dst, x *Tensor, p Pool2DParams) {
	checkFloat(kind.String(), dst, x)
	var buf [4]int
	if want := AppendPool2DShapeWith(buf[:0], x.shape, p); !EqualShapes(want, dst.shape) || dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: %v of %v %v into %v %v", kind, x.dtype, x.shape, dst.dtype, dst.shape))
	}
	g := poolGeom(x.shape, p)
	poolGeneralPlanes(kind, false, dst, nil, x, &g)
}

// Pool2DBackwardWith adds to gx the gradient of a general pooling of x
// (see Pool2DToWith) whose output was y, given gout, the gradient of that
// output: each window's gradient divided by its divisor and added to its
// pixels (average), or sent to the element that won, the first largest or
// the last NaN (max).
func Pool2DBackwardWith(kind PoolKind, gx, gout, x, y *Tensor, p Pool2DParams) {
	checkFloat(kind.String(), gx, gout, x, y)
	if gx.dtype != x.dtype || !gx.SameShape(x) || !gout.SameShape(y) {
		panic(fmt.Sprintf("tensor: %v gradient %v for input %v, output gradient %v for output %v", kind, gx.shape, x.shape, gout.shape, y.shape))
	}
	g := poolGeom(x.shape, p)
	poolGeneralPlanes(kind, true, gout, gx, x, &g)
}

func poolGeneralPlanes(kind PoolKind, backward bool, y, gx, x *Tensor, g *poolGeneral) {
	planes := x.shape[0] * x.shape[1]
	in, out := g.h*g.w, g.oh*g.ow
	kernels.Parallel(planes, 8, func(_, lo, hi int) {
		for c := lo; c < hi; c++ {
			if x.dtype == Float64 {
				poolGeneralPlane(kind, backward, y.f64[c*out:(c+1)*out], f64s(gx), x.f64[c*in:(c+1)*in], g, c*in)
			} else {
				poolGeneralPlane(kind, backward, y.f32[c*out:(c+1)*out], f32s(gx), x.f32[c*in:(c+1)*in], g, c*in)
			}
		}
	})
}

// poolGeneralPlane pools one plane img into y, or, backward, adds the
// gradient y of its output to gx[off:].
func poolGeneralPlane[T float](kind PoolKind, backward bool, y, gx, img []T, g *poolGeneral, off int) {
	if backward {
		gx = gx[off : off+g.h*g.w]
	}
	for oy := 0; oy < g.oh; oy++ {
		for ox := 0; ox < g.ow; ox++ {
			y0, y1, x0, x1, div := g.window(oy, ox)
			k := oy*g.ow + ox
			switch {
			case kind == AvgPool && !backward:
				var s T
				for i := y0; i < y1; i++ {
					for _, v := range img[i*g.w+x0 : i*g.w+x1] {
						s += v
					}
				}
				y[k] = s / T(div)
			case kind == AvgPool:
				v := y[k] / T(div)
				for i := y0; i < y1; i++ {
					row := gx[i*g.w+x0 : i*g.w+x1]
					for j := range row {
						row[j] += v
					}
				}
			default:
				best, bi := T(math.Inf(-1)), -1
				for i := y0; i < y1; i++ {
					for j := x0; j < x1; j++ {
						if v := img[i*g.w+j]; v > best || v != v || bi < 0 {
							best, bi = v, i*g.w+j
						}
					}
				}
				if backward {
					gx[bi] += y[k]
				} else {
					y[k] = best
				}
			}
		}
	}
}

// AdaptiveAvgPool2DTo writes into dst (N, C, OH, OW) the averages of x
// (N, C, H, W) over OH×OW windows that tile the image as PyTorch's
// AdaptiveAvgPool2d does: output row i averages the rows from ⌊i·H/OH⌋ up
// to ⌈(i+1)·H/OH⌉ (exclusive), and likewise for columns, so windows
// overlap when H is not a multiple of OH.
func AdaptiveAvgPool2DTo(dst, x *Tensor) {
	checkFloat("adaptive_avgpool2d", dst, x)
	if len(x.shape) != 4 || len(dst.shape) != 4 || dst.shape[0] != x.shape[0] || dst.shape[1] != x.shape[1] ||
		dst.shape[2] <= 0 || dst.shape[3] <= 0 || x.shape[2] <= 0 || x.shape[3] <= 0 || dst.dtype != x.dtype {
		panic(fmt.Sprintf("tensor: adaptive_avgpool2d of %v %v into %v %v", x.dtype, x.shape, dst.dtype, dst.shape))
	}
	adaptivePlanes(false, dst, x)
}

// AdaptiveAvgPool2DBackward adds to gx (N, C, H, W) the gradient of
// AdaptiveAvgPool2DTo given gout (N, C, OH, OW), the gradient of its
// output: each window's gradient spread evenly over it.
func AdaptiveAvgPool2DBackward(gx, gout *Tensor) {
	checkFloat("adaptive_avgpool2d gradient", gx, gout)
	if len(gx.shape) != 4 || len(gout.shape) != 4 || gx.shape[0] != gout.shape[0] || gx.shape[1] != gout.shape[1] || gx.dtype != gout.dtype {
		panic(fmt.Sprintf("tensor: adaptive_avgpool2d gradient %v %v from output gradient %v %v", gx.dtype, gx.shape, gout.dtype, gout.shape))
	}
	adaptivePlanes(true, gout, gx)
}

func adaptivePlanes(backward bool, y, x *Tensor) {
	planes := x.shape[0] * x.shape[1]
	h, w, oh, ow := x.shape[2], x.shape[3], y.shape[2], y.shape[3]
	in, out := h*w, oh*ow
	kernels.Parallel(planes, 8, func(_, lo, hi int) {
		for c := lo; c < hi; c++ {
			if x.dtype == Float64 {
				adaptivePlane(backward, y.f64[c*out:(c+1)*out], x.f64[c*in:(c+1)*in], h, w, oh, ow)
			} else {
				adaptivePlane(backward, y.f32[c*out:(c+1)*out], x.f32[c*in:(c+1)*in], h, w, oh, ow)
			}
		}
	})
}

// adaptivePlane averages img (h×w) into y (oh×ow), or, backward, spreads
// the gradient y over img.
func adaptivePlane[T float](backward bool, y, img []T, h, w, oh, ow int) {
	for i := 0; i < oh; i++ {
		y0, y1 := i*h/oh, ((i+1)*h+oh-1)/oh
		for j := 0; j < ow; j++ {
			x0, x1 := j*w/ow, ((j+1)*w+ow-1)/ow
			div := T((y1 - y0) * (x1 - x0))
			if backward {
				v := y[i*ow+j] / div
				for r := y0; r < y1; r++ {
					row := img[r*w+x0 : r*w+x1]
					for k := range row {
						row[k] += v
					}
				}
				continue
			}
			var s T
			for r := y0; r < y1; r++ {
				for _, v := range img[r*w+x0 : r*w+x1] {
					s += v
				}
			}
			y[i*ow+j] = s / div
		}
	}
}
