// Command hostilegen writes the ONNX files of the hostile-input corpus
// (testdata/hostile/onnx): each a small model crafted to break a naive
// loader. Run from the repository root:
//
//	go run ./onnx/internal/hostilegen testdata/hostile/onnx
package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/onnx/internal/pb"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hostilegen DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	for name, m := range files() {
		b, err := proto.Marshal(m)
		if err != nil {
			panic(err)
		}
		if name == "truncated.onnx" {
			b = b[:len(b)/2]
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			panic(err)
		}
	}
}

// gemm is a valid model: input (N, 4), a Gemm to 3 outputs.
func gemm() *pb.ModelProto {
	return model(17, []*pb.NodeProto{node("Gemm", []string{"x", "w", "b"}, "y", intAttr("transB", 1))},
		[]*pb.TensorProto{floats("w", []int64{3, 4}, 12), floats("b", []int64{3}, 3)})
}

func files() map[string]*pb.ModelProto {
	out := map[string]*pb.ModelProto{}
	out["truncated.onnx"] = gemm()

	m := gemm()
	m.Graph.Initializer[0] = &pb.TensorProto{Name: proto.String("w"), DataType: proto.Int32(1), Dims: []int64{1 << 31, 1 << 31}}
	out["dims-bomb.onnx"] = m

	m = gemm()
	m.Graph.Initializer[0] = floats("w", []int64{3, 4}, 5)
	out["data-short.onnx"] = m

	m = gemm()
	m.Graph.Initializer[0] = external("w", "../../../../etc/passwd")
	out["external-escape.onnx"] = m

	m = gemm()
	m.Graph.Initializer[0] = external("w", "/etc/passwd")
	out["external-absolute.onnx"] = m

	m = gemm()
	m.Graph.Node[0].OpType = proto.String("NonMaxSuppression")
	out["unsupported-op.onnx"] = m

	m = gemm()
	m.Graph.Node[0].Attribute = append(m.Graph.Node[0].Attribute, intAttr("foo", 1))
	out["unknown-attribute.onnx"] = m

	m = gemm()
	m.OpsetImport[0].Version = proto.Int64(9)
	out["opset-9.onnx"] = m

	m = gemm()
	m.Graph.Node[0].Input[0] = "ghost"
	out["undefined-input.onnx"] = m

	m = gemm()
	m.Graph.Node = append(m.Graph.Node, &pb.NodeProto{OpType: proto.String("If"), Input: []string{"y"}, Output: []string{"z"},
		Attribute: []*pb.AttributeProto{{Name: proto.String("then_branch"), Type: pb.AttributeProto_GRAPH.Enum(), G: &pb.GraphProto{Name: proto.String("then")}}}})
	out["subgraph.onnx"] = m

	m = gemm()
	m.Graph.Initializer[0] = floats("w", []int64{3, 5}, 15)
	out["shape-mismatch.onnx"] = m

	m = gemm()
	m.Graph.Input[0].Type.GetTensorType().ElemType = proto.Int32(int32(pb.TensorProto_INT64))
	out["int-input.onnx"] = m

	m = gemm()
	w := floats("w", []int64{3, 4}, 12)
	w.FloatData[5] = float32(math.Inf(1))
	m.Graph.Initializer[0] = w
	out["weights-inf.onnx"] = m

	m = gemm()
	m.Graph.Initializer[1].FloatData = nil
	m.Graph.Initializer[1].Int64Data = make([]int64, 3)
	m.Graph.Initializer[1].DataType = proto.Int32(int32(pb.TensorProto_INT64))
	out["int-bias.onnx"] = m
	return out
}

func model(opset int64, nodes []*pb.NodeProto, inits []*pb.TensorProto) *pb.ModelProto {
	dim := func(v int64) *pb.TensorShapeProto_Dimension {
		if v < 0 {
			return &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}
		}
		return &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: v}}
	}
	info := func(name string, d ...int64) *pb.ValueInfoProto {
		var dims []*pb.TensorShapeProto_Dimension
		for _, v := range d {
			dims = append(dims, dim(v))
		}
		return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
	}
	return &pb.ModelProto{IrVersion: proto.Int64(8), OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph: &pb.GraphProto{Name: proto.String("hostile"), Node: nodes, Initializer: inits, Input: []*pb.ValueInfoProto{info("x", -1, 4)}, Output: []*pb.ValueInfoProto{info("y", -1, 3)}}}
}

func node(op string, in []string, out string, attrs ...*pb.AttributeProto) *pb.NodeProto {
	return &pb.NodeProto{Name: proto.String(op + "_0"), OpType: proto.String(op), Input: in, Output: []string{out}, Attribute: attrs}
}

func intAttr(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func floats(name string, dims []int64, n int) *pb.TensorProto {
	v := make([]float32, n)
	for i := range v {
		v[i] = 0.1 * float32(i%7-3)
	}
	return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), Dims: dims, FloatData: v}
}

func external(name, location string) *pb.TensorProto {
	return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), Dims: []int64{3, 4},
		DataLocation: pb.TensorProto_EXTERNAL.Enum(),
		ExternalData: []*pb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String(location)}}}
}
