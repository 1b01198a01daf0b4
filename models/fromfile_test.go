// These tests need the hooks that connect model files to Config (the
// File field, and the calls in plan and New); remove the build
// constraint once they are in models.go.

package models

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/models/spec"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// A model from a file is LeNet-5 when its file says so, and its
// checkpoint carries the description: Load and FromMetadata rebuild it.
func TestFileModelCheckpoint(t *testing.T) {
	d, err := spec.ReadFile("../examples/models/lenet5.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(tensor.NewRNG(3), Config{Name: FileModelName(d), File: d}, mnist.DigitPrep(), mnist.Classes)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := New(tensor.NewRNG(3), Config{Name: "lenet5"}, mnist.DigitPrep(), mnist.Classes)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Name != "file:lenet5" || m.Image().Pad != LeNetPad {
		t.Errorf("config %+v, pad %d", m.Config, m.Image().Pad)
	}
	gp, rp := nn.Params(m), nn.Params(ref)
	for i := range rp {
		if gp[i].Name != rp[i].Name || !tensor.Equal(gp[i].Value.Data(), rp[i].Value.Data()) {
			t.Fatalf("parameter %s differs from the built-in's %s", gp[i].Name, rp[i].Name)
		}
	}
	tensors, params, err := Spec(m.Config, *m.Image(), mnist.Classes)
	if err != nil || params != 61_706 || len(tensors) != 10 {
		t.Fatalf("Spec: %d tensors, %d params, %v", len(tensors), params, err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	back, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(meta[checkpoint.KeyModel], `"file":{"name":"lenet5"`) {
		t.Errorf("metadata %s", meta[checkpoint.KeyModel])
	}
	for i, p := range nn.Params(back) {
		if !tensor.Equal(p.Value.Data(), gp[i].Value.Data()) {
			t.Fatalf("%s changed in the round trip", p.Name)
		}
	}
	if _, err := FromMetadata(meta); err != nil {
		t.Fatal(err)
	}
	// A description tampered with in the metadata is refused as a file
	// would be.
	bad := map[string]string{}
	for k, v := range meta {
		bad[k] = v
	}
	bad[checkpoint.KeyModel] = strings.Replace(meta[checkpoint.KeyModel], `"kernel":5`, `"kernal":5`, 1)
	if _, err := FromMetadata(bad); err == nil || !strings.Contains(err.Error(), `unknown key "kernal"`) {
		t.Errorf("tampered description: %v", err)
	}
	bad[checkpoint.KeyModel] = strings.Replace(meta[checkpoint.KeyModel], `"out":84`, `"out":100000`, 1)
	if _, err := FromMetadata(bad); err == nil || !strings.Contains(err.Error(), "100000 is out of range") {
		t.Errorf("oversized description: %v", err)
	}
}
