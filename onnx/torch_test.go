package onnx_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/baeum-ml/baeum/onnx"
	"github.com/baeum-ml/baeum/tensor"
)

// torchFixture is one model of testdata/torch_fixtures.json, written by
// testdata/torch_export.py with PyTorch 1.13.
type torchFixture struct {
	File        string    `json:"file"`
	Opset       int       `json:"opset"`
	InputShape  []int     `json:"input_shape"`
	Input       []float32 `json:"input"`
	OutputShape []int     `json:"output_shape"`
	Output      []float32 `json:"output"`
}

// TestImportPyTorchExports imports the models PyTorch's exporter wrote
// and reproduces PyTorch's outputs to 1e-5: an MLP with shape arithmetic
// and an opset-11 Softmax, LeNet-5 with its padding in the graph, a CNN
// with batch norm folded (eval) and kept (PRESERVE), a small ResNet, and
// a two-layer batch-first LSTM classifying sequences from their last step.
func TestImportPyTorchExports(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	wantOps := map[string][]string{
		"mlp":          {"Shape", "Gather", "Unsqueeze", "Concat", "Reshape", "Gemm", "Sigmoid", "Softmax"},
		"lenet5":       {"Pad", "Conv", "Tanh", "AveragePool", "Flatten", "Gemm"},
		"cnn_eval":     {"Conv", "Relu", "MaxPool", "Flatten", "Gemm"},
		"cnn_preserve": {"Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm"},
		"resnet":       {"Conv", "Relu", "Add", "GlobalAveragePool", "Flatten", "Gemm"},
		"lstm":         {"Shape", "ConstantOfShape", "Transpose", "Slice", "LSTM", "Squeeze", "Gather", "Gemm"},
	}
	for name, ops := range wantOps {
		t.Run(name, func(t *testing.T) {
			var f torchFixture
			if err := json.Unmarshal(all[name], &f); err != nil {
				t.Fatal(err)
			}
			m, err := onnx.ImportFile(filepath.Join("testdata", f.File))
			if err != nil {
				t.Fatal(err)
			}
			if m.Opset != f.Opset {
				t.Errorf("opset %d, want %d", m.Opset, f.Opset)
			}
			for _, op := range ops {
				if !slices.Contains(m.Operators(), op) {
					t.Errorf("PyTorch's graph has no %s node (%v): the fixture no longer covers it", op, m.Operators())
				}
			}
			if name == "cnn_eval" && slices.Contains(m.Operators(), "BatchNormalization") {
				t.Errorf("PyTorch folded no batch norm in eval mode: %v", m.Operators())
			}
			y := forward(m, tensor.FromFloat32(f.Input, f.InputShape...))
			if !tensor.EqualShapes(y.Shape(), f.OutputShape) {
				t.Fatalf("output shape %v, PyTorch's %v", y.Shape(), f.OutputShape)
			}
			if err := closeTo(y.F32(), f.Output, 1e-5); err != nil {
				t.Fatalf("against PyTorch: %v", err)
			}
		})
	}
}
