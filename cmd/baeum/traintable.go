package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/baeum-ml/baeum/data/table"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/train"
)

// prepareTableRun reads the CSV table --data names for `baeum train
// --target COLUMN` and builds the model and the splits:
//
//   - the rows are shuffled with rng (seeded by --seed, so --resume cuts
//     the same splits); the first 20% (at least one row) are the test
//     rows, only reported; the next --val rows (by default a tenth of the
//     rest) validate, choosing the best epoch; the rest train. --limit N
//     keeps the file's first N rows.
//   - --task classification (the default) makes the target's distinct
//     values, sorted (numerically when all are numbers), the classes;
//     --task regression makes it a number, fitted by mean squared error.
//   - numeric features are standardised with the training rows' mean and
//     standard deviation; --categorical columns are one-hot encoded over
//     the training rows' categories; the encoders go into the
//     checkpoint's record. A missing cell or an unseen category is an
//     error naming the file, the row and the column.
//   - --model mlp (hidden sizes from --hidden) or a single linear layer
//     over the encoded features: --model softmax (classification) or
//     --model linear (either task).
func prepareTableRun(ctx context.Context, o *trainOptions, rng *rand.Rand) (*runData, error) {
	if o.dataDir == "" {
		return nil, fmt.Errorf("--target %s needs the table: give --data FILE.csv", o.Target)
	}
	var regress bool
	switch strings.ToLower(strings.TrimSpace(o.Task)) {
	case "", "classification":
	case "regression":
		regress = true
	default:
		return nil, fmt.Errorf("--task %q: want classification or regression", o.Task)
	}
	cfg := models.Config{Name: o.Model, Activation: o.Activation}
	switch o.Model {
	case "mlp":
		h, err := parseHiddenFlag(o.Hidden)
		if err != nil {
			return nil, err
		}
		cfg.Hidden = h
	case "softmax", "linear":
	default:
		return nil, fmt.Errorf("--model %s reads images; a table (--target) trains --model %s", o.Model, strings.Join(models.TableNames, ", "))
	}
	t, err := table.ReadFile(ctx, o.dataDir)
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	if o.Limit > 0 && o.Limit < len(t.Rows) {
		t.Rows, t.Lines = t.Rows[:o.Limit], t.Lines[:o.Limit]
	}
	if !o.valGiven {
		// A tenth of the rows left after the test rows, not MNIST's 5,000.
		n := len(t.Rows)
		o.Val = (n - max(1, n/5)) / 10
	}
	fit, val, test, err := table.Split(len(t.Rows), o.Val, rng)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", o.dataDir, err)
	}
	enc, err := table.Encode(t, fit, table.Spec{Target: o.Target, Regression: regress, Categorical: splitList(o.Categorical)})
	if err != nil {
		return nil, err
	}
	prep := enc.Preprocess()
	m, err := models.NewTable(rng, cfg, *prep.Inputs[0].Table, prep.Classes)
	if err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	var loss train.Loss = train.CrossEntropy{}
	if regress {
		loss = train.MSE{}
	}
	return &runData{Model: m, Fit: enc.Rows(fit), Val: enc.Rows(val), Test: enc.Rows(test), Loss: loss, Unit: "rows"}, nil
}

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
