package regression

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/internal/ctxio"
)

// Table is a rectangular data table read from CSV: a header row of column
// names and rows of text cells. Cells stay text until a model says how a
// column is to be read (as numbers, or as the levels of a category), so that
// an error can name the row, the column and the offending value.
type Table struct {
	// Source names where the table came from (a file name); it prefixes
	// error messages and may be empty.
	Source string
	// Names are the column names from the header, in order.
	Names []string
	// Rows are the data rows; every row has len(Names) cells.
	Rows [][]string
	// Lines holds the input line on which each row starts (the header is
	// line 1), for error messages.
	Lines []int
}

// CellError reports a cell that cannot be used: missing, not a number, or
// otherwise out of place.
type CellError struct {
	Source string // file name, may be empty
	Row    int    // data row, counting from 1 (the header is not a row)
	Line   int    // input line, counting from 1 (the header is line 1)
	Column string // column name
	Value  string // the cell as written
	Reason string // what is wrong, e.g. "is not a number"
}

// Error implements the error interface.
func (e *CellError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "row %d", e.Row)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	fmt.Fprintf(&b, ", column %q: value %q %s", e.Column, e.Value, e.Reason)
	return b.String()
}

// ReadCSVFile reads a CSV table from the named file; see ReadCSV.
func ReadCSVFile(path string) (*Table, error) {
	return ReadCSVFileContext(context.Background(), path)
}

// ReadCSVFileContext is ReadCSVFile that stops, with an error wrapping
// ctx's, once ctx is cancelled (by Ctrl-C, say): a large file or a slow
// pipe need not be read to the end.
func ReadCSVFileContext(ctx context.Context, path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A read blocked on a pipe or a slow file returns once ctx is done:
	// closing the file wakes it.
	defer context.AfterFunc(ctx, func() { f.Close() })()
	t, err := readCSV(ctxio.Reader(ctx, f), path)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ReadCSV reads a CSV table: a header row of distinct, non-empty column names
// followed by data rows with as many cells as the header. Fields may be quoted
// as in RFC 4180; leading spaces are ignored, and blank lines are skipped. A
// byte-order mark before the header is removed. ReadCSV does not interpret
// the cells; that happens when a design is built from the table.
func ReadCSV(r io.Reader) (*Table, error) {
	return readCSV(r, "")
}

func readCSV(r io.Reader, source string) (*Table, error) {
	prefix := ""
	if source != "" {
		prefix = source + ": "
	}
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1 // checked here, with a clearer message
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%sempty input: expected a header row of column names", prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("%sheader: %w", prefix, csvErr(err))
	}
	t := &Table{Source: source, Names: make([]string, len(header))}
	seen := make(map[string]int, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("%sheader: column %d has an empty name", prefix, i+1)
		}
		if j, ok := seen[h]; ok {
			return nil, fmt.Errorf("%sheader: column name %q is used twice (columns %d and %d)", prefix, h, j+1, i+1)
		}
		seen[h] = i
		t.Names[i] = h
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s%w", prefix, csvErr(err))
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(t.Names) {
			return nil, fmt.Errorf("%srow %d (line %d) has %d cells, but the header has %d columns",
				prefix, len(t.Rows)+1, line, len(rec), len(t.Names))
		}
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("%sno data rows after the header", prefix)
	}
	return t, nil
}

// csvErr rewords encoding/csv's errors a little.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}

// Index returns the position of the named column, or -1.
func (t *Table) Index(name string) int {
	for i, n := range t.Names {
		if n == name {
			return i
		}
	}
	return -1
}

// cellError builds a CellError for row i (0-based) of column c.
func (t *Table) cellError(i, c int, reason string) *CellError {
	e := &CellError{Source: t.Source, Row: i + 1, Column: t.Names[c], Value: t.Rows[i][c], Reason: reason}
	if i < len(t.Lines) {
		e.Line = t.Lines[i]
	}
	return e
}

// isMissing reports whether a cell stands for a missing value.
func isMissing(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "na", "nan", "n/a", "null", "none", ".", "?":
		return true
	}
	return false
}

// parseNumber reads a finite decimal number, or explains why it cannot.
// Only plain decimals are numbers: an optional sign, digits with an
// optional decimal point, and an optional exponent (1000, -2.5, .5,
// 6.02e23). Go's other spellings, which strconv.ParseFloat accepts, are
// refused, since a CSV file from elsewhere never means them: digit
// separators (1_000), hexadecimal (0x1p-2), Inf and Infinity.
func parseNumber(s string) (float64, string) {
	if isMissing(s) {
		return 0, "is missing"
	}
	s = strings.TrimSpace(s)
	if !isDecimal(s) {
		switch strings.ToLower(strings.TrimLeft(s, "+-")) {
		case "inf", "infinity":
			return 0, "is not a finite number"
		}
		if strings.ContainsAny(s, "0123456789") {
			return 0, "is not a number (plain decimals only, such as 1000, -2.5 or 6.02e23)"
		}
		return 0, "is not a number"
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, "is out of the range of float64"
		}
		return 0, "is not a number"
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, "is not a finite number"
	}
	return v, ""
}

// isDecimal reports whether s is a plain decimal number: an optional
// sign, digits with at most one decimal point (and at least one digit),
// then optionally e or E, an optional sign and digits.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// Float returns the named column as numbers. A missing, non-numeric or
// non-finite cell is an error (a *CellError) naming its row, column and value.
func (t *Table) Float(name string) ([]float64, error) {
	c := t.Index(name)
	if c < 0 {
		return nil, t.noColumn(name)
	}
	out := make([]float64, len(t.Rows))
	for i, row := range t.Rows {
		v, why := parseNumber(row[c])
		if why != "" {
			return nil, t.cellError(i, c, why)
		}
		out[i] = v
	}
	return out, nil
}

// noColumn is the error for a column name that is not in the header.
func (t *Table) noColumn(name string) error {
	prefix := ""
	if t.Source != "" {
		prefix = t.Source + ": "
	}
	return fmt.Errorf("%sno column named %q (columns are %s)", prefix, name, quoteList(t.Names))
}

// quoteList formats names as "a", "b", "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
