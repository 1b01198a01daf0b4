package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/data/table"
	"github.com/baeum-ml/baeum/infer"
)

// predictCSV is `baeum predict --model CKPT --csv FILE`: it predicts every
// row of a CSV table (with a header naming the columns the model reads;
// other columns, such as the target, are ignored) and prints one line
// per row, "row N: CLASS (P%)" for a classifier and "row N: VALUE" for a
// regressor, or with asJSON one JSON array of {"row", "class", "label",
// "probabilities"} or {"row", "value"}. A missing column, a bad cell or
// an unknown category is an error naming the file, the row and the
// column. With path "" it returns the error for a table model given no
// --csv (images, or nothing).
func predictCSV(cmd *cobra.Command, p *infer.Predictor, path string, asJSON bool) error {
	prep := p.Table()
	if prep == nil {
		return fmt.Errorf("--csv %s: the model reads images, not table rows: give image files instead", path)
	}
	if path == "" {
		cols := make([]string, len(prep.Columns))
		for i, c := range prep.Columns {
			cols[i] = c.Name
		}
		return fmt.Errorf("the model reads table rows, not images: give --csv FILE, a CSV table whose header names its columns (%s)", strings.Join(cols, ", "))
	}
	t, err := table.ReadFile(cmd.Context(), path)
	if err != nil {
		return fmt.Errorf("--csv: %w", err)
	}
	preds, err := p.PredictTable(t)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if !asJSON {
		for i, r := range preds {
			fmt.Fprintf(out, "row %d: %s\n", i+1, r)
		}
		return nil
	}
	type result struct {
		Row           int       `json:"row"`
		Class         *int      `json:"class,omitempty"`
		Label         string    `json:"label,omitempty"`
		Probabilities []float64 `json:"probabilities,omitempty"`
		Value         *float64  `json:"value,omitempty"`
	}
	results := make([]result, len(preds))
	for i, r := range preds {
		results[i] = result{Row: i + 1}
		if r.Regression {
			results[i].Value = &r.Value
		} else {
			results[i].Class, results[i].Label, results[i].Probabilities = &r.Class, r.Label, r.Probabilities
		}
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}
