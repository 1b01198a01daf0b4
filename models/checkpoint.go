package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/baeum-ml/baeum/autograd"

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

// Load rebuilds a model from a checkpoint written by Save, or imports an
// ONNX file (a path ending in .onnx; see LoadONNX). It reads the
// file's header only (checkpoint.Open: a path that is not a regular file,
// or a file that is not safetensors, is refused after at most 8 bytes),
// checks the metadata (CheckMetadata), works out from the configuration
// and the preprocessing record which tensors the model has (Spec, which
// bounds every size) and compares them with the header's names and
// shapes; only then does it build the model and read the weights into
// it. Last it runs the model on neutral inputs (CheckFinite), so that
// weights which are finite but overflow (±3e38) are refused here rather
// than answering NaN later.
func Load(path string) (*Model, map[string]string, error) {
	if IsONNX(path) {
		return LoadONNX(path, ONNXInput{})
	}
	r, err := checkpoint.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	meta := r.Metadata
	wrap := func(err error) error { return fmt.Errorf("checkpoint %s: %w", path, err) }
	if err := CheckMetadata(meta); err != nil {
		return nil, nil, wrap(err)
	}
	cfg, prep, err := configOf(meta)
	if err != nil {
		return nil, nil, wrap(err)
	}
	spec, err := specOf(cfg, prep)
	if err != nil {
		return nil, nil, wrap(err)
	}
	if err := r.Check(spec); err != nil {
		return nil, nil, err
	}
	m, err := build(cfg, prep)
	if err != nil {
		return nil, nil, wrap(err)
	}
	if err := r.Load(m); err != nil {
		return nil, nil, err
	}
	if err := m.CheckFinite(); err != nil {
		return nil, nil, wrap(err)
	}
	return m, meta, nil
}

// FromMetadata builds the model a checkpoint's metadata describes, with
// untrained weights. A checkpoint written before the preprocessing record
// (baeum 0.2.0 and earlier) held a model for MNIST: it gets MNIST's.
func FromMetadata(meta map[string]string) (*Model, error) {
	cfg, prep, err := configOf(meta)
	if err != nil {
		return nil, err
	}
	return build(cfg, prep)
}

// configOf reads the configuration and the preprocessing record of a
// checkpoint's metadata; the record has one input, an image or a table.
func configOf(meta map[string]string) (Config, *data.Preprocess, error) {
	raw, ok := meta[checkpoint.KeyModel]
	if !ok {
		return Config{}, nil, fmt.Errorf("no %q metadata saying which model it holds (was it written by baeum?)", checkpoint.KeyModel)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return Config{}, nil, fmt.Errorf("bad %q metadata: %w", checkpoint.KeyModel, err)
	}
	prep, err := recordOf(meta)
	if err != nil {
		return Config{}, nil, err
	}
	if len(prep.Inputs) != 1 {
		return Config{}, nil, fmt.Errorf("the built-in model %s takes one input (an image or a table row); the preprocessing record describes %d inputs", cfg.Name, len(prep.Inputs))
	}
	return cfg, prep, nil
}

// CheckMetadata checks the parts of a checkpoint's metadata that are
// shown to people rather than used to build the model: the training
// summary (checkpoint.KeyTraining), when there is one, must be a JSON
// object, and every accuracy in it (a key "accuracy" or ending in
// "_accuracy", at any depth) a number between 0 and 1 — a file claiming
// 1.5 would otherwise be served as "150.00% on MNIST test".
func CheckMetadata(meta map[string]string) error {
	raw, ok := meta[checkpoint.KeyTraining]
	if !ok {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("bad %q metadata: %v", checkpoint.KeyTraining, err)
	}
	if dec.More() {
		return fmt.Errorf("bad %q metadata: data after the JSON object", checkpoint.KeyTraining)
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("bad %q metadata: want a JSON object, found %s", checkpoint.KeyTraining, strings.TrimSpace(truncate(raw, 40)))
	}
	if err := checkAccuracies(v, ""); err != nil {
		return fmt.Errorf("bad %q metadata: %w", checkpoint.KeyTraining, err)
	}
	return nil
}

// checkAccuracies walks a decoded JSON value and checks the accuracies in
// it; path names the value in errors.
func checkAccuracies(v any, path string) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the first error is always the same one
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if k == "accuracy" || strings.HasSuffix(k, "_accuracy") {
				num, ok := v[k].(json.Number)
				if !ok {
					return fmt.Errorf("%s is %s, want a number between 0 and 1", p, kindOf(v[k]))
				}
				if f, err := num.Float64(); err != nil || !(f >= 0 && f <= 1) {
					return fmt.Errorf("%s is %s, but an accuracy lies between 0 and 1", p, num)
				}
				continue
			}
			if err := checkAccuracies(v[k], p); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := checkAccuracies(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// kindOf names the kind of a decoded JSON value.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a number"
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ErrNonFinite is the error, wrapped, of a model whose output is NaN or
// infinite: weights that are finite but huge (±3e38) overflow float32 in
// the first layer. package infer returns it for such predictions.
var ErrNonFinite = errors.New("the model's output is not finite (NaN or infinity)")

// CheckFinite runs the model on three neutral inputs — the mean input
// (every prepared value 0) and inputs one standard deviation above and
// below it (every value 1, or -1) — and returns an error wrapping ErrNonFinite if any
// output is NaN or infinite. Load calls it, so that a checkpoint whose
// weights overflow is refused when it is loaded.
func (m *Model) CheckFinite() error {
	if m.Text() != nil {
		return m.checkFiniteText()
	}
	inputs := []struct {
		name  string
		value float64
	}{{"the mean input", 0}, {"an input one standard deviation above the mean", 1}, {"an input one standard deviation below the mean", -1}}
	for _, in := range inputs {
		x := tensor.New(tensor.Float32, append([]int{1}, m.InputShape()...)...)
		x.Fill(in.value)
		g := autograd.NewInferenceGraph()
		out := m.Forward(g, g.Input(x)).Data()
		// y - y is 0 for every finite y, NaN for an infinity or a NaN.
		if d := tensor.Sum(tensor.Sub(out, out)).Item(); d != 0 {
			return fmt.Errorf("%w on %s (are the weights too large?)", ErrNonFinite, in.name)
		}
	}
	return nil
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

// IsBuiltin reports whether name is a built-in architecture name (of
// Names or TextNames) rather than a checkpoint path.
func IsBuiltin(name string) bool {
	return slices.Contains(Names, name) || slices.Contains(TextNames, name)
}
