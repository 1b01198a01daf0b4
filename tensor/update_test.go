package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The updates are checked against references written from the formulas in
// PyTorch's documentation, element by element in float64 (dividing by the
// bias-corrected moments rather than folding the corrections into one
// factor, for instance), over several steps with a new gradient each step.
// The optimizer fixtures in optim/testdata check the same rules against
// PyTorch itself.

// updateCase runs an update for steps steps on n elements of type dt, and
// the reference on float64 copies of the same numbers, and compares the
// parameters after every step.
func updateCase(t *testing.T, name string, dt DType, steps int,
	update func(step int, p, g *Tensor), ref func(step int, p, g []float64)) {
	t.Helper()
	const n = 37 // two vector widths of float32 and a tail
	rng := rand.New(rand.NewPCG(1, 2))
	p := New(dt, n)
	for i := range n {
		p.SetFlat(i, rng.NormFloat64())
	}
	want := p.Float64s()
	tol := 1e-12
	if dt == Float32 {
		tol = 2e-5
	}
	for step := 1; step <= steps; step++ {
		g := New(dt, n)
		for i := range n {
			g.SetFlat(i, rng.NormFloat64())
		}
		g0 := g.Clone()
		update(step, p, g)
		if !Equal(g, g0) {
			t.Fatalf("%s %v: the update changed the gradient", name, dt)
		}
		ref(step, want, g.Float64s())
		for i, w := range want {
			if got := p.Flat(i); !(math.Abs(got-w) <= tol*(1+math.Abs(w))) {
				t.Fatalf("%s %v step %d: p[%d] = %v, want %v", name, dt, step, i, got, w)
			}
		}
	}
}

func TestSGDUpdate(t *testing.T) {
	cases := []struct {
		name string
		h    SGDHyper
	}{
		{"plain", SGDHyper{LR: 0.1}},
		{"weight decay", SGDHyper{LR: 0.1, WeightDecay: 0.05}},
		{"momentum", SGDHyper{LR: 0.1, Momentum: 0.9}},                  // float32: the vector kernel after step 1
		{"dampening", SGDHyper{LR: 0.1, Momentum: 0.8, Dampening: 0.3}}, // the vector kernel too
		{"dampening and decay", SGDHyper{LR: 0.1, Momentum: 0.8, Dampening: 0.3, WeightDecay: 0.01}},
		{"nesterov", SGDHyper{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}},
	}
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			var v *Tensor
			var rv []float64
			update := func(step int, p, g *Tensor) {
				if c.h.Momentum != 0 && v == nil {
					v = New(dt, p.Len())
				}
				h := c.h
				h.Step = step
				SGDUpdate(p, g, v, h)
			}
			ref := func(step int, p, g []float64) {
				h := c.h
				if rv == nil {
					rv = make([]float64, len(p))
				}
				for i := range p {
					d := g[i] + h.WeightDecay*p[i]
					if h.Momentum != 0 {
						if step == 1 {
							rv[i] = d
						} else {
							rv[i] = h.Momentum*rv[i] + (1-h.Dampening)*d
						}
						if h.Nesterov {
							d += h.Momentum * rv[i]
						} else {
							d = rv[i]
						}
					}
					p[i] -= h.LR * d
				}
			}
			updateCase(t, "sgd "+c.name, dt, 5, update, ref)
		}
	}
}

func TestAdamUpdate(t *testing.T) {
	cases := []struct {
		name    string
		h       AdamHyper
		amsgrad bool
	}{
		{"adam", AdamHyper{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, false},
		{"adam weight decay", AdamHyper{LR: 0.01, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.1}, false},
		{"adamw", AdamHyper{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Decoupled: true}, false},
		{"adamw amsgrad", AdamHyper{LR: 0.01, Beta1: 0.9, Beta2: 0.9, Eps: 1e-8, WeightDecay: 0.1, Decoupled: true}, true},
	}
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			var m, v, vmax *Tensor
			var rm, rv, rvmax []float64
			update := func(step int, p, g *Tensor) {
				if m == nil {
					m, v = New(dt, p.Len()), New(dt, p.Len())
					if c.amsgrad {
						vmax = New(dt, p.Len())
					}
				}
				h := c.h
				h.Step = step
				AdamUpdate(p, g, m, v, vmax, h)
			}
			ref := func(step int, p, g []float64) {
				h := c.h
				if rm == nil {
					rm, rv, rvmax = make([]float64, len(p)), make([]float64, len(p)), make([]float64, len(p))
				}
				bc1 := 1 - math.Pow(h.Beta1, float64(step))
				bc2 := 1 - math.Pow(h.Beta2, float64(step))
				for i := range p {
					d := g[i]
					if h.Decoupled {
						p[i] *= 1 - h.LR*h.WeightDecay
					} else {
						d += h.WeightDecay * p[i]
					}
					rm[i] = h.Beta1*rm[i] + (1-h.Beta1)*d
					rv[i] = h.Beta2*rv[i] + (1-h.Beta2)*d*d
					den := rv[i]
					if c.amsgrad {
						rvmax[i] = math.Max(rvmax[i], rv[i])
						den = rvmax[i]
					}
					p[i] -= h.LR * (rm[i] / bc1) / (math.Sqrt(den/bc2) + h.Eps)
				}
			}
			updateCase(t, c.name, dt, 6, update, ref)
		}
	}
}

