package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSumAndSGD(t *testing.T) { forEachImpl(t, testSumAndSGD) }

func testSumAndSGD(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 200, 1000} {
		x := make([]float32, n)
		want := 0.0
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			want += float64(x[i])
		}
		if got := SumF32(x); math.Abs(float64(got)-want) > 1e-5*float64(n+1) {
			t.Errorf("SumF32 n=%d = %v, want %v", n, got, want)
		}
		p, g, v := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range p {
			p[i], g[i], v[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		p0, v0 := append([]float32(nil), p...), append([]float32(nil), v...)
		SGDMomentum(p, g, v, 0.1, 0.9, 1)
		for i := range p {
			wv := 0.9*float64(v0[i]) + float64(g[i])
			wp := float64(p0[i]) - 0.1*wv
			if math.Abs(float64(v[i])-wv) > 1e-6 || math.Abs(float64(p[i])-wp) > 1e-6 {
				t.Fatalf("SGDMomentum n=%d [%d]: p %v v %v, want %v %v", n, i, p[i], v[i], wp, wv)
			}
		}
	}
}

func TestReLU(t *testing.T) { forEachImpl(t, testReLU) }

func testReLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{0, 1, 15, 16, 17, 100} {
		x, gr, gx := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], gr[i], gx[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		if n > 3 {
			x[3] = 0
		}
		if n > 5 {
			x[5] = float32(math.NaN())
		}
		if n > 7 {
			x[7] = float32(math.Copysign(0, -1))
		}
		y := make([]float32, n)
		ReLU(y, x)
		if n > 7 && math.Float32bits(y[7]) != math.Float32bits(x[7]) {
			t.Fatalf("relu(-0) = %v (bits %#x), want -0 in every build", y[7], math.Float32bits(y[7]))
		}
		g0 := append([]float32(nil), gx...)
		ReLUGrad(gx, gr, x)
		for i := range x {
			want, wg := x[i], g0[i]+gr[i]
			if x[i] <= 0 {
				want, wg = 0, g0[i]
			}
			if i == 5 {
				if y[i] == y[i] || gx[i] != g0[i]+gr[i] {
					t.Fatalf("relu(NaN) = %v, grad %v; want NaN and the gradient passed through (PyTorch)", y[i], gx[i])
				}
				continue
			}
			if y[i] != want || gx[i] != wg {
				t.Fatalf("n=%d [%d]: relu %v grad %v, want %v %v", n, i, y[i], gx[i], want, wg)
			}
		}
		// ReLUGradSet overwrites whatever gx held, NaN included.
		set := make([]float32, n+1)
		for i := range set {
			set[i] = float32(math.NaN())
		}
		set[n] = 7 // a guard past the end
		ReLUGradSet(set[:n], gr, x)
		for i := range x {
			want := gr[i]
			if x[i] <= 0 {
				want = 0
			}
			if set[i] != want {
				t.Fatalf("n=%d [%d]: ReLUGradSet %v, want %v", n, i, set[i], want)
			}
		}
		if set[n] != 7 {
			t.Fatalf("n=%d: ReLUGradSet wrote past the end", n)
		}
	}
}

func TestBytesToF32(t *testing.T) { forEachImpl(t, testBytesToF32) }

func testBytesToF32(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 784} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i * 37)
		}
		dst := make([]float32, n+4)
		BytesToF32(dst[:n], src, 0.5, -3)
		for i := range src {
			if want := float32(src[i])*0.5 - 3; dst[i] != want {
				t.Fatalf("n=%d [%d] = %v, want %v", n, i, dst[i], want)
			}
		}
		for _, v := range dst[n:] {
			if v != 0 {
				t.Fatal("wrote past the end")
			}
		}
	}
}

func TestAdd(t *testing.T) { forEachImpl(t, testAdd) }

func testAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 48, 100} {
		a, b := make([]float32, n+1), make([]float32, n+1)
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		dst := make([]float32, n+1)
		dst[n] = 7 // past the end: must be kept
		Add(dst[:n], a, b)
		for i := range n {
			if dst[i] != a[i]+b[i] {
				t.Fatalf("n=%d [%d]: %v, want %v", n, i, dst[i], a[i]+b[i])
			}
		}
		if dst[n] != 7 {
			t.Fatalf("n=%d: wrote past the end", n)
		}
		// In place, dst += b.
		want := append([]float32(nil), a...)
		for i := range n {
			want[i] += b[i]
		}
		Add(a[:n], a[:n], b)
		for i := range n + 1 {
			if a[i] != want[i] {
				t.Fatalf("n=%d in place [%d]: %v, want %v", n, i, a[i], want[i])
			}
		}
	}
}

func TestAdam(t *testing.T) { forEachImpl(t, testAdam) }

// testAdam checks Adam against the formulas in float64, and the assembly
// against its Go twin bit for bit, for Adam (decay 1) and AdamW.
func testAdam(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for _, decay := range []float32{1, 0.999} {
		for _, n := range []int{0, 1, 15, 16, 17, 40, 100} {
			p, g, m, v := randF32(rng, n+1), randF32(rng, n+1), randF32(rng, n+1), randF32(rng, n+1)
			for i := range v {
				v[i] *= v[i]
			}
			const beta1, beta2, step, bc2sqrt, eps = 0.9, 0.999, -0.01, 0.3, 1e-8
			p0, m0, v0 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
			Adam(p[:n], g, m, v, beta1, 1-beta1, beta2, 1-beta2, step, bc2sqrt, eps, decay)
			if p[n] != p0[n] || m[n] != m0[n] || v[n] != v0[n] {
				t.Fatalf("n=%d: wrote past the end", n)
			}
			for i := range n {
				d := float64(g[i])
				wm := float64(m0[i])*beta1 + (1-beta1)*d
				wv := float64(v0[i])*beta2 + (1-beta2)*d*d
				wp := float64(p0[i])*float64(decay) + step*wm/(math.Sqrt(wv)/bc2sqrt+eps)
				if math.Abs(float64(m[i])-wm) > 1e-6 || math.Abs(float64(v[i])-wv) > 1e-6 || math.Abs(float64(p[i])-wp) > 1e-5*(1+math.Abs(wp)) {
					t.Fatalf("decay %v n=%d [%d]: p %v m %v v %v, want %v %v %v", decay, n, i, p[i], m[i], v[i], wp, wm, wv)
				}
			}
			gp, gm, gv := append([]float32(nil), p0[:n]...), append([]float32(nil), m0[:n]...), append([]float32(nil), v0[:n]...)
			adamGo(gp, g[:n], gm, gv, beta1, 1-beta1, beta2, 1-beta2, step, bc2sqrt, eps, decay)
			for i := range n {
				if gp[i] != p[i] || gm[i] != m[i] || gv[i] != v[i] {
					t.Fatalf("decay %v n=%d [%d]: p %v m %v v %v, Go twin %v %v %v", decay, n, i, p[i], m[i], v[i], gp[i], gm[i], gv[i])
				}
			}
		}
	}
}
