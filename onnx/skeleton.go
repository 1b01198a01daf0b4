package onnx

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/tensor"
)

// Skeleton returns the model as an ONNX file whose parameters and running
// statistics keep their names, types and shapes but not their numbers: a
// checkpoint of a fine-tuned import stores it as the description of the
// network, next to the weights.
func (m *Model) Skeleton() ([]byte, error) { return m.file(false) }

// ImportSkeleton reads a file written by Skeleton (or any ONNX file),
// with zeros for the parameters and statistics it leaves out.
func ImportSkeleton(b []byte) (*Model, error) {
	if len(b) > MaxFileBytes {
		return nil, fmt.Errorf("onnx: skeleton of %d bytes, more than %d", len(b), MaxFileBytes)
	}
	if err := scan(b); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	mp := &pb.ModelProto{}
	if err := proto.Unmarshal(b, mp); err != nil {
		return nil, fmt.Errorf("onnx: not an ONNX model: %v", err)
	}
	m, err := compile(context.Background(), mp, nil, true)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// file writes the model as ONNX, with the current numbers of its
// parameters and statistics when numbers is set, and metadata added.
func (m *Model) file(numbers bool, meta ...map[string]string) ([]byte, error) {
	g := proto.Clone(m.graph).(*pb.GraphProto)
	g.Initializer = nil
	for _, tp := range m.kept {
		g.Initializer = append(g.Initializer, tp)
	}
	add := func(name string, t *tensor.Tensor) {
		if numbers {
			g.Initializer = append(g.Initializer, floatTensor(name, float32s(t), t.Shape()))
			return
		}
		g.Initializer = append(g.Initializer, shapeOnly(name, t.Shape()))
	}
	for _, p := range m.params {
		add(p.Name, p.Value.Data())
	}
	for _, b := range m.buffers {
		add(b.Name, b.Tensor)
	}
	ir := m.irVersion
	if ir < 7 {
		ir = 7 // opset 13 and later need IR version 7
	}
	mp := &pb.ModelProto{
		IrVersion:       proto.Int64(ir),
		ProducerName:    proto.String("baeum"),
		ProducerVersion: proto.String("1"),
		OpsetImport:     []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(int64(m.Opset))}},
		Graph:           g,
	}
	all := map[string]string{}
	for k, v := range m.Metadata {
		all[k] = v
	}
	for _, md := range meta {
		for k, v := range md {
			all[k] = v
		}
	}
	for _, k := range sortedKeys(all) {
		mp.MetadataProps = append(mp.MetadataProps, &pb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(all[k])})
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(mp)
}

// shapeOnly is a FLOAT TensorProto with dimensions and no numbers.
func shapeOnly(name string, shape []int) *pb.TensorProto {
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), Dims: dims}
}

// empty reports whether a TensorProto stores no numbers at all.
func empty(tp *pb.TensorProto) bool {
	return tp.RawData == nil && len(tp.GetFloatData()) == 0 && len(tp.GetDoubleData()) == 0 && len(tp.GetExternalData()) == 0 &&
		pb.TensorProto_DataType(tp.GetDataType()) == pb.TensorProto_FLOAT
}

// zeros is a decoded float tensor of the TensorProto's shape, all zeros.
func zeros(tp *pb.TensorProto) (*data, error) {
	shape, n, err := shapeOf(tp)
	if err != nil {
		return nil, err
	}
	return &data{shape: shape, f: make([]float32, n)}, nil
}
