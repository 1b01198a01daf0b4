package kernels

// Batch normalisation's per-element passes over one image's row of a
// channel, in float32. The statistics and sums are the caller's (package
// tensor); these are the passes that touch every element: the forward
// normalisation and the input's gradient. Each operation is rounded to
// float32 in the order written, with no fused multiply-add, so the
// vector kernels give the bits of their Go twins.

// BatchNormRow sets xhat[k] = (x[k] − mean)·is and y[k] = g·xhat[k] + b.
func BatchNormRow(y, xhat, x []float32, mean, is, g, b float32) {
	y, xhat = y[:len(x)], xhat[:len(x)]
	if useAVX512 && len(x) > 0 {
		batchNormRowAVX512(&y[0], &xhat[0], &x[0], len(x), mean, is, g, b)
		return
	}
	batchNormRowGo(y, xhat, x, mean, is, g, b)
}

// batchNormRowGo is the Go twin of batchNormRowAVX512. The conversions
// round every product, so no compiler fuses a multiply-add.
func batchNormRowGo(y, xhat, x []float32, mean, is, g, b float32) {
	for k, v := range x {
		h := float32(v-mean) * is
		xhat[k] = h
		y[k] = float32(g*h) + b
	}
}

// BatchNormGradRow adds (a·g[k] − b0) − xhat[k]·b1 to gx[k], or with set
// writes it there: the input's gradient, with a = γ/σ, b0 = a·Σg/m and
// b1 = a·Σg·x̂/m (both 0 in inference).
func BatchNormGradRow(gx, g, xhat []float32, a, b0, b1 float32, set bool) {
	g, xhat = g[:len(gx)], xhat[:len(gx)]
	if useAVX512 && len(gx) > 0 {
		batchNormGradRowAVX512(&gx[0], &g[0], &xhat[0], len(gx), a, b0, b1, set)
		return
	}
	batchNormGradRowGo(gx, g, xhat, a, b0, b1, set)
}

// batchNormGradRowGo is the Go twin of batchNormGradRowAVX512.
func batchNormGradRowGo(gx, g, xhat []float32, a, b0, b1 float32, set bool) {
	for k, v := range g {
		d := float32(float32(a*v)-b0) - float32(xhat[k]*b1)
		if set {
			gx[k] = d
		} else {
			gx[k] += d
		}
	}
}
