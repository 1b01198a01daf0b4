package onnx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// FuzzImport feeds arbitrary bytes to the importer: it must return a
// model or an error, never panic, and a model it returns must run on its
// declared input or say why not. The seeds are the PyTorch fixtures and
// the hostile corpus.
func FuzzImport(f *testing.F) {
	for _, pattern := range []string{"testdata/*.onnx", "../testdata/hostile/onnx/*.onnx"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ImportBytes(b)
		if err != nil {
			return
		}
		shape := m.Input.Shape
		if len(shape) == 0 || len(shape) > 4 {
			return
		}
		s := make([]int, len(shape))
		n := 1
		for i, d := range shape {
			s[i] = max(d, 1)
			n *= s[i]
		}
		if n > 1<<16 {
			return
		}
		g := autograd.NewInferenceGraph()
		_, _ = m.Run(g, g.Input(tensor.New(tensor.Float32, s...)))
	})
}
