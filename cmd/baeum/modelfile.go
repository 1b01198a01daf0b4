package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/models/spec"
)

// Model files: --model FILE.yaml (or .yml, .json) describes a network
// layer by layer (package spec). train builds it; summary plans it;
// the checkpoint train writes embeds the description, so every command
// that takes a checkpoint takes one of these.

// readModelFlag reads the model file a --model value names, strictly and
// within spec's limits, or returns nil for a value that is not a model
// file.
func readModelFlag(value string) (*spec.Description, error) {
	if !spec.IsModelFile(value) {
		return nil, nil
	}
	d, err := spec.ReadFile(value)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	return d, nil
}

// modelRunName returns the name train's default checkpoint takes from a
// --model value: a built-in name as it is, a model file's base name
// without its extension (runs/lenet5.safetensors for
// examples/models/lenet5.yaml).
func modelRunName(value string) string {
	if !spec.IsModelFile(value) {
		return value
	}
	base := filepath.Base(value)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// summarizeModelFile prints what the model file at path builds for
// MNIST's digits — each layer's output shape, parameters and
// multiply-adds, worked out without building it — or the error that
// names the line and the layer it cannot take.
func summarizeModelFile(w io.Writer, path string) error {
	d, err := readModelFlag(path)
	if err != nil {
		return err
	}
	base := mnist.DigitPrep()
	prep, p, err := models.PlanFile(d, base, mnist.Classes)
	if err != nil {
		return fmt.Errorf("--model %s: %w", path, err)
	}
	name := d.Name
	if name == "" {
		name = modelRunName(path)
	}
	fmt.Fprintf(w, "%s (%s), for MNIST's %d×%d digits", name, path, base.Height, base.Width)
	if prep.Pad > 0 {
		fmt.Fprintf(w, " padded by %d", prep.Pad)
	}
	if prep.Flatten {
		fmt.Fprint(w, ", flattened")
	}
	fmt.Fprintf(w, ", and %d classes\n%s", len(mnist.Classes), p)
	return nil
}
