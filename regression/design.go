package regression

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// InterceptName is the name given to the intercept column of a design.
const InterceptName = "const"

// Spec says how to build a design from a table: which column is the
// response, which are the predictors, and which predictors are categories.
// The zero value of NoIntercept asks for an intercept.
type Spec struct {
	// Response names the response column.
	Response string
	// Predictors names the predictor columns, in order. If empty, every
	// column except the response is a predictor.
	Predictors []string
	// Categorical names the predictors to treat as categories, coded with
	// treatment (dummy) contrasts: the first level (in numeric order if all
	// levels are numbers, else in byte order) is the reference, and every
	// other level L of column A gets an indicator column named "A[T.L]".
	// Without an intercept the first categorical predictor is coded with
	// one indicator per level ("A[L]"), as R and patsy do, so that the
	// model still spans a constant.
	Categorical []string
	// NoIntercept omits the intercept column.
	NoIntercept bool
	// CategoricalResponse reads the response as class labels (for
	// multinomial regression) instead of numbers; Design.Classes lists the
	// labels and Design.Y holds each row's class index.
	CategoricalResponse bool
}

// Design is a model matrix with its response: what the fitting functions
// take. Build one from a Table with Table.Design, or from numbers with
// NewDesign.
type Design struct {
	// X is the n×p model matrix, one row per observation.
	X *mat.Dense
	// Y is the response: numbers, or class indices into Classes.
	Y []float64
	// Names are the names of the columns of X. The intercept, if any, is
	// column 0 and is called "const".
	Names []string
	// Response is the name of the response.
	Response string
	// Intercept reports whether column 0 of X is the intercept.
	Intercept bool
	// Classes are the response's labels when it is categorical, in the
	// order of their indices; Classes[0] is the reference class.
	Classes []string

	terms []term
}

// term is one predictor of the design and how it is coded.
type term struct {
	column string
	levels []string // categorical levels, reference first; nil for numbers
	full   bool     // one indicator per level (no reference level)
}

// NewDesign builds a design from a numeric matrix x (n×k, one column per
// predictor) and response y. names gives the predictor names (nil means
// "x1", "x2", …); with intercept a leading column of ones named "const" is
// added. x may be nil for an intercept-only model.
func NewDesign(x *mat.Dense, y []float64, names []string, intercept bool) (*Design, error) {
	n := len(y)
	k := 0
	if x != nil {
		r, c := x.Dims()
		if r != n {
			return nil, fmt.Errorf("regression: x has %d rows but y has %d values", r, n)
		}
		k = c
	}
	if names == nil {
		for j := 0; j < k; j++ {
			names = append(names, "x"+strconv.Itoa(j+1))
		}
	}
	if len(names) != k {
		return nil, fmt.Errorf("regression: %d names for %d predictors", len(names), k)
	}
	if n == 0 {
		return nil, errors.New("regression: no observations")
	}
	p := k
	if intercept {
		p++
	}
	if p == 0 {
		return nil, errors.New("regression: the model has no columns (no predictors and no intercept)")
	}
	d := &Design{X: mat.NewDense(n, p, nil), Y: append([]float64(nil), y...), Intercept: intercept, Response: "y"}
	off := 0
	if intercept {
		d.Names = append(d.Names, InterceptName)
		for i := 0; i < n; i++ {
			d.X.Set(i, 0, 1)
		}
		off = 1
	}
	d.Names = append(d.Names, names...)
	for i := 0; i < n; i++ {
		if v := y[i]; math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("regression: y[%d] = %v is not finite", i, v)
		}
		for j := 0; j < k; j++ {
			v := x.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("regression: x[%d][%d] (%s) = %v is not finite", i, j, names[j], v)
			}
			d.X.Set(i, off+j, v)
		}
	}
	for _, nm := range names {
		d.terms = append(d.terms, term{column: nm})
	}
	return d, nil
}

