package serve

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/baeum-ml/baeum/infer"
)

// MaxRequestRows bounds the rows of one {"rows": [...]} request.
const MaxRequestRows = 10_000

// RowsResponse is the answer of /v1/predict for a table model: one entry
// per row, {"class", "label", "probabilities"} for a classifier and
// {"value"} for a regressor.
type RowsResponse struct {
	Predictions []infer.RowPrediction `json:"predictions"`
	// Classes names the classifier's classes, in the order of the
	// probabilities; absent for a regressor.
	Classes []string `json:"classes,omitempty"`
}

// rows answers /v1/predict for a table model, whose body (already read,
// within the body budget) is {"rows": [[field, ...], ...]}: each row's
// fields in the order of the model's columns, numbers or strings.
// handlePredict calls it, on a worker, when the model reads table rows.
func (s *Server) rows(r *http.Request, body []byte) (RowsResponse, error) {
	if mt := r.Header.Get("Content-Type"); mt != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(mt)), "application/json") {
		return RowsResponse{}, errorf(http.StatusUnsupportedMediaType, `this model reads table rows: send {"rows": [[%s], ...]} as application/json`, strings.Join(s.columns(), ", "))
	}
	rows, err := parseRows(body, s.columns())
	if err != nil {
		return RowsResponse{}, err
	}
	preds, err := s.p.PredictRows(rows)
	if err != nil && !errors.Is(err, infer.ErrNonFinite) {
		// A bad cell or an unknown category, named by row and column.
		return RowsResponse{}, errorf(http.StatusBadRequest, "%v", err)
	}
	if err != nil {
		return RowsResponse{}, err
	}
	return RowsResponse{Predictions: preds, Classes: s.p.Model.Prep.Classes}, nil
}

// columns returns the names of the model's columns.
func (s *Server) columns() []string {
	t := s.p.Table()
	if t == nil {
		return nil
	}
	c := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		c[i] = col.Name
	}
	return c
}

// parseRows reads {"rows": [[field, ...], ...]} strictly, like
// parsePixels: the one key "rows", spelt exactly and given once; each
// row an array of len(columns) fields, each a JSON number (kept as
// written, for the model's strict decimal parser) or a string. Errors
// name the row and the field's column.
func parseRows(body []byte, columns []string) ([][]string, error) {
	want := `{"rows": [[` + strings.Join(columns, ", ") + `], ...]}`
	var rows [][]string
	seen := false
	err := decodeOneKey(body, "rows", want, func(dec *json.Decoder) (err error) {
		seen = true
		rows, err = readRows(dec, columns)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !seen {
		return nil, errorf(http.StatusBadRequest, `missing "rows": want %s`, want)
	}
	if len(rows) == 0 {
		return nil, errorf(http.StatusBadRequest, `"rows" is empty: give at least one row, %s`, want)
	}
	return rows, nil
}

// readRows reads the array of rows token by token, so that no more than
// MaxRequestRows rows, each of len(columns) fields, are ever held.
func readRows(dec *json.Decoder, columns []string) ([][]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	if tok != json.Delim('[') {
		return nil, errorf(http.StatusBadRequest, "rows is a JSON %s, want an array of rows", tokenKind(tok))
	}
	var rows [][]string
	for dec.More() {
		if len(rows) == MaxRequestRows {
			return nil, errorf(http.StatusBadRequest, "more than %d rows in one request", MaxRequestRows)
		}
		i := len(rows) + 1
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		if tok != json.Delim('[') {
			return nil, errorf(http.StatusBadRequest, "row %d is a JSON %s, want an array of %d fields (%s)", i, tokenKind(tok), len(columns), strings.Join(columns, ", "))
		}
		row := make([]string, 0, len(columns))
		for dec.More() {
			if len(row) == len(columns) {
				return nil, errorf(http.StatusBadRequest, "row %d has more than %d fields (%s)", i, len(columns), strings.Join(columns, ", "))
			}
			col := columns[len(row)]
			tok, err := dec.Token()
			if err != nil {
				return nil, jsonError(err)
			}
			switch v := tok.(type) {
			case json.Number:
				row = append(row, string(v))
			case string:
				row = append(row, v)
			case nil:
				return nil, errorf(http.StatusBadRequest, "row %d, column %q is null: give a number or a string (JSON has no NaN)", i, col)
			default:
				return nil, errorf(http.StatusBadRequest, "row %d, column %q is a JSON %s, want a number or a string", i, col, tokenKind(tok))
			}
		}
		if _, err := dec.Token(); err != nil { // the row's ]
			return nil, jsonError(err)
		}
		if len(row) != len(columns) {
			return nil, errorf(http.StatusBadRequest, "row %d has %d fields, want %d (%s)", i, len(row), len(columns), strings.Join(columns, ", "))
		}
		rows = append(rows, row)
	}
	if _, err := dec.Token(); err != nil { // the rows' ]
		return nil, jsonError(err)
	}
	return rows, nil
}
