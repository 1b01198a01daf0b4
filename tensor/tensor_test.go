package tensor

import (
	"math"
	"strings"
	"testing"
)

func f64(shape []int, v ...float64) *Tensor {
	if shape == nil {
		return FromFloat64(v).Reshape()
	}
	return FromFloat64(v, shape...)
}

func sh(d ...int) []int { return d }

func wantPanic(t *testing.T, substr []string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", substr)
		}
		msg, _ := r.(string)
		for _, s := range substr {
			if !strings.Contains(msg, s) {
				t.Fatalf("panic %q does not mention %q", msg, s)
			}
		}
	}()
	f()
}

func TestBinaryBroadcast(t *testing.T) {
	tests := []struct {
		name string
		op   BinaryOp
		a, b *Tensor
		want *Tensor
	}{
		{"same shape add", OpAdd, f64(sh(2, 2), 1, 2, 3, 4), f64(sh(2, 2), 10, 20, 30, 40), f64(sh(2, 2), 11, 22, 33, 44)},
		{"column plus row", OpAdd, f64(sh(3, 1), 1, 2, 3), f64(sh(1, 4), 10, 20, 30, 40),
			f64(sh(3, 4), 11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43)},
		{"3-D times vector", OpMul, f64(sh(2, 1, 3), 1, 2, 3, 4, 5, 6), f64(sh(3), 2, 0, -1),
			f64(sh(2, 1, 3), 2, 0, -3, 8, 0, -6)},
		{"scalar minus matrix", OpSub, f64(nil, 10), f64(sh(2), 1, 2), f64(sh(2), 9, 8)},
		{"div by row", OpDiv, f64(sh(2, 2), 2, 4, 6, 8), f64(sh(2), 2, 4), f64(sh(2, 2), 1, 1, 3, 2)},
		{"pow", OpPow, f64(sh(3), 2, 3, 4), f64(sh(1), 2), f64(sh(3), 4, 9, 16)},
		{"maximum", OpMax, f64(sh(3), 1, 5, -2), f64(sh(3), 2, 3, -3), f64(sh(3), 2, 5, -2)},
		{"minimum", OpMin, f64(sh(3), 1, 5, -2), f64(sh(3), 2, 3, -3), f64(sh(3), 1, 3, -3)},
		{"middle broadcast", OpAdd, f64(sh(2, 3, 2), 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1), f64(sh(2, 1, 2), 1, 2, 3, 4),
			f64(sh(2, 3, 2), 1, 2, 1, 2, 1, 2, 4, 5, 4, 5, 4, 5)},
		{"leading size-one", OpAdd, f64(sh(1, 2, 2), 1, 2, 3, 4), f64(sh(2, 1), 10, 20), f64(sh(1, 2, 2), 11, 12, 23, 24)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dt := range []DType{Float64, Float32} {
				got := Binary(tt.op, tt.a.To(dt), tt.b.To(dt))
				if !AllClose(got, tt.want.To(dt), 1e-6, 0) {
					t.Errorf("%v: got %v, want %v", dt, got, tt.want)
				}
			}
		})
	}
}

func TestBroadcastMismatchPanicsWithShapes(t *testing.T) {
	wantPanic(t, []string{"[2 3]", "[4]"}, func() { Add(New(Float32, 2, 3), New(Float32, 4)) })
	wantPanic(t, []string{"[2 3]", "[4 5]"}, func() { MatMul(New(Float32, 2, 3), New(Float32, 4, 5)) })
}

