package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// raw builds a file from a header string (used as is, not padded) and a
// data section.
func raw(header string, body []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, body...)
}

// encode encodes tensors and metadata or fails the test.
func encode(t testing.TB, tensors []Tensor, metadata map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, tensors, metadata); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// f32s is the F32 data 0, 1, ..., n-1.
func f32s(n int) []byte {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return Float32Bytes(v)
}

// TestGoldenReference checks Encode against the byte-exact outputs that
// the reference implementation's own unit tests pin down
// (safetensors/src/tensor.rs: test_empty, test_serialization,
// test_serialization_forced_alignement).
func TestGoldenReference(t *testing.T) {
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
		want     []byte
	}{
		{
			name: "empty",
			want: []byte{8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32},
		},
		{
			name:     "empty with metadata",
			metadata: map[string]string{"framework": "pt"},
			want: []byte{
				40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
				95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
				116, 34, 125, 125, 32, 32, 32, 32, 32,
			},
		},
		{
			name:    "attn.0, header already aligned",
			tensors: []Tensor{{Name: "attn.0", DType: F32, Shape: []int{1, 2, 3}, Data: f32s(6)}},
			want: []byte{
				64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
				116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
				58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
				101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
				0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
			},
		},
		{
			name:    "attn0, padded with 7 spaces",
			tensors: []Tensor{{Name: "attn0", DType: F32, Shape: []int{1, 1, 2, 3}, Data: f32s(6)}},
			want: []byte{
				72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
				121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
				91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
				115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
				32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
				160, 64,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := encode(t, tt.tensors, tt.metadata)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("Encode =\n%q\nwant\n%q", got, tt.want)
			}
			f, err := Decode(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Tensors) != len(tt.tensors) || !reflect.DeepEqual(f.Metadata, tt.metadata) {
				t.Fatalf("Decode = %+v", f)
			}
		})
	}
}

// TestGoldenMixed checks a small file laid out by hand: the I64 tensor
// comes first (largest alignment), then the F16 scalar, then the U8
// tensor, each starting where the previous ended; the header is 189 bytes
// of JSON padded with 3 spaces to 192 = 0xc0.
func TestGoldenMixed(t *testing.T) {
	tensors := []Tensor{
		{Name: "a", DType: U8, Shape: []int{3}, Data: []byte{1, 2, 3}},
		{Name: "b", DType: I64, Shape: []int{1}, Data: []byte{7, 0, 0, 0, 0, 0, 0, 0}},
		{Name: "c", DType: F16, Shape: []int{}, Data: []byte{0x00, 0x3c}}, // 1.0
	}
	header := `{"__metadata__":{"fmt":"pt"},` +
		`"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},` +
		`"c":{"dtype":"F16","shape":[],"data_offsets":[8,10]},` +
		`"a":{"dtype":"U8","shape":[3],"data_offsets":[10,13]}}` +
		"   "
	want := []byte{0xc0, 0, 0, 0, 0, 0, 0, 0}
	want = append(want, header...)
	want = append(want, 7, 0, 0, 0, 0, 0, 0, 0 /* b */, 0x00, 0x3c /* c */, 1, 2, 3 /* a */)
	if len(header) != 0xc0 {
		t.Fatalf("test header is %d bytes", len(header))
	}
	got := encode(t, tensors, map[string]string{"fmt": "pt"})
	if !bytes.Equal(got, want) {
		t.Fatalf("Encode =\n%q\nwant\n%q", got, want)
	}
	f, err := Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Tensors, tensors) || f.Metadata["fmt"] != "pt" {
		t.Fatalf("Decode = %+v", f)
	}
	c, _ := f.Tensor("c")
	if v, err := c.Float32(); err != nil || len(v) != 1 || v[0] != 1 {
		t.Fatalf("c = %v, %v", v, err)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
	}{
		{"nothing", nil, nil},
		{"one f32", []Tensor{FromFloat32("w", []int{2, 3}, []float32{1, -2, 3.5, 0, float32(math.Inf(1)), 1e-30})}, nil},
		{"one f64", []Tensor{FromFloat64("w", []int{2}, []float64{math.Pi, -math.MaxFloat64})}, map[string]string{"format": "pt"}},
		{"scalar", []Tensor{{Name: "s", DType: I32, Shape: []int{}, Data: []byte{1, 2, 3, 4}}}, nil},
		{"zero-size tensors", []Tensor{
			{Name: "e1", DType: F32, Shape: []int{0}, Data: []byte{}},
			{Name: "e2", DType: F64, Shape: []int{3, 0, 5}, Data: nil},
			{Name: "x", DType: U8, Shape: []int{1}, Data: []byte{9}},
		}, nil},
		{"every dtype", func() []Tensor {
			var ts []Tensor
			for d, info := range dtypeInfo {
				data := make([]byte, 3*info.size)
				for i := range data {
					data[i] = byte(i + info.rank)
				}
				ts = append(ts, Tensor{Name: "t_" + string(d), DType: d, Shape: []int{3}, Data: data})
			}
			return ts
		}(), nil},
		{"names and metadata that need escaping", []Tensor{
			{Name: "quote\"back\\slash\nnewline\ttab\x01ctl", DType: U8, Shape: []int{1}, Data: []byte{1}},
			{Name: "배움.가중치", DType: U8, Shape: []int{1}, Data: []byte{2}},
			{Name: "<html>&", DType: U8, Shape: []int{1}, Data: []byte{3}},
			{Name: "", DType: U8, Shape: []int{1}, Data: []byte{4}},
		}, map[string]string{"": "empty key", "ключ": "значение\u2028", "ctl": "\x00\x1f\x7f"}},
		{"metadata only", nil, map[string]string{"a": "1", "b": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRoundTrip(t, tt.tensors, tt.metadata)
		})
	}
}