func TestRMSPropUpdate(t *testing.T) {
	cases := []struct {
		name               string
		h                  RMSPropHyper
		momentum, centered bool
	}{
		{"plain", RMSPropHyper{LR: 0.01, Alpha: 0.99, Eps: 1e-8}, false, false},
		{"weight decay", RMSPropHyper{LR: 0.01, Alpha: 0.9, Eps: 1e-8, WeightDecay: 0.1}, false, false},
		{"centered", RMSPropHyper{LR: 0.01, Alpha: 0.9, Eps: 1e-8}, false, true},
		{"momentum", RMSPropHyper{LR: 0.01, Alpha: 0.9, Eps: 1e-8, Momentum: 0.8}, true, false},
		{"all", RMSPropHyper{LR: 0.01, Alpha: 0.9, Eps: 1e-6, Momentum: 0.8, WeightDecay: 0.05}, true, true},
	}
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			var s, v, a *Tensor
			var rs, rv, ra []float64
			update := func(step int, p, g *Tensor) {
				if s == nil {
					s = New(dt, p.Len())
					if c.momentum {
						v = New(dt, p.Len())
					}
					if c.centered {
						a = New(dt, p.Len())
					}
				}
				RMSPropUpdate(p, g, s, v, a, c.h)
			}
			ref := func(step int, p, g []float64) {
				h := c.h
				if rs == nil {
					rs, rv, ra = make([]float64, len(p)), make([]float64, len(p)), make([]float64, len(p))
				}
				for i := range p {
					d := g[i] + h.WeightDecay*p[i]
					rs[i] = h.Alpha*rs[i] + (1-h.Alpha)*d*d
					avg := rs[i]
					if c.centered {
						ra[i] = h.Alpha*ra[i] + (1-h.Alpha)*d
						avg -= ra[i] * ra[i]
					}
					r := math.Sqrt(avg) + h.Eps
					if c.momentum {
						rv[i] = h.Momentum*rv[i] + d/r
						p[i] -= h.LR * rv[i]
					} else {
						p[i] -= h.LR * d / r
					}
				}
			}
			updateCase(t, "rmsprop "+c.name, dt, 5, update, ref)
		}
	}
}

func TestAdaGradUpdate(t *testing.T) {
	cases := []struct {
		name string
		h    AdaGradHyper
		init float64
	}{
		{"plain", AdaGradHyper{LR: 0.1, Eps: 1e-10}, 0},
		{"decays", AdaGradHyper{LR: 0.1, LRDecay: 0.2, WeightDecay: 0.05, Eps: 1e-6}, 0.1},
	}
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			var s *Tensor
			var rs []float64
			update := func(step int, p, g *Tensor) {
				if s == nil {
					s = Full(dt, c.init, p.Len())
				}
				h := c.h
				h.Step = step
				AdaGradUpdate(p, g, s, h)
			}
			ref := func(step int, p, g []float64) {
				h := c.h
				if rs == nil {
					rs = make([]float64, len(p))
					for i := range rs {
						rs[i] = c.init
					}
				}
				clr := h.LR / (1 + float64(step-1)*h.LRDecay)
				for i := range p {
					d := g[i] + h.WeightDecay*p[i]
					rs[i] += d * d
					p[i] -= clr * d / (math.Sqrt(rs[i]) + h.Eps)
				}
			}
			updateCase(t, "adagrad "+c.name, dt, 5, update, ref)
		}
	}
}

