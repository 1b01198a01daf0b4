package kernels

// SumF32 returns the sum of x, accumulated in float32 in sixteen lanes
// (so in a different order from a plain loop).
func SumF32(x []float32) float32 {
	if useVecmath && len(x) > 0 {
		return sumAVX512(&x[0], len(x))
	}
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

// SGDMomentum applies one step of SGD with momentum to float32 slices:
// v = mom·v + keep·g, then p -= lr·v.
func SGDMomentum(p, g, v []float32, lr, mom, keep float32) {
	g, v = g[:len(p)], v[:len(p)]
	if useVecmath && len(p) > 0 {
		sgdMomentumAVX512(&p[0], &g[0], &v[0], len(p), lr, mom, keep)
		return
	}
	for i := range p {
		v[i] = mom*v[i] + keep*g[i]
		p[i] -= lr * v[i]
	}
}

// ReLU sets dst[i] = max(src[i], 0); NaN stays NaN.
func ReLU(dst, src []float32) {
	src = src[:len(dst)]
	if useVecmath && len(dst) > 0 {
		reluAVX512(&dst[0], &src[0], len(dst))
		return
	}
	for i, v := range src {
		if v > 0 || v != v { // NaN stays NaN
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

// ReLUGrad adds to gx the gradient through ReLU: gx[i] += g[i] where
// x[i] > 0.
func ReLUGrad(gx, g, x []float32) {
	g, x = g[:len(gx)], x[:len(gx)]
	if useVecmath && len(gx) > 0 {
		reluGradAVX512(&gx[0], &g[0], &x[0], len(gx))
		return
	}
	for i, v := range x {
		if v > 0 {
			gx[i] += g[i]
		}
	}
}

// BytesToF32 converts bytes to floats: dst[i] = float32(src[i])·scale +
// offset, as when normalising 8-bit pixels.
func BytesToF32(dst []float32, src []byte, scale, offset float32) {
	src = src[:len(dst)]
	if useVecmath && len(dst) > 0 {
		bytesToF32AVX512(&dst[0], &src[0], len(dst), scale, offset)
		return
	}
	for i, v := range src {
		dst[i] = float32(v)*scale + offset
	}
}
