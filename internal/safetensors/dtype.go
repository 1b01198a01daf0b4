package safetensors

// A DType names the element type of a tensor as the safetensors header
// spells it, such as "F32" or "I64". Elements are stored little-endian.
type DType string

// The element types this package reads and writes: every type of the
// reference implementation whose elements fill whole bytes.
const (
	BOOL   DType = "BOOL"    // boolean, one byte, 0 or 1
	U8     DType = "U8"      // unsigned 8-bit integer
	I8     DType = "I8"      // signed 8-bit integer
	F8E5M2 DType = "F8_E5M2" // 8-bit float, 5 exponent and 2 mantissa bits
	F8E4M3 DType = "F8_E4M3" // 8-bit float, 4 exponent and 3 mantissa bits
	F8E8M0 DType = "F8_E8M0" // 8-bit power-of-two scale
	I16    DType = "I16"     // signed 16-bit integer
	U16    DType = "U16"     // unsigned 16-bit integer
	F16    DType = "F16"     // IEEE 754 half-precision float
	BF16   DType = "BF16"    // bfloat16: the top half of a float32
	I32    DType = "I32"     // signed 32-bit integer
	U32    DType = "U32"     // unsigned 32-bit integer
	F32    DType = "F32"     // IEEE 754 single-precision float
	C64    DType = "C64"     // complex number of two float32s
	F64    DType = "F64"     // IEEE 754 double-precision float
	I64    DType = "I64"     // signed 64-bit integer
	U64    DType = "U64"     // unsigned 64-bit integer
)

// dtypeInfo gives each known type's element size and its rank in the
// reference implementation's ordering, which [Encode] follows to lay out
// tensors with the largest alignment first.
var dtypeInfo = map[DType]struct{ size, rank int }{
	BOOL:   {1, 0},
	U8:     {1, 4},
	I8:     {1, 5},
	F8E5M2: {1, 6},
	F8E4M3: {1, 7},
	F8E8M0: {1, 8},
	I16:    {2, 11},
	U16:    {2, 12},
	F16:    {2, 13},
	BF16:   {2, 14},
	I32:    {4, 15},
	U32:    {4, 16},
	F32:    {4, 17},
	C64:    {8, 18},
	F64:    {8, 19},
	I64:    {8, 20},
	U64:    {8, 21},
}

// Size returns the number of bytes of one element, or 0 for a type this
// package does not know.
func (d DType) Size() int { return dtypeInfo[d].size }

// Valid reports whether d is a type this package knows.
func (d DType) Valid() bool { return d.Size() > 0 }
