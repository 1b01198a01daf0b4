package kernels

import "math"

// Float32 exponential, tanh and sigmoid over slices. They use the
// range reduction and polynomials of Cephes' expf and tanhf (Moshier),
// with relative error around 2 float32 ulps, instead of calling float64
// math functions one element at a time.

const (
	expHi    = 88.3762626647949  // above this expf overflows
	expLo    = -103.972077083991 // below this it underflows to 0
	log2e    = 1.44269504088896341
	ln2Hi    = 0.693359375
	ln2Lo    = -2.12194440e-4
	tanhEdge = 0.625
)

// exp32 computes eˣ: x = n·ln2 + r with |r| ≤ ln2/2, eʳ by a degree-6
// polynomial, then the exponent n added to the bits.
func exp32(x float32) float32 {
	if x > expHi {
		return float32(math.Inf(1))
	}
	if x < expLo {
		return 0
	}
	if x != x {
		return x
	}
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2Hi - n*ln2Lo
	r2 := r * r
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	y := p*r2 + r + 1
	// Scale by 2ⁿ in two steps so that n down to -149 (subnormals) works.
	k := int32(n)
	if k < -126 {
		y *= math.Float32frombits(uint32(k+126+127) << 23)
		return y * math.Float32frombits(1<<23) // 2⁻¹²⁶
	}
	if k > 127 {
		return y * 2 * math.Float32frombits(uint32(k-1+127)<<23)
	}
	return y * math.Float32frombits(uint32(k+127)<<23)
}

// tanh32 computes tanh x: an odd polynomial near 0, 1 - 2/(e²ˣ+1) beyond.
func tanh32(x float32) float32 {
	z := x
	if z < 0 {
		z = -z
	}
	if z < tanhEdge {
		s := x * x
		return ((((-5.70498872745e-3*s+2.06390887954e-2)*s-5.37397155531e-2)*s+1.33314422036e-1)*s-3.33332819422e-1)*s*x + x
	}
	if z > 9.1 { // tanh is ±1 to float32 precision
		z = 1
	} else {
		z = 1 - 2/(exp32(2*z)+1)
	}
	if x < 0 {
		return -z
	}
	return z
}

// sigmoid32 computes 1/(1+e⁻ˣ) without overflow.
func sigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + exp32(-x))
	}
	e := exp32(x)
	return e / (1 + e)
}

// Exp sets dst[i] = e^src[i].
func Exp(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = exp32(v)
	}
}

// parallelGrain is the slice length from which the element-wise kernels
// split the work among the kernels' workers.
const parallelGrain = 1 << 15

// splits reports how many blocks of 16 elements Parallel shares out for a
// slice of n elements, or 0 when n is too small to be worth splitting.
// Chunk boundaries are multiples of 16 so that vector lanes line up the
// same way whatever the split.
func splits(n int) int {
	if n < 2*parallelGrain || Threads() < 2 {
		return 0
	}
	return n / 16
}

// span turns a chunk [lo, hi) of 16-element blocks into element indices,
// the last chunk taking the remainder.
func span(lo, hi, blocks, n int) (int, int) {
	if hi == blocks {
		return lo * 16, n
	}
	return lo * 16, hi * 16
}

// Tanh sets dst[i] = tanh(src[i]).
func Tanh(dst, src []float32) {
	src = src[:len(dst)]
	if b := splits(len(dst)); b > 0 {
		Parallel(b, parallelGrain/16, func(_, lo, hi int) {
			lo, hi = span(lo, hi, b, len(dst))
			TanhSerial(dst[lo:hi], src[lo:hi])
		})
		return
	}
	TanhSerial(dst, src)
}

// TanhSerial is Tanh on the calling goroutine alone, to the same bits.
func TanhSerial(dst, src []float32) {
	if useAVX512 && len(dst) > 0 {
		tanhAVX512(&dst[0], &src[0], len(dst))
		return
	}
	tanhGo(dst, src)
}

// tanhGo is the Go twin of tanhAVX512.
func tanhGo(dst, src []float32) {
	for i, v := range src {
		dst[i] = tanh32(v)
	}
}

// Sigmoid sets dst[i] = 1/(1+e^-src[i]). Results below the smallest
// normal float32 (for src[i] < -87.3) may be flushed towards it.
func Sigmoid(dst, src []float32) {
	src = src[:len(dst)]
	if b := splits(len(dst)); b > 0 {
		Parallel(b, parallelGrain/16, func(_, lo, hi int) {
			lo, hi = span(lo, hi, b, len(dst))
			SigmoidSerial(dst[lo:hi], src[lo:hi])
		})
		return
	}
	SigmoidSerial(dst, src)
}

