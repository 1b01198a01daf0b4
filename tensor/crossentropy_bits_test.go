package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// crossEntropyRef is the cross-entropy a row at a time, with a call of
// math.Exp a score: what crossEntropyRows computed before it took its
// exponentials a block of rows at a time.
func crossEntropyRef(losses []float64, probs, x []float32, labels []int64, c int, r *classRule) (total, weight float64) {
	for i, l := range labels {
		if r.skip && l == r.ignore {
			losses[i] = 0
			continue
		}
		row := x[i*c : (i+1)*c]
		m, ls := logSumExp(row, c, 1)
		lse := m + ls
		for k, v := range row {
			probs[i*c+k] = float32(math.Exp(float64(v) - lse))
		}
		w := r.classWeight(int(l))
		loss := w * (lse - float64(row[l]))
		if r.eps != 0 {
			var smooth float64
			for k, v := range row {
				smooth += r.classWeight(k) * (lse - float64(v))
			}
			loss = (1-r.eps)*loss + r.eps/float64(c)*smooth
		}
		losses[i] = loss
		total += loss
		weight += w
	}
	return total, weight
}

// TestCrossEntropyBlocksSameBits checks that the cross-entropy taken a
// block of rows at a time gives the bits of a row at a time: losses,
// softmax, total and weight, for class counts on both sides of the block
// size, rows of NaN, ±Inf and -Inf throughout, ignored rows, class
// weights and label smoothing.
func TestCrossEntropyBlocksSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []int{1, 2, 10, 100, 511, 512, 513, 1000} {
		for _, n := range []int{1, 7, 64, 200} {
			x := make([]float32, n*c)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 8)
			}
			labels := make([]int64, n)
			for i := range labels {
				labels[i] = int64(rng.IntN(c))
			}
			if n >= 7 {
				x[2*c] = float32(math.NaN())
				x[3*c+c/2] = float32(math.Inf(1))
				for k := range c {
					x[4*c+k] = float32(math.Inf(-1))
				}
				x[5*c] = -1e30
				labels[6] = -100
			}
			weights := make([]float64, c)
			for k := range weights {
				weights[k] = 0.5 + rng.Float64()
			}
			for _, r := range []classRule{{}, {ignore: -100, skip: true}, {weight: weights, eps: 0.1, ignore: -100, skip: true}} {
				// Losses in float64: each row's, unrounded (a NaN row makes
				// the total NaN, which hides the others).
				wantL, wantP := make([]float64, n), make([]float32, n*c)
				gotL, gotP := make([]float64, n), make([]float32, n*c)
				labs := labels
				if !r.skip {
					labs = append([]int64(nil), labels...)
					if n >= 7 {
						labs[6] = 0
					}
				}
				wt, ww := crossEntropyRef(wantL, wantP, x, labs, c, &r)
				gt, gw := crossEntropyRows(gotL, gotP, x, labs, c, &r)
				same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
				if !same(gt, wt) || gw != ww {
					t.Fatalf("c=%d n=%d rule %+v: total %v weight %v, a row at a time %v %v", c, n, r, gt, gw, wt, ww)
				}
				for i := range wantL {
					if !same(gotL[i], wantL[i]) {
						t.Fatalf("c=%d n=%d: loss of row %d is %v, a row at a time %v", c, n, i, gotL[i], wantL[i])
					}
				}
				for i := range wantP {
					if math.Float32bits(gotP[i]) != math.Float32bits(wantP[i]) {
						t.Fatalf("c=%d n=%d: softmax %d is %v, a row at a time %v", c, n, i, gotP[i], wantP[i])
					}
				}
			}
		}
	}
}
