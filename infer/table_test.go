package infer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/table"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// tableModel returns a one-layer model over (weight standardised by 140
// and 20, colour one-hot over green, red): a classifier whose logits are
// (0, weight·w) or, with no classes, a regressor whose value is
// 10 + 2·weight.
func tableModel(t *testing.T, classes []string) *Predictor {
	t.Helper()
	prep := data.TablePrep{Columns: []data.ColumnPrep{{Name: "weight", Mean: 140, Std: 20}, {Name: "colour", Categories: []string{"green", "red"}}}}
	cfg := models.Config{Name: "linear"}
	m, err := models.NewTable(tensor.NewRNG(1), cfg, prep, classes)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		p.Value.Data().Fill(0)
		if p.Name == "output.weight" {
			w := p.Value.Data().F32()
			w[len(w)-3] = 2 // the last output's weight on "weight"
		}
		if p.Name == "output.bias" && classes == nil {
			p.Value.Data().Fill(10)
		}
	}
	return New(m)
}

func TestPredictRows(t *testing.T) {
	p := tableModel(t, []string{"light", "heavy"})
	preds, err := p.PredictRows([][]string{{"180", "red"}, {"100", " green "}})
	if err != nil {
		t.Fatal(err)
	}
	if preds[0].Label != "heavy" || preds[1].Label != "light" || preds[0].Class != 1 {
		t.Errorf("predictions %+v", preds)
	}
	js, _ := json.Marshal(preds[0])
	if !strings.Contains(string(js), `"label":"heavy"`) || !strings.Contains(string(js), `"probabilities"`) {
		t.Errorf("JSON %s", js)
	}
	r := tableModel(t, nil)
	preds, err = r.PredictRows([][]string{{"160", "red"}})
	if err != nil {
		t.Fatal(err)
	}
	if !preds[0].Regression || preds[0].Value != 12 {
		t.Errorf("regression %+v, want 10 + 2·(160-140)/20 = 12", preds[0])
	}
	if js, _ := json.Marshal(preds[0]); string(js) != `{"value":12}` {
		t.Errorf("JSON %s", js)
	}
}

func TestPredictRowsErrors(t *testing.T) {
	p := tableModel(t, []string{"light", "heavy"})
	cases := []struct {
		name string
		rows [][]string
		want []string
	}{
		{"unknown category", [][]string{{"150", "red"}, {"150", "blue"}}, []string{"row 2", `column "colour"`, `"blue"`}},
		{"missing number", [][]string{{"", "red"}}, []string{"row 1", `column "weight"`, "missing"}},
		{"hex number", [][]string{{"0x1p3", "red"}}, []string{"row 1", `column "weight"`, "not a number"}},
		{"short row", [][]string{{"150"}}, []string{"row 1", "1 fields, want 2"}},
		{"no rows", nil, []string{"no rows"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := p.PredictRows(c.rows)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	tab, err := table.Read(strings.NewReader("colour,id\nred,1\n"), "new.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PredictTable(tab); err == nil || !strings.Contains(err.Error(), `new.csv: no column named "weight"`) {
		t.Errorf("a table without a column: %v", err)
	}
	img, err := models.ForMNIST(tensor.NewRNG(1), models.Config{Name: "softmax"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(img).PredictRows([][]string{{"1"}}); !errors.Is(err, ErrNotTable) {
		t.Errorf("rows to an image model: %v", err)
	}
}