func TestUnary(t *testing.T) {
	x := f64(sh(4), -2, -0.5, 0.5, 3)
	tests := []struct {
		op   UnaryOp
		p    float64
		want func(float64) float64
	}{
		{OpNeg, 0, func(v float64) float64 { return -v }},
		{OpExp, 0, math.Exp},
		{OpAbs, 0, math.Abs},
		{OpTanh, 0, math.Tanh},
		{OpSigmoid, 0, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{OpReLU, 0, func(v float64) float64 { return math.Max(v, 0) }},
		{OpSquare, 0, func(v float64) float64 { return v * v }},
		{OpLeakyReLU, 0.1, func(v float64) float64 {
			if v > 0 {
				return v
			}
			return 0.1 * v
		}},
		{OpELU, 1.5, func(v float64) float64 {
			if v > 0 {
				return v
			}
			return 1.5 * (math.Exp(v) - 1)
		}},
		{OpAddScalar, 2, func(v float64) float64 { return v + 2 }},
		{OpMulScalar, -3, func(v float64) float64 { return -3 * v }},
		{OpRecip, 0, func(v float64) float64 { return 1 / v }},
	}
	for _, tt := range tests {
		got := Unary(tt.op, x, tt.p)
		for i := 0; i < 4; i++ {
			if w := tt.want(x.Flat(i)); math.Abs(got.Flat(i)-w) > 1e-12 {
				t.Errorf("%v(%v) = %v, want %v", tt.op, x.Flat(i), got.Flat(i), w)
			}
		}
	}
	pos := f64(sh(3), 0.25, 1, 4)
	if got := Sqrt(pos); !AllClose(got, f64(sh(3), 0.5, 1, 2), 0, 1e-15) {
		t.Errorf("Sqrt = %v", got)
	}
	if got := Log(pos); !AllClose(got, f64(sh(3), math.Log(0.25), 0, math.Log(4)), 0, 1e-15) {
		t.Errorf("Log = %v", got)
	}
	if got := PowScalar(pos, 1.5); !AllClose(got, f64(sh(3), 0.125, 1, 8), 0, 1e-15) {
		t.Errorf("PowScalar = %v", got)
	}
	// Sigmoid must not overflow.
	big := Sigmoid(f64(sh(2), -1000, 1000))
	if big.Flat(0) != 0 || big.Flat(1) != 1 {
		t.Errorf("Sigmoid(±1000) = %v", big)
	}
}

func TestReductions(t *testing.T) {
	x := f64(sh(2, 3), 1, 2, 3, 4, 5, 6)
	tests := []struct {
		name string
		got  *Tensor
		want *Tensor
	}{
		{"sum all", Sum(x), f64(nil, 21)},
		{"sum axis 0", Sum(x, 0), f64(sh(3), 5, 7, 9)},
		{"sum axis 1", Sum(x, 1), f64(sh(2), 6, 15)},
		{"sum axis -1 keepdims", SumKeepDims(x, -1), f64(sh(2, 1), 6, 15)},
		{"mean axis 0", Mean(x, 0), f64(sh(3), 2.5, 3.5, 4.5)},
		{"mean all", Mean(x), f64(nil, 3.5)},
		{"max axis 1", Max(x, 1), f64(sh(2), 3, 6)},
		{"max axis 0 keepdims", MaxKeepDims(x, 0), f64(sh(1, 3), 4, 5, 6)},
		{"var all", Var(x, 0), f64(nil, 35.0/12)},
		{"var axis 1 unbiased", Var(x, 1, 1), f64(sh(2), 1, 1)},
		{"var axis 0", Var(x, 0, 0), f64(sh(3), 2.25, 2.25, 2.25)},
	}
	for _, tt := range tests {
		if !AllClose(tt.got, tt.want, 1e-12, 1e-12) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	y := f64(sh(2, 2, 3), 1, 9, 2, 0, 0, 5, 7, 7, 7, 3, 8, 1)
	if got := Sum(y, 0, 2); !AllClose(got, f64(sh(2), 1+9+2+7+7+7, 5+3+8+1), 0, 0) {
		t.Errorf("sum over axes 0 and 2 = %v", got)
	}
	if got, want := ArgMax(y, 2), []int{1, 2, 0, 1}; !equalInts(got, want) {
		t.Errorf("ArgMax axis 2 = %v, want %v", got, want)
	}
	if got, want := ArgMax(y, 0), []int{1, 0, 1, 1, 1, 0}; !equalInts(got, want) {
		t.Errorf("ArgMax axis 0 = %v, want %v", got, want)
	}
	dst := f64(sh(1, 3), 100, 100, 100)
	AccumulateTo(dst, x)
	if !AllClose(dst, f64(sh(1, 3), 105, 107, 109), 0, 0) {
		t.Errorf("AccumulateTo = %v", dst)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestShapeOps(t *testing.T) {
	x := Arange(Float64, 0, 24, 1).Reshape(2, 3, 4)
	p := Permute(x, 2, 0, 1)
	if !EqualShapes(p.Shape(), sh(4, 2, 3)) {
		t.Fatalf("Permute shape %v", p.Shape())
	}
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 4; k++ {
				if p.At(k, i, j) != x.At(i, j, k) {
					t.Fatalf("Permute[%d,%d,%d] = %v, want %v", k, i, j, p.At(k, i, j), x.At(i, j, k))
				}
			}
		}
	}
	if tr := Transpose(f64(sh(2, 3), 1, 2, 3, 4, 5, 6)); !Equal(tr, f64(sh(3, 2), 1, 4, 2, 5, 3, 6)) {
		t.Errorf("Transpose = %v", tr)
	}
	if r := x.Reshape(-1, 6); !EqualShapes(r.Shape(), sh(4, 6)) || r.At(1, 0) != 6 {
		t.Errorf("Reshape(-1, 6) = %v", r)
	}
	wantPanic(t, []string{"[2 3 4]", "[5 -1]"}, func() { x.Reshape(5, -1) })
	s := x.Slice(1, 2)
	if !EqualShapes(s.Shape(), sh(1, 3, 4)) || s.At(0, 0, 0) != 12 {
		t.Errorf("Slice = %v", s)
	}
	s.Set(-1, 0, 0, 0)
	if x.At(1, 0, 0) != -1 {
		t.Errorf("Slice does not share data")
	}
	if ix := x.Index(0); !EqualShapes(ix.Shape(), sh(3, 4)) || ix.At(2, 3) != 11 {
		t.Errorf("Index = %v", ix)
	}
	a, b := f64(sh(2, 1), 1, 2), f64(sh(2, 2), 3, 4, 5, 6)
	c := Concat(1, a, b)
	if !Equal(c, f64(sh(2, 3), 1, 3, 4, 2, 5, 6)) {
		t.Errorf("Concat = %v", c)
	}
	parts := Split(c, 1, 1, 2)
	if !Equal(parts[0], a) || !Equal(parts[1], b) {
		t.Errorf("Split = %v", parts)
	}
	if c0 := Concat(0, a, a); !Equal(c0, f64(sh(4, 1), 1, 2, 1, 2)) {
		t.Errorf("Concat axis 0 = %v", c0)
	}
	img := f64(sh(1, 2, 2), 1, 2, 3, 4)
	pd := Pad(img, 0, [2]int{1, 0}, [2]int{0, 2})
	want := f64(sh(1, 3, 4), 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0)
	if !Equal(pd, want) {
		t.Errorf("Pad = %v, want %v", pd, want)
	}
	if back := Crop(pd, [2]int{1, 0}, [2]int{0, 2}); !Equal(back, img) {
		t.Errorf("Crop(Pad(x)) = %v, want %v", back, img)
	}
}

func TestMatMul(t *testing.T) {
	a := f64(sh(2, 3), 1, 2, 3, 4, 5, 6)
	b := f64(sh(3, 2), 7, 8, 9, 10, 11, 12)
	want := f64(sh(2, 2), 58, 64, 139, 154)
	for _, dt := range []DType{Float64, Float32} {
		if got := MatMul(a.To(dt), b.To(dt)); !AllClose(got, want.To(dt), 1e-6, 0) {
			t.Errorf("%v MatMul = %v", dt, got)
		}
		dst := New(dt, 2, 2)
		MatMulTo(dst, Transpose(a).To(dt), Transpose(b).To(dt), true, true)
		if !AllClose(dst, want.To(dt), 1e-6, 0) {
			t.Errorf("%v MatMulTo transposed = %v", dt, dst)
		}
		MatMulAddTo(dst, a.To(dt), b.To(dt), false, false, 1)
		if !AllClose(dst, MulScalar(want, 2).To(dt), 1e-6, 0) {
			t.Errorf("%v MatMulAddTo = %v", dt, dst)
		}
	}
	// Batched: every batch entry equals the 2-D product.
	rng := NewRNG(1)
	ba := RandNormal(rng, Float64, 0, 1, 3, 4, 5)
	bb := RandNormal(rng, Float64, 0, 1, 3, 5, 2)
	shared := RandNormal(rng, Float64, 0, 1, 5, 2)
	got := MatMul(ba, bb)
	got2 := MatMul(ba, shared)
	for i := 0; i < 3; i++ {
		if !AllClose(got.Index(i), MatMul(ba.Index(i), bb.Index(i)), 1e-12, 1e-12) {
			t.Errorf("batched entry %d differs", i)
		}
		if !AllClose(got2.Index(i), MatMul(ba.Index(i), shared), 1e-12, 1e-12) {
			t.Errorf("shared-operand entry %d differs", i)
		}
	}
}

// TestIm2colAdjoint checks ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩, which holds only
// if col2im is exactly the adjoint (the transpose) of im2col.
func TestIm2colAdjoint(t *testing.T) {
	rng := NewRNG(2)
	for _, c := range []struct{ n, ch, h, w, k, s, p int }{{2, 3, 5, 5, 3, 1, 0}, {1, 2, 6, 7, 3, 2, 1}, {1, 1, 4, 4, 2, 2, 0}} {
		x := RandNormal(rng, Float64, 0, 1, c.n, c.ch, c.h, c.w)
		cols := Im2col(x, c.k, c.k, c.s, c.p)
		y := RandNormal(rng, Float64, 0, 1, cols.Shape()...)
		back := Col2im(y, x.Shape(), c.k, c.k, c.s, c.p)
		lhs := Sum(Mul(cols, y)).Item()
		rhs := Sum(Mul(x, back)).Item()
		if math.Abs(lhs-rhs) > 1e-9*math.Max(1, math.Abs(lhs)) {
			t.Errorf("%+v: ⟨im2col x, y⟩ = %v, ⟨x, col2im y⟩ = %v", c, lhs, rhs)
		}
	}
	// A hand-checked case: 1×1×3×3 image, 2×2 window, stride 1.
	x := Arange(Float64, 1, 10, 1).Reshape(1, 1, 3, 3)
	cols := Im2col(x, 2, 2, 1, 0)
	want := f64(sh(1, 4, 4), 1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9)
	if !Equal(cols, want) {
		t.Errorf("Im2col = %v, want %v", cols, want)
	}
}

func TestArenaReuse(t *testing.T) {
	a := NewArena()
	step := func() {
		x := a.Empty(Float32, 64, 100)
		y := a.Zeros(Float32, 64, 100)
		AddTo(y, x, y)
		_ = a.Reshape(y, 100, 64)
		_ = a.Slice(y, 0, 8)
		a.Reset()
	}
	step()
	if allocs := testing.AllocsPerRun(100, step); allocs != 0 {
		t.Errorf("steady-state arena step allocates %v times, want 0", allocs)
	}
	z := a.Zeros(Float32, 64, 100)
	for _, v := range z.F32() {
		if v != 0 {
			t.Fatal("Zeros returned non-zero memory")
		}
	}
	var nilArena *Arena
	if got := nilArena.Zeros(Float64, 2); got.Len() != 2 {
		t.Error("nil arena does not allocate")
	}
}

func TestCreation(t *testing.T) {
	if a := Arange(Float32, 0, 1, 0.25); !AllClose(a, f64(sh(4), 0, 0.25, 0.5, 0.75).To(Float32), 0, 0) {
		t.Errorf("Arange = %v", a)
	}
	if f := Full(Float64, 2.5, 2, 2); Sum(f).Item() != 10 {
		t.Errorf("Full = %v", f)
	}
	r1 := RandNormal(NewRNG(7), Float64, 3, 2, 10000)
	r2 := RandNormal(NewRNG(7), Float64, 3, 2, 10000)
	if !Equal(r1, r2) {
		t.Error("same seed gave different samples")
	}
	if m, s := Mean(r1).Item(), math.Sqrt(Var(r1, 1).Item()); math.Abs(m-3) > 0.06 || math.Abs(s-2) > 0.06 {
		t.Errorf("RandNormal mean %v std %v, want 3 and 2", m, s)
	}
	u := RandUniform(NewRNG(8), Float32, -1, 1, 10000)
	if Max(u).Item() >= 1 || Max(Neg(u)).Item() > 1 {
		t.Error("RandUniform outside [-1, 1)")
	}
	wantPanic(t, []string{"[2 3]", "needs 6", "has 5"}, func() { FromFloat32(make([]float32, 5), 2, 3) })
}

// TestLinearTo: the bias added inside the product gives the bits of a
// product followed by adding the bias, in float32 (fused) and float64,
// with and without a bias; mismatched shapes panic.
func TestLinearTo(t *testing.T) {
	rng := NewRNG(12)
	for _, d := range []DType{Float32, Float64} {
		for _, s := range [][3]int{{1, 3, 2}, {64, 784, 256}, {70, 33, 10}} {
			n, in, out := s[0], s[1], s[2]
			x, w, b := RandNormal(rng, d, 0, 1, n, in), RandNormal(rng, d, 0, 1, out, in), RandNormal(rng, d, 0, 1, out)
			for _, bias := range []*Tensor{b, nil} {
				want := New(d, n, out)
				MatMulTo(want, x, w, false, true)
				if bias != nil {
					AddTo(want, want, bias)
				}
				got := New(d, n, out)
				LinearTo(got, x, w, bias)
				for i := range want.Len() {
					if got.Flat(i) != want.Flat(i) {
						t.Fatalf("%v %v bias=%v [%d]: %v, want %v", d, s, bias != nil, i, got.Flat(i), want.Flat(i))
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a bias of the wrong length did not panic")
		}
	}()
	LinearTo(New(Float32, 2, 3), New(Float32, 2, 4), New(Float32, 3, 4), New(Float32, 2))
}
