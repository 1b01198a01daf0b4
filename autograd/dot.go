package autograd

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteDOT writes the graph that root was computed from in Graphviz's DOT
// language: a node per value, labelled with its name, its operation and
// its shape, and an edge from each input to the value computed from it.
// Parameters are drawn as boxes, other leaves as ellipses and operations
// as rounded boxes; values that have a gradient say so. Render it with
// `dot -Tsvg`.
func WriteDOT(w io.Writer, root *Value) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph G {")
	fmt.Fprintln(bw, "  rankdir=LR;")
	fmt.Fprintln(bw, `  node [fontname="Helvetica", fontsize=11];`)
	ids := map[*Value]int{}
	var order []*Value
	var visit func(v *Value)
	visit = func(v *Value) {
		if _, ok := ids[v]; ok {
			return
		}
		ids[v] = -1 // visiting
		for _, p := range v.parents {
			if p != nil {
				visit(p)
			}
		}
		ids[v] = len(order)
		order = append(order, v)
	}
	visit(root)
	for _, v := range order {
		label := v.op
		if v.name != "" {
			label = v.name + "\\n" + v.op
		}
		label += fmt.Sprintf("\\n%s", shapeLabel(v.Shape()))
		if v.grad != nil {
			label += "\\ngrad ✓"
		}
		style := `shape=box, style="rounded,filled", fillcolor="#dbe9f6"`
		switch {
		case v.op == "param":
			style = `shape=box, style=filled, fillcolor="#fde2b8"`
		case len(v.parents) == 0:
			style = `shape=ellipse, style=filled, fillcolor="#e8e8e8"`
		}
		if v == root {
			style = `shape=box, style="rounded,filled,bold", fillcolor="#c8e6c9"`
		}
		fmt.Fprintf(bw, "  n%d [label=\"%s\", %s];\n", ids[v], escape(label), style)
	}
	for _, v := range order {
		for _, p := range v.parents {
			if p != nil {
				fmt.Fprintf(bw, "  n%d -> n%d;\n", ids[p], ids[v])
			}
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

func shapeLabel(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, "×") + ")"
}

func escape(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }
