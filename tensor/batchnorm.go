package tensor

import (
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/internal/kernels"
)

// BatchNormStats is the state batch normalisation keeps between calls: the
// running statistics it updates in training and uses in inference.
type BatchNormStats struct {
	RunningMean, RunningVar *Tensor // per channel
	Momentum, Eps           float64
}

// BatchNormTo normalises x (N, C) or (N, C, H, W) per channel and applies
// the affine map gamma·x̂ + beta, writing the result into y and the
// normalised input x̂ into xhat (both x's shape) and 1/√(σ²+ε) into invstd
// (C), which is what the backward pass needs. In training it uses the
// batch's mean and biased variance and updates st's running statistics with
// its momentum, the running variance from the unbiased batch variance, as
// PyTorch does; in inference it uses the running statistics.
func BatchNormTo(y, xhat, invstd, x, gamma, beta *Tensor, st *BatchNormStats, training bool) {
	checkFloat("batchnorm", y, xhat, invstd, x, gamma, beta, st.RunningMean, st.RunningVar)
	if len(x.shape) != 2 && len(x.shape) != 4 {
		panic(fmt.Sprintf("tensor: batchnorm needs (N, C) or (N, C, H, W), got %v", x.shape))
	}
	c := x.shape[1]
	for _, t := range [...]*Tensor{gamma, beta, st.RunningMean, st.RunningVar, invstd} {
		if t.Len() != c {
			panic(fmt.Sprintf("tensor: batchnorm of input %v needs %d-element parameters, got %v", x.shape, c, t.shape))
		}
	}
	checkSameLayout("batchnorm", y, x)
	checkSameLayout("batchnorm", xhat, x)
	n := x.shape[0]
	inner := x.Len() / max(n*c, 1)
	if training && n*inner < 2 {
		panic(fmt.Sprintf("tensor: batchnorm in training needs more than one value per channel, input %v", x.shape))
	}
	// Channels are independent: each is computed in one piece by one
	// worker, so the split does not change a bit of the result.
	kernels.Parallel(c, channelGrain(n*inner), func(_, lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var mean, variance float64
			if training {
				if x.dtype == Float64 {
					mean, variance = channelStats(x.f64, n, c, inner, ch)
				} else {
					mean, variance = channelStats32(x.f32, n, c, inner, ch)
				}
				m, mom := float64(n*inner), st.Momentum
				st.RunningMean.SetFlat(ch, (1-mom)*st.RunningMean.Flat(ch)+mom*mean)
				st.RunningVar.SetFlat(ch, (1-mom)*st.RunningVar.Flat(ch)+mom*variance*m/(m-1))
			} else {
				mean, variance = st.RunningMean.Flat(ch), st.RunningVar.Flat(ch)
			}
			is := 1 / math.Sqrt(variance+st.Eps)
			invstd.SetFlat(ch, is)
			ga, be := gamma.Flat(ch), beta.Flat(ch)
			if x.dtype == Float64 {
				normalizeChannel(y.f64, xhat.f64, x.f64, n, c, inner, ch, mean, is, ga, be)
			} else {
				normalizeChannel(y.f32, xhat.f32, x.f32, n, c, inner, ch, mean, is, ga, be)
			}
		}
	})
}

// channelGrain is the fewest channels, of per values each, that a worker
// of a batch-norm pass takes: enough for some 16k values.
func channelGrain(per int) int { return max(1, (1<<14)/max(per, 1)) }

// channelStats returns the mean and biased variance of channel ch.
func channelStats[T Float](x []T, n, c, inner, ch int) (mean, variance float64) {
	for i := 0; i < n; i++ {
		for _, v := range x[(i*c+ch)*inner : (i*c+ch+1)*inner] {
			mean += float64(v)
		}
	}
	m := float64(n * inner)
	mean /= m
	for i := 0; i < n; i++ {
		for _, v := range x[(i*c+ch)*inner : (i*c+ch+1)*inner] {
			d := float64(v) - mean
			variance += d * d
		}
	}
	return mean, variance / m
}

