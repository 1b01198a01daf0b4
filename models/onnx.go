package models

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/onnx"
)

// ONNXName is the Config.Name of a model imported from an ONNX file.
const ONNXName = "onnx"

// ONNXInput says how images are prepared for a foreign ONNX model, one
// whose file has no baeum preprocessing record: pixels are scaled to
// [0, 1], then normalised per channel with Mean and Std (none by
// default) and padded by Pad, so that they have the input shape the file
// declares. Classes names the outputs (0, 1, … by default).
type ONNXInput struct {
	Mean, Std []float64
	Pad       int
	Classes   []string
}

// IsONNX reports whether path names an ONNX file, by its extension.
func IsONNX(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".onnx") }

// LoadONNX imports the ONNX file at path as a Model (package onnx reads
// it under its limits) and returns it with the file's metadata. A file
// that baeum exported is prepared as its preprocessing record says; any
// other as in describes.
func LoadONNX(path string, in ONNXInput) (*Model, map[string]string, error) {
	im, err := onnx.ImportFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := FromONNX(im, in)
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	if err := m.CheckFinite(); err != nil {
		return nil, nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	return m, im.Metadata, nil
}

// FromONNX wraps an imported graph as a Model: its configuration holds
// the graph's skeleton, so that a checkpoint of it (after fine-tuning)
// rebuilds the same network.
func FromONNX(im *onnx.Model, in ONNXInput) (*Model, error) {
	sk, err := im.Skeleton()
	if err != nil {
		return nil, err
	}
	var prep *data.Preprocess
	if raw, ok := im.Metadata[data.KeyPreprocess]; ok {
		if prep, err = data.ParsePreprocess([]byte(raw)); err != nil {
			return nil, err
		}
		if len(prep.Inputs) != 1 {
			return nil, fmt.Errorf("the preprocessing record describes %d inputs; baeum runs models of one", len(prep.Inputs))
		}
		if in.Mean != nil || in.Std != nil || in.Pad != 0 || in.Classes != nil {
			return nil, errors.New("the file records its preprocessing and classes (it was exported by baeum): input options apply to other ONNX files only")
		}
	} else if prep, err = foreignPrep(im, in); err != nil {
		return nil, err
	}
	ex := im.Example()
	if ex == nil {
		return nil, fmt.Errorf("input %q has shape %v: baeum needs every dimension but the batch fixed", im.Input.Name, im.Input.Shape)
	}
	if got := prep.Inputs[0].Shape(); !slices.Equal(got, ex) {
		return nil, fmt.Errorf("the preprocessing gives examples of shape %v but the graph's input %q takes %v", got, im.Input.Name, ex)
	}
	if k := outputs(im); k > 0 && k != len(prep.Classes) {
		return nil, fmt.Errorf("the graph gives %d outputs per example but %d classes are named", k, len(prep.Classes))
	}
	return &Model{Config: Config{Name: ONNXName, ONNX: sk}, Module: im, Prep: *prep}, nil
}

// outputs returns the number of numbers per example the graph declares
// for its output, or 0 when it does not say.
func outputs(im *onnx.Model) int {
	s := im.Output.Shape
	if len(s) != 2 || s[1] <= 0 {
		return 0
	}
	return s[1]
}

// foreignPrep is the preparation of a file without a record: images of
// the declared size and channels, (N, C, H, W), or flattened when the
// input is (N, D) with D a square (grey images D = side²).
func foreignPrep(im *onnx.Model, in ONNXInput) (*data.Preprocess, error) {
	ex := im.Example()
	var p data.ImagePrep
	switch {
	case len(ex) == 3:
		p = data.ImagePrep{Channels: ex[0], Height: ex[1] - 2*in.Pad, Width: ex[2] - 2*in.Pad}
	case len(ex) == 1 && isSquare(ex[0]):
		side := int(math.Sqrt(float64(ex[0])))
		p = data.ImagePrep{Channels: 1, Height: side - 2*in.Pad, Width: side - 2*in.Pad, Flatten: true}
	default:
		return nil, fmt.Errorf("input %q of shape %v: a model without baeum's preprocessing record must take images, (N, C, H, W), or flattened grey images, (N, side²)", im.Input.Name, im.Input.Shape)
	}
	if p.Height <= 0 || p.Width <= 0 {
		return nil, fmt.Errorf("padding of %d leaves no image of the %v input", in.Pad, ex)
	}
	p.Pad, p.Mean, p.Std = in.Pad, slices.Clone(in.Mean), slices.Clone(in.Std)
	if p.Flatten && p.Pad != 0 {
		return nil, errors.New("padding a flattened input is not supported")
	}
	classes := in.Classes
	if classes == nil {
		k := outputs(im)
		if k <= 0 {
			return nil, fmt.Errorf("output %q has shape %v: say the classes, since the file does not give their number", im.Output.Name, im.Output.Shape)
		}
		if k > MaxClasses {
			return nil, fmt.Errorf("%d outputs, more than the limit of %d classes", k, MaxClasses)
		}
		for i := range k {
			classes = append(classes, strconv.Itoa(i))
		}
	}
	rec := &data.Preprocess{Inputs: []data.InputPrep{{Name: "image", Image: &p}}, Classes: classes}
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	return rec, nil
}

func isSquare(n int) bool {
	s := int(math.Sqrt(float64(n)))
	return s > 0 && s*s == n
}

// planONNX checks a configuration that holds an ONNX skeleton against
// the recorded preparation and lists the checkpoint's tensors: the
// graph's parameters, then its running statistics.
func planONNX(cfg Config, base data.ImagePrep, classes []string) (*blueprint, error) {
	im, err := onnx.ImportSkeleton(cfg.ONNX)
	if err != nil {
		return nil, err
	}
	if err := base.Validate(); err != nil {
		return nil, err
	}
	if ex := im.Example(); !slices.Equal(ex, base.Shape()) {
		return nil, fmt.Errorf("the ONNX graph takes examples of shape %v, the record prepares %v", ex, base.Shape())
	}
	if k := outputs(im); k > 0 && k != len(classes) {
		return nil, fmt.Errorf("the ONNX graph gives %d outputs, the record names %d classes", k, len(classes))
	}
	cfg.Name = ONNXName
	b := &blueprint{cfg: cfg, prep: base, net: im}
	for _, p := range im.Params() {
		b.tensors = append(b.tensors, checkpoint.TensorSpec{Name: p.Name, Shape: p.Value.Shape()})
		b.params += p.Value.Data().Len()
	}
	for _, buf := range im.Buffers() {
		b.tensors = append(b.tensors, checkpoint.TensorSpec{Name: buf.Name, Shape: buf.Tensor.Shape()})
	}
	return b, nil
}

// ONNXMetadata is what baeum writes into an exported model's
// metadata_props: the preprocessing record, with the class names, that
// LoadONNX reads back.
func ONNXMetadata(m *Model) map[string]string {
	return map[string]string{data.KeyPreprocess: m.Prep.JSON()}
}
