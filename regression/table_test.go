package regression

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		names []string
		rows  int
		lines []int
		err   string
	}{
		{name: "plain", in: "a,b\n1,2\n3,4\n", names: []string{"a", "b"}, rows: 2, lines: []int{2, 3}},
		{name: "spaces, quotes, CRLF", in: " a , \"b c\"\r\n 1, \"2\"\r\n", names: []string{"a", "b c"}, rows: 1, lines: []int{2}},
		{name: "byte-order mark", in: "\ufeffa,b\n1,2\n", names: []string{"a", "b"}, rows: 1},
		{name: "blank lines skipped", in: "a\n1\n\n2\n", names: []string{"a"}, rows: 2, lines: []int{2, 4}},
		{name: "quoted newline", in: "a,b\n\"x\ny\",2\n3,4\n", names: []string{"a", "b"}, rows: 2, lines: []int{2, 4}},
		{name: "empty", in: "", err: "empty input"},
		{name: "header only", in: "a,b\n", err: "no data rows"},
		{name: "empty name", in: "a,,c\n1,2,3\n", err: "column 2 has an empty name"},
		{name: "duplicate name", in: "a,b,a\n1,2,3\n", err: `column name "a" is used twice (columns 1 and 3)`},
		{name: "short row", in: "a,b\n1,2\n3\n", err: "row 2 (line 3) has 1 cells, but the header has 2 columns"},
		{name: "long row", in: "a,b\n1,2,3\n", err: "row 1 (line 2) has 3 cells"},
		{name: "bad quote", in: "a,b\n1,\"2\n", err: "line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := ReadCSV(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(tab.Names, "|") != strings.Join(tc.names, "|") {
				t.Errorf("names %q, want %q", tab.Names, tc.names)
			}
			if len(tab.Rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(tab.Rows), tc.rows)
			}
			for i, l := range tc.lines {
				if tab.Lines[i] != l {
					t.Errorf("row %d on line %d, want %d", i+1, tab.Lines[i], l)
				}
			}
		})
	}
}

