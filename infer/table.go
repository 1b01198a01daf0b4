package infer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/table"
	"github.com/baeum-ml/baeum/regression"
	"github.com/baeum-ml/baeum/tensor"
)

// RowPrediction is a table model's answer for one row: for a classifier,
// the most probable class, its name and every class's probability; for
// a regressor, the predicted value.
type RowPrediction struct {
	// Class is the most probable class's index (-1 for a regressor).
	Class int
	// Label is the class's name, from the checkpoint's record.
	Label string
	// Probabilities holds the softmax probability of each class.
	Probabilities []float64
	// Value is a regressor's prediction.
	Value float64
	// Regression says whether the model is a regressor.
	Regression bool
}

// MarshalJSON writes {"class", "label", "probabilities"} for a
// classifier's answer and {"value"} for a regressor's.
func (r RowPrediction) MarshalJSON() ([]byte, error) {
	if r.Regression {
		return json.Marshal(struct {
			Value float64 `json:"value"`
		}{r.Value})
	}
	return json.Marshal(struct {
		Class         int       `json:"class"`
		Label         string    `json:"label"`
		Probabilities []float64 `json:"probabilities"`
	}{r.Class, r.Label, r.Probabilities})
}

// String describes the answer: the class's name and probability, or the
// value.
func (r RowPrediction) String() string {
	if r.Regression {
		return fmt.Sprintf("%.6g", r.Value)
	}
	return fmt.Sprintf("%s (%.1f%%)", r.Label, 100*r.Probabilities[r.Class])
}

// ErrNotTable is returned when rows are given to a model of images.
var ErrNotTable = errors.New("the model reads images, not table rows")

// Table returns how the model's rows are encoded, or nil for a model of
// images.
func (p *Predictor) Table() *data.TablePrep { return p.Model.Table() }

// tableChunk is how many rows go through the model at once.
const tableChunk = 1024

// PredictTable predicts every row of t, whose header names the columns
// (those the model reads must be there; others, such as the target, are
// ignored). Cells are read as training read them (strict decimals,
// categories from the record): a missing column, a bad cell or an
// unknown category is an error naming the row and the column.
func (p *Predictor) PredictTable(t *regression.Table) ([]RowPrediction, error) {
	prep := p.Table()
	if prep == nil {
		return nil, ErrNotTable
	}
	x, err := table.EncodeTable(prep, t)
	if err != nil {
		return nil, err
	}
	return p.predictFeatures(x)
}

// PredictRows predicts rows given as text fields, one per column the
// model reads, in the record's order (data.TablePrep.Columns).
func (p *Predictor) PredictRows(rows [][]string) ([]RowPrediction, error) {
	prep := p.Table()
	if prep == nil {
		return nil, ErrNotTable
	}
	t, err := table.FromRows(prep, rows, "")
	if err != nil {
		return nil, err
	}
	return p.PredictTable(t)
}

// predictFeatures runs the model on encoded rows (N, width), a chunk at
// a time.
func (p *Predictor) predictFeatures(x *tensor.Tensor) ([]RowPrediction, error) {
	n := x.Shape()[0]
	out := make([]RowPrediction, 0, n)
	classes := p.Model.Prep.Classes
	g := p.graphs.Get().(*autograd.Graph)
	defer p.graphs.Put(g)
	for lo := 0; lo < n; lo += tableChunk {
		hi := min(n, lo+tableChunk)
		y := p.Model.Forward(g, g.Input(x.Slice(lo, hi))).Data()
		for i := 0; i < y.Len(); i++ {
			if v := y.Flat(i); math.IsNaN(v) || math.IsInf(v, 0) {
				g.Reset()
				return nil, fmt.Errorf("infer: row %d: %w: output %d is %v (are the weights too large?)", lo+i/max(1, y.Len()/(hi-lo))+1, ErrNonFinite, i%max(1, y.Len()/(hi-lo)), v)
			}
		}
		if len(classes) == 0 {
			for i := 0; i < hi-lo; i++ {
				out = append(out, RowPrediction{Class: -1, Value: y.Flat(i), Regression: true})
			}
			g.Reset()
			continue
		}
		probs := tensor.New(tensor.Float64, y.Shape()...)
		probs.CopyFrom(y)
		g.Reset()
		tensor.SoftmaxTo(probs, probs, 1)
		if err := finite(probs); err != nil {
			return nil, err
		}
		best := tensor.ArgMaxRows(nil, probs)
		for i := 0; i < hi-lo; i++ {
			r := RowPrediction{Class: best[i], Probabilities: probs.Index(i).Float64s()}
			if best[i] < len(classes) {
				r.Label = classes[best[i]]
			}
			out = append(out, r)
		}
	}
	return out, nil
}
