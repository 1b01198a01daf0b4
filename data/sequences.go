package data

import (
	"fmt"
	"slices"

	"github.com/baeum-ml/baeum/tensor"
)

// Sequences is a dataset of variable-length sequences: example i is a
// sequence of steps (float32 feature vectors, or int64 token ids) and a
// target that is either one value per example or one per step. A batch
// pads every sequence to MaxLen and carries the lengths and a mask;
// padded steps of an int64 per-step target hold IgnoreIndex, so that a
// cross-entropy loss leaves them out.
type Sequences struct {
	inputs  []*tensor.Tensor // each (T_i, F…) float32 or (T_i) int64
	targets []*tensor.Tensor // each () / (k) per example, or (T_i, …) per step
	perStep bool
	maxLen  int
	classes []string
}

// IgnoreIndex is the label of padded steps in an int64 per-step target:
// the ignore index cross-entropy uses by default (PyTorch's).
const IgnoreIndex = tensor.DefaultIgnoreIndex

// NewSequences wraps the sequences (not copied). Every input has the same
// element type and step shape; every target has the same element type,
// and when perStep is set its first axis has its input's length. maxLen
// is the longest sequence a batch holds (0: the longest given).
func NewSequences(inputs, targets []*tensor.Tensor, perStep bool, maxLen int, classes []string) (*Sequences, error) {
	if len(inputs) == 0 || len(inputs) != len(targets) {
		return nil, fmt.Errorf("data: %d sequences and %d targets", len(inputs), len(targets))
	}
	longest := 0
	for i, x := range inputs {
		y := targets[i]
		switch {
		case x.DType() != tensor.Float32 && x.DType() != tensor.Int64, y.DType() != tensor.Float32 && y.DType() != tensor.Int64:
			return nil, fmt.Errorf("data: sequence %d is %v with a %v target, want float32 or int64", i, x.DType(), y.DType())
		case x.Dims() == 0 || x.Shape()[0] == 0:
			return nil, fmt.Errorf("data: sequence %d is empty", i)
		case x.DType() != inputs[0].DType() || !slices.Equal(x.Shape()[1:], inputs[0].Shape()[1:]):
			return nil, fmt.Errorf("data: sequence %d is %v %v, sequence 0 %v %v", i, x.DType(), x.Shape(), inputs[0].DType(), inputs[0].Shape())
		case y.DType() != targets[0].DType():
			return nil, fmt.Errorf("data: target %d is %v, target 0 %v", i, y.DType(), targets[0].DType())
		case perStep && (y.Dims() == 0 || y.Shape()[0] != x.Shape()[0] || !slices.Equal(y.Shape()[1:], targets[0].Shape()[1:])):
			return nil, fmt.Errorf("data: per-step target %d has shape %v for a sequence of %d steps", i, y.Shape(), x.Shape()[0])
		case !perStep && !slices.Equal(y.Shape(), targets[0].Shape()):
			return nil, fmt.Errorf("data: target %d has shape %v, target 0 %v", i, y.Shape(), targets[0].Shape())
		}
		longest = max(longest, x.Shape()[0])
	}
	if maxLen == 0 {
		maxLen = longest
	}
	if longest > maxLen {
		return nil, fmt.Errorf("data: a sequence has %d steps, more than the maximum %d", longest, maxLen)
	}
	return &Sequences{inputs: inputs, targets: targets, perStep: perStep, maxLen: maxLen, classes: slices.Clone(classes)}, nil
}

// Len returns the number of sequences.
func (s *Sequences) Len() int { return len(s.inputs) }

// Spec returns one sequence input "steps" of MaxLen steps and a target
// "target", a sequence too when it has one value per step.
func (s *Sequences) Spec() Spec {
	x, y := s.inputs[0], s.targets[0]
	in := Field{Name: "steps", DType: x.DType(), Shape: append([]int{s.maxLen}, x.Shape()[1:]...), Sequence: true}
	t := Field{Name: "target", DType: y.DType(), Shape: slices.Clone(y.Shape())}
	if s.perStep {
		t.Shape = append([]int{s.maxLen}, y.Shape()[1:]...)
		t.Sequence = true
		if y.DType() == tensor.Int64 {
			t.Pad = IgnoreIndex
		}
	}
	return Spec{Inputs: []Field{in}, Target: t, Classes: slices.Clone(s.classes)}
}

// Example writes sequence i's steps (and target) into the row and returns
// its length.
func (s *Sequences) Example(i int, r Row) int {
	x, y := s.inputs[i], s.targets[i]
	copyNumbers(r.Inputs[0], x, 0, x.Len())
	copyNumbers(r.Target, y, 0, y.Len())
	return x.Shape()[0]
}