func TestReadCSVFileErrors(t *testing.T) {
	if _, err := ReadCSVFile(filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Fatal("no error for a missing file")
	}
	p := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(p, []byte("y,x\n1,2\n3,oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadCSVFile(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tab.Design(Spec{Response: "y"})
	want := p + `: row 2 (line 3), column "x": value "oops" is not a number`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestDesignErrors(t *testing.T) {
	const data = "y,x,g,note\n1,2,a,ok\n2,3,b,fine\n3,4,a,\n4,5,c,x\n"
	tests := []struct {
		name string
		in   string
		spec Spec
		err  string
		cell *CellError
	}{
		{name: "non-numeric predictor", in: data, spec: Spec{Response: "y", Predictors: []string{"x", "note"}},
			cell: &CellError{Row: 1, Line: 2, Column: "note", Value: "ok", Reason: "is not a number"}},
		{name: "missing cell", in: "y,x\n1,2\n2,\n", spec: Spec{Response: "y"},
			cell: &CellError{Row: 2, Line: 3, Column: "x", Value: "", Reason: "is missing"}},
		{name: "NA cell", in: "y,x\n1,2\n2,NA\n", spec: Spec{Response: "y"},
			cell: &CellError{Row: 2, Line: 3, Column: "x", Value: "NA", Reason: "is missing"}},
		{name: "infinite", in: "y,x\n1,2\n2,Inf\n", spec: Spec{Response: "y"},
			cell: &CellError{Row: 2, Line: 3, Column: "x", Value: "Inf", Reason: "is not a finite number"}},
		{name: "overflow", in: "y,x\n1,2\n2,1e999\n", spec: Spec{Response: "y"},
			cell: &CellError{Row: 2, Line: 3, Column: "x", Value: "1e999", Reason: "is out of the range of float64"}},
		{name: "non-numeric response", in: "y,x\n1,2\nfoo,3\n", spec: Spec{Response: "y"},
			cell: &CellError{Row: 2, Line: 3, Column: "y", Value: "foo", Reason: "is not a number"}},
		{name: "categorical missing", in: "y,g\n1,a\n2, \n", spec: Spec{Response: "y", Categorical: []string{"g"}},
			cell: &CellError{Row: 2, Line: 3, Column: "g", Value: "", Reason: "is missing"}},
		{name: "no response", in: data, spec: Spec{}, err: "no response column"},
		{name: "unknown response", in: data, spec: Spec{Response: "z"}, err: `no column named "z" (columns are "y", "x", "g", "note")`},
		{name: "unknown predictor", in: data, spec: Spec{Response: "y", Predictors: []string{"q"}}, err: `no column named "q"`},
		{name: "response as predictor", in: data, spec: Spec{Response: "y", Predictors: []string{"x", "y"}}, err: `"y" is the response`},
		{name: "predictor twice", in: data, spec: Spec{Response: "y", Predictors: []string{"x", "x"}}, err: `"x" is listed twice`},
		{name: "categorical not a predictor", in: data, spec: Spec{Response: "y", Predictors: []string{"x"}, Categorical: []string{"g"}}, err: `categorical column "g" is not among the predictors`},
		{name: "single level", in: "y,g\n1,a\n2,a\n", spec: Spec{Response: "y", Categorical: []string{"g"}}, err: `"g" has only one level`},
		{name: "nothing to fit", in: "y,x\n1,2\n", spec: Spec{Response: "y", Predictors: []string{}, NoIntercept: true}, err: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := tableFrom(t, tc.in)
			_, err := tab.Design(tc.spec)
			if tc.cell != nil {
				var ce *CellError
				if !errors.As(err, &ce) {
					t.Fatalf("error %v, want a *CellError", err)
				}
				if *ce != *tc.cell {
					t.Fatalf("cell error %+v, want %+v", *ce, *tc.cell)
				}
				for _, part := range []string{"row", tc.cell.Column, tc.cell.Value} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("message %q does not mention %q", err, part)
					}
				}
				return
			}
			if tc.err == "" {
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestDesignCoding(t *testing.T) {
	const data = "y,x,size,colour\n1,0.5,10,red\n2,1.5,9,blue\n3,2.5,10,green\n4,3.5,2,red\n5,4.5,9,blue\n"
	tests := []struct {
		name  string
		spec  Spec
		names []string
		row3  []float64 // the design row of observation 3 (size 10, green)
	}{
		{"numbers only", Spec{Response: "y", Predictors: []string{"x", "size"}},
			[]string{"const", "x", "size"}, []float64{1, 2.5, 10}},
		{"numeric levels sort as numbers", Spec{Response: "y", Predictors: []string{"size"}, Categorical: []string{"size"}},
			[]string{"const", "size[T.9]", "size[T.10]"}, []float64{1, 0, 1}},
		{"text levels sort as text", Spec{Response: "y", Predictors: []string{"x", "colour"}, Categorical: []string{"colour"}},
			[]string{"const", "x", "colour[T.green]", "colour[T.red]"}, []float64{1, 2.5, 1, 0}},
		{"no intercept: first categorical fully coded", Spec{Response: "y", Predictors: []string{"colour", "size"}, Categorical: []string{"colour", "size"}, NoIntercept: true},
			[]string{"colour[blue]", "colour[green]", "colour[red]", "size[T.9]", "size[T.10]"}, []float64{0, 1, 0, 0, 1}},
		{"all other columns by default", Spec{Response: "y", Categorical: []string{"colour"}},
			[]string{"const", "x", "size", "colour[T.green]", "colour[T.red]"}, []float64{1, 2.5, 10, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tableFrom(t, data).Design(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(d.Names, "|") != strings.Join(tc.names, "|") {
				t.Fatalf("names %q, want %q", d.Names, tc.names)
			}
			for j, v := range tc.row3 {
				if got := d.X.At(2, j); got != v {
					t.Errorf("X[2][%d] = %v, want %v", j, got, v)
				}
			}
			// Encoding the same table reproduces the design.
			x, err := d.Encode(tableFrom(t, data))
			if err != nil {
				t.Fatal(err)
			}
			r, c := x.Dims()
			for i := 0; i < r; i++ {
				for j := 0; j < c; j++ {
					if x.At(i, j) != d.X.At(i, j) {
						t.Fatalf("Encode differs at %d,%d", i, j)
					}
				}
			}
		})
	}
}

func TestEmptyTable(t *testing.T) {
	empty := &Table{Names: []string{"y", "x"}}
	if _, err := empty.Design(Spec{Response: "y"}); err == nil {
		t.Error("Design of an empty table: no error")
	}
	d, err := tableFrom(t, "y,x\n1,2\n2,3\n4,4\n").Design(Spec{Response: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Encode(empty); err == nil {
		t.Error("Encode of an empty table: no error")
	}
}

func TestEncodeErrors(t *testing.T) {
	d, err := tableFrom(t, "y,x,g\n1,1,a\n2,2,b\n3,4,a\n").Design(Spec{Response: "y", Categorical: []string{"g"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, err string }{
		{"x,g\n1,c\n", `column "g": value "c" is a level not seen when the model was fitted (levels are "a", "b")`},
		{"x\n1\n", `no column named "g"`},
		{"x,g\nz,a\n", `column "x": value "z" is not a number`},
	} {
		if _, err := d.Encode(tableFrom(t, tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Encode(%q) error %v, want %q", tc.in, err, tc.err)
		}
	}
}

// FuzzReadCSV feeds arbitrary bytes through the CSV reader, the design
// builder and the fits. None may panic; errors are fine.
func FuzzReadCSV(f *testing.F) {
	for _, name := range []string{"spector.csv", "longley.csv", "longley_ols_new.csv", filepath.Join("nist", "NoInt2.csv"), filepath.Join("nist", "Norris.csv")} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "\n", ",", "a\n", "a,b\n1,2\n", "y,x\n1,1\n1,1\n", "y,x\n0,1\n1,2\n0,3\n1,4\n",
		"y,g\n1,a\n0,b\n1,c\n0,a\n", "\"a\nb\",c\n1,2\n", "y,x\n1,NaN\n", "y,x\n1e308,1e308\n2,-1e308\n3,0\n",
		"\ufeffy,x\n1,2\n3,4\n5,7\n", "y,x\n1,\"2\"\"\"\n", "y,x,x\n1,2,3\n",
		// Numbers Go's ParseFloat reads but a CSV file does not hold.
		"y,x\n1,1_000\n2,3\n3,5\n", "y,x\n1,0x1p-2\n2,3\n3,5\n", "y,x\n1,Infinity\n2,3\n3,5\n", "y,x\n1,+5\n2,.5\n3,5.\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tab, err := ReadCSV(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		if len(tab.Names) == 0 || len(tab.Rows) == 0 || len(tab.Rows) != len(tab.Lines) {
			t.Fatalf("inconsistent table: %d names, %d rows, %d lines", len(tab.Names), len(tab.Rows), len(tab.Lines))
		}
		for _, r := range tab.Rows {
			if len(r) != len(tab.Names) {
				t.Fatalf("row of %d cells under %d names", len(r), len(tab.Names))
			}
		}
		if len(tab.Rows) > 200 || len(tab.Names) > 20 {
			return // keep each input cheap
		}
		spec := Spec{Response: tab.Names[0]}
		if len(tab.Names) > 2 {
			spec.Categorical = tab.Names[len(tab.Names)-1:]
		}
		d, err := tab.Design(spec)
		if err != nil {
			return
		}
		if d.Rows() != len(tab.Rows) || len(d.Y) != d.Rows() || len(d.Names) != d.Cols() {
			t.Fatalf("inconsistent design")
		}
		if m, err := FitLinear(d); err == nil {
			_ = m.Summary()
		}
		if m, err := FitLogistic(d, &LogisticOptions{MaxIter: 30}); err == nil {
			_ = m.Summary()
		}
		spec.CategoricalResponse = true
		if d, err := tab.Design(spec); err == nil && len(d.Classes) <= 5 {
			if m, err := FitMultinomial(d, &LogisticOptions{MaxIter: 30}); err == nil {
				_ = m.Summary()
			}
		}
	})
}

// TestStrictNumbers: a cell is a number only when written as a plain
// decimal; Go's other spellings (digit separators, hexadecimal, Inf) are
// errors naming the row and column, not numbers.
func TestStrictNumbers(t *testing.T) {
	for _, tt := range []struct {
		cell string
		want float64
		why  string
	}{
		{cell: "1000", want: 1000},
		{cell: "-2.5", want: -2.5},
		{cell: "+.5", want: 0.5},
		{cell: "5.", want: 5},
		{cell: " 6.02e23 ", want: 6.02e23},
		{cell: "1E-3", want: 0.001},
		{cell: "007", want: 7},
		{cell: "1_000", why: "is not a number"},
		{cell: "0x1p-2", why: "is not a number"},
		{cell: "0x10", why: "is not a number"},
		{cell: "0b101", why: "is not a number"},
		{cell: "1e", why: "is not a number"},
		{cell: "1e+", why: "is not a number"},
		{cell: ".", why: "is missing"},
		{cell: "-", why: "is not a number"},
		{cell: "1.2.3", why: "is not a number"},
		{cell: "1,5", why: "is not a number"},
		{cell: "Infinity", why: "is not a finite number"},
		{cell: "-inf", why: "is not a finite number"},
		{cell: "1e999", why: "is out of the range of float64"},
	} {
		t.Run(tt.cell, func(t *testing.T) {
			tab := &Table{Source: "d.csv", Names: []string{"y"}, Rows: [][]string{{"1"}, {tt.cell}}, Lines: []int{2, 3}}
			got, err := tab.Float("y")
			if tt.why == "" {
				if err != nil || got[1] != tt.want {
					t.Fatalf("%q read as %v, %v; want %v", tt.cell, got, err, tt.want)
				}
				return
			}
			var ce *CellError
			if !errors.As(err, &ce) || !strings.HasPrefix(ce.Reason, tt.why) || ce.Row != 2 || ce.Column != "y" {
				t.Fatalf("%q: error %v, want a cell error at row 2, column y that %s", tt.cell, err, tt.why)
			}
		})
	}
}

// TestReadCSVFileContext stops reading once the context is cancelled.
func TestReadCSVFileContext(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(p, []byte("y,x\n1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if tab, err := ReadCSVFileContext(context.Background(), p); err != nil || len(tab.Rows) != 2 {
		t.Fatalf("%v, %v", tab, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadCSVFileContext(ctx, p); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), p) {
		t.Errorf("cancelled: %v, want an error naming the file and wrapping context.Canceled", err)
	}
}
