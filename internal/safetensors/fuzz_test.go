package safetensors

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// is consistent: each tensor's Data matches its shape and dtype, and
// encoding the result and decoding it again gives the same tensors.
func FuzzDecode(f *testing.F) {
	var valid bytes.Buffer
	Encode(&valid, []Tensor{
		FromFloat32("fc.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		FromFloat64("fc.bias", []int{2}, []float64{-1, 1}),
		{Name: "flag", DType: BOOL, Shape: []int{}, Data: []byte{1}},
		{Name: "empty", DType: I64, Shape: []int{0, 4}},
	}, map[string]string{"format": "pt"})
	seeds := [][]byte{
		valid.Bytes(),
		valid.Bytes()[:len(valid.Bytes())-1],
		append(bytes.Clone(valid.Bytes()), 0),
		raw("{}", nil),
		raw(`{"__metadata__":{"a":"b"}}`, nil),
		raw(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`, []byte{1, 2, 3}),
		raw(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`, []byte{1, 2, 3}),
		raw(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`, []byte{1, 2, 3}),
		raw(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil),
		raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":[[[{}]]]}}`, []byte{1}),
		raw(`{"__metadata__":{"k":1}}`, nil),
		raw(`[]`, nil),
		raw("{\"\xff\":1}", nil),
		binary.LittleEndian.AppendUint64(nil, 1<<63),
		{},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			if file != nil {
				t.Fatal("a File with an error")
			}
			return
		}
		for _, x := range file.Tensors {
			if len(x.Data) != x.NumElements()*x.DType.Size() {
				t.Fatalf("tensor %q: %d bytes for shape %v of %s", x.Name, len(x.Data), x.Shape, x.DType)
			}
		}
		var buf bytes.Buffer
		if err := Encode(&buf, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("accepted file does not re-encode: %v", err)
		}
		again, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		if len(again.Tensors) != len(file.Tensors) || len(again.Metadata) != len(file.Metadata) {
			t.Fatal("re-encoded file differs")
		}
		for i := range again.Tensors {
			a, b := again.Tensors[i], file.Tensors[i]
			if a.Name != b.Name || a.DType != b.DType || !reflect.DeepEqual(a.Shape, b.Shape) || !bytes.Equal(a.Data, b.Data) {
				t.Fatalf("tensor %q differs after re-encoding", b.Name)
			}
		}
	})
}
