// Package table turns a CSV table into datasets a model trains on: one
// column is the target (a class, or a number to regress), the others
// are features. Numeric features are standardised with the training
// rows' statistics only; categorical features are one-hot encoded over
// the categories of the training rows. The encoders form a
// data.TablePrep, which the model's checkpoint keeps, so that
// prediction and serving encode rows exactly as training did.
//
// Everything read from outside is bounded before it is allocated (see
// the limits below), parsed strictly (regression's CSV reader and its
// plain decimals: 1_000, 0x1p-2 and Inf are refused), and every bad cell
// is an error naming the file, the row and the column.
package table

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/internal/ctxio"
	"github.com/baeum-ml/baeum/regression"
	"github.com/baeum-ml/baeum/tensor"
)

// The limits of a table read from outside. MaxBytes is checked from the
// file's size before it is read (and while reading, for a pipe), so it
// bounds everything the reader allocates; the others are checked before
// the features are allocated.
const (
	// MaxBytes bounds a CSV file: 16 MiB.
	MaxBytes = 16 << 20
	// MaxRows bounds the data rows of a table.
	MaxRows = 1_000_000
	// MaxColumns bounds the columns of a table (the preprocessing
	// record's limit).
	MaxColumns = 1 << 14
	// MaxCategories bounds the categories of one categorical column (the
	// preprocessing record's limit).
	MaxCategories = 1 << 16
	// MaxClasses bounds the classes of a classification target.
	MaxClasses = 1 << 16
	// MaxFeatures bounds rows × encoded width: 2^25 float32 numbers, 128
	// MiB.
	MaxFeatures = 1 << 25
	// MaxMoment bounds a numeric column's training mean and standard
	// deviation, as the preprocessing record does.
	MaxMoment = 1e6
	// MaxTarget bounds a regression target's values, so that squared
	// errors stay finite in float32.
	MaxTarget = 1e15
)

// InputName is the name of a table model's one input in its
// preprocessing record.
const InputName = "table"

// Spec says how a table is read: which column is the target, whether it
// is a class or a number, and which features are categories.
type Spec struct {
	// Target names the target column.
	Target string
	// Regression makes the target a number (MSE); otherwise its distinct
	// values, sorted, are the classes.
	Regression bool
	// Categorical names the feature columns to one-hot encode; every
	// other feature column must hold numbers.
	Categorical []string
}

// ReadFile reads a CSV table from path with regression's strict reader,
// refusing a file over MaxBytes before reading it (and a pipe once it
// passes MaxBytes), and stopping once ctx is cancelled. Errors name the
// file.
func ReadFile(ctx context.Context, path string) (*regression.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a CSV file", path)
	}
	if st.Mode().IsRegular() && st.Size() > MaxBytes {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d MiB for a CSV table", path, st.Size(), MaxBytes>>20)
	}
	defer context.AfterFunc(ctx, func() { f.Close() })()
	return Read(ctxio.Reader(ctx, f), path)
}