// Design builds a design from the table as spec describes. Numeric
// predictors and a numeric response must hold a finite number in every
// row; a missing or non-numeric cell is an error naming its row, column and
// value. A categorical column may hold any non-empty text.
func (t *Table) Design(spec Spec) (*Design, error) {
	prefix := ""
	if t.Source != "" {
		prefix = t.Source + ": "
	}
	if spec.Response == "" {
		return nil, errors.New("regression: no response column given")
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("%sthe table has no rows", prefix)
	}
	ri := t.Index(spec.Response)
	if ri < 0 {
		return nil, t.noColumn(spec.Response)
	}
	preds := spec.Predictors
	if len(preds) == 0 {
		for _, n := range t.Names {
			if n != spec.Response {
				preds = append(preds, n)
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range preds {
		if t.Index(p) < 0 {
			return nil, t.noColumn(p)
		}
		if p == spec.Response {
			return nil, fmt.Errorf("%scolumn %q is the response and cannot also be a predictor", prefix, p)
		}
		if seen[p] {
			return nil, fmt.Errorf("%spredictor %q is listed twice", prefix, p)
		}
		seen[p] = true
	}
	cat := map[string]bool{}
	for _, c := range spec.Categorical {
		if !seen[c] {
			if t.Index(c) < 0 {
				return nil, t.noColumn(c)
			}
			return nil, fmt.Errorf("%scategorical column %q is not among the predictors", prefix, c)
		}
		cat[c] = true
	}
	d := &Design{Response: spec.Response, Intercept: !spec.NoIntercept}
	n := len(t.Rows)

	// Response.
	if spec.CategoricalResponse {
		levels, idx, err := t.levels(ri)
		if err != nil {
			return nil, err
		}
		d.Classes = levels
		d.Y = idx
	} else {
		y, err := t.Float(spec.Response)
		if err != nil {
			return nil, err
		}
		d.Y = y
	}

	// Terms and their columns.
	var cols [][]float64
	if d.Intercept {
		one := make([]float64, n)
		for i := range one {
			one[i] = 1
		}
		cols = append(cols, one)
		d.Names = append(d.Names, InterceptName)
	}
	fullUsed := spec.NoIntercept
	for _, p := range preds {
		c := t.Index(p)
		if !cat[p] {
			v, err := t.Float(p)
			if err != nil {
				return nil, err
			}
			cols = append(cols, v)
			d.Names = append(d.Names, p)
			d.terms = append(d.terms, term{column: p})
			continue
		}
		levels, idx, err := t.levels(c)
		if err != nil {
			return nil, err
		}
		if len(levels) < 2 {
			return nil, fmt.Errorf("%scategorical column %q has only one level (%q); it carries no information", prefix, p, levels[0])
		}
		tm := term{column: p, levels: levels, full: fullUsed}
		fullUsed = false
		first := 1
		if tm.full {
			first = 0
		}
		for l := first; l < len(levels); l++ {
			v := make([]float64, n)
			for i, k := range idx {
				if int(k) == l {
					v[i] = 1
				}
			}
			cols = append(cols, v)
			d.Names = append(d.Names, tm.dummyName(l))
		}
		d.terms = append(d.terms, tm)
	}
	if len(cols) == 0 {
		return nil, errors.New("regression: the model has no columns (no predictors and no intercept)")
	}
	d.X = mat.NewDense(n, len(cols), nil)
	for j, col := range cols {
		d.X.SetCol(j, col)
	}
	return d, nil
}

// dummyName names the indicator column of level l.
func (tm term) dummyName(l int) string {
	if tm.full {
		return tm.column + "[" + tm.levels[l] + "]"
	}
	return tm.column + "[T." + tm.levels[l] + "]"
}

// levels returns the sorted distinct values of column c and each row's
// index into them. Empty cells are an error.
func (t *Table) levels(c int) ([]string, []float64, error) {
	set := map[string]bool{}
	for i, row := range t.Rows {
		v := strings.TrimSpace(row[c])
		if v == "" {
			return nil, nil, t.cellError(i, c, "is missing")
		}
		set[v] = true
	}
	levels := make([]string, 0, len(set))
	for v := range set {
		levels = append(levels, v)
	}
	sortLevels(levels)
	pos := make(map[string]int, len(levels))
	for i, l := range levels {
		pos[l] = i
	}
	idx := make([]float64, len(t.Rows))
	for i, row := range t.Rows {
		idx[i] = float64(pos[strings.TrimSpace(row[c])])
	}
	return levels, idx, nil
}

// sortLevels orders levels numerically if every one is a number, and
// byte-wise otherwise.
func sortLevels(levels []string) {
	nums := make(map[string]float64, len(levels))
	numeric := true
	for _, l := range levels {
		v, why := parseNumber(l)
		if why != "" {
			numeric = false
			break
		}
		nums[l] = v
	}
	sort.Slice(levels, func(i, j int) bool {
		if numeric && nums[levels[i]] != nums[levels[j]] {
			return nums[levels[i]] < nums[levels[j]]
		}
		return levels[i] < levels[j]
	})
}

// Predictors returns the names of the predictors (the CSV columns, or the
// names given to NewDesign) from which the design's columns were built.
func (d *Design) Predictors() []string {
	out := make([]string, len(d.terms))
	for i, t := range d.terms {
		out[i] = t.column
	}
	return out
}

// Rows returns the number of observations.
func (d *Design) Rows() int { r, _ := d.X.Dims(); return r }

// Cols returns the number of columns of the model matrix.
func (d *Design) Cols() int { _, c := d.X.Dims(); return c }

// Encode builds model-matrix rows for new data with the same coding as d:
// the same predictors, the same indicator columns, and an intercept if d has
// one. The table needs the predictor columns only. A category level that d
// has not seen is an error.
func (d *Design) Encode(t *Table) (*mat.Dense, error) {
	n := len(t.Rows)
	if n == 0 {
		return nil, errors.New("regression: the table has no rows to encode")
	}
	x := mat.NewDense(n, d.Cols(), nil)
	j := 0
	if d.Intercept {
		for i := 0; i < n; i++ {
			x.Set(i, 0, 1)
		}
		j = 1
	}
	for _, tm := range d.terms {
		c := t.Index(tm.column)
		if c < 0 {
			return nil, t.noColumn(tm.column)
		}
		if tm.levels == nil {
			v, err := t.Float(tm.column)
			if err != nil {
				return nil, err
			}
			x.SetCol(j, v)
			j++
			continue
		}
		pos := map[string]int{}
		for l, name := range tm.levels {
			pos[name] = l
		}
		first := 1
		if tm.full {
			first = 0
		}
		for i, row := range t.Rows {
			v := strings.TrimSpace(row[c])
			l, ok := pos[v]
			if !ok {
				if v == "" {
					return nil, t.cellError(i, c, "is missing")
				}
				return nil, t.cellError(i, c, "is a level not seen when the model was fitted (levels are "+quoteList(tm.levels)+")")
			}
			if l >= first {
				x.Set(i, j+l-first, 1)
			}
		}
		j += len(tm.levels) - first
	}
	return x, nil
}
