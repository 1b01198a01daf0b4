package plot

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
)

// The kinds of node in a Graph.
const (
	NodeParam = "param" // a trainable parameter
	NodeInput = "input" // data or another leaf without gradient
	NodeOp    = "op"    // the result of an operation
	NodeGrad  = "grad"  // the gradient of the output with respect to a value
)

// GraphNode is a node of a drawn computational graph.
type GraphNode struct {
	ID    string // DOT identifier: "n3" for a value, "d3" for its gradient
	Kind  string // NodeParam, NodeInput, NodeOp or NodeGrad
	Op    string // the value's operation ("conv2d", "param", …)
	Name  string // the value's name, if any
	Shape []int
	Label string // the text drawn in the node
	Root  bool   // the output the graph was drawn from
}

// GraphEdge is an edge of a drawn computational graph. Forward edges run
// from an operation's input to its result; backward edges from the
// gradient of a result to the gradient of an input, the way
// backpropagation carries it.
type GraphEdge struct {
	From, To string
	Backward bool
}

// GraphOptions says what NewGraph draws.
type GraphOptions struct {
	// Title is drawn above the graph.
	Title string
	// Backward adds the backward pass: a gradient node ∂out/∂v beside
	// every value v that gradients flow to, joined by edges that run
	// against the forward ones.
	Backward bool
	// Values shows the numbers of one-element values and their gradients
	// instead of their shapes (for small expressions).
	Values bool
	// Output is how the root is called in gradient labels (default "L"
	// for a loss, or the root's name).
	Output string
}

// Graph is a computational graph ready to be written as DOT: the values
// that one output was computed from and, optionally, the gradients that
// backpropagation computed for them.
type Graph struct {
	Title string
	Nodes []GraphNode
	Edges []GraphEdge
}