func normalizeChannel[T Float](y, xhat, x []T, n, c, inner, ch int, mean, is, ga, be float64) {
	// Per element in the tensor's precision, as PyTorch does; the
	// statistics were summed in float64.
	m, s, g, b := T(mean), T(is), T(ga), T(be)
	if y32, ok := kernels.AsF32(y); ok {
		xh32, x32 := any(xhat).([]float32), any(x).([]float32)
		for i := 0; i < n; i++ {
			lo, hi := (i*c+ch)*inner, (i*c+ch+1)*inner
			kernels.BatchNormRow(y32[lo:hi], xh32[lo:hi], x32[lo:hi], float32(m), float32(s), float32(g), float32(b))
		}
		return
	}
	for i := 0; i < n; i++ {
		lo, hi := (i*c+ch)*inner, (i*c+ch+1)*inner
		xh, yy := xhat[lo:hi], y[lo:hi]
		for k, v := range x[lo:hi] {
			h := (v - m) * s
			xh[k] = h
			yy[k] = g*h + b
		}
	}
}

// BatchNormBackward adds to gx, ggamma and gbeta (each nil when not wanted)
// the gradients of BatchNormTo given gout, the gradient of its output, and
// the xhat and invstd it saved. In training the batch statistics depend on
// x too: dx = γ/σ · (g - mean(g) - x̂·mean(g·x̂)); in inference dx = γ/σ · g.
func BatchNormBackward(gx, ggamma, gbeta, gout, xhat, invstd, gamma *Tensor, training bool) {
	batchNormBackward(gx, ggamma, gbeta, gout, xhat, invstd, gamma, training, false)
}

// BatchNormBackwardSetX is BatchNormBackward writing the input's gradient
// into gx, whatever gx held, instead of adding it there; ggamma and gbeta
// are added to as before. It saves clearing gx first.
func BatchNormBackwardSetX(gx, ggamma, gbeta, gout, xhat, invstd, gamma *Tensor, training bool) {
	batchNormBackward(gx, ggamma, gbeta, gout, xhat, invstd, gamma, training, true)
}

func batchNormBackward(gx, ggamma, gbeta, gout, xhat, invstd, gamma *Tensor, training, setX bool) {
	checkFloat("batchnorm gradient", gx, ggamma, gbeta, gout, xhat, invstd, gamma)
	checkSameLayout("batchnorm gradient", gout, xhat)
	if gx != nil {
		checkSameLayout("batchnorm gradient", gx, xhat)
	}
	n, c := xhat.shape[0], xhat.shape[1]
	inner := xhat.Len() / max(n*c, 1)
	m := float64(n * inner)
	kernels.Parallel(c, channelGrain(n*inner), func(_, lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var sg, sgx float64 // Σ g and Σ g·x̂ over the channel
			if xhat.dtype == Float64 {
				sg, sgx = channelGradSums(gout.f64, xhat.f64, n, c, inner, ch)
			} else {
				sg, sgx = channelGradSums32(gout.f32, xhat.f32, n, c, inner, ch)
			}
			if ggamma != nil {
				ggamma.SetFlat(ch, ggamma.Flat(ch)+sgx)
			}
			if gbeta != nil {
				gbeta.SetFlat(ch, gbeta.Flat(ch)+sg)
			}
			if gx == nil {
				continue
			}
			scale := gamma.Flat(ch) * invstd.Flat(ch)
			if xhat.dtype == Float64 {
				channelInputGrad(gx.f64, gout.f64, xhat.f64, n, c, inner, ch, scale, sg, sgx, m, training, setX)
			} else {
				channelInputGrad(gx.f32, gout.f32, xhat.f32, n, c, inner, ch, scale, sg, sgx, m, training, setX)
			}
		}
	})
}

// channelStats32 is channelStats for float32: each image's row of the
// channel is summed in float32 (SumF32's sixty-four lanes, and eight
// running sums for the squared deviations), and the rows' sums in
// float64, which keeps the statistics as accurate as float32 data allow
// at a fraction of the cost.
func channelStats32(x []float32, n, c, inner, ch int) (mean, variance float64) {
	for i := 0; i < n; i++ {
		mean += float64(kernels.SumF32(x[(i*c+ch)*inner : (i*c+ch+1)*inner]))
	}
	m := float64(n * inner)
	mean /= m
	mu := float32(mean)
	for i := 0; i < n; i++ {
		variance += float64(sumSquaredDeviations(x[(i*c+ch)*inner:(i*c+ch+1)*inner], mu))
	}
	// The deviations were taken from the mean rounded to float32: correct
	// for the difference (Σ(x−μ)² = Σ(x−μ′)² − m·(μ−μ′)²).
	d := mean - float64(mu)
	return mean, max(variance/m-d*d, 0)
}

