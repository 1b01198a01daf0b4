package models

import (
	"encoding/json"
	"fmt"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/mnist"
	"github.com/baeum-ml/baeum/tensor"
)

// Save writes the model's weights to path (a safetensors file PyTorch can
// read) with its configuration, its preprocessing record and the given
// extra metadata.
func (m *Model) Save(path string, meta map[string]string) error {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return err
	}
	md := map[string]string{checkpoint.KeyModel: string(cfg), data.KeyPreprocess: m.Prep.JSON()}
	for k, v := range meta {
		md[k] = v
	}
	return checkpoint.Save(path, m, md)
}

// Load rebuilds a model from a checkpoint written by Save: it reads the
// configuration and the preprocessing record from the file's metadata,
// builds the model and loads the weights, checking that they fit.
func Load(path string) (*Model, map[string]string, error) {
	meta, err := checkpoint.ReadMetadata(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := FromMetadata(meta)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if _, err := checkpoint.Load(path, m); err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}

// FromMetadata builds the model a checkpoint's metadata describes, with
// untrained weights. A checkpoint written before the preprocessing record
// (baeum 0.2.0 and earlier) held a model for MNIST: it gets MNIST's.
func FromMetadata(meta map[string]string) (*Model, error) {
	raw, ok := meta[checkpoint.KeyModel]
	if !ok {
		return nil, fmt.Errorf("no %q metadata saying which model it holds (was it written by baeum?)", checkpoint.KeyModel)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return nil, fmt.Errorf("bad %q metadata: %w", checkpoint.KeyModel, err)
	}
	prep, err := recordOf(meta)
	if err != nil {
		return nil, err
	}
	if len(prep.Inputs) != 1 || prep.Inputs[0].Image == nil {
		return nil, fmt.Errorf("the built-in model %s takes one image input; the preprocessing record describes %d inputs", cfg.Name, len(prep.Inputs))
	}
	m, err := New(tensor.NewRNG(0), cfg, *prep.Inputs[0].Image, prep.Classes)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// recordOf returns the preprocessing record of a checkpoint's metadata,
// or MNIST's for a checkpoint from before records.
func recordOf(meta map[string]string) (*data.Preprocess, error) {
	raw, ok := meta[data.KeyPreprocess]
	if !ok {
		p := mnist.DigitPrep()
		return &data.Preprocess{Inputs: []data.InputPrep{{Name: "image", Image: &p}}, Classes: mnist.Classes}, nil
	}
	return data.ParsePreprocess([]byte(raw))
}

// IsBuiltin reports whether name is a built-in architecture name rather
// than a checkpoint path.
func IsBuiltin(name string) bool {
	for _, n := range Names {
		if n == name {
			return true
		}
	}
	return false
}
