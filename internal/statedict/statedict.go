// Package statedict converts between a module's state dict — its
// parameters and buffers under their PyTorch names — and safetensors
// tensors. It is the common core of package checkpoint, which saves and
// loads model files, and of the training-state files of package train,
// which hold a model's state dict under a prefix beside the optimizer's
// tensors. It lives under internal/ so that neither package has to put
// the safetensors types in its exported API.
package statedict

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// Tensors returns the tensors of m's state dict: every parameter and
// buffer, with float tensors stored as F32 (F64 for a float64 model) and
// integer buffers as I64.
func Tensors(m nn.Module) []safetensors.Tensor {
	var out []safetensors.Tensor
	for _, p := range m.Params() {
		out = append(out, FloatTensor(p.Name, p.Value.Data()))
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
		out = append(out, FloatTensor(b.Name, b.Tensor))
	}
	return out
}

// FloatTensor returns t as a safetensors tensor called name: F64 for a
// float64 tensor, F32 otherwise.
func FloatTensor(name string, t *tensor.Tensor) safetensors.Tensor {
	if t.DType() == tensor.Float64 {
		return safetensors.FromFloat64(name, slices.Clone(t.Shape()), t.F64())
	}
	return safetensors.FromFloat32(name, slices.Clone(t.Shape()), t.F32())
}

// target is a tensor of the model that a file's tensor must fill.
type target struct {
	t     *tensor.Tensor
	int64 bool
}

// Apply copies the tensors of f into m's parameters and buffers. f must
// hold exactly m's state dict: every name present, no other, each with
// m's shape, as F32, F64, F16 or BF16 (I64 or a float type for integer
// buffers), and only finite numbers. The error names the tensors that are
// wrong and how; on error m is unchanged.
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

// finite returns v, or an error naming its first NaN or infinity.
func finite(v []float64) ([]float64, error) {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("element %d is %v", i, x)
		}
	}
	return v, nil
}
