package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/mat"

	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/serve"
)

// writeRegressionCSV writes n rows of y = 1.5 + 2·x1 - 3·x2 + 0.5·x3 +
// noise (σ = 0.001) with independent features of different scales and
// means, and returns the design matrix [1 x1 x2 x3].
func writeRegressionCSV(t *testing.T, path string, n int) *mat.Dense {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	b.WriteString("x1,x2,x3,y\n")
	x := mat.NewDense(n, 4, nil)
	for i := range n {
		x1, x2, x3 := rng.NormFloat64(), 1+2*rng.NormFloat64(), -1+0.5*rng.NormFloat64()
		y := 1.5 + 2*x1 - 3*x2 + 0.5*x3 + 0.001*rng.NormFloat64()
		fmt.Fprintf(&b, "%.9g,%.9g,%.9g,%.9g\n", x1, x2, x3, y)
		x.SetRow(i, []float64{1, x1, x2, x3})
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestTrainTableRegressionMatchesOLS trains a single linear layer on a
// well-conditioned CSV (--task regression, full-batch gradient descent)
// and checks that its weights, with the standardisation undone, are the
// coefficients `baeum regress linear` finds on the same file to 1e-3
// relative.
func TestTrainTableRegressionMatchesOLS(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "linear.csv")
	x := writeRegressionCSV(t, csv, 500)
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	if c := svd.Cond(); c > 100 {
		t.Fatalf("the design's condition number is %.1f, want at most 100", c)
	}

	js, err := run(t, "regress", "linear", "--csv", csv, "--y", "y", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	var rep struct {
		Coefficients []struct {
			Name     string  `json:"name"`
			Estimate float64 `json:"estimate"`
		} `json:"coefficients"`
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	ols := map[string]float64{}
	for _, c := range rep.Coefficients {
		ols[c.Name] = c.Estimate
	}

	// 400 training rows (100 test rows, no validation) in one batch:
	// plain gradient descent on a quadratic with standardised features
	// converges geometrically.
	ckpt := filepath.Join(dir, "linear.safetensors")
	out, err := run(t, "train", "--data", csv, "--target", "y", "--task", "regression", "--model", "linear",
		"--val", "0", "--batch", "400", "--epochs", "300", "--optimizer", "sgd", "--lr", "0.3", "--schedule", "none", "--out", ckpt)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m, _, err := models.Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsRegressor() {
		t.Fatalf("the model is not a regressor: %+v", m.Prep)
	}
	var w []float32
	var bias float64
	for _, p := range m.Params() {
		switch p.Name {
		case "output.weight":
			w = p.Value.Data().F32()
		case "output.bias":
			bias = float64(p.Value.Data().F32()[0])
		}
	}
	got := map[string]float64{"const": bias}
	for j, c := range m.Table().Columns {
		std := c.Std
		if std == 0 {
			std = 1
		}
		got[c.Name] = float64(w[j]) / std
		got["const"] -= float64(w[j]) * c.Mean / std
	}
	for _, name := range []string{"const", "x1", "x2", "x3"} {
		rel := math.Abs(got[name]-ols[name]) / math.Abs(ols[name])
		t.Logf("%s: trained %.7g, OLS %.7g, relative difference %.2g", name, got[name], ols[name], rel)
		if !(rel <= 1e-3) {
			t.Errorf("%s: trained %.7g, OLS %.7g: relative difference %.2g, want at most 1e-3", name, got[name], ols[name], rel)
		}
	}
}

// writeFruitCSV writes n fruit: apples heavy and red or green, bananas
// light and yellow, with a little overlap in weight.
func writeFruitCSV(t *testing.T, path string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("weight,colour,kind\n")
	for range n {
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "%.1f,%s,apple\n", 160+15*rng.NormFloat64(), []string{"red", "green"}[rng.IntN(2)])
		} else {
			fmt.Fprintf(&b, "%.1f,yellow,banana\n", 120+15*rng.NormFloat64())
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTrainTableClassification trains an MLP on a CSV with a categorical
// column, then predicts a CSV (predict --csv) and serves rows
// ({"rows": ...} to /v1/predict), with class names.
func TestTrainTableClassification(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "fruit.csv")
	writeFruitCSV(t, csv, 300)
	ckpt := filepath.Join(dir, "fruit.safetensors")
	out, err := run(t, "train", "--data", csv, "--target", "kind", "--categorical", "colour", "--model", "mlp", "--hidden", "8",
		"--epochs", "20", "--batch", "16", "--lr", "0.01", "--out", ckpt)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p, err := infer.Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Model.Prep.Classes, ","); got != "apple,banana" {
		t.Fatalf("classes %s", got)
	}

	// predict --csv: the columns by name, in any order, the target ignored.
	rows := filepath.Join(dir, "new.csv")
	if err := os.WriteFile(rows, []byte("colour,weight\nred,175\nyellow,110\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	cmd := &cobra.Command{}
	cmd.SetOut(&buf)
	cmd.SetContext(context.Background())
	if err := predictCSV(cmd, p, rows, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "row 1: apple (") || !strings.HasPrefix(lines[1], "row 2: banana (") {
		t.Errorf("predict --csv printed\n%s", buf.String())
	}
	buf.Reset()
	if err := predictCSV(cmd, p, rows, true); err != nil {
		t.Fatal(err)
	}
	var res []struct {
		Row           int       `json:"row"`
		Label         string    `json:"label"`
		Probabilities []float64 `json:"probabilities"`
	}
	if err := json.Unmarshal(buf.Bytes(), &res); err != nil || len(res) != 2 || res[1].Label != "banana" || len(res[1].Probabilities) != 2 {
		t.Errorf("predict --csv --json: %v\n%s", err, buf.String())
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("colour,weight\nred,175\nblue,110\n"), 0o644)
	if err := predictCSV(cmd, p, bad, false); err == nil || !strings.Contains(err.Error(), `bad.csv: row 2 (line 3), column "colour": value "blue"`) {
		t.Errorf("an unseen category: %v", err)
	}

	// serve: {"rows": [...]} answered with class names.
	ts := httptest.NewServer(serve.New(p, serve.Options{}))
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/v1/predict", "application/json", strings.NewReader(`{"rows": [[175, "red"], [110, "yellow"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Predictions []struct {
			Label string `json:"label"`
		} `json:"predictions"`
		Classes []string `json:"classes"`
	}
	b := new(bytes.Buffer)
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b.Bytes(), &raw); resp.StatusCode != 200 || err != nil || len(raw.Predictions) != 2 || raw.Predictions[0].Label != "apple" || raw.Predictions[1].Label != "banana" {
		t.Errorf("serve rows: %d %s", resp.StatusCode, b)
	}
}

// TestTrainTableErrors checks that bad tables are refused with errors
// naming the file, the row and the column.
func TestTrainTableErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	many := func(header, row string, n int) string { return header + "\n" + strings.Repeat(row+"\n", n) }
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"no target column", []string{"--data", write("a.csv", many("x,y", "1,2", 20)), "--target", "label"}, []string{"a.csv", `no target column named "label"`, `"x", "y"`}},
		{"missing cell", []string{"--data", write("b.csv", many("x,y", "1,a", 20)+",b\n"+many("", "2,b", 5)), "--target", "y"}, []string{"b.csv", "row 21", `column "x"`, "missing"}},
		{"one class", []string{"--data", write("c.csv", many("x,y", "1,a", 20)), "--target", "y"}, []string{"c.csv", `"y"`, "one value only"}},
		{"categorical unknown", []string{"--data", write("d.csv", many("g,y", "p,a", 10)+many("", "q,b", 10)), "--target", "y", "--categorical", "h"}, []string{"d.csv", `--categorical names no column "h"`}},
		{"lenet5 on a table", []string{"--data", write("e.csv", many("x,y", "1,2", 20)), "--target", "y", "--model", "lenet5"}, []string{"--model lenet5 reads images"}},
		{"regression text", []string{"--data", write("f.csv", many("x,y", "1,2", 20)+"1,two\n"), "--target", "y", "--task", "regression", "--model", "linear"}, []string{"f.csv", "row 21", `column "y"`, "not a number"}},
		{"no file", []string{"--data", filepath.Join(dir, "none.csv"), "--target", "y"}, []string{"none.csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"train", "--epochs", "1", "--model", "mlp", "--out", filepath.Join(dir, "m.safetensors")}, c.args...)
			out, err := run(t, args...)
			if err == nil {
				t.Fatalf("no error\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
