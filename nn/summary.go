package nn

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// SummaryRow describes one module of a model: its dotted name, what it
// is, the shape of its output (batch dimension first) and its parameter
// count.
type SummaryRow struct {
	Name  string
	Layer string
	// Output is the shape of the module's output, or of its first output
	// when it gives several (Outputs lists them all).
	Output  []int
	Outputs [][]int
	// Params counts the parameters the row stands for. A leaf's row
	// counts all of its own; a group's row counts only those its module
	// owns directly, since its children have rows of their own. So the
	// rows' counts add up to the model's total.
	Params int
	// Group reports a row whose module's children have rows of their own
	// below it (a residual block, branches, a nested Sequential).
	Group bool
	// MultiplyAdds counts the multiply-adds of the row's forward pass for
	// one example, for a leaf that is a MultiplyAdder (0 otherwise).
	MultiplyAdds int
	// InputMultiplyAdds is the part of MultiplyAdds that multiplies the
	// row's input: the part whose backward pass gives the input's
	// gradient, which the first layer of a network need not compute. It
	// is all of MultiplyAdds except for a layer that also multiplies its
	// own state (a recurrent layer: only its input projection).
	InputMultiplyAdds int
}

// InputMultiplyAdder is a MultiplyAdder only part of whose multiply-adds
// read its input (SummaryRow.InputMultiplyAdds).
type InputMultiplyAdder interface {
	InputMultiplyAdds(out []int) int
}

// MultiplyAdder is a layer that can say how many multiply-adds its
// forward pass does for one example, given the shape of its output for
// that example (without the batch dimension). Summarize adds them up: the
// usual measure of a network's arithmetic, which the backward pass of
// training roughly doubles again. Layers whose work is not multiply-adds
// (activations, pooling, reshaping) do not implement it.
type MultiplyAdder interface {
	MultiplyAdds(out []int) int
}

// Summary is a model's layer table, like Keras's model.summary().
type Summary struct {
	// Input is the shape of the model's input, or of its first input;
	// Inputs lists them all.
	Input     []int
	Inputs    [][]int
	Rows      []SummaryRow
	Total     int // every parameter
	Trainable int // parameters that training updates (all of them in baeum)
	Buffers   int // numbers saved with the model but not trained
	// MultiplyAdds is the sum of the rows' multiply-adds: the forward
	// pass's for one example.
	MultiplyAdds int
}

// Summarize runs one inference pass of m on a zero input of the given
// shape (batch dimension first) and records a row for every module that a
// container runs through Call or CallN, in the order the modules start:
// its dotted name, its output shape and its parameter count. A
// container's row comes before its children's rows and counts only the
// parameters it owns directly. The model itself has no row, unless it is
// a single leaf: then it has one, with an empty name.
func Summarize(m Module, input ...int) *Summary {
	return summarize(m, [][]int{input}, false)
}

// SummarizeN is Summarize for a model of several inputs, one shape each;
// it runs m through CallN.
func SummarizeN(m Module, inputs ...[]int) *Summary {
	return summarize(m, inputs, true)
}

func summarize(m Module, inputs [][]int, multi bool) *Summary {
	s := &Summary{}
	for _, in := range inputs {
		s.Inputs = append(s.Inputs, append([]int(nil), in...))
	}
	if len(s.Inputs) > 0 {
		s.Input = s.Inputs[0]
	}
	g := autograd.NewInferenceGraph()
	dtype := tensor.Float32
	if ps := Params(m); len(ps) > 0 {
		dtype = ps[0].Value.Data().DType()
	}
	xs := make([]*autograd.Value, len(inputs))
	for i, in := range inputs {
		xs[i] = g.Input(tensor.New(dtype, in...))
	}
	r := &recorder{s: s, mods: []Module{m}}
	recorders.Store(g, r)
	recording.Add(1)
	defer func() {
		recording.Add(-1)
		recorders.Delete(g)
	}()
	var ys []*autograd.Value
	if multi {
		ys = forwardN(g, "model", m, xs)
	} else {
		ys = []*autograd.Value{m.Forward(g, xs[0])}
	}
	switch own := ownParams(m); {
	case len(s.Rows) == 0: // a leaf, or a container that does not use Call
		s.Rows = append(s.Rows, SummaryRow{})
		r.fill(0, m, ys)
	case len(own) > 0 && m.(Container) != nil:
		// A container with parameters of its own: a first row for them, so
		// that the rows add up to the total.
		s.Rows = append([]SummaryRow{{}}, s.Rows...)
		r.fill(0, m, ys)
		s.Rows[0].Group, s.Rows[0].Layer = true, typeName(m)
	}
	s.Total = CountParams(m)
	s.Trainable = s.Total
	for _, row := range s.Rows {
		s.MultiplyAdds += row.MultiplyAdds
	}
	for _, b := range Buffers(m) {
		s.Buffers += b.Tensor.Len()
	}
	return s
}

// The summary's hook: Call and CallN look up the graph they run on here,
// and record module boundaries when Summarize put a recorder for it.
var (
	recording atomic.Int32 // summaries in progress; zero makes Call skip the map
	recorders sync.Map     // *autograd.Graph → *recorder
)

func recorderOf(g *autograd.Graph) *recorder {
	if recording.Load() == 0 {
		return nil
	}
	r, _ := recorders.Load(g)
	rec, _ := r.(*recorder)
	return rec
}

// recorder builds a summary's rows as modules start and finish; a graph
// runs on one goroutine, so it needs no lock.
type recorder struct {
	s    *Summary
	path []string // the dotted names of the modules entered, without transparent ones
	mods []Module // the modules entered, the model first
}

