// Package checkpoint saves and loads models as safetensors files that
// PyTorch can read.
//
// A model file holds exactly the tensors of the equivalent PyTorch
// state_dict() — parameters and buffers, under the same dotted names and
// in the same layouts (convolution weights (out, in, kh, kw), Linear
// weights (out, in)) — and nothing else, so that
// model.load_state_dict(tensors, strict=True) accepts it. The file's string
// metadata records what baeum needs to rebuild the model (its name and
// configuration), baeum's version and a summary of the training.
//
// Writes are atomic: the file is written beside its destination, synced
// and renamed over it, so a crash or Ctrl-C during a save leaves the
// previous file intact. Loading checks everything against the model —
// names, element types, shapes — besides the file's own structure, and
// reports what is wrong.
package checkpoint

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Metadata keys baeum writes.
const (
	// KeyFormat is the safetensors convention for the framework the file
	// is laid out for; baeum writes "pt" (PyTorch).
	KeyFormat = "format"
	// KeyModel holds the model's configuration as JSON.
	KeyModel = "baeum.model"
	// KeyVersion holds the baeum version that wrote the file.
	KeyVersion = "baeum.version"
	// KeyTraining holds a JSON summary of the training run.
	KeyTraining = "baeum.training"
)

// Tensors returns the tensors of m's state dict: every parameter and
// buffer, with float tensors stored as F32 (F64 for a float64 model) and
// integer buffers as I64.
func Tensors(m nn.Module) []safetensors.Tensor {
	var out []safetensors.Tensor
	for _, p := range m.Params() {
		out = append(out, floatTensor(p.Name, p.Value.Data()))
	}
	for _, b := range nn.Buffers(m) {
		if b.Int64 {
			vals := make([]byte, 8*b.Tensor.Len())
			for i := 0; i < b.Tensor.Len(); i++ {
				v := uint64(int64(b.Tensor.Flat(i)))
				for k := 0; k < 8; k++ {
					vals[8*i+k] = byte(v >> (8 * k))
				}
			}
			out = append(out, safetensors.Tensor{Name: b.Name, DType: safetensors.I64, Shape: slices.Clone(b.Tensor.Shape()), Data: vals})
			continue
		}
		out = append(out, floatTensor(b.Name, b.Tensor))
	}
	return out
}

func floatTensor(name string, t *tensor.Tensor) safetensors.Tensor {
	if t.DType() == tensor.Float64 {
		return safetensors.FromFloat64(name, slices.Clone(t.Shape()), t.F64())
	}
	return safetensors.FromFloat32(name, slices.Clone(t.Shape()), t.F32())
}

// Save writes m's state dict to path atomically, with the given metadata
// plus format "pt".
func Save(path string, m nn.Module, meta map[string]string) error {
	md := map[string]string{KeyFormat: "pt"}
	for k, v := range meta {
		md[k] = v
	}
	return safetensors.WriteFile(path, Tensors(m), md)
}

// Load reads the safetensors file at path into m's parameters and buffers
// and returns the file's metadata. The file must hold exactly m's state
// dict: every name present, no other, each with m's shape, as F32, F64,
// F16 or BF16 (I64 or a float type for integer buffers). On error m is
// unchanged.
func Load(path string, m nn.Module) (map[string]string, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := Apply(f, m); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return f.Metadata, nil
}

// ReadMetadata returns the metadata of the safetensors file at path
// (after validating the whole file).
func ReadMetadata(path string) (map[string]string, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return f.Metadata, nil
}

// target is a tensor of the model that a file's tensor must fill.
type target struct {
	t     *tensor.Tensor
	int64 bool
}

// Apply copies the tensors of f into m after checking that they are
// exactly m's state dict (see Load). On error m is unchanged.
func Apply(f *safetensors.File, m nn.Module) error {
	want := map[string]target{}
	var order []string
	for _, p := range m.Params() {
		want[p.Name] = target{t: p.Value.Data()}
		order = append(order, p.Name)
	}
	for _, b := range nn.Buffers(m) {
		want[b.Name] = target{t: b.Tensor, int64: b.Int64}
		order = append(order, b.Name)
	}
	var missing, extra []string
	for _, name := range order {
		if _, ok := f.Tensor(name); !ok {
			missing = append(missing, name)
		}
	}
	for _, t := range f.Tensors {
		if _, ok := want[t.Name]; !ok {
			extra = append(extra, t.Name)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "missing "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			parts = append(parts, "unexpected "+strings.Join(extra, ", "))
		}
		return fmt.Errorf("tensors do not match the model: %s", strings.Join(parts, "; "))
	}
	// Convert everything first, so that a bad tensor leaves m untouched.
	vals := make([][]float64, len(order))
	for i, name := range order {
		st, _ := f.Tensor(name)
		tg := want[name]
		if !tensor.EqualShapes(st.Shape, tg.t.Shape()) {
			return fmt.Errorf("tensor %s has shape %v, the model needs %v", name, st.Shape, tg.t.Shape())
		}
		v, err := toFloat64(st, tg.int64)
		if err != nil {
			return fmt.Errorf("tensor %s: %w", name, err)
		}
		vals[i] = v
	}
	for i, name := range order {
		t := want[name].t
		for k, v := range vals[i] {
			t.SetFlat(k, v)
		}
	}
	return nil
}

// toFloat64 decodes a tensor's elements; integer types are accepted only
// for integer buffers, and non-finite floats are rejected.
func toFloat64(st safetensors.Tensor, intBuffer bool) ([]float64, error) {
	switch st.DType {
	case safetensors.F32, safetensors.F16, safetensors.BF16:
		f, err := st.Float32()
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return finite(out)
	case safetensors.F64:
		f, err := st.Float64()
		if err != nil {
			return nil, err
		}
		return finite(f)
	case safetensors.I64:
		if !intBuffer {
			return nil, fmt.Errorf("element type I64 where a float tensor is needed")
		}
		out := make([]float64, st.NumElements())
		for i := range out {
			var v uint64
			for k := 0; k < 8; k++ {
				v |= uint64(st.Data[8*i+k]) << (8 * k)
			}
			out[i] = float64(int64(v))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported element type %s (want F32, F64, F16 or BF16)", st.DType)
}

func finite(v []float64) ([]float64, error) {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("element %d is %v", i, x)
		}
	}
	return v, nil
}
