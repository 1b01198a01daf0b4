package models

import (
	"encoding/json"
	"fmt"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/tensor"
)

// Save writes the model's weights to path (a safetensors file PyTorch can
// read) with its configuration and the given extra metadata.
func (m *Model) Save(path string, meta map[string]string) error {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return err
	}
	md := map[string]string{checkpoint.KeyModel: string(cfg)}
	for k, v := range meta {
		md[k] = v
	}
	return checkpoint.Save(path, m, md)
}

// Load rebuilds a model from a checkpoint written by Save: it reads the
// configuration from the file's metadata, builds the model and loads the
// weights, checking that they fit.
func Load(path string) (*Model, map[string]string, error) {
	meta, err := checkpoint.ReadMetadata(path)
	if err != nil {
		return nil, nil, err
	}
	raw, ok := meta[checkpoint.KeyModel]
	if !ok {
		return nil, nil, fmt.Errorf("checkpoint %s: no %q metadata saying which model it holds (was it written by baeum?)", path, checkpoint.KeyModel)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: bad %q metadata: %w", path, checkpoint.KeyModel, err)
	}
	m, err := New(tensor.NewRNG(0), cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if _, err := checkpoint.Load(path, m); err != nil {
		return nil, nil, err
	}
	return m, meta, nil
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
