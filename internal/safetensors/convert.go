package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Float32Bytes returns v as little-endian bytes, the layout of an F32
// tensor's Data.
func Float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Float64Bytes returns v as little-endian bytes, the layout of an F64
// tensor's Data.
func Float64Bytes(v []float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// BytesToFloat32 reads little-endian float32s from b, whose length must be
// a multiple of 4.
func BytesToFloat32(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("safetensors: %d bytes are not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// BytesToFloat64 reads little-endian float64s from b, whose length must be
// a multiple of 8.
func BytesToFloat64(b []byte) ([]float64, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("safetensors: %d bytes are not a whole number of float64s", len(b))
	}
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v, nil
}

// FromFloat32 returns an F32 tensor holding a copy of v. It panics if the
// shape does not hold len(v) elements, a programming error.
func FromFloat32(name string, shape []int, v []float32) Tensor {
	t := Tensor{Name: name, DType: F32, Shape: append([]int(nil), shape...)}
	if n := t.NumElements(); n != len(v) {
		panic(fmt.Sprintf("safetensors: FromFloat32(%q): shape %v holds %d elements, got %d values", name, shape, n, len(v)))
	}
	t.Data = Float32Bytes(v)
	return t
}

// FromFloat64 returns an F64 tensor holding a copy of v. It panics if the
// shape does not hold len(v) elements, a programming error.
func FromFloat64(name string, shape []int, v []float64) Tensor {
	t := Tensor{Name: name, DType: F64, Shape: append([]int(nil), shape...)}
	if n := t.NumElements(); n != len(v) {
		panic(fmt.Sprintf("safetensors: FromFloat64(%q): shape %v holds %d elements, got %d values", name, shape, n, len(v)))
	}
	t.Data = Float64Bytes(v)
	return t
}

// Float32 returns the tensor's elements as float32s. F32 is read as is;
// F16 and BF16 are widened, which is exact. Other types are an error, as
// is Data whose length does not match the shape.
func (t Tensor) Float32() ([]float32, error) {
	if err := t.checkLen(); err != nil {
		return nil, err
	}
	switch t.DType {
	case F32:
		return BytesToFloat32(t.Data)
	case F16, BF16:
		v := make([]float32, len(t.Data)/2)
		for i := range v {
			v[i] = half(t.DType, binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
		return v, nil
	}
	return nil, fmt.Errorf("safetensors: tensor %q is %s, not F32, F16 or BF16", t.Name, t.DType)
}

// Float64 returns the tensor's elements as float64s. F64 is read as is;
// F32, F16 and BF16 are widened, which is exact. Other types are an error,
// as is Data whose length does not match the shape.
func (t Tensor) Float64() ([]float64, error) {
	if err := t.checkLen(); err != nil {
		return nil, err
	}
	switch t.DType {
	case F64:
		return BytesToFloat64(t.Data)
	case F32, F16, BF16:
		v32, err := t.Float32()
		if err != nil {
			return nil, err
		}
		v := make([]float64, len(v32))
		for i, x := range v32 {
			v[i] = float64(x)
		}
		return v, nil
	}
	return nil, fmt.Errorf("safetensors: tensor %q is %s, not F64, F32, F16 or BF16", t.Name, t.DType)
}

// checkLen checks that Data holds exactly the elements the shape declares.
func (t Tensor) checkLen() error {
	if err := checkTensor(t); err != nil {
		return &Error{Err: err}
	}
	return nil
}

// half widens an F16 or BF16 value to float32.
func half(d DType, h uint16) float32 {
	if d == BF16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal: frac·2^-24, normal as a float32.
	e := uint32(127 - 15 + 1)
	for frac&0x400 == 0 {
		frac <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
}
