package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadModelFlag(t *testing.T) {
	ckpt, err := filepath.Abs("../../testdata/lenet5-2epochs.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // no runs/ here yet
	for _, tc := range []struct{ value, want string }{
		{"mlp", "--model mlp names an architecture, not trained weights: train it first (baeum train --model mlp saves runs/mlp.safetensors) or give a checkpoint path"},
		{"vgg16", `--model "vgg16" is neither a built-in model (lenet5, `},
		{"vgg16", "nor an existing checkpoint or .onnx file"},
		{"nope.safetensors", "nope.safetensors"},
	} {
		if _, _, err := loadModelFlag(tc.value, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("loadModelFlag(%q, nil): error %v, want one containing %q", tc.value, err, tc.want)
		}
	}
	m, _, err := loadModelFlag(ckpt, nil)
	if err != nil || m.Config.Name != "lenet5" {
		t.Fatalf("loadModelFlag(%s, nil) = %v, %v; want the LeNet-5 it holds", ckpt, m, err)
	}
	// A built-in name finds its default checkpoint once there is one.
	raw, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(runsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(defaultCheckpoint("lenet5"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if m, _, err := loadModelFlag("lenet5", nil); err != nil || m.Config.Name != "lenet5" {
		t.Errorf(`loadModelFlag("lenet5", nil) with runs/lenet5.safetensors = %v, %v`, m, err)
	}
}
