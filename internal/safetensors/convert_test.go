package safetensors

import (
	"math"
	"strings"
	"testing"
)

func TestFloat32Bytes(t *testing.T) {
	v := []float32{0, float32(math.Copysign(0, -1)), 1, -1.5, math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(-1)), math.Float32frombits(0x7fc00001)}
	b := Float32Bytes(v)
	if len(b) != 4*len(v) || b[8] != 0 || b[11] != 0x3f || b[10] != 0x80 {
		t.Fatalf("Float32Bytes = % x", b)
	}
	back, err := BytesToFloat32(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		if math.Float32bits(back[i]) != math.Float32bits(v[i]) {
			t.Errorf("element %d: %v, want %v (bit for bit)", i, back[i], v[i])
		}
	}
	if _, err := BytesToFloat32(make([]byte, 5)); err == nil || !strings.Contains(err.Error(), "5 bytes are not a whole number of float32s") {
		t.Errorf("BytesToFloat32 of 5 bytes: %v", err)
	}
}

func TestFloat64Bytes(t *testing.T) {
	v := []float64{0, math.Copysign(0, -1), 1, -1.5, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Float64frombits(0x7ff8000000000001)}
	b := Float64Bytes(v)
	if len(b) != 8*len(v) || b[23] != 0x3f || b[22] != 0xf0 {
		t.Fatalf("Float64Bytes = % x", b)
	}
	back, err := BytesToFloat64(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		if math.Float64bits(back[i]) != math.Float64bits(v[i]) {
			t.Errorf("element %d: %v, want %v (bit for bit)", i, back[i], v[i])
		}
	}
	if _, err := BytesToFloat64(make([]byte, 12)); err == nil {
		t.Error("BytesToFloat64 of 12 bytes: no error")
	}
}

func TestHalfWidening(t *testing.T) {
	tests := []struct {
		dtype DType
		bits  uint16
		want  float32
	}{
		{F16, 0x3c00, 1},
		{F16, 0xc000, -2},
		{F16, 0x7bff, 65504},                   // largest normal
		{F16, 0x0400, 6.103515625e-05},         // smallest normal, 2^-14
		{F16, 0x0001, 5.9604644775390625e-08},  // smallest subnormal, 2^-24
		{F16, 0x03ff, 6.097555160522461e-05},   // largest subnormal, 1023·2^-24
		{F16, 0x8001, -5.9604644775390625e-08}, // negative subnormal
		{F16, 0x3555, 0.333251953125},
		{F16, 0x0000, 0},
		{F16, 0x7c00, float32(math.Inf(1))},
		{F16, 0xfc00, float32(math.Inf(-1))},
		{BF16, 0x3f80, 1},
		{BF16, 0xc040, -3},
		{BF16, 0x7f80, float32(math.Inf(1))},
		{BF16, 0x0001, math.Float32frombits(0x00010000)},
	}
	for _, tt := range tests {
		got := half(tt.dtype, tt.bits)
		if got != tt.want {
			t.Errorf("%s 0x%04x = %g, want %g", tt.dtype, tt.bits, got, tt.want)
		}
	}
	if got := half(F16, 0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16 0x8000 = %g, want -0", got)
	}
	if got := half(F16, 0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("F16 0x7e00 = %g, want NaN", got)
	}
	// Every finite F16 value widens to a float32 that rounds back to it.
	for h := 0; h < 1<<16; h++ {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		f := half(F16, uint16(h))
		if back := narrowF16(f); back != uint16(h) {
			t.Fatalf("F16 0x%04x widens to %g, which narrows to 0x%04x", h, f, back)
		}
	}
}

// narrowF16 converts an exactly representable float32 back to F16 bits,
// by brute force over the exponent: a test oracle for half.
func narrowF16(f float32) uint16 {
	var sign uint16
	if math.Signbit(float64(f)) {
		sign, f = 0x8000, -f
	}
	if f == 0 {
		return sign
	}
	for e := 1; e < 31; e++ {
		scale := float32(math.Ldexp(1, e-15))
		m := f/scale - 1
		if m >= 0 && m < 1 {
			return sign | uint16(e)<<10 | uint16(m*1024)
		}
	}
	return sign | uint16(f*float32(math.Ldexp(1, 24)))
}

func TestTensorFloat(t *testing.T) {
	f16 := Tensor{Name: "h", DType: F16, Shape: []int{2}, Data: []byte{0x00, 0x3c, 0x00, 0xc0}}
	bf16 := Tensor{Name: "b", DType: BF16, Shape: []int{1}, Data: []byte{0x80, 0x3f}}
	f32 := FromFloat32("s", []int{2}, []float32{0.1, 2})
	f64 := FromFloat64("d", []int{1, 1}, []float64{0.1})
	i32 := Tensor{Name: "i", DType: I32, Shape: []int{1}, Data: make([]byte, 4)}
	bad := Tensor{Name: "x", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}
	tests := []struct {
		name   string
		t      Tensor
		want32 []float32 // nil: Float32 fails
		want64 []float64 // nil: Float64 fails
	}{
		{"F16", f16, []float32{1, -2}, []float64{1, -2}},
		{"BF16", bf16, []float32{1}, []float64{1}},
		{"F32", f32, []float32{0.1, 2}, []float64{float64(float32(0.1)), 2}},
		{"F64", f64, nil, []float64{0.1}},
		{"I32", i32, nil, nil},
		{"short data", bad, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v32, err := tt.t.Float32()
			if (err == nil) != (tt.want32 != nil) || len(v32) != len(tt.want32) {
				t.Fatalf("Float32 = %v, %v; want %v", v32, err, tt.want32)
			}
			for i := range v32 {
				if v32[i] != tt.want32[i] {
					t.Fatalf("Float32 = %v, want %v", v32, tt.want32)
				}
			}
			v64, err := tt.t.Float64()
			if (err == nil) != (tt.want64 != nil) || len(v64) != len(tt.want64) {
				t.Fatalf("Float64 = %v, %v; want %v", v64, err, tt.want64)
			}
			for i := range v64 {
				if v64[i] != tt.want64[i] {
					t.Fatalf("Float64 = %v, want %v", v64, tt.want64)
				}
			}
			if err != nil && !strings.Contains(err.Error(), `tensor "`+tt.t.Name+`"`) {
				t.Errorf("error %q does not name the tensor", err)
			}
		})
	}
}

func TestFromFloatPanicsOnShapeMismatch(t *testing.T) {
	for _, f := range []func(){
		func() { FromFloat32("a", []int{2, 2}, make([]float32, 3)) },
		func() { FromFloat64("a", []int{5}, make([]float64, 4)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for a shape that does not match the values")
				}
			}()
			f()
		}()
	}
	// The shape is copied, not shared.
	shape := []int{1, 2}
	x := FromFloat32("a", shape, []float32{1, 2})
	shape[0] = 9
	if x.Shape[0] != 1 {
		t.Error("FromFloat32 shares the caller's shape slice")
	}
}
