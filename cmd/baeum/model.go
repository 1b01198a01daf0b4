package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/baeum-ml/baeum/models"
)

// runsDir is the folder where baeum train saves checkpoints by default,
// relative to the working directory.
const runsDir = "runs"

// defaultCheckpoint returns where baeum train saves the built-in model
// name by default, and where the other commands look for it.
func defaultCheckpoint(name string) string {
	return filepath.Join(runsDir, name+".safetensors")
}

// loadModelFlag resolves a --model value that must name trained weights: a
// checkpoint path, an ONNX file (fed as in says when it comes from
// another framework; nil for the defaults), or a built-in architecture
// name whose default checkpoint exists. A bare architecture name without
// one gets an error that says how to get weights for it.
func loadModelFlag(value string, in *onnxInputFlags) (*models.Model, map[string]string, error) {
	if models.IsONNX(value) {
		o, err := in.input()
		if err != nil {
			return nil, nil, err
		}
		return models.LoadONNX(value, o)
	}
	if models.IsBuiltin(value) {
		def := defaultCheckpoint(value)
		if _, err := os.Stat(def); err == nil {
			return models.Load(def)
		}
		return nil, nil, fmt.Errorf("--model %s names an architecture, not trained weights: train it first (baeum train --model %s saves %s) or give a checkpoint path", value, value, def)
	}
	if !strings.HasSuffix(value, ".safetensors") {
		if _, err := os.Stat(value); err != nil {
			return nil, nil, fmt.Errorf("--model %q is neither a built-in model (%s) nor an existing checkpoint or .onnx file", value, strings.Join(models.Names, ", "))
		}
	}
	return models.Load(value)
}
