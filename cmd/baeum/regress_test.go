package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runRegress runs "regress args..." and returns stdout, stderr and the
// error.
func runRegress(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := newRegressCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

const testdata = "../../regression/testdata/"

func TestRegressLinearJSON(t *testing.T) {
	out, _, err := runRegress(t, "linear", "--csv", testdata+"longley.csv", "--y", "TOTEMP", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"n", "coefficients", "r_squared", "adj_r_squared", "residual_std_error",
		"f_statistic", "f_p_value", "log_likelihood", "aic", "bic"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if r["n"].(float64) != 16 {
		t.Errorf("n = %v", r["n"])
	}
	cs := r["coefficients"].([]any)
	if len(cs) != 7 {
		t.Fatalf("%d coefficients, want 7", len(cs))
	}
	c0 := cs[0].(map[string]any)
	for _, k := range []string{"name", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"} {
		if _, ok := c0[k]; !ok {
			t.Errorf("coefficient lacks %q", k)
		}
	}
	if c0["name"] != "const" {
		t.Errorf("first coefficient %v, want const", c0["name"])
	}
	// NIST's certified intercept for Longley.
	if got := c0["estimate"].(float64); math.Abs(got/-3482258.63459582-1) > 1e-12 {
		t.Errorf("intercept %v", got)
	}
	if got := r["r_squared"].(float64); math.Abs(got-0.995479004577296) > 1e-12 {
		t.Errorf("R² %v", got)
	}
}

func TestRegressLinearSummaryAndPredict(t *testing.T) {
	out, _, err := runRegress(t, "linear", "--csv", testdata+"longley.csv", "--y", "TOTEMP",
		"--x", "GNP,POP", "--no-intercept", "--predict", testdata+"longley_ols_new.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Coefficients:", "Std. Error", "R-squared (uncentred)", "F-statistic", "AIC", "Durbin-Watson", "Predictions for", "GNP", "POP"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "const") {
		t.Errorf("--no-intercept summary mentions const:\n%s", out)
	}
}

func TestRegressLogisticJSON(t *testing.T) {
	out, _, err := runRegress(t, "logistic", "--csv", testdata+"fair.csv", "--y", "affair",
		"--x", "rate_marriage,age,yrs_married,children,religious,educ,occupation,occupation_husb",
		"--categorical", "occupation,occupation_husb", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "coefficients", "log_likelihood", "aic", "bic", "deviance", "null_deviance",
		"pseudo_r_squared", "converged", "iterations"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if r["converged"] != true {
		t.Errorf("converged = %v", r["converged"])
	}
	names := map[string]map[string]any{}
	for _, c := range r["coefficients"].([]any) {
		m := c.(map[string]any)
		names[m["name"].(string)] = m
		if _, ok := m["odds_ratio"]; !ok {
			t.Errorf("coefficient %v lacks odds_ratio", m["name"])
		}
	}
	// statsmodels: 0.7026792445810899 for C(occupation)[T.3.0].
	if got := names["occupation[T.3]"]["estimate"].(float64); math.Abs(got/0.7026792445810899-1) > 1e-8 {
		t.Errorf("occupation[T.3] = %v", got)
	}
}

func TestRegressMultinomial(t *testing.T) {
	out, _, err := runRegress(t, "multinomial", "--csv", testdata+"anes96.csv", "--y", "PID",
		"--x", "logpopul,selfLR,age,educ,income", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if got := len(r["coefficients"].([]any)); got != 36 {
		t.Errorf("%d coefficients, want 36", got)
	}
	if got := r["log_likelihood"].(float64); math.Abs(got/-1461.9227472481-1) > 1e-9 {
		t.Errorf("log-likelihood %v", got)
	}
}

func TestRegressErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sep := write("sep.csv", "y,dose,age\n0,1,30\n0,2,40\n0,3,35\n1,4,50\n1,5,20\n1,6,45\n")
	bad := write("bad.csv", "y,x\n1,2\n2,abc\n3,4\n")
	coll := write("coll.csv", "y,a,b\n1,1,2\n2,2,4\n3,3,6\n5,4,8\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"separation", []string{"logistic", "--csv", sep, "--y", "y"}, []string{"separation", `"dose"`}},
		{"non-numeric cell", []string{"linear", "--csv", bad, "--y", "y"}, []string{"row 2 (line 3)", `column "x"`, `"abc"`}},
		{"collinear", []string{"linear", "--csv", coll, "--y", "y"}, []string{"rank deficient", `"b"`, `"a"`}},
		{"missing file", []string{"linear", "--csv", filepath.Join(dir, "nope.csv"), "--y", "y"}, []string{"nope.csv"}},
		{"unknown column", []string{"linear", "--csv", bad, "--y", "z"}, []string{`no column named "z"`}},
		{"no --y", []string{"linear", "--csv", bad}, []string{`"y" not set`}},
		{"not 0/1", []string{"logistic", "--csv", coll, "--y", "y", "--x", "a"}, []string{"0/1 response"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runRegress(t, tc.args...)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