// enter opens the row of child name, module m, of the module entered last
// and returns the row's index, or -1 for a transparent child (named "").
// It panics when that module's Children lists no child of that name, since
// the summary's names and the parameters' names would then differ.
func (r *recorder) enter(name string, m Module) int {
	parent := r.mods[len(r.mods)-1]
	if !hasChild(parent, name) {
		panic(fmt.Sprintf("nn: %v runs a child %q (%v) that its Children does not list: parameters are named by Children, so Call must use the same name", parent, name, m))
	}
	r.mods = append(r.mods, m)
	if name == "" {
		return -1
	}
	r.path = append(r.path, JoinPath(r.lastPath(), name))
	r.s.Rows = append(r.s.Rows, SummaryRow{Name: r.path[len(r.path)-1]})
	return len(r.s.Rows) - 1
}

func (r *recorder) lastPath() string {
	if len(r.path) == 0 {
		return ""
	}
	return r.path[len(r.path)-1]
}

// hasChild reports whether m is a container with a child called name,
// itself or through transparent children (named "") that a wrapper may run
// without Call.
func hasChild(m Module, name string) bool {
	c, ok := m.(Container)
	if !ok {
		return false
	}
	for _, ch := range c.Children() {
		if ch.Name == name || ch.Name == "" && hasChild(ch.Module, name) {
			return true
		}
	}
	return false
}

// exit closes the module entered last, filling its row i (none for a
// transparent one) in with its outputs ys.
func (r *recorder) exit(i int, m Module, ys ...*autograd.Value) {
	r.mods = r.mods[:len(r.mods)-1]
	if i < 0 {
		return
	}
	r.path = r.path[:len(r.path)-1]
	r.fill(i, m, ys)
}

// fill fills row i in for module m and its outputs ys: a leaf's row, or a
// group's row when rows were opened inside it.
func (r *recorder) fill(i int, m Module, ys []*autograd.Value) {
	row := &r.s.Rows[i]
	for _, y := range ys {
		row.Outputs = append(row.Outputs, append([]int(nil), y.Shape()...))
	}
	if len(row.Outputs) > 0 {
		row.Output = row.Outputs[0]
	}
	if i == len(r.s.Rows)-1 { // nothing inside got a row: this row stands for all of m
		row.Layer = fmt.Sprint(m)
		row.Params = CountParams(m)
		if ma, ok := m.(MultiplyAdder); ok && len(row.Output) > 0 {
			row.MultiplyAdds = ma.MultiplyAdds(row.Output[1:])
			row.InputMultiplyAdds = row.MultiplyAdds
			if ia, ok := m.(InputMultiplyAdder); ok {
				row.InputMultiplyAdds = ia.InputMultiplyAdds(row.Output[1:])
			}
		}
		return
	}
	row.Group = true
	row.Layer = typeName(m)
	for _, p := range ownParams(m) {
		row.Params += p.Value.Data().Len()
	}
}

// typeName names a group's row by its type ("Residual"): its children's
// rows describe the rest.
func typeName(m Module) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return t.String()
	}
	return t.Name()
}

// String formats the table. A group's row shows its parameter count as
// "--" when its module owns none directly.
func (s *Summary) String() string {
	var b strings.Builder
	nameW, layerW, shapeW := len("Layer"), len("Type"), 18
	outs := make([]string, len(s.Rows))
	for i, r := range s.Rows {
		nameW = max(nameW, len([]rune(r.Name)))
		layerW = max(layerW, len([]rune(r.Layer)))
		shapes := r.Outputs
		if len(shapes) == 0 {
			shapes = [][]int{r.Output}
		}
		parts := make([]string, len(shapes))
		for k, sh := range shapes {
			parts[k] = shapeString(sh)
		}
		outs[i] = strings.Join(parts, ", ")
		shapeW = max(shapeW, len(outs[i]))
	}
	line := strings.Repeat("─", nameW+layerW+shapeW+16)
	ins := s.Inputs
	if len(ins) == 0 {
		ins = [][]int{s.Input}
	}
	label := "Input"
	if len(ins) > 1 {
		label = "Inputs"
	}
	parts := make([]string, len(ins))
	for k, sh := range ins {
		parts[k] = shapeString(sh)
	}
	fmt.Fprintf(&b, "%s: %s\n%s\n", label, strings.Join(parts, ", "), line)
	fmt.Fprintf(&b, "%-*s  %-*s  %-*s %10s\n", nameW, "Layer", layerW, "Type", shapeW, "Output shape", "Params")
	b.WriteString(line + "\n")
	for i, r := range s.Rows {
		params := Thousands(r.Params)
		if r.Group && r.Params == 0 {
			params = "--"
		}
		fmt.Fprintf(&b, "%-*s  %-*s  %-*s %10s\n", nameW, r.Name, layerW, r.Layer, shapeW, outs[i], params)
	}
	b.WriteString(line + "\n")
	fmt.Fprintf(&b, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s\n", Thousands(s.Total), Thousands(s.Trainable), Thousands(s.Total-s.Trainable))
	if s.Buffers > 0 {
		fmt.Fprintf(&b, "Buffers (running statistics): %s\n", Thousands(s.Buffers))
	}
	if s.MultiplyAdds > 0 {
		fmt.Fprintf(&b, "Multiply-adds per example: %s\n", Thousands(s.MultiplyAdds))
	}
	return b.String()
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Thousands formats n with commas between groups of three digits.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
