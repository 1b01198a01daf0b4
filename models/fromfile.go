package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/models/spec"
	"github.com/baeum-ml/baeum/nn"
)

// Models from model files (package spec): a Config whose File holds a
// description. Its Name is FileModelName(d), which no built-in model
// has, so that a description named "lenet5" is never mistaken for the
// built-in one; the description travels in the checkpoint inside the
// configuration (checkpoint.KeyModel, under "file"), so Load and
// FromMetadata rebuild it, checked as strictly as the file was.

// FilePrefix begins the Config.Name of every model read from a file.
const FilePrefix = "file:"

// FileModelName returns the Config.Name of a model described by d:
// "file:" and the description's name, or "file" without one.
func FileModelName(d *spec.Description) string {
	if d.Name == "" {
		return "file"
	}
	return FilePrefix + d.Name
}

// IsFileModel reports whether a configuration's name is that of a
// model from a file.
func IsFileModel(name string) bool {
	return name == "file" || len(name) > len(FilePrefix) && name[:len(FilePrefix)] == FilePrefix
}

// FilePrep returns how base's images are prepared for the network d
// describes: padded and flattened as its input section says.
func FilePrep(d *spec.Description, base data.ImagePrep) data.ImagePrep {
	prep := base
	prep.Pad, prep.Flatten = d.Input.Pad, d.Input.Flatten
	return prep
}

// PlanFile works out, without building anything, what the description d
// builds for images stored as base describes and the given classes: the
// preparation, and every layer's output shape, parameters and
// multiply-adds (spec.Plan). It returns an error for images the
// preparation refuses, for classes outside 2…MaxClasses, and for
// everything spec.Description.Plan refuses.
func PlanFile(d *spec.Description, base data.ImagePrep, classes []string) (data.ImagePrep, *spec.Plan, error) {
	if len(classes) < 2 {
		return data.ImagePrep{}, nil, fmt.Errorf("a classifier needs at least 2 classes, got %d", len(classes))
	}
	if len(classes) > MaxClasses {
		return data.ImagePrep{}, nil, fmt.Errorf("%d classes, more than the limit of %d", len(classes), MaxClasses)
	}
	prep := FilePrep(d, base)
	if err := prep.Validate(); err != nil {
		return data.ImagePrep{}, nil, err
	}
	p, err := d.Plan(prep.Shape(), len(classes))
	if err != nil {
		return data.ImagePrep{}, nil, err
	}
	if p.Params > MaxParams {
		return data.ImagePrep{}, nil, fmt.Errorf("the model would have %s parameters, more than the limit of %s", nn.Thousands(int(p.Params)), nn.Thousands(MaxParams))
	}
	return prep, p, nil
}

// planFile is plan for a configuration with a description: the
// blueprint New and Spec work from.
func planFile(cfg Config, d *spec.Description, base data.ImagePrep, classes []string) (*blueprint, error) {
	prep, p, err := PlanFile(d, base, classes)
	if err != nil {
		return nil, err
	}
	cfg.Name, cfg.Activation, cfg.Hidden = FileModelName(d), "", nil
	return &blueprint{cfg: cfg, prep: prep, tensors: p.Tensors, params: int(p.Params)}, nil
}

// buildFile builds the network d describes for examples of the given
// shape, after planFile has checked it.
func buildFile(rng *rand.Rand, d *spec.Description, shape []int, classes int) nn.Module {
	m, _, err := d.Build(rng, shape, classes)
	if err != nil {
		panic(fmt.Sprintf("models: a planned description does not build: %v", err)) // planFile checked it
	}
	return m
}