// TestUpdatesDoNotAllocate pins down that an optimizer step in steady
// state allocates nothing.
func TestUpdatesDoNotAllocate(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		p, g, a, b, c := New(dt, 100), Full(dt, 0.1, 100), New(dt, 100), New(dt, 100), New(dt, 100)
		runs := map[string]func(){
			"sgd":      func() { SGDUpdate(p, g, nil, SGDHyper{LR: 0.1, Step: 2}) },
			"momentum": func() { SGDUpdate(p, g, a, SGDHyper{LR: 0.1, Momentum: 0.9, Step: 2}) },
			"nesterov": func() { SGDUpdate(p, g, a, SGDHyper{LR: 0.1, Momentum: 0.9, Nesterov: true, Step: 2}) },
			"adam":     func() { AdamUpdate(p, g, a, b, c, AdamHyper{LR: 0.1, Beta1: 0.9, Beta2: 0.99, Step: 3}) },
			"rmsprop":  func() { RMSPropUpdate(p, g, a, b, c, RMSPropHyper{LR: 0.1, Alpha: 0.9, Momentum: 0.5}) },
			"adagrad":  func() { AdaGradUpdate(p, g, a, AdaGradHyper{LR: 0.1, Step: 3}) },
			"norm":     func() { Norm(g, 2) },
			"clamp":    func() { ClampTo(g, g, -1, 1) },
		}
		for name, f := range runs {
			if n := testing.AllocsPerRun(10, f); n != 0 {
				t.Errorf("%s %v: %v allocations per call", name, dt, n)
			}
		}
	}
}

