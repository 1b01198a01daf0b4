// Package checkpoint saves and loads models as safetensors files that
// PyTorch can read.
//
// A model file holds exactly the tensors of the equivalent PyTorch
// state_dict() — parameters and buffers, under the same dotted names and
// in the same layouts (convolution weights (out, in, kh, kw), Linear
// weights (out, in)) — and nothing else, so that
// model.load_state_dict(tensors, strict=True) accepts it. The file's string
// metadata records what baeum needs to rebuild the model (its name and
// configuration), baeum's version and a summary of the training.
//
// Writes are atomic: the file is written beside its destination, synced
// and renamed over it, so a crash or Ctrl-C during a save leaves the
// previous file intact. Loading checks everything against the model —
// names, element types, shapes — besides the file's own structure, and
// reports what is wrong.
package checkpoint

import (
	"fmt"

	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/internal/statedict"
	"github.com/baeum-ml/baeum/nn"
)

// Metadata keys baeum writes.
const (
	// KeyFormat is the safetensors convention for the framework the file
	// is laid out for; baeum writes "pt" (PyTorch).
	KeyFormat = "format"
	// KeyModel holds the model's configuration as JSON.
	KeyModel = "baeum.model"
	// KeyVersion holds the baeum version that wrote the file.
	KeyVersion = "baeum.version"
	// KeyTraining holds a JSON summary of the training run.
	KeyTraining = "baeum.training"
)

// Save writes m's state dict to path atomically, with the given metadata
// plus format "pt": every parameter and buffer under its PyTorch name, as
// F32 (F64 for a float64 model), and integer buffers as I64.
func Save(path string, m nn.Module, meta map[string]string) error {
	md := map[string]string{KeyFormat: "pt"}
	for k, v := range meta {
		md[k] = v
	}
	return safetensors.WriteFile(path, statedict.Tensors(m), md)
}

// Load reads the safetensors file at path into m's parameters and buffers
// and returns the file's metadata. The file must hold exactly m's state
// dict: every name present, no other, each with m's shape, as F32, F64,
// F16 or BF16 (I64 or a float type for integer buffers). On error m is
// unchanged.
func Load(path string, m nn.Module) (map[string]string, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := statedict.Apply(f, m); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return f.Metadata, nil
}

// ReadMetadata returns the metadata of the safetensors file at path
// (after validating the whole file).
func ReadMetadata(path string) (map[string]string, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return f.Metadata, nil
}
