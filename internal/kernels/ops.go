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
