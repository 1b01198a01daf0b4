package autograd

import (
	"math"
	"runtime"
	"testing"

	"github.com/baeum-ml/baeum/tensor"
)

// distinctParam returns a float64 parameter of the given shape whose
// elements are distinct (a permutation of a grid in [-0.5, 0.5)), so that
// max pooling has no ties for central differences to trip on.
func distinctParam(seed uint64, name string, shape ...int) *Value {
	p := NewParam(name, tensor.New(tensor.Float64, shape...))
	perm := tensor.NewRNG(seed).Perm(p.data.Len())
	for i, k := range perm {
		p.data.SetFlat(i, float64(k)/float64(len(perm))-0.5)
	}
	return p
}

func TestGradCheckGeneralOps(t *testing.T) {
	img := randParam(41, "img", -1, 1, 2, 4, 7, 6)
	wRect := randParam(42, "w", -0.5, 0.5, 3, 4, 2, 3)
	bRect := randParam(43, "b", -0.5, 0.5, 3)
	wGroups := randParam(44, "wg", -0.5, 0.5, 6, 2, 3, 3)
	bGroups := randParam(45, "bg", -0.5, 0.5, 6)
	wDepth := randParam(46, "wd", -0.5, 0.5, 4, 1, 3, 2)
	bDepth := randParam(50, "bd", -0.5, 0.5, 4)
	wEven := randParam(47, "we", -0.5, 0.5, 2, 4, 2, 4)
	pin := distinctParam(48, "pin", 2, 2, 7, 6)
	act := randParam(49, "act", -3, 3, 3, 7)
	sp := NewParam("sp", tensor.FromFloat64([]float64{-25, -3, -0.5, 0, 0.4, 3, 9.9, 10.2, 25, 30}, 2, 5))
	conv := func(w, b *Value, p tensor.Conv2DParams) func(g *Graph) *Value {
		return func(g *Graph) *Value { return weighted(g, g.Conv2DWith(img, w, b, p)) }
	}
	maxp := func(p tensor.Pool2DParams) func(g *Graph) *Value {
		return func(g *Graph) *Value { return weighted(g, g.MaxPool2DWith(pin, p)) }
	}
	avgp := func(p tensor.Pool2DParams) func(g *Graph) *Value {
		return func(g *Graph) *Value { return weighted(g, g.AvgPool2DWith(pin, p)) }
	}
	tests := []struct {
		name string
		f    func(g *Graph) *Value
		wrt  []*Value
	}{
		{"conv rectangular", conv(wRect, bRect, tensor.Conv2DParams{}), []*Value{img, wRect, bRect}},
		{"conv stride (2,1) pad (1,2)", conv(wRect, bRect, tensor.Conv2DParams{StrideH: 2, StrideW: 1, PadTop: 1, PadBottom: 1, PadLeft: 2, PadRight: 2}), []*Value{img, wRect, bRect}},
		{"conv dilation 2", conv(wRect, nil, tensor.Conv2DParams{DilationH: 2, DilationW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}), []*Value{img, wRect}},
		{"conv asymmetric same padding", conv(wEven, nil, tensor.Conv2DParams{PadTop: 0, PadBottom: 1, PadLeft: 1, PadRight: 2}), []*Value{img, wEven}},
		{"conv groups 2", conv(wGroups, bGroups, tensor.Conv2DParams{Groups: 2, StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}), []*Value{img, wGroups, bGroups}},
		{"conv depthwise dilated", conv(wDepth, bDepth, tensor.Conv2DParams{Groups: 4, DilationH: 2, DilationW: 3}), []*Value{img, wDepth, bDepth}},
		{"conv square through fast path", conv(NewParam("sq", tensor.New(tensor.Float64, 2, 4, 3, 3)), nil, tensor.Conv2DParams{StrideH: 2, StrideW: 2}), []*Value{img}},
		{"maxpool 3×2 default stride", maxp(tensor.Pool2DParams{KH: 3, KW: 2}), []*Value{pin}},
		{"maxpool padding ceil", maxp(tensor.Pool2DParams{KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, CeilMode: true}), []*Value{pin}},
		{"maxpool stride (2,1) ceil", maxp(tensor.Pool2DParams{KH: 2, KW: 3, StrideH: 2, StrideW: 1, PadW: 1, CeilMode: true}), []*Value{pin}},
		{"avgpool padding count pad", avgp(tensor.Pool2DParams{KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}), []*Value{pin}},
		{"avgpool padding exclude pad ceil", avgp(tensor.Pool2DParams{KH: 3, KW: 2, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, CeilMode: true, ExcludePad: true}), []*Value{pin}},
		{"avgpool ceil count pad", avgp(tensor.Pool2DParams{KH: 2, KW: 4, CeilMode: true, PadW: 2}), []*Value{pin}},
		{"adaptive 3×4", func(g *Graph) *Value { return weighted(g, g.AdaptiveAvgPool2D(pin, 3, 4)) }, []*Value{pin}},
		{"adaptive 5×5", func(g *Graph) *Value { return weighted(g, g.AdaptiveAvgPool2D(pin, 5, 5)) }, []*Value{pin}},
		{"adaptive global", func(g *Graph) *Value { return weighted(g, g.AdaptiveAvgPool2D(pin, 1, 1)) }, []*Value{pin}},
		{"gelu", func(g *Graph) *Value { return weighted(g, g.GELU(act, false)) }, []*Value{act}},
		{"gelu tanh", func(g *Graph) *Value { return weighted(g, g.GELU(act, true)) }, []*Value{act}},
		{"silu", func(g *Graph) *Value { return weighted(g, g.SiLU(act)) }, []*Value{act}},
		{"softplus", func(g *Graph) *Value { return weighted(g, g.Softplus(act, 1, 20)) }, []*Value{act}},
		{"softplus beta 2 threshold branch", func(g *Graph) *Value { return weighted(g, g.Softplus(sp, 2, 20)) }, []*Value{sp}},
		{"a small network", func(g *Graph) *Value {
			h := g.GELU(g.Conv2DWith(img, wGroups, bGroups, tensor.Conv2DParams{Groups: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}), false)
			h = g.MaxPool2DWith(h, tensor.Pool2DParams{KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, CeilMode: true})
			h = g.Reshape(g.AdaptiveAvgPool2D(g.SiLU(h), 1, 1), 2, 6)
			return g.CrossEntropy(g.Softplus(h, 1, 20), []int{1, 5}, ReduceMean)
		}, []*Value{img, wGroups, bGroups}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := GradCheck(tt.f, tt.wrt...)
			if res.MaxError > gradTol || math.IsNaN(res.MaxError) {
				t.Errorf("%s", res)
			}
		})
	}
}

