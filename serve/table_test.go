package serve

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

var fruitColumns = []string{"weight", "colour"}

func TestParseRows(t *testing.T) {
	cases := []struct {
		name, body string
		want       string // an error's part, or "" for success
	}{
		{"numbers and strings", `{"rows": [[150, "red"], ["1.5e2", "green"]]}`, ""},
		{"wrong case", `{"Rows": [[150, "red"]]}`, "case-sensitive"},
		{"duplicate", `{"rows": [[150, "red"]], "rows": [[1, "red"]]}`, `duplicate key "rows"`},
		{"unknown key", `{"rows": [[150, "red"]], "pixels": []}`, `unknown key "pixels"`},
		{"missing", `{}`, `missing "rows"`},
		{"empty", `{"rows": []}`, "empty"},
		{"short row", `{"rows": [[150, "red"], [150]]}`, "row 2 has 1 fields, want 2"},
		{"long row", `{"rows": [[150, "red", 3]]}`, "row 1 has more than 2 fields"},
		{"null", `{"rows": [[null, "red"]]}`, `row 1, column "weight" is null`},
		{"bool", `{"rows": [[150, true]]}`, `row 1, column "colour" is a JSON boolean`},
		{"nested", `{"rows": [[[150], "red"]]}`, `row 1, column "weight" is a JSON array`},
		{"row object", `{"rows": [{"weight": 150}]}`, "row 1 is a JSON object"},
		{"rows not array", `{"rows": 3}`, "rows is a JSON number"},
		{"not object", `[[150, "red"]]`, "want an object"},
		{"trailing", `{"rows": [[150, "red"]]} x`, "invalid"},
		{"truncated", `{"rows": [[150, "red"]`, "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := parseRows([]byte(c.body), fruitColumns)
			if c.want == "" {
				if err != nil || len(rows) != 2 || rows[0][0] != "150" || rows[1][0] != "1.5e2" {
					t.Fatalf("rows %q, %v", rows, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	many := `{"rows": [` + strings.Repeat(`[1, "red"],`, MaxRequestRows) + `[1, "red"]]}`
	if _, err := parseRows([]byte(many), fruitColumns); err == nil || !strings.Contains(err.Error(), "more than 10000 rows") {
		t.Errorf("too many rows: %v", err)
	}
}

// rowsServer serves a table classifier of fruit; tests post to its
// /v1/predict.
func rowsServer(t *testing.T) *httptest.Server {
	t.Helper()
	prep := data.TablePrep{Columns: []data.ColumnPrep{{Name: "weight", Mean: 140, Std: 20}, {Name: "colour", Categories: []string{"green", "red"}}}}
	m, err := models.NewTable(tensor.NewRNG(1), models.Config{Name: "softmax"}, prep, []string{"apple", "banana"})
	if err != nil {
		t.Fatal(err)
	}
	s := New(infer.New(m), Options{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func TestHandleRows(t *testing.T) {
	ts := rowsServer(t)
	cases := []struct {
		name, ctype, body string
		status            int
		want              string
	}{
		{"classes by name", "application/json", `{"rows": [[150, "red"], [120, "green"]]}`, 200, `"classes":["apple","banana"]`},
		{"unknown category", "application/json", `{"rows": [[150, "blue"]]}`, 400, `row 1, column \"colour\": value \"blue\"`},
		{"strict number", "application/json", `{"rows": [["1_000", "red"]]}`, 400, `column \"weight\"`},
		{"image", "image/png", `{"rows": [[150, "red"]]}`, 415, "table rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.Post(ts.URL+"/v1/predict", c.ctype, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) {
				t.Fatalf("%d %s, want %d with %s", resp.StatusCode, b, c.status, c.want)
			}
			if c.status == 200 {
				var r struct {
					Predictions []struct {
						Class         int       `json:"class"`
						Label         string    `json:"label"`
						Probabilities []float64 `json:"probabilities"`
					} `json:"predictions"`
				}
				if err := json.Unmarshal(b, &r); err != nil || len(r.Predictions) != 2 || len(r.Predictions[0].Probabilities) != 2 || r.Predictions[0].Label == "" {
					t.Errorf("answer %s: %v", b, err)
				}
			}
		})
	}
}

// FuzzRowsBody checks that parseRows never panics and that rows it
// accepts have one field per column.
func FuzzRowsBody(f *testing.F) {
	for _, s := range []string{`{"rows": [[150, "red"]]}`, `{"Rows": []}`, `{"rows": [[150, "red"]], "rows": []}`, `{"rows": [[null]]}`, `[`, `{"rows": [[1e999, "x"]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := parseRows(b, fruitColumns)
		if err != nil {
			return
		}
		for _, r := range rows {
			if len(r) != len(fruitColumns) {
				t.Fatalf("row of %d fields", len(r))
			}
		}
	})
}