func TestUpdatePanics(t *testing.T) {
	p32, p64, short := New(Float32, 4), New(Float64, 4), New(Float32, 3)
	cases := map[string]func(){
		"gradient dtype":  func() { SGDUpdate(p32, p64, nil, SGDHyper{Step: 1}) },
		"gradient length": func() { SGDUpdate(p32, short, nil, SGDHyper{Step: 1}) },
		"no gradient":     func() { SGDUpdate(p32, nil, nil, SGDHyper{Step: 1}) },
		"velocity length": func() { SGDUpdate(p32, p32.Clone(), short, SGDHyper{Step: 1}) },
		"step 0":          func() { SGDUpdate(p32, p32.Clone(), nil, SGDHyper{}) },
		"adam step 0":     func() { AdamUpdate(p32, p32.Clone(), p32.Clone(), p32.Clone(), nil, AdamHyper{}) },
		"adam no moment":  func() { AdamUpdate(p32, p32.Clone(), p32.Clone(), nil, nil, AdamHyper{Step: 1}) },
		"amsgrad dtype":   func() { AdamUpdate(p32, p32.Clone(), p32.Clone(), p32.Clone(), p64, AdamHyper{Step: 1}) },
		"rmsprop center":  func() { RMSPropUpdate(p32, p32.Clone(), p32.Clone(), nil, short, RMSPropHyper{}) },
		"rmsprop no sq":   func() { RMSPropUpdate(p32, p32.Clone(), nil, nil, nil, RMSPropHyper{}) },
		"adagrad sum":     func() { AdaGradUpdate(p32, p32.Clone(), p64, AdaGradHyper{Step: 1}) },
		"norm order":      func() { Norm(p32, 0) },
		"norm NaN order":  func() { Norm(p32, math.NaN()) },
		"dot dtype":       func() { Dot(p32, p64) },
		"clamp length":    func() { ClampTo(short, p32, 0, 1) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNormDotClamp(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		x := FromFloat64([]float64{3, -4, 0, 12}, 2, 2).To(dt)
		norms := []struct{ p, want float64 }{
			{1, 19},
			{2, 13},
			{3, math.Cbrt(27 + 64 + 1728)},
			{0.5, math.Pow(math.Sqrt(3)+2+math.Sqrt(12), 2)},
			{math.Inf(1), 12},
		}
		for _, c := range norms {
			if got := Norm(x, c.p); math.Abs(got-c.want) > 1e-12*c.want {
				t.Errorf("%v: Norm(x, %v) = %v, want %v", dt, c.p, got, c.want)
			}
		}
		if got := Norm(New(dt, 0), 2); got != 0 {
			t.Errorf("%v: norm of nothing = %v", dt, got)
		}
		y := FromFloat64([]float64{1, 2, 3, 0.5}, 4).To(dt) // shapes may differ
		if got := Dot(x, y); got != 3-8+0+6 {
			t.Errorf("%v: Dot = %v, want 1", dt, got)
		}
		if got := Dot(x, x); got != 169 {
			t.Errorf("%v: Dot(x, x) = %v, want 169", dt, got)
		}
		nan := FromFloat64([]float64{1, math.NaN()}).To(dt)
		if got := Norm(nan, math.Inf(1)); !math.IsNaN(got) {
			t.Errorf("%v: max-norm with a NaN = %v", dt, got)
		}
		dst := New(dt, 5)
		src := FromFloat64([]float64{-5, -0.5, 0.25, 7, math.NaN()}).To(dt)
		ClampTo(dst, src, -1, 2)
		for i, w := range []float64{-1, -0.5, 0.25, 2} {
			if dst.Flat(i) != w {
				t.Errorf("%v: clamp[%d] = %v, want %v", dt, i, dst.Flat(i), w)
			}
		}
		if !math.IsNaN(dst.Flat(4)) {
			t.Errorf("%v: clamp of NaN = %v", dt, dst.Flat(4))
		}
		ClampTo(src, src, 0, 0.5) // in place
		if src.Flat(0) != 0 || src.Flat(3) != 0.5 {
			t.Errorf("%v: in-place clamp gave %v", dt, src)
		}
	}
}

// TestAdamKernelMatchesLoop: float32 Adam and AdamW without AMSGrad or
// L2 run in a vectorised kernel; it must give the generic loop's bits,
// so that runs trained before it reproduce.
func TestAdamKernelMatchesLoop(t *testing.T) {
	rng := NewRNG(11)
	for _, h := range []AdamHyper{
		{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 3},
		{LR: 0.005, Beta1: 0.85, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.05, Decoupled: true, Step: 1},
	} {
		p, g := RandNormal(rng, Float32, 0, 1, 100), RandNormal(rng, Float32, 0, 1, 100)
		m, v := RandNormal(rng, Float32, 0, 0.1, 100), RandNormal(rng, Float32, 0, 0.1, 100)
		for i, x := range v.f32 {
			v.f32[i] = x * x
		}
		lp, lm, lv := p.Clone(), m.Clone(), v.Clone()
		AdamUpdate(p, g, m, v, nil, h)
		decay := 1.0
		if h.Decoupled {
			decay = 1 - h.LR*h.WeightDecay
		}
		bc1, bc2 := 1-math.Pow(h.Beta1, float64(h.Step)), 1-math.Pow(h.Beta2, float64(h.Step))
		adamLoop(lp.f32, g.f32, lm.f32, lv.f32, nil, float32(h.Beta1), float32(1-h.Beta1), float32(h.Beta2), float32(1-h.Beta2),
			float32(-h.LR/bc1), float32(math.Sqrt(bc2)), float32(h.Eps), 0, float32(decay))
		for i := range p.f32 {
			if p.f32[i] != lp.f32[i] || m.f32[i] != lm.f32[i] || v.f32[i] != lv.f32[i] {
				t.Fatalf("%+v [%d]: p %v m %v v %v, loop %v %v %v", h, i, p.f32[i], m.f32[i], v.f32[i], lp.f32[i], lm.f32[i], lv.f32[i])
			}
		}
	}
}

// TestDropoutMaskDraws checks DropoutMask's masks against its documented
// draws (two elements a Uint64, low bits first), written out with the
// 32-bit numbers as exact fractions, in float32 and float64, for even and
// odd lengths, so that runs with dropout reproduce.
func TestDropoutMaskDraws(t *testing.T) {
	for _, d := range []DType{Float32, Float64} {
		for _, p := range []float64{0, 0.1, 0.25, 0.5, 1} {
			for _, n := range []int{1000, 999} { // an odd length draws its last element alone
				got := New(d, n)
				DropoutMask(NewRNG(7), got, p)
				ref := NewRNG(7)
				keep := 0.0
				if p < 1 {
					keep = 1 / (1 - p)
				}
				dropped := 0
				var u uint64
				for i := range n {
					if i%2 == 0 {
						u = ref.Uint64()
					}
					// The i-th element's 32 bits as a uniform number in
					// [0, 1), exactly: below p, it is dropped.
					x := float64(u&0xffffffff) / (1 << 32)
					if i%2 == 1 {
						x = float64(u>>32) / (1 << 32)
					}
					want := keep
					if x < p {
						want = 0
						dropped++
					}
					if g := got.Flat(i); g != float64(float32(want)) && g != want {
						t.Fatalf("%v p=%v n=%d [%d]: %v, want %v", d, p, n, i, g, want)
					}
				}
				if p == 0.25 && (dropped < 200 || dropped > 300) {
					t.Errorf("p=0.25 dropped %d of %d", dropped, n)
				}
			}
		}
	}
}
