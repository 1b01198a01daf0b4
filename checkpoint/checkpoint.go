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
// F16 or BF16 (I64 or a float type for integer buffers), and only finite
// numbers. The names, types and shapes are checked on the header, before
// the tensors are read. Paths that are not regular files are refused as
// [Open] says. On error m is unchanged.
func Load(path string, m nn.Module) (map[string]string, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := r.check(statedict.Wants(m)); err != nil {
		return nil, err
	}
	if err := r.Load(m); err != nil {
		return nil, err
	}
	return r.Metadata, nil
}

// ReadMetadata returns the metadata of the safetensors file at path,
// after checking the file's structure (the header, and the tensors'
// offsets against the file's size) without reading the tensors.
func ReadMetadata(path string) (map[string]string, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Metadata, nil
}

// A TensorSpec is one tensor a model's state dict holds: its PyTorch
// name, its shape and whether PyTorch stores it as a 64-bit integer
// (batch normalisation's num_batches_tracked).
type TensorSpec struct {
	Name  string
	Shape []int
	Int64 bool
}

// A Reader is a checkpoint opened by [Open]: its header is read and
// checked, its tensors are not read yet. A loader compares the header
// with the model it is about to build ([Reader.Check]) before it
// allocates the model, then reads the weights into it ([Reader.Load]).
type Reader struct {
	// Metadata holds the file's string metadata (nil when it has none).
	Metadata map[string]string
	path     string
	r        *safetensors.Reader
}

// Open opens the checkpoint at path and reads its header, and nothing
// more. It refuses, before opening it, a path that is not a regular file
// (a named pipe, a device such as /dev/zero, a folder), and a file whose
// first 8 bytes do not give a header length that fits in the file and
// under the limit of 100 MB; so a large file that is not a checkpoint
// costs a read of 8 bytes. The header is checked for the safetensors
// format: names, types, shapes, and offsets within the file. Close the
// Reader when done.
func Open(path string) (*Reader, error) {
	r, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	return &Reader{Metadata: r.Metadata, path: path, r: r}, nil
}

// Tensors returns the names and shapes of the file's tensors, sorted by
// name, with Int64 set for those stored as I64.
func (r *Reader) Tensors() []TensorSpec {
	out := make([]TensorSpec, len(r.r.Tensors))
	for i, t := range r.r.Tensors {
		out[i] = TensorSpec{Name: t.Name, Shape: t.Shape, Int64: t.DType == safetensors.I64}
	}
	return out
}

// Check compares the file's tensors with a model's state dict, given as
// names and shapes of its tensors, as [Load] does but from the header
// alone: it needs no model, so it can run before the model is built. The
// error names the file and the tensors that do not fit.
func (r *Reader) Check(want []TensorSpec) error {
	ws := make([]statedict.Want, len(want))
	for i, w := range want {
		ws[i] = statedict.Want{Name: w.Name, Shape: w.Shape, Int64: w.Int64}
	}
	return r.check(ws)
}

func (r *Reader) check(want []statedict.Want) error {
	if err := statedict.Check(r.r.Tensors, want); err != nil {
		return fmt.Errorf("checkpoint %s: %w", r.path, err)
	}
	return nil
}

// Load reads the tensors into m's parameters and buffers, as the
// package's Load does. On error m is unchanged.
func (r *Reader) Load(m nn.Module) error {
	f, err := r.r.ReadAll()
	if err != nil {
		return err
	}
	if err := statedict.Apply(f, m); err != nil {
		return fmt.Errorf("checkpoint %s: %w", r.path, err)
	}
	return nil
}

// Close closes the file.
func (r *Reader) Close() error { return r.r.Close() }
