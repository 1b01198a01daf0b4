package nn

import (
	"fmt"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// SummaryRow describes one layer of a model: its name, what it is, the
// shape of its output (batch dimension first) and its parameter count.
type SummaryRow struct {
	Name   string
	Layer  string
	Output []int
	Params int
}

// Summary is a model's layer table, like Keras's model.summary().
type Summary struct {
	Input     []int
	Rows      []SummaryRow
	Total     int // every parameter
	Trainable int // parameters that training updates (all of them in baeum)
	Buffers   int // numbers saved with the model but not trained
}

// Summarize runs one inference pass of m on a zero input of the given
// shape (batch dimension first) and records each layer's output shape and
// parameter count. Containers are expanded into their children.
func Summarize(m Module, input ...int) *Summary {
	s := &Summary{Input: append([]int(nil), input...)}
	g := autograd.NewInferenceGraph()
	dtype := tensor.Float32
	if ps := m.Params(); len(ps) > 0 {
		dtype = ps[0].Value.Data().DType()
	}
	x := g.Input(tensor.New(dtype, input...))
	s.walk(g, "", m, x)
	s.Total = CountParams(m)
	s.Trainable = s.Total
	for _, b := range Buffers(m) {
		s.Buffers += b.Tensor.Len()
	}
	return s
}

func (s *Summary) walk(g *autograd.Graph, prefix string, m Module, x *autograd.Value) *autograd.Value {
	if c, ok := m.(Container); ok {
		for _, ch := range c.Children() {
			x = s.walk(g, prefix+ch.Name+".", ch.Module, x)
		}
		return x
	}
	y := m.Forward(g, x)
	s.Rows = append(s.Rows, SummaryRow{
		Name:   strings.TrimSuffix(prefix, "."),
		Layer:  fmt.Sprint(m),
		Output: append([]int(nil), y.Shape()...),
		Params: CountParams(m),
	})
	return y
}

// String formats the table.
func (s *Summary) String() string {
	var b strings.Builder
	nameW, layerW := len("Layer"), len("Type")
	for _, r := range s.Rows {
		nameW = max(nameW, len([]rune(r.Name)))
		layerW = max(layerW, len([]rune(r.Layer)))
	}
	line := strings.Repeat("─", nameW+layerW+34)
	fmt.Fprintf(&b, "Input: %s\n%s\n", shapeString(s.Input), line)
	fmt.Fprintf(&b, "%-*s  %-*s  %-18s %10s\n", nameW, "Layer", layerW, "Type", "Output shape", "Params")
	b.WriteString(line + "\n")
	for _, r := range s.Rows {
		fmt.Fprintf(&b, "%-*s  %-*s  %-18s %10s\n", nameW, r.Name, layerW, r.Layer, shapeString(r.Output), Thousands(r.Params))
	}
	b.WriteString(line + "\n")
	fmt.Fprintf(&b, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s\n", Thousands(s.Total), Thousands(s.Trainable), Thousands(s.Total-s.Trainable))
	if s.Buffers > 0 {
		fmt.Fprintf(&b, "Buffers (running statistics): %s\n", Thousands(s.Buffers))
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