// checkRoundTrip encodes, decodes and compares, and checks the layout
// promises: a header padded to 8 bytes and every tensor aligned to its
// element size.
func checkRoundTrip(t *testing.T, tensors []Tensor, metadata map[string]string) {
	t.Helper()
	b := encode(t, tensors, metadata)
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 {
		t.Fatalf("header length %d is not a multiple of 8", n)
	}
	f, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(metadata) == 0 {
		if f.Metadata != nil {
			t.Fatalf("metadata %v, want none", f.Metadata)
		}
	} else if !reflect.DeepEqual(f.Metadata, metadata) {
		t.Fatalf("metadata %v, want %v", f.Metadata, metadata)
	}
	if len(f.Tensors) != len(tensors) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(tensors))
	}
	for i, got := range f.Tensors {
		if i > 0 && f.Tensors[i-1].Name >= got.Name {
			t.Fatalf("tensors not sorted by name: %q before %q", f.Tensors[i-1].Name, got.Name)
		}
		var want *Tensor
		for j := range tensors {
			if tensors[j].Name == got.Name {
				want = &tensors[j]
			}
		}
		if want == nil {
			t.Fatalf("unexpected tensor %q", got.Name)
		}
		if got.DType != want.DType || !reflect.DeepEqual(got.Shape, want.Shape) && len(want.Shape)+len(got.Shape) > 0 || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("tensor %q = %+v, want %+v", got.Name, got, *want)
		}
		if len(got.Data) > 0 {
			// Decoded Data points into b: its offset in the file.
			off := int(uintptr(unsafe.Pointer(&got.Data[0])) - uintptr(unsafe.Pointer(&b[0])))
			if off%got.DType.Size() != 0 {
				t.Fatalf("tensor %q starts at file offset %d, not aligned to %d", got.Name, off, got.DType.Size())
			}
		}
		if lt, ok := f.Tensor(got.Name); !ok || lt.Name != got.Name {
			t.Fatalf("Tensor(%q) not found", got.Name)
		}
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dtypes := make([]DType, 0, len(dtypeInfo))
	for d := range dtypeInfo {
		dtypes = append(dtypes, d)
	}
	for iter := 0; iter < 200; iter++ {
		var tensors []Tensor
		for i := 0; i < r.IntN(8); i++ {
			d := dtypes[r.IntN(len(dtypes))]
			shape := make([]int, r.IntN(4))
			n := 1
			for j := range shape {
				shape[j] = r.IntN(4)
				n *= shape[j]
			}
			data := make([]byte, n*d.Size())
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			tensors = append(tensors, Tensor{Name: string(rune('a'+r.IntN(26))) + string(rune('a'+i)), DType: d, Shape: shape, Data: data})
		}
		meta := map[string]string{}
		for i := 0; i < r.IntN(3); i++ {
			meta[string(rune('k'+i))] = strings.Repeat("v", r.IntN(5))
		}
		checkRoundTrip(t, tensors, meta)
	}
}

