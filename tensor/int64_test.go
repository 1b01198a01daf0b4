package tensor

import (
	"math"
	"slices"
	"testing"
)

func TestInt64DType(t *testing.T) {
	tests := []struct {
		d     DType
		name  string
		size  int
		float bool
	}{
		{Float32, "float32", 4, true},
		{Float64, "float64", 8, true},
		{Int64, "int64", 8, false},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.d, got, tt.name)
		}
		if got := tt.d.Size(); got != tt.size {
			t.Errorf("%v.Size() = %d, want %d", tt.d, got, tt.size)
		}
		if got := tt.d.IsFloat(); got != tt.float {
			t.Errorf("%v.IsFloat() = %v, want %v", tt.d, got, tt.float)
		}
	}
}

func TestInt64Constructors(t *testing.T) {
	tests := []struct {
		name  string
		t     *Tensor
		shape []int
		want  []int64
	}{
		{"New", New(Int64, 2, 3), sh(2, 3), []int64{0, 0, 0, 0, 0, 0}},
		{"Zeros", Zeros(Int64, 2), sh(2), []int64{0, 0}},
		{"Ones", Ones(Int64, 3), sh(3), []int64{1, 1, 1}},
		{"Full", Full(Int64, -7, 2, 2), sh(2, 2), []int64{-7, -7, -7, -7}},
		{"Full truncates", Full(Int64, -2.9, 2), sh(2), []int64{-2, -2}},
		{"Scalar", Scalar(Int64, 42), sh(), []int64{42}},
		{"Arange", Arange(Int64, 0, 5, 1), sh(5), []int64{0, 1, 2, 3, 4}},
		{"Arange down", Arange(Int64, 3, -3, -2), sh(3), []int64{3, 1, -1}},
		{"FromInt64", FromInt64([]int64{1, 2, 3, 4, 5, 6}, 3, 2), sh(3, 2), []int64{1, 2, 3, 4, 5, 6}},
		{"FromInt64 1-D", FromInt64([]int64{9, 8}), sh(2), []int64{9, 8}},
		{"FromInts", FromInts([]int{3, -1, 4, 1}, 2, 2), sh(2, 2), []int64{3, -1, 4, 1}},
		{"FromInts 1-D", FromInts([]int{5}), sh(1), []int64{5}},
		{"FromInts empty", FromInts(nil), sh(0), []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.t.DType() != Int64 {
				t.Errorf("dtype %v, want int64", tt.t.DType())
			}
			if !EqualShapes(tt.t.Shape(), tt.shape) {
				t.Errorf("shape %v, want %v", tt.t.Shape(), tt.shape)
			}
			if tt.t.Len() != len(tt.want) || !slices.Equal(tt.t.I64(), tt.want) {
				t.Errorf("elements %v (Len %d), want %v", tt.t.I64(), tt.t.Len(), tt.want)
			}
		})
	}
}

func TestInt64WrapAndCopy(t *testing.T) {
	data := []int64{1, 2, 3}
	w := FromInt64(data)
	data[0] = 10
	if w.I64()[0] != 10 {
		t.Error("FromInt64 copied its slice, want it wrapped")
	}
	ints := []int{1, 2, 3}
	c := FromInts(ints)
	ints[0] = 10
	if c.I64()[0] != 1 {
		t.Error("FromInts shares its slice, want a copy")
	}
	wantPanic(t, []string{"[2 2]", "needs 4", "has 3"}, func() { FromInt64(make([]int64, 3), 2, 2) })
	wantPanic(t, []string{"[2 2]", "needs 4", "has 3"}, func() { FromInts(make([]int, 3), 2, 2) })
}

