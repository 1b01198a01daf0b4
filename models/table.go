package models

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/tensor"
)

// TableNames lists the models NewTable builds over a table's encoded
// feature vector: mlp (hidden layers of Config.Hidden, then an output
// layer), and softmax or linear, one linear layer. A classifier
// (classes given) has one output per class, read through softmax; a
// regressor (no classes) has one output, the predicted value. softmax
// names the one-layer classifier only.
var TableNames = []string{"mlp", "softmax", "linear"}

// NewTable builds the model cfg describes for rows encoded as prep says:
// a classifier of the given classes (at least 2), or, with no classes, a
// regressor of one output. Its record has one input, "table". It returns
// an error, before allocating anything, for an unknown model, bad
// encoders, or sizes beyond MaxHidden, MaxLayers, MaxClasses or
// MaxParams.
func NewTable(rng *rand.Rand, cfg Config, prep data.TablePrep, classes []string) (*Model, error) {
	p, err := tablePlan(cfg, prep, classes)
	if err != nil {
		return nil, err
	}
	cfg = p.cfg
	in, out := prep.Width(), max(len(classes), 1)
	var net nn.Module
	switch cfg.Name {
	case "mlp":
		act, _ := nn.Activation(cfg.Activation) // checked by tablePlan
		net = MLP(rng, in, cfg.Hidden, out, act)
	default:
		net = SoftmaxRegression(rng, in, out)
	}
	prep.Columns = slices.Clone(prep.Columns)
	rec := data.Preprocess{Inputs: []data.InputPrep{{Name: "table", Table: &prep}}, Classes: slices.Clone(classes)}
	return &Model{Config: cfg, Module: net, Prep: rec}, nil
}

// TableSpec returns the tensors of the state dict NewTable would build
// and the number of parameters, worked out without building anything.
func TableSpec(cfg Config, prep data.TablePrep, classes []string) ([]checkpoint.TensorSpec, int, error) {
	p, err := tablePlan(cfg, prep, classes)
	if err != nil {
		return nil, 0, err
	}
	return p.tensors, p.params, nil
}

// IsRegressor reports whether the model predicts a number rather than a
// class: a table model whose record names no classes.
func (m *Model) IsRegressor() bool {
	return m.Table() != nil && len(m.Prep.Classes) == 0
}

// Table returns how the model's table rows are encoded, or nil for a
// model of images.
func (m *Model) Table() *data.TablePrep {
	if len(m.Prep.Inputs) == 0 {
		return nil
	}
	return m.Prep.Inputs[0].Table
}

// tablePlan checks a table model's configuration against the limits and
// works out its tensors.
func tablePlan(cfg Config, prep data.TablePrep, classes []string) (*blueprint, error) {
	if err := prep.Validate(); err != nil {
		return nil, err
	}
	switch {
	case len(classes) == 1:
		return nil, fmt.Errorf("a classifier needs at least 2 classes, got 1 (%q)", classes[0])
	case len(classes) > MaxClasses:
		return nil, fmt.Errorf("%d classes, more than the limit of %d", len(classes), MaxClasses)
	}
	in, out := int64(prep.Width()), int64(max(len(classes), 1))
	b := &blueprint{}
	var total int64
	linear := func(name string, i, o int64) {
		b.tensors = append(b.tensors, checkpoint.TensorSpec{Name: name + ".weight", Shape: []int{int(o), int(i)}}, checkpoint.TensorSpec{Name: name + ".bias", Shape: []int{int(o)}})
		total += i*o + o
	}
	switch cfg.Name {
	case "mlp":
		if cfg.Activation == "" {
			cfg.Activation = "relu"
		}
		if _, err := nn.Activation(cfg.Activation); err != nil {
			return nil, err
		}
		if len(cfg.Hidden) == 0 {
			cfg.Hidden = []int{256, 128}
		}
		if len(cfg.Hidden) > MaxLayers {
			return nil, fmt.Errorf("mlp with %d hidden layers, more than the limit of %d", len(cfg.Hidden), MaxLayers)
		}
		for i, h := range cfg.Hidden {
			if h <= 0 || h > MaxHidden {
				return nil, fmt.Errorf("mlp hidden layer %d has %d units, want 1 to %d", i+1, h, MaxHidden)
			}
		}
		prev := in
		for i, h := range cfg.Hidden {
			linear("fc"+strconv.Itoa(i+1), prev, int64(h))
			prev = int64(h)
		}
		linear("output", prev, out)
	case "softmax", "linear":
		if cfg.Name == "softmax" && len(classes) == 0 {
			return nil, fmt.Errorf("softmax regression classifies; for a number (a regression target) use --model linear or mlp")
		}
		cfg.Activation, cfg.Hidden = "", nil
		linear("output", in, out)
	default:
		return nil, fmt.Errorf("unknown model %q for a table (want %s)", cfg.Name, strings.Join(TableNames, ", "))
	}
	// Width ≤ 2^14·2^16 and hidden sizes ≤ 2^16: the products fit in an
	// int64.
	if total > MaxParams {
		return nil, fmt.Errorf("%s for %d features and %d outputs would have %s parameters, more than the limit of %s", describe(cfg), in, out, nn.Thousands(int(total)), nn.Thousands(MaxParams))
	}
	b.cfg, b.params = cfg, int(total)
	return b, nil
}

// specOf returns the tensors of the model a checkpoint's configuration
// and record describe: a table model or an image model.
func specOf(cfg Config, prep *data.Preprocess) ([]checkpoint.TensorSpec, error) {
	var s []checkpoint.TensorSpec
	var err error
	if t := prep.Inputs[0].Table; t != nil {
		s, _, err = TableSpec(cfg, *t, prep.Classes)
	} else if t := prep.Inputs[0].Text; t != nil {
		s, _, err = TextSpec(cfg, *t)
	} else {
		s, _, err = Spec(cfg, *prep.Inputs[0].Image, prep.Classes)
	}
	return s, err
}

// build builds, with untrained weights, the model a checkpoint's
// configuration and record describe.
func build(cfg Config, prep *data.Preprocess) (*Model, error) {
	if t := prep.Inputs[0].Table; t != nil {
		return NewTable(tensor.NewRNG(0), cfg, *t, prep.Classes)
	}
	if t := prep.Inputs[0].Text; t != nil {
		return NewText(tensor.NewRNG(0), cfg, *t)
	}
	return New(tensor.NewRNG(0), cfg, *prep.Inputs[0].Image, prep.Classes)
}
