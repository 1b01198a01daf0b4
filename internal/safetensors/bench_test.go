package safetensors

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

// lenet returns tensors shaped like a LeNet-5 checkpoint (about 62,000
// float32 parameters in 10 tensors).
func lenet() []Tensor {
	shapes := [][]int{{6, 1, 5, 5}, {6}, {16, 6, 5, 5}, {16}, {120, 400}, {120}, {84, 120}, {84}, {10, 84}, {10}}
	var ts []Tensor
	for i, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		ts = append(ts, FromFloat32(fmt.Sprintf("layer%d.param", i), s, make([]float32, n)))
	}
	return ts
}

func BenchmarkEncode(b *testing.B) {
	ts := lenet()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, ts, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	if err := Encode(&buf, lenet(), map[string]string{"format": "pt"}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteFile measures an atomic save, fsyncs included.
func BenchmarkWriteFile(b *testing.B) {
	ts := lenet()
	path := filepath.Join(b.TempDir(), "lenet.safetensors")
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteFile(path, ts, nil); err != nil {
			b.Fatal(err)
		}
	}
}
