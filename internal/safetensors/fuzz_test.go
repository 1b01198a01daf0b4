package safetensors

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// is consistent: each tensor's Data matches its shape and dtype, and
// encoding the result and decoding it again gives the same tensors. It
// checks the two-step reading of files too (the header by Open, the
// tensors by ReadAll, as checkpoints are loaded): it accepts exactly what
// Decode accepts, with the same tensors.
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
		// Hostile checkpoints: a model's metadata that asks for a huge
		// layer but no tensors, a file that is not safetensors (a PNG, and
		// zeros), a weight of 3e38.
		raw(`{"__metadata__":{"baeum.model":"{\"name\":\"mlp\",\"hidden\":[9223372036854775807]}"}}`, nil),
		append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...),
		make([]byte, 64),
		raw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, []byte{0x9e, 0xb4, 0x61, 0x7f}),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		r, rerr := newReader(bytes.NewReader(data), int64(len(data)))
		if (err == nil) != (rerr == nil) {
			t.Fatalf("Decode error %v, newReader error %v", err, rerr)
		}
		if err != nil {
			if file != nil {
				t.Fatal("a File with an error")
			}
			return
		}
		if read, err := r.ReadAll(); err != nil || !reflect.DeepEqual(read, file) {
			t.Fatalf("ReadAll = %+v, %v; Decode = %+v", read, err, file)
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