// NewGraph walks the values root was computed from (through Parents) and
// returns the graph to draw. Call it after Backward when opt.Backward is
// set, so that the gradients exist; values that gradients do not flow to
// (inputs) get no gradient node.
func NewGraph(root *autograd.Value, opt GraphOptions) *Graph {
	out := opt.Output
	if out == "" {
		out = root.Name()
	}
	if out == "" {
		out = "L"
	}
	ids := map[*autograd.Value]int{}
	var order []*autograd.Value
	var visit func(v *autograd.Value)
	visit = func(v *autograd.Value) {
		if _, ok := ids[v]; ok {
			return
		}
		ids[v] = -1
		for _, p := range v.Parents() {
			if p != nil {
				visit(p)
			}
		}
		ids[v] = len(order)
		order = append(order, v)
	}
	visit(root)
	g := &Graph{Title: opt.Title}
	hasGrad := func(v *autograd.Value) bool { return opt.Backward && v.RequiresGrad() }
	for _, v := range order {
		id := ids[v]
		n := GraphNode{ID: "n" + strconv.Itoa(id), Op: v.Op(), Name: v.Name(), Shape: v.Shape(), Root: v == root}
		switch {
		case v.Op() == "param":
			n.Kind = NodeParam
		case len(v.Parents()) == 0:
			n.Kind = NodeInput
		default:
			n.Kind = NodeOp
		}
		var lines []string
		if n.Name != "" {
			lines = append(lines, n.Name)
		}
		if n.Kind == NodeOp || n.Name == "" {
			lines = append(lines, n.Op)
		}
		if opt.Values && v.Data().Len() == 1 {
			lines = append(lines, "= "+num(v.Item()))
		} else {
			lines = append(lines, shapeText(n.Shape))
		}
		n.Label = strings.Join(lines, "\n")
		g.Nodes = append(g.Nodes, n)
		if hasGrad(v) {
			d := GraphNode{ID: "d" + strconv.Itoa(id), Kind: NodeGrad, Op: v.Op(), Name: v.Name(), Shape: v.Shape()}
			what := n.Name
			if what == "" {
				what = n.Op
			}
			d.Label = "∂" + out + "/∂" + what
			switch gr := v.Grad(); {
			case v == root:
				d.Label += "\n= 1"
			case opt.Values && gr != nil && gr.Len() == 1:
				d.Label += "\n= " + num(gr.Item())
			default:
				d.Label += "\n" + shapeText(d.Shape)
			}
			g.Nodes = append(g.Nodes, d)
		}
	}
	for _, v := range order {
		for _, p := range v.Parents() {
			if p == nil {
				continue
			}
			g.Edges = append(g.Edges, GraphEdge{From: "n" + strconv.Itoa(ids[p]), To: "n" + strconv.Itoa(ids[v])})
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		if !hasGrad(v) {
			continue
		}
		for _, p := range v.Parents() {
			if p != nil && hasGrad(p) {
				g.Edges = append(g.Edges, GraphEdge{From: "d" + strconv.Itoa(ids[v]), To: "d" + strconv.Itoa(ids[p]), Backward: true})
			}
		}
	}
	return g
}

// Node returns the node with the given ID, or nil.
func (g *Graph) Node(id string) *GraphNode {
	for i := range g.Nodes {
		if g.Nodes[i].ID == id {
			return &g.Nodes[i]
		}
	}
	return nil
}

// Count returns how many nodes are of the given kind.
func (g *Graph) Count(kind string) int {
	n := 0
	for _, v := range g.Nodes {
		if v.Kind == kind {
			n++
		}
	}
	return n
}

// Ops returns how many operation nodes there are of each operation.
func (g *Graph) Ops() map[string]int {
	m := map[string]int{}
	for _, v := range g.Nodes {
		if v.Kind == NodeOp {
			m[v.Op]++
		}
	}
	return m
}

// Node styles: parameters orange boxes, inputs grey ellipses, operations
// blue rounded boxes, the output green, gradients red.
const (
	styleParam = `shape=box, style=filled, fillcolor="#fde2b8"`
	styleInput = `shape=ellipse, style=filled, fillcolor="#e8e8e8"`
	styleOp    = `shape=box, style="rounded,filled", fillcolor="#dbe9f6"`
	styleRoot  = `shape=box, style="rounded,filled,bold", fillcolor="#c8e6c9"`
	styleGrad  = `shape=box, style="rounded,filled", fillcolor="#fbe3e3", color="#c0392b", fontcolor="#7b1d14"`
	edgeBack   = `color="#c0392b", fontcolor="#c0392b", style=dashed, dir=back`
)

// WriteDOT writes the graph in Graphviz's DOT language, left to right:
// the forward pass along the top and, when drawn, each gradient under the
// value it belongs to, with the backward edges (dashed, red) pointing
// right to left.
func (g *Graph) WriteDOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph G {")
	fmt.Fprintln(bw, "  rankdir=LR;")
	fmt.Fprintln(bw, "  newrank=true;")
	fmt.Fprintln(bw, `  graph [fontname="Helvetica", fontsize=14, nodesep=0.25, ranksep=0.35];`)
	fmt.Fprintln(bw, `  node [fontname="Helvetica", fontsize=11];`)
	fmt.Fprintln(bw, `  edge [color="#555555", arrowsize=0.7];`)
	if g.Title != "" {
		fmt.Fprintf(bw, "  label=%s;\n  labelloc=t;\n", quote(g.Title))
	}
	grads := map[string]bool{}
	for _, n := range g.Nodes {
		style := map[string]string{NodeParam: styleParam, NodeInput: styleInput, NodeOp: styleOp, NodeGrad: styleGrad}[n.Kind]
		if n.Root {
			style = styleRoot
		}
		if n.Kind == NodeGrad {
			grads[n.ID] = true
		}
		fmt.Fprintf(bw, "  %s [label=%s, %s];\n", n.ID, quote(n.Label), style)
	}
	for _, n := range g.Nodes {
		if d := "d" + strings.TrimPrefix(n.ID, "n"); n.Kind != NodeGrad && grads[d] {
			// A value and its gradient share a column.
			fmt.Fprintf(bw, "  { rank=same; %s; %s; }\n", n.ID, d)
		}
	}
	for _, e := range g.Edges {
		if e.Backward {
			// Written from the input's gradient to the output's, and drawn
			// with the arrow at the tail, so that the layout keeps every
			// gradient under its value while the arrow shows the flow
			// from the output back to the inputs.
			fmt.Fprintf(bw, "  %s -> %s [%s];\n", e.To, e.From, edgeBack)
		} else {
			fmt.Fprintf(bw, "  %s -> %s;\n", e.From, e.To)
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// DOT returns the graph in Graphviz's DOT language.
func (g *Graph) DOT() []byte {
	var b bytes.Buffer
	g.WriteDOT(&b) // a bytes.Buffer does not fail
	return b.Bytes()
}

// ErrNoGraphviz is returned by RenderDOT when Graphviz's dot program is
// not installed.
var ErrNoGraphviz = errors.New("Graphviz's dot program is not on the PATH: install the graphviz package (Debian/Ubuntu: apt install graphviz; Fedora: dnf install graphviz; macOS: brew install graphviz) to turn .dot files into pictures")

// DotProgram returns the path of Graphviz's dot program, or "" when it is
// not installed.
func DotProgram() string {
	p, err := exec.LookPath("dot")
	if err != nil {
		return ""
	}
	return p
}

// RenderDOT runs Graphviz's dot on the DOT source src and writes the
// picture to path, as PNG or SVG by its extension. It returns
// ErrNoGraphviz when dot is not installed.
func RenderDOT(ctx context.Context, src []byte, path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	dot := DotProgram()
	if dot == "" {
		return ErrNoGraphviz
	}
	args := []string{"-T" + format}
	if format == PNG {
		args = append(args, "-Gdpi=96")
	}
	cmd := exec.CommandContext(ctx, dot, args...)
	cmd.Stdin = bytes.NewReader(src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("plot: %s %s: %v: %s", dot, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(stdout.Bytes())
		return err
	})
}

func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}

func shapeText(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, "×") + ")"
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