// SigmoidSerial is Sigmoid on the calling goroutine alone, to the same bits.
func SigmoidSerial(dst, src []float32) {
	if useAVX512 && len(dst) > 0 {
		sigmoidAVX512(&dst[0], &src[0], len(dst))
		return
	}
	sigmoidGo(dst, src)
}

// sigmoidGo is the Go twin of sigmoidAVX512.
func sigmoidGo(dst, src []float32) {
	for i, v := range src {
		dst[i] = sigmoid32(v)
	}
}

// TanhGrad adds to gx the gradient through y = tanh(x) given the
// output's gradient g: gx[i] += g[i]·(1 - y[i]²).
func TanhGrad(gx, g, y []float32) {
	g, y = g[:len(gx)], y[:len(gx)]
	if b := splits(len(gx)); b > 0 {
		Parallel(b, parallelGrain/16, func(_, lo, hi int) {
			lo, hi = span(lo, hi, b, len(gx))
			tanhGradSerial(gx[lo:hi], g[lo:hi], y[lo:hi])
		})
		return
	}
	tanhGradSerial(gx, g, y)
}

// tanhGradSerial is TanhGrad on one goroutine.
func tanhGradSerial(gx, g, y []float32) {
	if useAVX512 && len(gx) > 0 {
		tanhGradAVX512(&gx[0], &g[0], &y[0], len(gx))
		return
	}
	tanhGradGo(gx, g, y)
}

// tanhGradGo is the Go twin of tanhGradAVX512.
func tanhGradGo(gx, g, y []float32) {
	for i := range gx {
		gx[i] += g[i] * (1 - y[i]*y[i])
	}
}

// SigmoidGrad adds to gx the gradient through y = σ(x):
// gx[i] += g[i]·y[i]·(1 - y[i]).
func SigmoidGrad(gx, g, y []float32) {
	g, y = g[:len(gx)], y[:len(gx)]
	if b := splits(len(gx)); b > 0 {
		Parallel(b, parallelGrain/16, func(_, lo, hi int) {
			lo, hi = span(lo, hi, b, len(gx))
			sigmoidGradSerial(gx[lo:hi], g[lo:hi], y[lo:hi])
		})
		return
	}
	sigmoidGradSerial(gx, g, y)
}

// sigmoidGradSerial is SigmoidGrad on one goroutine.
func sigmoidGradSerial(gx, g, y []float32) {
	if useAVX512 && len(gx) > 0 {
		sigmoidGradAVX512(&gx[0], &g[0], &y[0], len(gx))
		return
	}
	sigmoidGradGo(gx, g, y)
}

// sigmoidGradGo is the Go twin of sigmoidGradAVX512.
func sigmoidGradGo(gx, g, y []float32) {
	for i := range gx {
		gx[i] += g[i] * (y[i] - y[i]*y[i])
	}
}

// LSTMGrad is one step of an LSTM's backward pass for one row of H = len(dc)
// units. a holds the gates after their nonlinearities (4H: i, f, g, o),
// cp the previous cell state, tc = tanh(c′) and dh the gradient of the
// new hidden state h′; dc holds on entry the gradient of the new cell
// state c′ and on return that of cp. It writes into da (4H) the gradient
// of the gates' pre-activations:
//
//	dct  = dc + dh·o·(1 − tc²)
//	da_i = dct·g·i·(1 − i)    da_f = dct·cp·f·(1 − f)
//	da_g = dct·i·(1 − g²)     da_o = dh·tc·o·(1 − o)
//	dc   = dct·f
func LSTMGrad(da, dh, dc, a, cp, tc []float32) {
	n := len(dc)
	da, a, dh, cp, tc = da[:4*n], a[:4*n], dh[:n], cp[:n], tc[:n]
	if useAVX512 && n > 0 {
		lstmGradAVX512(&da[0], &dh[0], &dc[0], &a[0], &cp[0], &tc[0], n)
		return
	}
	lstmGradGo(da, dh, dc, a, cp, tc)
}

// lstmGradGo is the Go twin of lstmGradAVX512. The explicit conversions
// round every product, so no compiler fuses a multiply-add and the two
// agree bit for bit.
func lstmGradGo(da, dh, dc, a, cp, tc []float32) {
	n := len(dc)
	i, f, g, o := a[:n], a[n:2*n], a[2*n:3*n], a[3*n:4*n]
	for j := range dc {
		t := tc[j]
		dct := dc[j] + float32(float32(dh[j]*o[j])*float32(1-float32(t*t)))
		da[j] = float32(float32(dct*g[j])*i[j]) * float32(1-i[j])
		da[n+j] = float32(float32(dct*cp[j])*f[j]) * float32(1-f[j])
		da[2*n+j] = float32(dct*i[j]) * float32(1-float32(g[j]*g[j]))
		da[3*n+j] = float32(float32(dh[j]*t)*o[j]) * float32(1-o[j])
		dc[j] = dct * f[j]
	}
}
