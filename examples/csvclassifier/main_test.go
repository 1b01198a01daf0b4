package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestExampleLearnsTheBlobs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.safetensors")
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	acc, err := run("testdata/blobs.csv", "class", 30, out, devnull)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.9 {
		t.Errorf("held-out accuracy %.3f, want at least 0.9", acc)
	}
	if _, err := run("testdata/blobs.csv", "nosuchcolumn", 1, out, devnull); err == nil {
		t.Error("a missing label column was accepted")
	}
}
