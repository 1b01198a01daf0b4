package onnx_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx"
	"github.com/baeum-ml/baeum/tensor"
)

// TestRoundTripBitIdentical exports each built-in model and imports it
// again: the imported graph gives the native model's logits, layer by
// layer, bit for bit, and those of its inference, which folds batch norm
// into the convolutions (cnn, resnet), to float32 rounding; its
// parameters carry the checkpoint names, and its running statistics are
// buffers.
func TestRoundTripBitIdentical(t *testing.T) {
	for _, name := range models.Names {
		t.Run(name, func(t *testing.T) {
			m := builtin(t, name)
			b, err := onnx.Marshal(m.Module, m.InputShape(), onnx.Options{Metadata: map[string]string{"k": "v"}})
			if err != nil {
				t.Fatal(err)
			}
			im, err := onnx.ImportBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			if im.Metadata["k"] != "v" || im.Opset != onnx.DefaultExportOpset {
				t.Errorf("metadata %v, opset %d", im.Metadata, im.Opset)
			}
			if !slices.Equal(im.Example(), m.InputShape()) {
				t.Errorf("imported example shape %v, want %v", im.Example(), m.InputShape())
			}
			want := exportedParamNames(nn.Params(m))
			var got []string
			for _, p := range im.Params() {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("imported parameters %v, want %v", got, want)
			}
			for _, bf := range nn.Buffers(m) {
				if !bf.Int64 && !slices.ContainsFunc(im.Buffers(), func(b nn.Buffer) bool { return b.Name == bf.Name }) {
					t.Errorf("buffer %s is not a buffer of the imported model", bf.Name)
				}
			}
			x := randomInput(4, 3, m.InputShape())
			y, z := forwardLayered(m, x).F32(), forward(im, x).F32()
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(z[i]) {
					t.Fatalf("logit %d: imported %v, native %v", i, z[i], y[i])
				}
			}
			if err := closeTo(z, forward(m, x).F32(), 1e-5); err != nil {
				t.Errorf("imported against the native inference: %v", err)
			}
		})
	}
}

// TestRoundTripEveryLayer imports the zoo: the same outputs, to float32
// rounding where Export writes an activation as several operators (GELU,
// SiLU, Softplus), and an export of the import gives the same file.
func TestRoundTripEveryLayer(t *testing.T) {
	m := zoo(tensor.NewRNG(5))
	perturbStats(m)
	example := []int{3, 12, 10}
	b, err := onnx.Marshal(m, example, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	im, err := onnx.ImportBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(8, 4, example)
	if err := closeTo(forward(im, x).F32(), forward(m, x).F32(), 1e-6); err != nil {
		t.Fatal(err)
	}
	ops := im.Operators()
	for _, want := range []string{"Conv", "BatchNormalization", "Erf", "MaxPool", "Concat", "Add", "AveragePool", "Where", "Gemm", "LogSoftmax"} {
		if !slices.Contains(ops, want) {
			t.Errorf("the zoo's graph has no %s node: %v", want, ops)
		}
	}
}

// TestImportRefusals checks the errors of files baeum cannot run: each
// names what is wrong.
func TestImportRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"not protobuf", []byte("\xff\xff\xff\xff garbage"), "malformed protobuf"},
	} {
		_, err := onnx.ImportBytes(c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestSkeletonAndReexport checks the two ways an imported model is
// written again: its skeleton, which keeps the graph and the constants
// but no weights (ImportSkeleton gives zeros until weights are loaded),
// and Marshal, which writes the current weights, so that an import
// changed in Go (as fine-tuning does) exports as it now is.
func TestSkeletonAndReexport(t *testing.T) {
	m, im, b := roundTrip(t, "cnn")
	sk, err := im.Skeleton()
	if err != nil {
		t.Fatal(err)
	}
	if len(sk) > len(b)/10 {
		t.Errorf("skeleton of %d bytes for a file of %d: the weights should be left out", len(sk), len(b))
	}
	empty, err := onnx.ImportSkeleton(sk)
	if err != nil {
		t.Fatal(err)
	}
	src, dst := im.Params(), empty.Params()
	if len(src) != len(dst) {
		t.Fatalf("skeleton has %d parameters, the import %d", len(dst), len(src))
	}
	for i := range src {
		if dst[i].Name != src[i].Name || !tensor.EqualShapes(dst[i].Value.Shape(), src[i].Value.Shape()) {
			t.Fatalf("skeleton parameter %s %v, want %s %v", dst[i].Name, dst[i].Value.Shape(), src[i].Name, src[i].Value.Shape())
		}
		if tensor.Sum(tensor.Abs(dst[i].Value.Data())).Item() != 0 {
			t.Errorf("skeleton parameter %s is not zeros", dst[i].Name)
		}
		dst[i].Value.Data().CopyFrom(src[i].Value.Data())
	}
	for i, b := range im.Buffers() {
		empty.Buffers()[i].Tensor.CopyFrom(b.Tensor)
	}
	x := randomInput(2, 3, m.InputShape())
	if err := closeTo(forward(empty, x).F32(), forwardLayered(m, x).F32(), 0); err != nil {
		t.Fatalf("skeleton with the weights loaded: %v", err)
	}
	// Change a weight as fine-tuning would, export, and import again.
	w := im.Params()[0].Value.Data()
	w.SetFlat(0, w.Flat(0)+0.5)
	again, err := onnx.Marshal(im, nil, onnx.Options{Metadata: map[string]string{"tuned": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	re, err := onnx.ImportBytes(again)
	if err != nil {
		t.Fatal(err)
	}
	if re.Metadata["tuned"] != "yes" {
		t.Errorf("metadata %v", re.Metadata)
	}
	if err := closeTo(forward(re, x).F32(), forward(im, x).F32(), 0); err != nil {
		t.Fatalf("re-exported import: %v", err)
	}
	if closeTo(forward(re, x).F32(), forward(m, x).F32(), 1e-6) == nil {
		t.Error("changing a weight of the import changed nothing in its export")
	}
}