// TestConv2DWithMatchesConv2D checks that Conv2DToWith computes exactly
// what Conv2DTo does for the options the fast path covers, and that its
// general path agrees with it where an option changes nothing: extra
// bottom padding that adds no output row.
func TestConv2DWithMatchesConv2D(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		x := tensor.New(dt, 2, 3, 9, 8)
		w := tensor.New(dt, 4, 3, 3, 3)
		b := tensor.New(dt, 4)
		rng := tensor.NewRNG(7)
		for _, t := range []*tensor.Tensor{x, w, b} {
			for i := 0; i < t.Len(); i++ {
				t.SetFlat(i, rng.Float64()-0.5)
			}
		}
		want := tensor.New(dt, tensor.AppendConv2DShape(nil, x.Shape(), w.Shape(), 2, 1)...)
		tensor.Conv2DTo(want, x, w, b, 2, 1, nil)
		fast := tensor.Conv2DParams{StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1, Groups: 1, DilationH: 1, DilationW: 1}
		got := tensor.New(dt, want.Shape()...)
		tensor.Conv2DToWith(got, x, w, b, fast, nil)
		for i := 0; i < want.Len(); i++ {
			if got.Flat(i) != want.Flat(i) {
				t.Fatalf("%v: fast path element %d = %v, want %v", dt, i, got.Flat(i), want.Flat(i))
			}
		}
		// (9+1+2-3)/2+1 = 5 rows, as with padding 1 on both sides.
		general := fast
		general.PadBottom = 2
		gen := tensor.New(dt, tensor.AppendConv2DShapeWith(nil, x.Shape(), w.Shape(), general)...)
		if !tensor.EqualShapes(gen.Shape(), want.Shape()) {
			t.Fatalf("%v: general shape %v, want %v", dt, gen.Shape(), want.Shape())
		}
		tensor.Conv2DToWith(gen, x, w, b, general, nil)
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-5
		}
		for i := 0; i < want.Len(); i++ {
			if math.Abs(gen.Flat(i)-want.Flat(i)) > tol {
				t.Fatalf("%v: general path element %d = %v, want %v", dt, i, gen.Flat(i), want.Flat(i))
			}
		}
	}
}

func TestGeneralOpsSteadyStateAllocateLittle(t *testing.T) {
	rng := tensor.NewRNG(2)
	filt := NewParam("f", tensor.RandNormal(rng, tensor.Float32, 0, 0.1, 4, 1, 3, 2))
	fb := NewParam("fb", tensor.New(tensor.Float32, 4))
	imgs := tensor.RandNormal(rng, tensor.Float32, 0, 1, 4, 2, 9, 8)
	labels := []int{0, 1, 2, 3}
	g := NewGraph()
	conv := tensor.Conv2DParams{StrideH: 2, StrideW: 1, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1, DilationH: 2, Groups: 2}
	pool := tensor.Pool2DParams{KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, CeilMode: true}
	step := func() {
		h := g.GELU(g.Conv2DWith(g.Input(imgs), filt, fb, conv), false)
		h = g.SiLU(g.MaxPool2DWith(h, pool))
		h = g.Softplus(g.AvgPool2DWith(h, tensor.Pool2DParams{KH: 2, KW: 2, CeilMode: true, ExcludePad: true}), 1, 20)
		logits := g.Reshape(g.AdaptiveAvgPool2D(h, 1, 1), 4, 4)
		g.CrossEntropy(logits, labels, ReduceMean).Backward()
		g.Reset()
	}
	step()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := testing.AllocsPerRun(50, step)
	runtime.ReadMemStats(&after)
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / 51
	t.Logf("%v allocations, %.0f bytes per step", n, bytes)
	if n > 24 || bytes > 4096 {
		t.Errorf("steady-state step allocates %v times, %.0f bytes; want a few small allocations (no tensor data)", n, bytes)
	}
}