// Read reads a CSV table from r (at most MaxBytes, and at most MaxRows
// rows and MaxColumns columns); source names it in errors.
func Read(r io.Reader, source string) (*regression.Table, error) {
	prefix := ""
	if source != "" {
		prefix = source + ": "
	}
	lr := &limitReader{r: r, left: MaxBytes}
	t, err := regression.ReadCSV(lr)
	if lr.over {
		return nil, fmt.Errorf("%smore than %d MiB, the limit for a CSV table", prefix, MaxBytes>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("%s%w", prefix, err)
	}
	t.Source = source
	switch {
	case len(t.Names) > MaxColumns:
		return nil, fmt.Errorf("%s%d columns, more than the limit of %d", prefix, len(t.Names), MaxColumns)
	case len(t.Rows) > MaxRows:
		return nil, fmt.Errorf("%s%d rows, more than the limit of %d", prefix, len(t.Rows), MaxRows)
	}
	return t, nil
}

// limitReader reads at most left bytes and records whether r had more.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var b [1]byte
		if n, _ := l.r.Read(b[:]); n > 0 {
			l.over = true
			return 0, errors.New("too large")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// Split shuffles the row numbers 0…n-1 with rng and cuts them: the first
// n/5 (20%, at least one row) are the test rows, the next val the
// validation rows, the rest the training rows, of which there must be at
// least one.
func Split(n, val int, rng *rand.Rand) (fit, valRows, test []int, err error) {
	if n < 2 {
		return nil, nil, nil, fmt.Errorf("%d rows: a table needs at least 2 (one to train on, one to test)", n)
	}
	if val < 0 {
		return nil, nil, nil, fmt.Errorf("--val %d: want 0 or more rows", val)
	}
	perm := rng.Perm(n)
	nt := max(1, n/5)
	if val >= n-nt {
		return nil, nil, nil, fmt.Errorf("--val %d leaves no training rows: the table has %d rows, %d of them (20%%) for testing (try --val %d)", val, n, nt, (n-nt)/10)
	}
	return perm[nt+val:], perm[nt : nt+val], perm[:nt], nil
}

// Encoded is a table encoded for a model: the encoders fitted on the
// training rows, and every row's features and target.
type Encoded struct {
	// Prep holds the features' encoders, for the checkpoint.
	Prep data.TablePrep
	// Classes names the classes of a classification target, sorted
	// (numerically when every one is a number); nil for regression.
	Classes []string
	// Target names the target column.
	Target string
	x, y   *tensor.Tensor
	width  int
}

// Preprocess returns the record a model trained on e keeps: one table
// input and the classes.
func (e *Encoded) Preprocess() data.Preprocess {
	p := e.Prep
	p.Columns = slices.Clone(p.Columns)
	return data.Preprocess{Inputs: []data.InputPrep{{Name: InputName, Table: &p}}, Classes: slices.Clone(e.Classes)}
}

// Width returns the number of features of a row.
func (e *Encoded) Width() int { return e.width }

// Len returns the number of rows.
func (e *Encoded) Len() int { return e.x.Shape()[0] }

// Rows returns the rows idx as a dataset (sharing memory with e).
func (e *Encoded) Rows(idx []int) *Rows { return &Rows{e: e, idx: slices.Clone(idx)} }

// Encode reads t as s says: the target and the features (every other
// column, in the table's order), with the numeric columns' means and
// standard deviations (the population's) and the categorical columns'
// categories taken from the rows fit only. Every cell of every row is
// checked: a missing cell, a cell that is not a plain decimal number in
// a numeric column, and a category the training rows lack are errors
// naming the file, the row and the column.
func Encode(t *regression.Table, fit []int, s Spec) (*Encoded, error) {
	prefix := ""
	if t.Source != "" {
		prefix = t.Source + ": "
	}
	if s.Target == "" {
		return nil, errors.New("no target column given (--target COLUMN)")
	}
	ti := t.Index(s.Target)
	if ti < 0 {
		return nil, fmt.Errorf("%sno target column named %q (columns are %s)", prefix, s.Target, quoteList(t.Names))
	}
	if len(t.Names) < 2 {
		return nil, fmt.Errorf("%sthe table has only the target column %q: there are no features", prefix, s.Target)
	}
	if len(fit) == 0 {
		return nil, errors.New("no training rows")
	}
	cat := map[string]bool{}
	for _, c := range s.Categorical {
		c = strings.TrimSpace(c)
		switch {
		case c == "":
			continue
		case c == s.Target:
			return nil, fmt.Errorf("--categorical %q is the target column, not a feature", c)
		case t.Index(c) < 0:
			return nil, fmt.Errorf("%s--categorical names no column %q (columns are %s)", prefix, c, quoteList(t.Names))
		}
		cat[c] = true
	}
	n := len(t.Rows)
	e := &Encoded{Target: s.Target}

	// The categories first, from the training rows: the width they make
	// is checked before the features are allocated.
	cats := make(map[int][]string)
	width := 0
	for c, name := range t.Names {
		if c == ti {
			continue
		}
		if !cat[name] {
			width++
			continue
		}
		set := map[string]bool{}
		for _, i := range fit {
			v := strings.TrimSpace(t.Rows[i][c])
			if v == "" {
				return nil, cellError(t, i, c, "is missing")
			}
			if !set[v] && len(set) == MaxCategories {
				return nil, fmt.Errorf("%scolumn %q has more than %d categories in the training rows", prefix, name, MaxCategories)
			}
			set[v] = true
		}
		levels := sortedKeys(set)
		cats[c] = levels
		width += len(levels)
	}
	if int64(width)*int64(n) > MaxFeatures {
		return nil, fmt.Errorf("%s%d rows of %d encoded features are %d numbers, more than the limit of %d", prefix, n, width, int64(width)*int64(n), MaxFeatures)
	}
	e.width = width

	// The target.
	if s.Regression {
		ys, err := t.Float(s.Target)
		if err != nil {
			return nil, err
		}
		e.y = tensor.New(tensor.Float32, n)
		yv := e.y.F32()
		for i, v := range ys {
			if math.Abs(v) > MaxTarget {
				return nil, cellError(t, i, ti, fmt.Sprintf("is beyond ±%g, the limit of a regression target", MaxTarget))
			}
			yv[i] = float32(v)
		}
	} else {
		set := map[string]bool{}
		for i, row := range t.Rows {
			v := strings.TrimSpace(row[ti])
			if v == "" {
				return nil, cellError(t, i, ti, "is missing")
			}
			if !set[v] && len(set) == MaxClasses {
				return nil, fmt.Errorf("%starget column %q has more than %d distinct values, the limit of classes (for a number, use --task regression)", prefix, s.Target, MaxClasses)
			}
			set[v] = true
		}
		e.Classes = sortedKeys(set)
		if len(e.Classes) < 2 {
			return nil, fmt.Errorf("%starget column %q has one value only (%q): a classifier needs at least 2 classes", prefix, s.Target, e.Classes[0])
		}
		pos := make(map[string]int64, len(e.Classes))
		for k, c := range e.Classes {
			pos[c] = int64(k)
		}
		e.y = tensor.New(tensor.Int64, n)
		yv := e.y.I64()
		for i, row := range t.Rows {
			yv[i] = pos[strings.TrimSpace(row[ti])]
		}
	}

	// The features, column after column.
	e.x = tensor.New(tensor.Float32, n, max(width, 1))
	xv := e.x.F32()
	k := 0
	for c, name := range t.Names {
		if c == ti {
			continue
		}
		if levels, ok := cats[c]; ok {
			pos := make(map[string]int, len(levels))
			for j, l := range levels {
				pos[l] = j
			}
			for i, row := range t.Rows {
				v := strings.TrimSpace(row[c])
				if v == "" {
					return nil, cellError(t, i, c, "is missing")
				}
				j, ok := pos[v]
				if !ok {
					return nil, cellError(t, i, c, fmt.Sprintf("is a category the training rows do not have (they have %s)", quoteList(truncateList(levels, 10))))
				}
				xv[i*width+k+j] = 1
			}
			e.Prep.Columns = append(e.Prep.Columns, data.ColumnPrep{Name: name, Categories: levels})
			k += len(levels)
			continue
		}
		vs, err := t.Float(name)
		if err != nil {
			var ce *regression.CellError
			if errors.As(err, &ce) && strings.HasPrefix(ce.Reason, "is not a number") {
				ce.Reason += "; a column of categories needs --categorical " + name
			}
			return nil, err
		}
		var mean, sq float64
		for _, i := range fit {
			mean += vs[i]
		}
		mean /= float64(len(fit))
		for _, i := range fit {
			d := vs[i] - mean
			sq += d * d
		}
		std := math.Sqrt(sq / float64(len(fit)))
		if !(math.Abs(mean) <= MaxMoment) || !(std <= MaxMoment) {
			return nil, fmt.Errorf("%scolumn %q: training mean %g and standard deviation %g must lie within ±%g, which the model's record can hold: rescale the column (to thousands, say)", prefix, name, mean, std, float64(MaxMoment))
		}
		if std < 1/MaxMoment {
			std = 0 // a constant column: its values are only centred (0 means 1)
		}
		col := data.ColumnPrep{Name: name, Mean: mean, Std: std}
		for i, v := range vs {
			z, ok := standardise(col, v)
			if !ok {
				return nil, cellError(t, i, c, "is too far from the training mean to standardise in float32")
			}
			xv[i*width+k] = z
		}
		e.Prep.Columns = append(e.Prep.Columns, col)
		k++
	}
	if err := e.Prep.Validate(); err != nil {
		return nil, fmt.Errorf("%s%w", prefix, err)
	}
	return e, nil
}

// standardise returns (v - Mean)/Std in float32 as data.TablePrep.Encode
// computes it, and false if it is not finite.
func standardise(c data.ColumnPrep, v float64) (float32, bool) {
	std := c.Std
	if std == 0 {
		std = 1
	}
	x := float32((v - c.Mean) / std)
	return x, !math.IsInf(float64(x), 0) && !math.IsNaN(float64(x))
}

// Rows is a dataset of some rows of an Encoded table: one input "table"
// (the encoded features) and the target "y", an int64 class or a float32
// value.
type Rows struct {
	e   *Encoded
	idx []int
}

// Len returns the number of rows.
func (r *Rows) Len() int { return len(r.idx) }

// Spec describes the rows' examples.
func (r *Rows) Spec() data.Spec {
	return data.Spec{
		Inputs:  []data.Field{{Name: InputName, DType: tensor.Float32, Shape: []int{r.e.width}}},
		Target:  data.Field{Name: "y", DType: r.e.y.DType(), Shape: []int{}},
		Classes: slices.Clone(r.e.Classes),
	}
}

// Example copies row i's features and target into row.
func (r *Rows) Example(i int, row data.Row) int {
	j, w := r.idx[i], r.e.width
	copy(row.Inputs[0].F32(), r.e.x.F32()[j*w:(j+1)*w])
	if r.e.y.DType() == tensor.Int64 {
		row.Target.I64()[0] = r.e.y.I64()[j]
	} else {
		row.Target.F32()[0] = r.e.y.F32()[j]
	}
	return 0
}

// Label returns row i's class; it panics for a regression target.
func (r *Rows) Label(i int) int { return int(r.e.y.I64()[r.idx[i]]) }

// Index returns the table row (0-based) of example i.
func (r *Rows) Index(i int) int { return r.idx[i] }

// EncodeTable encodes the rows of t for a model whose features prep
// describes: its columns are found in t's header by name (other columns,
// such as the target, are ignored), numeric cells are parsed strictly
// and categories looked up. It returns (rows, prep.Width()) float32
// features; a missing column, a missing or bad cell and an unknown
// category are errors naming the file, the row and the column.
func EncodeTable(prep *data.TablePrep, t *regression.Table) (*tensor.Tensor, error) {
	prefix := ""
	if t.Source != "" {
		prefix = t.Source + ": "
	}
	w := prep.Width()
	n := len(t.Rows)
	if n > MaxRows {
		return nil, fmt.Errorf("%s%d rows, more than the limit of %d", prefix, n, MaxRows)
	}
	if int64(n)*int64(w) > MaxFeatures {
		return nil, fmt.Errorf("%s%d rows of %d encoded features are more than the limit of %d numbers", prefix, n, w, MaxFeatures)
	}
	cols := make([]int, len(prep.Columns))
	var missing []string
	for k, c := range prep.Columns {
		if cols[k] = t.Index(c.Name); cols[k] < 0 {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%sno column named %s, which the model reads (its columns are %s; the table has %s)", prefix, quoteList(missing), quoteList(names(prep)), quoteList(t.Names))
	}
	x := tensor.New(tensor.Float32, n, max(w, 1))
	xv := x.F32()
	k := 0
	for ci, c := range prep.Columns {
		col := cols[ci]
		if len(c.Categories) > 0 {
			pos := make(map[string]int, len(c.Categories))
			for j, l := range c.Categories {
				pos[l] = j
			}
			for i, row := range t.Rows {
				v := strings.TrimSpace(row[col])
				if v == "" {
					return nil, cellError(t, i, col, "is missing")
				}
				j, ok := pos[v]
				if !ok {
					return nil, cellError(t, i, col, fmt.Sprintf("is a category the model was not trained on (it knows %s)", quoteList(truncateList(c.Categories, 10))))
				}
				xv[i*w+k+j] = 1
			}
			k += len(c.Categories)
			continue
		}
		vs, err := t.Float(c.Name)
		if err != nil {
			return nil, err
		}
		for i, v := range vs {
			z, ok := standardise(c, v)
			if !ok {
				return nil, cellError(t, i, col, "is too far from the training mean to standardise in float32")
			}
			xv[i*w+k] = z
		}
		k++
	}
	return x, nil
}

// FromRows builds a table of the given rows (text fields, one per
// column of prep, in its order), for rows that come without a header (a
// request's JSON). source names it in errors. A row of another length is
// an error naming it.
func FromRows(prep *data.TablePrep, rows [][]string, source string) (*regression.Table, error) {
	if len(rows) == 0 {
		return nil, errors.New("no rows")
	}
	if len(rows) > MaxRows {
		return nil, fmt.Errorf("%d rows, more than the limit of %d", len(rows), MaxRows)
	}
	t := &regression.Table{Source: source, Names: names(prep), Rows: rows}
	for i, r := range rows {
		if len(r) != len(t.Names) {
			return nil, fmt.Errorf("row %d has %d fields, want %d (%s)", i+1, len(r), len(t.Names), strings.Join(t.Names, ", "))
		}
	}
	return t, nil
}

// names returns the column names of prep.
func names(prep *data.TablePrep) []string {
	s := make([]string, len(prep.Columns))
	for i, c := range prep.Columns {
		s[i] = c.Name
	}
	return s
}

// cellError is the error of row i (0-based), column c of t.
func cellError(t *regression.Table, i, c int, reason string) *regression.CellError {
	e := &regression.CellError{Source: t.Source, Row: i + 1, Column: t.Names[c], Value: t.Rows[i][c], Reason: reason}
	if i < len(t.Lines) {
		e.Line = t.Lines[i]
	}
	return e
}

// sortedKeys returns the keys of set sorted numerically when every one is
// a number, byte-wise otherwise.
func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	nums := make(map[string]float64, len(set))
	numeric := true
	for k := range set {
		keys = append(keys, k)
		if numeric {
			v, err := strconv.ParseFloat(k, 64)
			if err != nil || math.IsNaN(v) {
				numeric = false
			}
			nums[k] = v
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if numeric {
			if c := cmp.Compare(nums[a], nums[b]); c != 0 {
				return c
			}
		}
		return strings.Compare(a, b)
	})
	return keys
}

// truncateList returns the first n names, and "…" when there are more.
func truncateList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), "…")
}

// quoteList formats names as "a", "b", "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