func TestInt64Accessors(t *testing.T) {
	x := FromInts([]int{1, -2, 3, 4, 5, 6}, 2, 3)
	if got := x.At(0, 1); got != -2 {
		t.Errorf("At(0, 1) = %v, want -2", got)
	}
	x.Set(-7.9, 1, 2)
	if got := x.I64()[5]; got != -7 {
		t.Errorf("Set(-7.9) stored %d, want -7 (truncated toward zero)", got)
	}
	x.SetFlat(0, 1<<40)
	if got := x.Flat(0); got != 1<<40 {
		t.Errorf("Flat(0) = %v, want 2⁴⁰", got)
	}
	if got := FromInts([]int{8}).Item(); got != 8 {
		t.Errorf("Item = %v, want 8", got)
	}
	x.Fill(3.5)
	if !slices.Equal(x.I64(), []int64{3, 3, 3, 3, 3, 3}) {
		t.Errorf("Fill(3.5) = %v, want all 3", x.I64())
	}
	x.Zero()
	if !slices.Equal(x.I64(), make([]int64, 6)) {
		t.Errorf("Zero = %v", x.I64())
	}
	if got := FromInts([]int{-3, 0, 7}).Float64s(); !slices.Equal(got, []float64{-3, 0, 7}) {
		t.Errorf("Float64s = %v", got)
	}
	wantPanic(t, []string{"F32", "int64"}, func() { x.F32() })
	wantPanic(t, []string{"F64", "int64"}, func() { x.F64() })
	wantPanic(t, []string{"I64", "float32"}, func() { New(Float32, 2).I64() })
	wantPanic(t, []string{"I64", "float64"}, func() { New(Float64, 2).I64() })
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e19, -1e19, 9223372036854775808} {
		wantPanic(t, []string{"int64"}, func() { x.SetFlat(0, v) })
		wantPanic(t, []string{"int64"}, func() { x.Fill(v) })
	}
	// The extremes that fit are stored exactly.
	x.SetFlat(0, -9223372036854775808)
	if x.I64()[0] != math.MinInt64 {
		t.Errorf("SetFlat(-2⁶³) stored %d", x.I64()[0])
	}
}

