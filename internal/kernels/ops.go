package kernels

import (
	"math"
	"unsafe"
)

// SumF32 returns the sum of x, accumulated in float32 in four times
// sixteen lanes, so in a different order from a plain loop but in the same
// order, and to the same bits, with or without AVX-512.
func SumF32(x []float32) float32 {
	if useAVX512 && len(x) > 0 {
		return sumAVX512(&x[0], len(x))
	}
	return sumGo(x)
}

// sumGo is the Go twin of sumAVX512, in the same order: four accumulators
// of sixteen lanes take 64 elements at a time, the first takes what is
// left in blocks of 16 and the second the last partial block; then the
// accumulators are added pairwise, and the lanes halved three times and
// added pairwise.
func sumGo(x []float32) float32 {
	var acc [4][16]float32
	for ; len(x) >= 64; x = x[64:] {
		for l := range 16 {
			acc[0][l] += x[l]
			acc[1][l] += x[16+l]
			acc[2][l] += x[32+l]
			acc[3][l] += x[48+l]
		}
	}
	for ; len(x) >= 16; x = x[16:] {
		for l := range 16 {
			acc[0][l] += x[l]
		}
	}
	for l, v := range x {
		acc[1][l] += v
	}
	var s [16]float32
	for l := range s {
		s[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l])
	}
	for l := range 8 {
		s[l] += s[l+8]
	}
	for l := range 4 {
		s[l] += s[l+4]
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// SGDMomentum applies one step of SGD with momentum to float32 slices:
// v = mom·v + keep·g, then p -= lr·v.
//
// A large parameter is split among the workers (see parallelUpdate): each
// element's update is independent, so the bits do not depend on the split.
func SGDMomentum(p, g, v []float32, lr, mom, keep float32) {
	g, v = g[:len(p)], v[:len(p)]
	if parallelUpdate(updateSGDMomentum, p, g, v, nil, [8]float32{lr, mom, keep}) {
		return
	}
	sgdMomentumSerial(p, g, v, lr, mom, keep)
}

func sgdMomentumSerial(p, g, v []float32, lr, mom, keep float32) {
	if useAVX512 && len(p) > 0 {
		sgdMomentumAVX512(&p[0], &g[0], &v[0], len(p), lr, mom, keep)
		return
	}
	sgdMomentumGo(p, g, v, lr, mom, keep)
}

// sgdMomentumGo is the Go twin of sgdMomentumAVX512.
func sgdMomentumGo(p, g, v []float32, lr, mom, keep float32) {
	for i := range p {
		v[i] = mom*v[i] + keep*g[i]
		p[i] -= lr * v[i]
	}
}

// Adam applies one step of Adam (AdamW when decay is not 1) to the
// parameters p with gradient g, first moment m and second moment v:
//
//	p ← p·decay
//	m ← m·β₁ + keep1·g          (keep1 = 1 − β₁)
//	v ← v·β₂ + keep2·g·g        (keep2 = 1 − β₂)
//	p ← p + step·m / (√v / bc2sqrt + ε)
//
// where step = −η/(1 − β₁ᵗ) and bc2sqrt = √(1 − β₂ᵗ), each operation
// rounded to float32 in this order.
//
// A large parameter is split among the workers, as in SGDMomentum.
func Adam(p, g, m, v []float32, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	if parallelUpdate(updateAdam, p, g, m, v, [8]float32{beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay}) {
		return
	}
	adamSerial(p, g, m, v, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay)
}

func adamSerial(p, g, m, v []float32, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay float32) {
	if useAVX512 && len(p) > 0 {
		adamAVX512(&p[0], &g[0], &m[0], &v[0], len(p), beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay)
		return
	}
	adamGo(p, g, m, v, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay)
}

// adamGo is the Go twin of adamAVX512. The explicit conversions round
// every product, so no compiler fuses a multiply-add.
func adamGo(p, g, m, v []float32, beta1, keep1, beta2, keep2, step, bc2sqrt, eps, decay float32) {
	for i, d := range g {
		pi := p[i]
		if decay != 1 {
			pi *= decay
		}
		m[i] = float32(m[i]*beta1) + float32(keep1*d)
		v[i] = float32(v[i]*beta2) + float32(float32(keep2*d)*d)
		p[i] = pi + float32(step*m[i])/(float32(float32(math.Sqrt(float64(v[i])))/bc2sqrt)+eps)
	}
}

// Add sets dst[i] = a[i] + b[i]; dst may be a or b (dst += b is
// Add(dst, dst, b)).
func Add(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if useAVX512 && len(dst) > 0 {
		addAVX512(&dst[0], &a[0], &b[0], len(dst))
		return
	}
	addGo(dst, a, b)
}

// addGo is the Go twin of addAVX512.
func addGo(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// ReLU sets dst[i] = max(src[i], 0); NaN stays NaN, and -0 stays -0
// (the AVX-512 instruction returns its operand when both are zeros; the
// Go twin does the same, so that every build gives the same bits).
func ReLU(dst, src []float32) {
	src = src[:len(dst)]
	if useAVX512 && len(dst) > 0 {
		reluAVX512(&dst[0], &src[0], len(dst))
		return
	}
	reluGo(dst, src)
}

// BiasReLUTile adds bias (cols numbers, or nil for none) to each of rows
// rows of cols numbers of c, ldc apart, then, with relu, applies ReLU to
// them: Add and then ReLU on each row, to the bits, in one pass. It
// finishes a GEMM's tile while the tile is still in cache.
func BiasReLUTile(c []float32, ldc, rows, cols int, bias []float32, relu bool) {
	if rows <= 0 || cols <= 0 {
		return
	}
	c = c[:(rows-1)*ldc+cols]
	if bias != nil {
		bias = bias[:cols]
	}
	if useAVX512 {
		var b *float32
		if bias != nil {
			b = &bias[0]
		}
		biasReLUTileAVX512(&c[0], ldc, rows, cols, b, relu)
		return
	}
	biasReLUTileGo(c, ldc, rows, cols, bias, relu)
}

// biasReLUTileGo is the Go twin of biasReLUTileAVX512.
func biasReLUTileGo(c []float32, ldc, rows, cols int, bias []float32, relu bool) {
	for i := 0; i < rows; i++ {
		row := c[i*ldc : i*ldc+cols]
		if bias != nil {
			addGo(row, row, bias)
		}
		if relu {
			reluGo(row, row)
		}
	}
}

// reluGo is the Go twin of reluAVX512.
func reluGo(dst, src []float32) {
	for i, v := range src {
		if v < 0 {
			dst[i] = 0
		} else {
			dst[i] = v // NaN stays NaN, and -0 stays -0, as in reluAVX512
		}
	}
}

// ReLUGrad adds to gx the gradient through ReLU: gx[i] += g[i] where
// x[i] > 0 or x[i] is NaN (PyTorch passes a NaN's gradient through). x may
// be ReLU's input or its output, which agree on both conditions.
func ReLUGrad(gx, g, x []float32) { reluGrad(gx, g, x, false) }

// ReLUGradSet is ReLUGrad setting gx instead of adding to it: gx = g where
// x > 0 or x is NaN, 0 elsewhere (as ReLUGrad on a cleared gx, to the bit).
func ReLUGradSet(gx, g, x []float32) { reluGrad(gx, g, x, true) }

func reluGrad(gx, g, x []float32, set bool) {
	g, x = g[:len(gx)], x[:len(gx)]
	if useAVX512 && len(gx) > 0 {
		reluGradAVX512(&gx[0], &g[0], &x[0], len(gx), set)
		return
	}
	reluGradGo(gx, g, x, set)
}

// reluGradGo is the Go twin of reluGradAVX512.
func reluGradGo(gx, g, x []float32, set bool) {
	for i, v := range x {
		var base float32
		if !set {
			base = gx[i]
		}
		if !(v <= 0) {
			base += g[i]
		}
		gx[i] = base
	}
}

// BytesToF32 converts bytes to floats: dst[i] = float32(src[i])·scale +
// offset, as when normalising 8-bit pixels.
func BytesToF32(dst []float32, src []byte, scale, offset float32) {
	src = src[:len(dst)]
	if useAVX512 && len(dst) > 0 {
		bytesToF32AVX512(&dst[0], &src[0], len(dst), scale, offset)
		return
	}
	bytesToF32Go(dst, src, scale, offset)
}

// bytesToF32Go is the Go twin of bytesToF32AVX512.
func bytesToF32Go(dst []float32, src []byte, scale, offset float32) {
	for i, v := range src {
		dst[i] = float32(v)*scale + offset
	}
}

// AsF32 returns s as a []float32 over the same memory when T is float32
// (false for float64 and for an empty s), so that generic loops can hand
// float32 work to the vectorised kernels without the allocation of a
// conversion through an interface.
func AsF32[T ~float32 | ~float64](s []T) ([]float32, bool) {
	var zero T
	if unsafe.Sizeof(zero) != 4 || len(s) == 0 {
		return nil, false
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&s[0])), len(s)), true
}

// ExpF64 sets dst[i] = math.Exp(src[i]) for the len(dst) elements of
// src, with the bits math.Exp gives: on AVX-512, eight at a time by the
// same algorithm as the Go runtime's amd64 math.Exp (exp_amd64.s); 1,000
// numbers took 1.04 µs against 6.19 for a loop of calls
// (BenchmarkExpF64). dst may be src.
func ExpF64(dst, src []float64) {
	src = src[:len(dst)]
	if useAVX512 && len(dst) > 0 {
		expF64AVX512(&dst[0], &src[0], len(dst))
		return
	}
	expF64Go(dst, src)
}

// expF64Go is the Go twin of expF64AVX512.
func expF64Go(dst, src []float64) {
	for i, v := range src {
		dst[i] = math.Exp(v)
	}
}