// sumSquaredDeviations returns Σ (x − mu)² in float32, in eight running
// sums.
func sumSquaredDeviations(x []float32, mu float32) float32 {
	var a [8]float32
	for ; len(x) >= 8; x = x[8:] {
		d0, d1, d2, d3 := x[0]-mu, x[1]-mu, x[2]-mu, x[3]-mu
		d4, d5, d6, d7 := x[4]-mu, x[5]-mu, x[6]-mu, x[7]-mu
		a[0] += d0 * d0
		a[1] += d1 * d1
		a[2] += d2 * d2
		a[3] += d3 * d3
		a[4] += d4 * d4
		a[5] += d5 * d5
		a[6] += d6 * d6
		a[7] += d7 * d7
	}
	for k, v := range x {
		d := v - mu
		a[k] += d * d
	}
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

// channelGradSums32 is channelGradSums for float32, summed as
// channelStats32 sums.
func channelGradSums32(g, xhat []float32, n, c, inner, ch int) (sg, sgx float64) {
	for i := 0; i < n; i++ {
		lo, hi := (i*c+ch)*inner, (i*c+ch+1)*inner
		sg += float64(kernels.SumF32(g[lo:hi]))
		sgx += float64(dot8(g[lo:hi], xhat[lo:hi]))
	}
	return sg, sgx
}

// dot8 returns Σ a·b in float32, in eight running sums.
func dot8(a, b []float32) float32 {
	var s [8]float32
	b = b[:len(a)]
	for ; len(a) >= 8; a, b = a[8:], b[8:] {
		s[0] += a[0] * b[0]
		s[1] += a[1] * b[1]
		s[2] += a[2] * b[2]
		s[3] += a[3] * b[3]
		s[4] += a[4] * b[4]
		s[5] += a[5] * b[5]
		s[6] += a[6] * b[6]
		s[7] += a[7] * b[7]
	}
	for k, v := range a {
		s[k] += v * b[k]
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

func channelGradSums[T Float](g, xhat []T, n, c, inner, ch int) (sg, sgx float64) {
	for i := 0; i < n; i++ {
		lo, hi := (i*c+ch)*inner, (i*c+ch+1)*inner
		for k, v := range g[lo:hi] {
			sg += float64(v)
			sgx += float64(v) * float64(xhat[lo+k])
		}
	}
	return sg, sgx
}

func channelInputGrad[T Float](gx, g, xhat []T, n, c, inner, ch int, scale, sg, sgx, m float64, training, set bool) {
	// dx = scale·g − scale·Σg/m − x̂·scale·Σg·x̂/m, per element in the
	// tensor's precision.
	a, b0, b1 := T(scale), T(0), T(0)
	if training {
		b0, b1 = T(scale*sg/m), T(scale*sgx/m)
	}
	if gx32, ok := kernels.AsF32(gx); ok {
		g32, xh32 := any(g).([]float32), any(xhat).([]float32)
		for i := 0; i < n; i++ {
			lo, hi := (i*c+ch)*inner, (i*c+ch+1)*inner
			kernels.BatchNormGradRow(gx32[lo:hi], g32[lo:hi], xh32[lo:hi], float32(a), float32(b0), float32(b1), set)
		}
		return
	}
	for i := 0; i < n; i++ {
		lo, hi := (i*c+ch)*inner, (i*c+ch+1)*inner
		gxs, xh := gx[lo:hi], xhat[lo:hi]
		for k, v := range g[lo:hi] {
			if set {
				gxs[k] = a*v - b0 - xh[k]*b1
			} else {
				gxs[k] += a*v - b0 - xh[k]*b1
			}
		}
	}
}
