package onnx

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/tensor"
)

// This file is the I/O edge between tensors and ONNX's TensorProto bytes.

// float32s returns a copy of t's elements as float32.
func float32s(t *tensor.Tensor) []float32 {
	if t.DType() == tensor.Float32 {
		return append([]float32(nil), t.F32()...)
	}
	f := t.Float64s()
	out := make([]float32, len(f))
	for i, v := range f {
		out[i] = float32(v)
	}
	return out
}

// floatTensor is a FLOAT TensorProto holding v, little-endian in raw_data.
func floatTensor(name string, v []float32, shape []int) *pb.TensorProto {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), Dims: dims, RawData: raw}
}
