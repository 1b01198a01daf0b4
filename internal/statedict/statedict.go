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

// A Want is a tensor a module's state dict needs from a file: its name,
// its shape, and whether it is an integer buffer (stored as I64).
type Want struct {
	Name  string
	Shape []int
	Int64 bool
}

// Wants returns the tensors of m's state dict, parameters then buffers.
func Wants(m nn.Module) []Want {
	var out []Want
	for _, p := range m.Params() {
		out = append(out, Want{Name: p.Name, Shape: p.Value.Data().Shape()})
	}
	for _, b := range nn.Buffers(m) {
		out = append(out, Want{Name: b.Name, Shape: b.Tensor.Shape(), Int64: b.Int64})
	}
	return out
}

// Check compares a file's tensors with the state dict want describes,
// reading only their names, element types and shapes — not their Data, so
// it can run on the header alone, before anything is allocated for the
// tensors. Every wanted name must be present and no other, each with its
// shape, as F32, F64, F16 or BF16 (I64 or a float type for integer
// buffers). The error names the tensors that are wrong and how.
func Check(tensors []safetensors.Tensor, want []Want) error {
	wanted := make(map[string]bool, len(want))
	for _, w := range want {
		wanted[w.Name] = true
	}
	have := make(map[string]safetensors.Tensor, len(tensors))
	for _, t := range tensors {
		have[t.Name] = t
	}
	var missing, extra []string
	for _, w := range want {
		if _, ok := have[w.Name]; !ok {
			missing = append(missing, w.Name)
		}
	}
	for _, t := range tensors {
		if !wanted[t.Name] {
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
	for _, w := range want {
		st := have[w.Name]
		if !tensor.EqualShapes(st.Shape, w.Shape) {
			return fmt.Errorf("tensor %s has shape %v, the model needs %v", w.Name, st.Shape, w.Shape)
		}
		switch st.DType {
		case safetensors.F32, safetensors.F64, safetensors.F16, safetensors.BF16:
		case safetensors.I64:
			if !w.Int64 {
				return fmt.Errorf("tensor %s: element type I64 where a float tensor is needed", w.Name)
			}
		default:
			return fmt.Errorf("tensor %s: unsupported element type %s (want F32, F64, F16 or BF16)", w.Name, st.DType)
		}
	}
	return nil
}

// Apply copies the tensors of f into m's parameters and buffers. f must
// hold exactly m's state dict, as [Check] says, and only finite numbers.
// The error names the tensors that are wrong and how; on error m is
// unchanged.
func Apply(f *safetensors.File, m nn.Module) error {
	want := Wants(m)
	if err := Check(f.Tensors, want); err != nil {
		return err
	}
	targets := make([]*tensor.Tensor, 0, len(want))
	for _, p := range m.Params() {
		targets = append(targets, p.Value.Data())
	}
	for _, b := range nn.Buffers(m) {
		targets = append(targets, b.Tensor)
	}
	// Convert everything first, so that a bad tensor leaves m untouched.
	vals := make([][]float64, len(want))
	for i, w := range want {
		st, _ := f.Tensor(w.Name)
		v, err := toFloat64(st, w.Int64)
		if err != nil {
			return fmt.Errorf("tensor %s: %w", w.Name, err)
		}
		vals[i] = v
	}
	for i, t := range targets {
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