func TestInt64Conversions(t *testing.T) {
	floats := []float64{-2.7, -1, -0.5, 0, 0.5, 1.999, 2.9, 1e15}
	wantInts := []int64{-2, -1, 0, 0, 0, 1, 2, 1e15}
	f64 := FromFloat64(slices.Clone(floats), 2, 4)
	f32 := f64.To(Float32)

	// Int64s truncates toward zero, as torch's .long().
	if got := f64.Int64s(); !slices.Equal(got, wantInts) {
		t.Errorf("float64 Int64s = %v, want %v", got, wantInts)
	}
	if got := f32.Int64s(); !slices.Equal(got[:7], wantInts[:7]) {
		t.Errorf("float32 Int64s = %v, want %v", got, wantInts)
	}
	ints := FromInt64(slices.Clone(wantInts), 2, 4)
	if got := ints.Int64s(); !slices.Equal(got, wantInts) || &got[0] == &ints.I64()[0] {
		t.Errorf("int64 Int64s = %v, want a copy of %v", got, wantInts)
	}

	// To and CopyFrom in every direction.
	toInt := f64.To(Int64)
	if !EqualShapes(toInt.Shape(), sh(2, 4)) || !slices.Equal(toInt.I64(), wantInts) {
		t.Errorf("float64 To(Int64) = %v, want %v", toInt, wantInts)
	}
	if got := f32.To(Int64).I64(); !slices.Equal(got[:7], wantInts[:7]) {
		t.Errorf("float32 To(Int64) = %v", got)
	}
	if ints.To(Int64) != ints {
		t.Error("To(Int64) of an int64 tensor is not the tensor itself")
	}
	back := ints.To(Float64)
	if !slices.Equal(back.F64(), []float64{-2, -1, 0, 0, 0, 1, 2, 1e15}) {
		t.Errorf("int64 To(Float64) = %v", back)
	}
	if got := ints.To(Float32).F32(); got[0] != -2 || got[7] != 1e15 {
		t.Errorf("int64 To(Float32) = %v", got)
	}
	// A round trip through float64 is exact up to 2⁵³.
	big := FromInt64([]int64{1 << 53, -(1 << 53), 123456789012345})
	if rt := big.To(Float64).To(Int64); !Equal(rt, big) {
		t.Errorf("round trip through float64 = %v, want %v", rt, big)
	}
	// Beyond 2⁵³ float64 rounds to nearest (ties to even), as a C cast.
	if got := FromInt64([]int64{1<<53 + 1}).Float64s()[0]; got != 1<<53 {
		t.Errorf("2⁵³+1 as float64 = %v, want 2⁵³", got)
	}

	dst := New(Int64, 8)
	dst.CopyFrom(f64) // shapes may differ, counts must match
	if !slices.Equal(dst.I64(), wantInts) {
		t.Errorf("int64 CopyFrom float64 = %v", dst.I64())
	}
	dst.CopyFrom(FromInts([]int{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2))
	if !slices.Equal(dst.I64(), []int64{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("int64 CopyFrom int64 = %v", dst.I64())
	}
	fdst := New(Float32, 8)
	fdst.CopyFrom(dst)
	if !slices.Equal(fdst.F32(), []float32{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("float32 CopyFrom int64 = %v", fdst.F32())
	}
	wantPanic(t, []string{"CopyFrom", "[3]", "[8]"}, func() { dst.CopyFrom(New(Int64, 3)) })
	wantPanic(t, []string{"NaN", "int64"}, func() { dst.CopyFrom(Full(Float32, math.NaN(), 8)) })
	wantPanic(t, []string{"int64"}, func() { FromFloat64([]float64{math.Inf(-1)}).To(Int64) })
	wantPanic(t, []string{"int64"}, func() { FromFloat64([]float64{1e300}).Int64s() })

	// Convert in place, both ways.
	c := FromFloat64([]float64{-1.5, 2.5})
	c.Convert(Int64)
	if c.DType() != Int64 || !slices.Equal(c.I64(), []int64{-1, 2}) {
		t.Errorf("Convert(Int64) = %v", c)
	}
	c.Convert(Float32)
	if c.DType() != Float32 || !slices.Equal(c.F32(), []float32{-1, 2}) {
		t.Errorf("Convert(Float32) = %v", c)
	}
}

func TestInt64Views(t *testing.T) {
	x := FromInts([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4)
	r := x.Reshape(2, -1)
	s := x.Slice(1, 3)
	row := x.Index(2)
	if !EqualShapes(r.Shape(), sh(2, 6)) || !EqualShapes(s.Shape(), sh(2, 4)) || !EqualShapes(row.Shape(), sh(4)) {
		t.Fatalf("view shapes %v, %v, %v", r.Shape(), s.Shape(), row.Shape())
	}
	if r.DType() != Int64 || s.DType() != Int64 || row.DType() != Int64 {
		t.Fatal("a view lost the int64 dtype")
	}
	if !slices.Equal(s.I64(), []int64{4, 5, 6, 7, 8, 9, 10, 11}) || !slices.Equal(row.I64(), []int64{8, 9, 10, 11}) {
		t.Errorf("Slice = %v, Index = %v", s.I64(), row.I64())
	}
	// Writes through any view show in x.
	r.Set(100, 0, 0)
	s.Set(200, 0, 0)
	row.Set(300, 3)
	want := []int64{100, 1, 2, 3, 200, 5, 6, 7, 8, 9, 10, 300}
	if !slices.Equal(x.I64(), want) {
		t.Errorf("after writes through views x = %v, want %v", x.I64(), want)
	}
	// A slice's capacity ends at its last row, so appending cannot
	// overwrite the rows after it.
	if head := x.Slice(0, 1).I64(); cap(head) != 4 {
		t.Errorf("slice capacity %d, want 4", cap(head))
	}
	cl := x.Clone()
	cl.Set(-1, 0, 0)
	if x.At(0, 0) != 100 || !cl.SameShape(x) || cl.DType() != Int64 {
		t.Error("Clone shares memory with the original or lost its shape or dtype")
	}

	var ar *Arena
	for _, a := range []*Arena{ar, NewArena()} {
		v := a.Reshape(x, 4, 3)
		v.Set(7, 3, 2)
		sl := a.Slice(x, 2, 3)
		if x.At(2, 3) != 7 || sl.At(0, 3) != 7 || sl.DType() != Int64 {
			t.Errorf("arena views of an int64 tensor do not share its memory")
		}
	}
}

func TestInt64ShapeOps(t *testing.T) {
	x := FromInts([]int{1, 2, 3, 4, 5, 6}, 2, 3)
	tests := []struct {
		name string
		got  *Tensor
		want *Tensor
	}{
		{"Transpose", Transpose(x), FromInts([]int{1, 4, 2, 5, 3, 6}, 3, 2)},
		{"Permute", Permute(x.Reshape(1, 2, 3), 2, 0, 1), FromInts([]int{1, 4, 2, 5, 3, 6}, 3, 1, 2)},
		{"Concat 0", Concat(0, x, FromInts([]int{7, 8, 9}, 1, 3)), FromInts([]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3)},
		{"Concat 1", Concat(1, x, FromInts([]int{-1, -2}, 2, 1)), FromInts([]int{1, 2, 3, -1, 4, 5, 6, -2}, 2, 4)},
		{"Split", Split(x, 1, 1, 2)[1], FromInts([]int{2, 3, 5, 6}, 2, 2)},
		{"Pad", Pad(x, -1, [2]int{1, 0}), FromInts([]int{-1, 1, 2, 3, -1, 4, 5, 6}, 2, 4)},
		{"Crop", Crop(x, [2]int{0, 1}, [2]int{1, 1}), FromInts([]int{2}, 1, 1)},
	}
	for _, tt := range tests {
		if !Equal(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	wantPanic(t, []string{"Concat", "int64", "float32"}, func() { Concat(0, x, New(Float32, 1, 3)) })
}

func TestInt64Compare(t *testing.T) {
	a := FromInts([]int{1, 2, 3})
	if !Equal(a, FromInt64([]int64{1, 2, 3})) {
		t.Error("Equal int64 tensors compare unequal")
	}
	if Equal(a, FromInts([]int{1, 2, 4})) || Equal(a, FromInts([]int{1, 2, 3}, 3, 1)) {
		t.Error("different int64 tensors compare equal")
	}
	if Equal(a, FromFloat64([]float64{1, 2, 3})) {
		t.Error("Equal ignores the dtype")
	}
	if !AllClose(a, FromFloat32([]float32{1, 2, 3.0000001}), 1e-6, 0) {
		t.Error("AllClose of int64 and float32 with the same values is false")
	}
	if !a.SameShape(New(Float64, 3)) || a.SameShape(New(Int64, 1, 3)) {
		t.Error("SameShape wrong for an int64 tensor")
	}
}

func TestInt64String(t *testing.T) {
	tests := []struct {
		t    *Tensor
		want string
	}{
		{FromInts([]int{1, -2, 3, 40, 500, 6000}, 2, 3), "tensor([2 3], int64) [[1 -2 3] [40 500 6000]]"},
		{Scalar(Int64, -9), "tensor([], int64) -9"},
		{FromInt64([]int64{math.MaxInt64, math.MinInt64}), "tensor([2], int64) [9223372036854775807 -9223372036854775808]"},
		{Arange(Int64, 0, 10, 1), "tensor([10], int64) [0 1 2 … 7 8 9]"},
		{New(Int64, 0), "tensor([0], int64) []"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestInt64Arena(t *testing.T) {
	a := NewArena()
	e := a.Empty(Int64, 4, 2)
	if e.DType() != Int64 || e.Len() != 8 || !EqualShapes(e.Shape(), sh(4, 2)) {
		t.Fatalf("Empty(Int64) = %v %v", e.DType(), e.Shape())
	}
	e.Fill(5)
	f := a.Empty(Float64, 8) // same length and element size, other type
	if f.DType() != Float64 || f.Len() != 8 {
		t.Fatalf("Empty(Float64) = %v", f)
	}
	a.Reset()
	z := a.Zeros(Int64, 2, 4) // reuses e's memory, zeroed
	if &z.I64()[0] != &e.I64()[0] {
		t.Error("the arena did not reuse the int64 buffer")
	}
	if !slices.Equal(z.I64(), make([]int64, 8)) {
		t.Errorf("Zeros(Int64) from reused memory = %v", z.I64())
	}
	if l := a.ZerosLike(z); l.DType() != Int64 || !l.SameShape(z) {
		t.Errorf("ZerosLike = %v", l)
	}
	a.Reset()
	step := func() {
		labels := a.Empty(Int64, 64)
		labels.Fill(3)
		_ = a.Reshape(labels, 8, 8)
		_ = a.Slice(labels, 0, 8)
		a.Reset()
	}
	step()
	if allocs := testing.AllocsPerRun(100, step); allocs != 0 {
		t.Errorf("steady-state int64 arena step allocates %v times, want 0", allocs)
	}
	var nilArena *Arena
	if got := nilArena.Zeros(Int64, 3); got.DType() != Int64 || got.Len() != 3 {
		t.Error("nil arena does not allocate int64 tensors")
	}
}

// TestInt64FloatOpsPanic checks that every float-only operation refuses an
// int64 tensor, in any operand position, with a message naming the
// operation and the types it needs, rather than an index out of range or a
// silently wrong result.
func TestInt64FloatOpsPanic(t *testing.T) {
	i := func(shape ...int) *Tensor { return New(Int64, shape...) }
	f := func(shape ...int) *Tensor { return New(Float32, shape...) }
	rng := NewRNG(1)
	tests := []struct {
		op string // the name the message must mention
		fn func()
	}{
		{"add", func() { Add(i(2, 2), i(2, 2)) }},
		{"add", func() { AddTo(f(2), f(2), i(2)) }},
		{"sub", func() { Sub(i(2), i(2)) }},
		{"mul", func() { Mul(i(2, 3), i(3)) }},
		{"div", func() { DivTo(i(2), f(2), f(2)) }},
		{"pow", func() { Pow(i(2), i(2)) }},
		{"maximum", func() { Maximum(i(2), i(2)) }},
		{"neg", func() { Neg(i(2)) }},
		{"exp", func() { Exp(i(4)) }},
		{"exp", func() { UnaryTo(OpExp, f(4), i(4), 0) }},
		{"relu", func() { ReLU(i(4)) }},
		{"sigmoid", func() { UnaryGradTo(OpSigmoid, f(2), f(2), f(2), i(2), 0) }},
		{"mul_scalar", func() { i(3).Scale(2) }},
		{"add_scalar", func() { AddScalar(i(3), 1) }},
		{"AddScaled", func() { f(3).AddScaled(1, i(3)) }},
		{"sum", func() { Sum(i(2, 3)) }},
		{"sum", func() { Sum(i(2, 3), 1) }},
		{"sum", func() { SumTo(f(3), i(2, 3)) }},
		{"sum", func() { AccumulateTo(i(3), f(2, 3)) }},
		{"mean", func() { Mean(i(2, 3)) }},
		{"mean", func() { MeanKeepDims(i(2, 3), 0) }},
		{"var", func() { Var(i(2, 3), 1) }},
		{"max", func() { Max(i(2, 3)) }},
		{"max", func() { MaxTo(i(1), i(4)) }},
		{"ArgMax", func() { ArgMax(i(2, 3), 1) }},
		{"max gradient", func() { MaxBackward(i(2, 3), i(2), i(2, 3), i(2), 1) }},
		{"matmul", func() { MatMul(i(2, 2), i(2, 2)) }},
		{"matmul", func() { MatMulTo(f(2, 2), f(2, 2), i(2, 2), false, false) }},
		{"matmul", func() { MatMulAddTo(i(2, 2), f(2, 2), f(2, 2), false, false, 1) }},
		{"im2col", func() { Im2col(i(1, 1, 3, 3), 2, 2, 1, 0) }},
		{"col2im", func() { Col2im(i(1, 4, 4), []int{1, 1, 3, 3}, 2, 2, 1, 0) }},
		{"conv2d", func() { Conv2DTo(f(1, 1, 2, 2), i(1, 1, 3, 3), f(1, 1, 2, 2), nil, 1, 0, nil) }},
		{"conv2d", func() { Conv2DTo(f(1, 1, 2, 2), f(1, 1, 3, 3), f(1, 1, 2, 2), i(1), 1, 0, nil) }},
		{"conv2d gradient", func() {
			Conv2DBackward(f(1, 1, 3, 3), nil, nil, i(1, 1, 2, 2), f(1, 1, 3, 3), f(1, 1, 2, 2), 1, 0, nil)
		}},
		{"maxpool2d", func() { Pool2DTo(MaxPool, i(1, 1, 1, 1), i(1, 1, 2, 2), 2, 2) }},
		{"avgpool2d", func() { Pool2DBackward(AvgPool, i(1, 1, 2, 2), i(1, 1, 1, 1), i(1, 1, 2, 2), i(1, 1, 1, 1), 2, 2) }},
		{"batchnorm", func() {
			st := &BatchNormStats{RunningMean: f(2), RunningVar: f(2), Momentum: 0.1, Eps: 1e-5}
			BatchNormTo(f(4, 2), f(4, 2), f(2), i(4, 2), f(2), f(2), st, true)
		}},
		{"batchnorm", func() {
			st := &BatchNormStats{RunningMean: i(2), RunningVar: f(2), Momentum: 0.1, Eps: 1e-5}
			BatchNormTo(f(4, 2), f(4, 2), f(2), f(4, 2), f(2), f(2), st, false)
		}},
		{"batchnorm gradient", func() { BatchNormBackward(f(4, 2), nil, nil, i(4, 2), f(4, 2), f(2), f(2), true) }},
		{"SGDUpdate", func() { SGDUpdate(i(3), i(3), nil, SGDHyper{LR: 0.1, Step: 1}) }},
		{"AdamUpdate", func() { AdamUpdate(f(3), f(3), f(3), i(3), nil, AdamHyper{LR: 0.1, Step: 1}) }},
		{"RMSPropUpdate", func() { RMSPropUpdate(i(3), i(3), i(3), nil, nil, RMSPropHyper{LR: 0.1}) }},
		{"AdaGradUpdate", func() { AdaGradUpdate(f(3), i(3), f(3), AdaGradHyper{LR: 0.1, Step: 1}) }},
		{"Dot", func() { Dot(i(3), i(3)) }},
		{"Norm", func() { Norm(i(3), 2) }},
		{"ClampTo", func() { ClampTo(i(3), i(3), 0, 1) }},
		{"RandNormal", func() { RandNormal(rng, Int64, 0, 1, 3) }},
		{"RandUniform", func() { RandUniform(rng, Int64, 0, 1, 3) }},
	}
	for _, tt := range tests {
		wantPanic(t, []string{"tensor: " + tt.op + " ", "float32 or float64", "int64"}, tt.fn)
	}
}

// TestFloatOpsStillAllocationFree checks that the dtype checks added for
// int64 tensors cost the float paths no allocation.
func TestFloatOpsStillAllocationFree(t *testing.T) {
	x, y, d := Full(Float32, 1, 4, 4), Full(Float32, 2, 4, 4), New(Float32, 4, 4)
	s := New(Float32, 4)
	allocs := testing.AllocsPerRun(100, func() {
		AddTo(d, x, y)
		UnaryTo(OpExp, d, d, 0)
		UnaryGradTo(OpExp, d, x, y, d, 0)
		AccumulateTo(s, d)
		MaxTo(s, d)
		d.AddScaled(0.5, x)
		MatMulTo(d, x, y, false, true)
		_ = Dot(x, y)
		ClampTo(d, d, -1, 1)
		SGDUpdate(d, x, nil, SGDHyper{LR: 0.1, Step: 1})
	})
	if allocs != 0 {
		t.Errorf("float ops allocate %v times, want 0", allocs)
	}
}
