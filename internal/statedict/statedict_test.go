package statedict_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/internal/statedict"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

func mlp(t testing.TB, seed uint64, hidden int) *models.Model {
	t.Helper()
	m, err := models.ForMNIST(tensor.NewRNG(seed), models.Config{Name: "mlp", Hidden: []int{hidden}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTensorsApplyRoundTrip(t *testing.T) {
	a, b := mlp(t, 1, 4), mlp(t, 2, 4)
	if err := statedict.Apply(&safetensors.File{Tensors: statedict.Tensors(a)}, b); err != nil {
		t.Fatal(err)
	}
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		if pa[i].Name != pb[i].Name || !tensor.Equal(pa[i].Value.Data(), pb[i].Value.Data()) {
			t.Errorf("parameter %s differs after Tensors and Apply", pa[i].Name)
		}
	}
}

func TestIntegerBuffersAreI64(t *testing.T) {
	bn := nn.NewBatchNorm2d(2)
	bn.Batches.SetFlat(0, 1<<40)
	m := nn.NewSequential(nn.Named{Name: "bn", Module: bn})
	var nb safetensors.Tensor
	for _, st := range statedict.Tensors(m) {
		if st.Name == "bn.num_batches_tracked" {
			nb = st
		}
	}
	if nb.DType != safetensors.I64 || len(nb.Shape) != 0 {
		t.Fatalf("num_batches_tracked is %s %v, want a scalar I64", nb.DType, nb.Shape)
	}
	bn2 := nn.NewBatchNorm2d(2)
	if err := statedict.Apply(&safetensors.File{Tensors: statedict.Tensors(m)}, nn.NewSequential(nn.Named{Name: "bn", Module: bn2})); err != nil {
		t.Fatal(err)
	}
	if got := bn2.Batches.Item(); got != 1<<40 {
		t.Errorf("num_batches_tracked = %v after Apply, want %v", got, 1<<40)
	}
}

func TestApplyRejectsAndLeavesModelUnchanged(t *testing.T) {
	m := mlp(t, 1, 4)
	good := statedict.Tensors(m)
	tests := []struct {
		name string
		edit func([]safetensors.Tensor) []safetensors.Tensor
		want string
	}{
		{"missing", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] }, "missing fc1.weight"},
		{"extra", func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.FromFloat32("fc9.bias", []int{1}, []float32{1}))
		}, "unexpected fc9.bias"},
		{"shape", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[1] = safetensors.FromFloat32(ts[1].Name, []int{1}, []float32{1})
			return ts
		}, "has shape [1], the model needs [4]"},
		{"I64 weight", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[1] = safetensors.Tensor{Name: ts[1].Name, DType: safetensors.I64, Shape: ts[1].Shape, Data: make([]byte, 8*4)}
			return ts
		}, "I64 where a float tensor is needed"},
		{"infinity", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[1] = safetensors.FromFloat32(ts[1].Name, ts[1].Shape, []float32{0, float32(math.Inf(1)), 0, 0})
			return ts
		}, "element 1 is +Inf"},
	}
	for _, tt := range tests {
		target := mlp(t, 7, 4)
		before := statedict.Tensors(target)
		err := statedict.Apply(&safetensors.File{Tensors: tt.edit(append([]safetensors.Tensor(nil), good...))}, target)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
		for i, st := range statedict.Tensors(target) {
			if !bytes.Equal(st.Data, before[i].Data) {
				t.Errorf("%s: a failed Apply changed %s", tt.name, st.Name)
			}
		}
	}
}

// TestCheckReadsOnlyTheHeader compares tensors without data (a header)
// with a model's wants: the answer is Apply's, and needs no Data.
func TestCheckReadsOnlyTheHeader(t *testing.T) {
	want := statedict.Wants(mlp(t, 1, 4))
	header := func(edit func([]safetensors.Tensor) []safetensors.Tensor) []safetensors.Tensor {
		var ts []safetensors.Tensor
		for _, w := range want {
			ts = append(ts, safetensors.Tensor{Name: w.Name, DType: safetensors.F32, Shape: w.Shape})
		}
		return edit(ts)
	}
	tests := []struct {
		name string
		edit func([]safetensors.Tensor) []safetensors.Tensor
		want string // "" for no error
	}{
		{"sound", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts }, ""},
		{"F16", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[0].DType = safetensors.F16; return ts }, ""},
		{"missing all", func([]safetensors.Tensor) []safetensors.Tensor { return nil }, "missing fc1.weight, fc1.bias, output.weight, output.bias"},
		{"huge shape", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[0].Shape = []int{9223372036854775807, 784}
			return ts
		}, "fc1.weight has shape [9223372036854775807 784], the model needs [4 784]"},
		{"U8", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[2].DType = safetensors.U8; return ts }, "output.weight: unsupported element type U8"},
		{"I64 weight", func(ts []safetensors.Tensor) []safetensors.Tensor { ts[2].DType = safetensors.I64; return ts }, "I64 where a float tensor is needed"},
		{"extra", func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "fc2.weight", DType: safetensors.F32, Shape: []int{1}})
		}, "unexpected fc2.weight"},
	}
	for _, tt := range tests {
		err := statedict.Check(header(tt.edit), want)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// FuzzApply feeds arbitrary bytes through the checkpoint loader (the file
// format's decoder, then the checks against a model): bad input must give
// an error, never a panic, and a file that loads must hold finite numbers.
func FuzzApply(f *testing.F) {
	m := mlp(f, 1, 3)
	var good bytes.Buffer
	if err := safetensors.Encode(&good, statedict.Tensors(m), map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:40])
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      "))
	bad := bytes.Clone(good.Bytes())
	bad[20] ^= 0xff
	f.Add(bad)
	// Finite weights of 3e38 load (the model's output is checked later,
	// by models.Load), and a header that asks for a huge tensor.
	huge := statedict.Tensors(mlp(f, 1, 3))
	for i := range huge {
		for k := 0; k+4 <= len(huge[i].Data); k += 4 {
			copy(huge[i].Data[k:], []byte{0x9e, 0xb4, 0x61, 0x7f})
		}
	}
	var hugeFile bytes.Buffer
	if err := safetensors.Encode(&hugeFile, huge, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(hugeFile.Bytes())
	f.Add([]byte("\x53\x00\x00\x00\x00\x00\x00\x00{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807,0],\"data_offsets\":[0,0]}}"))
	want := statedict.Wants(m)
	f.Fuzz(func(t *testing.T, raw []byte) {
		file, err := safetensors.Decode(raw)
		if err != nil {
			return
		}
		// The header check must agree with Apply's own.
		checked := statedict.Check(file.Tensors, want)
		if err := statedict.Apply(file, m); err != nil {
			return
		}
		if checked != nil {
			t.Fatalf("Check refused what Apply accepted: %v", checked)
		}
		for _, p := range m.Params() {
			for _, v := range p.Value.Data().F32() {
				if v != v || v-v != 0 {
					t.Fatalf("loaded %v", v)
				}
			}
		}
	})
}