func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		tensor string // a tensor to look up
		want   []byte
	}{
		{"whitespace around the JSON", raw(" \n\t{\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}\r\n  ", []byte{5, 6}), "x", []byte{5, 6}},
		{"unknown keys are skipped", raw(`{"x":{"dtype":"U8","extra":{"a":[1,{"b":null}]},"shape":[2],"data_offsets":[0,2],"z":true}}`, []byte{5, 6}), "x", []byte{5, 6}},
		{"null metadata", raw(`{"__metadata__":null,"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{5}), "x", []byte{5}},
		{"keys out of order, offsets not in name order", raw(`{"b":{"data_offsets":[0,1],"shape":[1],"dtype":"U8"},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, []byte{5, 6}), "a", []byte{6}},
		{"zero-size tensors share an offset", raw(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F64","shape":[0,1000000000000000000],"data_offsets":[0,0]},"c":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{5}), "c", []byte{5}},
		{"empty header object, no data", raw(`{}`, nil), "", nil},
		{"escaped key", raw(`{"\u0061\n":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{5}), "a\n", []byte{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Decode(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.tensor == "" {
				return
			}
			x, ok := f.Tensor(tt.tensor)
			if !ok || !bytes.Equal(x.Data, tt.want) {
				t.Fatalf("tensor %q = %v, %v", tt.tensor, x, ok)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	u8 := func(name string, b, e int) string {
		return `"` + name + `":{"dtype":"U8","shape":[` + strconv.Itoa(e-b) + `],"data_offsets":[` + strconv.Itoa(b) + `,` + strconv.Itoa(e) + `]}`
	}
	huge := binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "file is 0 bytes, too short for the 8-byte header length"},
		{"seven bytes", []byte{1, 2, 3, 4, 5, 6, 7}, "file is 7 bytes"},
		{"header too large", append(huge, "{}"...), "header length 100000001 is larger than the limit of 100000000 bytes"},
		{"header length 2^64-1", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'}, "is larger than the limit"},
		{"header past the end", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "header length 100 runs past the end of the file (2 bytes follow the length)"},
		{"empty header", raw("", nil), "not a safetensors file: header length 0 is too short for a JSON object"},
		{"invalid UTF-8", raw("{\"a\xff\":1}", nil), "header is not valid UTF-8 (at byte 3 of the header)"},
		{"not JSON", raw("hello", nil), "header is not valid JSON"},
		{"JSON list", raw("[1,2]", nil), "header is not a JSON object: it starts with a list"},
		{"JSON string", raw(`"x"`, nil), `header is not a JSON object: it starts with the string "x"`},
		{"unterminated object", raw(`{"a":{"dtype":"U8"`, nil), "header: unexpected end of the JSON"},
		{"NUL padding", raw("{}\x00\x00", nil), "after the JSON object"},
		{"second object", raw("{} {}", nil), "unexpected an object after the JSON object"},
		{"trailing comma", raw(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},}`, nil), "header is not valid JSON"},
		{"tensor not an object", raw(`{"a":[1,2]}`, nil), `tensor "a": want an object with dtype, shape and data_offsets, found a list`},
		{"unknown dtype", raw(`{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`, make([]byte, 16)), `tensor "a": unknown dtype "F128" (want one of BOOL, U8`},
		{"sub-byte dtype", raw(`{"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}`, make([]byte, 1)), `unknown dtype "F4"`},
		{"lower-case dtype", raw(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `unknown dtype "f32"`},
		{"dtype not a string", raw(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": dtype must be a string, found the number 4`},
		{"negative dimension", raw(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}`, nil), `tensor "a": shape: negative number -1`},
		{"fractional dimension", raw(`{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}`, []byte{1}), `tensor "a": shape: 1.5 is not an integer`},
		{"exponent dimension", raw(`{"a":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}`, []byte{1}), `shape: 1e0 is not an integer`},
		{"dimension beyond 64 bits", raw(`{"a":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,1]}}`, []byte{1}), `does not fit in 64 bits`},
		{"dimension beyond int", raw(`{"a":{"dtype":"U8","shape":[0,18446744073709551615],"data_offsets":[0,0]}}`, nil), `shape dimension 18446744073709551615 is too large`},
		{"shape not a list", raw(`{"a":{"dtype":"U8","shape":3,"data_offsets":[0,3]}}`, make([]byte, 3)), `shape: want a list of non-negative integers, found the number 3`},
		{"shape of strings", raw(`{"a":{"dtype":"U8","shape":["3"],"data_offsets":[0,3]}}`, make([]byte, 3)), `shape: want a non-negative integer, found the string "3"`},
		{"too many dimensions", raw(`{"a":{"dtype":"U8","shape":[`+strings.Repeat("1,", MaxRank)+`1],"data_offsets":[0,1]}}`, []byte{1}), `shape: more than 1024 numbers`},
		{"shape product overflows", raw(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil), `tensor "a": shape [4294967296 4294967296] of F32 overflows`},
		{"shape times size overflows", raw(`{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}}`, nil), `overflows`},
		{"one offset", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}}`, []byte{1}), `data_offsets must be two numbers [begin, end], found 1`},
		{"three offsets", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, []byte{1}), `data_offsets: more than 2 numbers`},
		{"negative offset", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}`, []byte{1}), `data_offsets: negative number -1`},
		{"offsets decreasing", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[2,1]}}`, []byte{1, 2}), `tensor "a": data_offsets [2, 1] end before they begin`},
		{"offsets past the end", raw(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, []byte{1, 2}), `tensor "a": data_offsets [0, 4] run past the end of the data section (2 bytes)`},
		{"huge offsets", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551614,18446744073709551615]}}`, []byte{1}), `run past the end`},
		{"size mismatch", raw(`{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}`, make([]byte, 12)), `tensor "a": shape [2 2] of F32 needs 16 bytes, data_offsets [0, 12] span 12`},
		{"overlap", raw(`{`+u8("a", 0, 3)+`,`+u8("b", 2, 4)+`}`, make([]byte, 4)), `tensor "b" (data_offsets [2, 4]) overlaps tensor "a" (data_offsets [0, 3])`},
		{"same offsets twice", raw(`{`+u8("a", 0, 2)+`,`+u8("b", 0, 2)+`}`, make([]byte, 2)), `overlaps`},
		{"zero-size tensor inside another", raw(`{`+u8("a", 0, 4)+`,`+u8("b", 2, 2)+`}`, make([]byte, 4)), `tensor "b" (data_offsets [2, 2]) overlaps tensor "a"`},
		{"hole at the start", raw(`{`+u8("a", 1, 3)+`}`, make([]byte, 3)), `bytes [0, 1) of the data section belong to no tensor (a hole before tensor "a")`},
		{"hole between", raw(`{`+u8("a", 0, 2)+`,`+u8("b", 3, 4)+`}`, make([]byte, 4)), `bytes [2, 3) of the data section belong to no tensor (a hole before tensor "b")`},
		{"bytes after the last tensor", raw(`{`+u8("a", 0, 2)+`}`, make([]byte, 5)), `bytes [2, 5) at the end of the data section belong to no tensor`},
		{"data but no tensors", raw(`{}`, []byte{1}), `bytes [0, 1) at the end of the data section belong to no tensor`},
		{"duplicate tensor", raw(`{`+u8("a", 0, 1)+`,`+u8("a", 1, 2)+`}`, make([]byte, 2)), `header has two tensors named "a"`},
		{"duplicate via escape", raw(`{`+u8("a", 0, 1)+`,`+u8(`\u0061`, 1, 2)+`}`, make([]byte, 2)), `header has two tensors named "a"`},
		{"duplicate metadata", raw(`{"__metadata__":{},"__metadata__":{}}`, nil), `header has "__metadata__" twice`},
		{"duplicate dtype key", raw(`{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), `tensor "a": key "dtype" appears twice`},
		{"duplicate shape key", raw(`{"a":{"dtype":"U8","shape":[1],"shape":[1],"data_offsets":[0,1]}}`, []byte{1}), `key "shape" appears twice`},
		{"duplicate offsets key", raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"data_offsets":[0,1]}}`, []byte{1}), `key "data_offsets" appears twice`},
		{"duplicate metadata key", raw(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `__metadata__: key "k" appears twice`},
		{"metadata number", raw(`{"__metadata__":{"epoch":3}}`, nil), `__metadata__: value of "epoch" must be a string, found the number 3`},
		{"metadata nested", raw(`{"__metadata__":{"a":{"b":"c"}}}`, nil), `value of "a" must be a string, found an object`},
		{"metadata null value", raw(`{"__metadata__":{"a":null}}`, nil), `value of "a" must be a string, found null`},
		{"metadata a list", raw(`{"__metadata__":["a"]}`, nil), `__metadata__: want an object of strings, found a list`},
		{"missing dtype", raw(`{"a":{"shape":[1],"data_offsets":[0,1]}}`, []byte{1}), `tensor "a": missing dtype`},
		{"missing everything", raw(`{"a":{}}`, nil), `tensor "a": missing dtype, shape, data_offsets`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode = %+v, want an error containing %q", f, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
		want     string
	}{
		{"duplicate names", []Tensor{{Name: "a", DType: U8, Shape: []int{1}, Data: []byte{1}}, {Name: "a", DType: U8, Shape: []int{1}, Data: []byte{2}}}, nil, `two tensors named "a"`},
		{"unknown dtype", []Tensor{{Name: "a", DType: "F128", Shape: []int{1}, Data: make([]byte, 16)}}, nil, `tensor "a": unknown dtype "F128"`},
		{"empty dtype", []Tensor{{Name: "a", Shape: []int{1}, Data: make([]byte, 1)}}, nil, `tensor "a": unknown dtype ""`},
		{"short data", []Tensor{{Name: "a", DType: F32, Shape: []int{2, 2}, Data: make([]byte, 15)}}, nil, `tensor "a": shape [2 2] of F32 needs 16 bytes, Data holds 15`},
		{"long data", []Tensor{{Name: "a", DType: U8, Shape: []int{}, Data: make([]byte, 2)}}, nil, `shape [] of U8 needs 1 bytes, Data holds 2`},
		{"negative dimension", []Tensor{{Name: "a", DType: U8, Shape: []int{-1}, Data: nil}}, nil, `tensor "a": negative dimension in shape [-1]`},
		{"overflowing shape", []Tensor{{Name: "a", DType: F64, Shape: []int{1 << 40, 1 << 40}, Data: nil}}, nil, `needs more than 2^64 bytes`},
		{"reserved name", []Tensor{{Name: "__metadata__", DType: U8, Shape: []int{1}, Data: []byte{1}}}, nil, `tensor "__metadata__": the name is reserved for metadata`},
		{"invalid UTF-8 name", []Tensor{{Name: "a\xff", DType: U8, Shape: []int{1}, Data: []byte{1}}}, nil, `name is not valid UTF-8`},
		{"invalid UTF-8 metadata", nil, map[string]string{"k": "\xfe"}, `metadata "k": key and value must be valid UTF-8`},
		{"too many dimensions", []Tensor{{Name: "a", DType: U8, Shape: make([]int, MaxRank+1), Data: nil}}, nil, `1025 dimensions, more than the limit of 1024`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, tt.tensors, tt.metadata)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Encode error %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Fatalf("Encode wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestFileLookup(t *testing.T) {
	f, err := Decode(encode(t, []Tensor{
		FromFloat32("b.weight", []int{1}, []float32{2}),
		FromFloat32("a.bias", []int{1}, []float32{1}),
	}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Names(); !reflect.DeepEqual(got, []string{"a.bias", "b.weight"}) {
		t.Fatalf("Names = %v", got)
	}
	if _, ok := f.Tensor("c"); ok {
		t.Fatal("found a tensor that is not there")
	}
	// Lookup still works after the caller reorders the tensors.
	f.Tensors[0], f.Tensors[1] = f.Tensors[1], f.Tensors[0]
	if x, ok := f.Tensor("a.bias"); !ok || x.Name != "a.bias" {
		t.Fatal("a.bias not found after reordering")
	}
	var zero File
	if _, ok := zero.Tensor("x"); ok || len(zero.Names()) != 0 {
		t.Fatal("zero File is not empty")
	}
}
