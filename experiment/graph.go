package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/data/text"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/plot"
	"github.com/baeum-ml/baeum/tensor"
)

// GraphResult is a computational graph ready to be written: the graph,
// the name its files get, and what was computed.
type GraphResult struct {
	// Name is the base of the files Draw writes ("graph-lenet5").
	Name string
	// Graph holds the nodes and edges that are drawn.
	Graph *plot.Graph
	// Params lists the parameters (dotted names) the graph reaches.
	Params []string
	// OutputName names the graph's output ("L" for a loss) and Output is
	// its value.
	OutputName string
	Output     float64
	// Grads holds d output/d v for each named one-element variable (for
	// expressions).
	Grads map[string]float64
}

// StepGraph builds the computational graph of one training step of a
// model: the forward pass of a batch of two random images with labels 3
// and 7 through the model and the cross-entropy loss, then the backward
// pass. model is a built-in name (models.Names) or a checkpoint path; a
// checkpoint's architecture is used, since the weights do not change the
// graph. Coarse layers (convolution, pooling, Linear, activations, the
// fused softmax cross-entropy) are one node each.
//
// A character language model (models.CharLMName, or a checkpoint of one)
// reads the word "graph" instead: the boundary and its letters in, each
// next character out, and the cross-entropy of every step; the built-in
// is drawn over the letters a–z and the apostrophe.
func StepGraph(model string, seed uint64) (*GraphResult, error) {
	var m *models.Model
	var err error
	switch {
	case model == models.CharLMName:
		m, err = models.NewText(tensor.NewRNG(seed), models.Config{Name: model}, models.TextPrepOf("'abcdefghijklmnopqrstuvwxyz", 32))
	case models.IsBuiltin(model):
		m, err = models.ForMNIST(tensor.NewRNG(seed), models.Config{Name: model})
	default:
		m, _, err = models.Load(model)
	}
	if err != nil {
		return nil, err
	}
	if m.Text() != nil {
		return textStepGraph(m)
	}
	shape := append([]int{2}, m.InputShape()...)
	x := tensor.RandNormal(tensor.NewRNG(seed+1), tensor.Float32, 0, 1, shape...)
	g := trainingGraph()
	in := g.Input(x).SetName("images")
	loss := g.CrossEntropy(m.Forward(g, in), []int{3, 7}, autograd.ReduceMean).SetName("L")
	return stepResult(m, loss, fmt.Sprint(m)), nil
}

// trainingGraph returns a graph in training mode with a fixed random
// source, which dropout (cnn's, or a language model's) draws its masks
// from, that keeps every layer its own node (Unfused): the drawing
// shows a ReLU after a Linear layer, as the course teaches them.
func trainingGraph() *autograd.Graph {
	g := autograd.NewGraph()
	g.Training, g.RNG, g.Unfused = true, tensor.NewRNG(1), true
	return g
}

// stepResult backpropagates from loss and returns the step's graph, with
// the model's gradients cleared again; what names the step in the title.
func stepResult(m *models.Model, loss *autograd.Value, what string) *GraphResult {
	nn.ZeroGrad(m)
	loss.Backward()
	res := &GraphResult{
		Name: "graph-" + m.Config.Name,
		Graph: plot.NewGraph(loss, plot.GraphOptions{Backward: true, Output: "L",
			Title: fmt.Sprintf("One training step of %s: forward pass (top, black) and backward pass (red, dashed): ∂L/∂v for every value v", what)}),
		OutputName: "L",
		Output:     loss.Item(),
	}
	for _, p := range m.Params() {
		res.Params = append(res.Params, p.Name)
	}
	nn.ZeroGrad(m)
	return res
}

// DefaultExpression is the expression `baeum graph --expr` draws by
// default, with DefaultExpressionVars: y = w·x + b.
const DefaultExpression = "y = w*x + b"

// DefaultExpressionVars are the values of DefaultExpression's variables.
var DefaultExpressionVars = map[string]float64{"w": 2, "x": 3, "b": 1}

// Expression parses a formula such as "y = tanh(w*x + b)", computes it
// on a graph with the variables set to vars (each a parameter, so that
// gradients flow to it), backpropagates, and returns the graph with every
// value and gradient written in its node. An optional "name =" prefix
// names the output (default y). The formula may use numbers, variables
// (letters, digits and _), + - * / ^ (power), parentheses and the
// functions exp, log, sqrt, abs, square, tanh, sigmoid and relu. Every
// variable must have a value; errors say where the formula went wrong.
func Expression(src string, vars map[string]float64) (*GraphResult, error) {
	if len(src) > 400 {
		return nil, fmt.Errorf("expression of %d characters: keep it under 400", len(src))
	}
	out := "y"
	body := src
	if i := strings.Index(src, "="); i >= 0 {
		out = strings.TrimSpace(src[:i])
		body = src[i+1:]
		if !isIdent(out) {
			return nil, fmt.Errorf("expression %q: %q before = is not a name", src, out)
		}
	}
	p := &parser{src: body, g: autograd.NewGraph(), vars: vars, params: map[string]*autograd.Value{}}
	root, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	if len(p.missing) > 0 {
		sort.Strings(p.missing)
		var eg []string
		for _, m := range p.missing {
			eg = append(eg, m+"=1")
		}
		return nil, fmt.Errorf("expression %q: no value for %s (give them, e.g. --vars %s)", src, strings.Join(p.missing, ", "), strings.Join(eg, ","))
	}
	if p.g.Len() > 200 {
		return nil, fmt.Errorf("expression %q has %d nodes: too many to draw (at most 200)", src, p.g.Len())
	}
	root.SetName(out)
	res := &GraphResult{Name: "graph-expr", OutputName: out, Output: root.Item(), Grads: map[string]float64{}}
	if !root.RequiresGrad() {
		return nil, fmt.Errorf("expression %q has no variable: there is nothing to differentiate", src)
	}
	root.Backward()
	names := make([]string, 0, len(p.params))
	for n := range p.params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		res.Params = append(res.Params, n)
		if gr := p.params[n].Grad(); gr != nil {
			res.Grads[n] = gr.Item()
		} else {
			res.Grads[n] = 0
		}
	}
	var given []string
	for _, n := range names {
		given = append(given, fmt.Sprintf("%s = %g", n, vars[n]))
	}
	res.Graph = plot.NewGraph(root, plot.GraphOptions{Backward: true, Values: true, Output: out,
		Title: fmt.Sprintf("%s = %s at %s: values forward (black), gradients backward (red)", out, strings.TrimSpace(body), strings.Join(given, ", "))})
	return res, nil
}

// ParseVars parses variable values written as "w=2,x=3,b=-1".
func ParseVars(s string) (map[string]float64, error) {
	vars := map[string]float64{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, val, ok := strings.Cut(f, "=")
		name = strings.TrimSpace(name)
		if !ok || !isIdent(name) {
			return nil, fmt.Errorf("variables are written name=value separated by commas (w=2,x=3), got %q", f)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %q is not a number", name, strings.TrimSpace(val))
		}
		vars[name] = v
	}
	return vars, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

// parser is a recursive-descent parser that builds graph operations as it
// reads:
//
//	sum     = product { ("+" | "-") product }
//	product = unary { ("*" | "/" | "·" | "×") unary }
//	unary   = ("-" | "+") unary | power
//	power   = atom [ ("^" | "**") unary ]
//	atom    = number | name | name "(" sum ")" | "(" sum ")"
type parser struct {
	src     string
	pos     int
	g       *autograd.Graph
	vars    map[string]float64
	params  map[string]*autograd.Value
	missing []string
}

var errSyntax = errors.New("syntax error")

func (p *parser) parse() (v *autograd.Value, err error) {
	defer func() {
		// Shape errors cannot happen on scalars, but a panic from an
		// operation must not escape for input from outside.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%v", r)
		}
	}()
	v, err = p.sum()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	return v, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at character %d: %s", errSyntax, p.pos+1, fmt.Sprintf(format, args...))
}

func (p *parser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 10 {
		r = r[:10] + "…"
	}
	return r
}

func (p *parser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// eat consumes tok if it comes next.
func (p *parser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *parser) sum() (*autograd.Value, error) {
	v, err := p.product()
	for err == nil {
		switch {
		case p.eat("+"):
			var r *autograd.Value
			if r, err = p.product(); err == nil {
				v = p.g.Add(v, r)
			}
		case p.eat("-"):
			var r *autograd.Value
			if r, err = p.product(); err == nil {
				v = p.g.Sub(v, r)
			}
		default:
			return v, nil
		}
	}
	return nil, err
}

func (p *parser) product() (*autograd.Value, error) {
	v, err := p.unary()
	for err == nil {
		p.space()
		rest, op := p.src[p.pos:], ""
		for _, t := range []string{"*", "/", "·", "×"} {
			if strings.HasPrefix(rest, t) && !strings.HasPrefix(rest, "**") {
				op = t
				break
			}
		}
		if op == "" {
			return v, nil
		}
		p.pos += len(op)
		var r *autograd.Value
		if r, err = p.unary(); err == nil {
			if op == "/" {
				v = p.g.Div(v, r)
			} else {
				v = p.g.Mul(v, r)
			}
		}
	}
	return nil, err
}

func (p *parser) unary() (*autograd.Value, error) {
	switch {
	case p.eat("-"):
		v, err := p.unary()
		if err != nil {
			return nil, err
		}
		return p.g.Neg(v), nil
	case p.eat("+"):
		return p.unary()
	}
	return p.power()
}

func (p *parser) power() (*autograd.Value, error) {
	v, err := p.atom()
	if err != nil {
		return nil, err
	}
	if p.eat("^") || p.eat("**") {
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		if e.Op() == "input" && len(e.Parents()) == 0 {
			return p.g.PowScalar(v, e.Item()), nil
		}
		return p.g.Pow(v, e), nil
	}
	return v, nil
}

var functions = map[string]func(g *autograd.Graph, x *autograd.Value) *autograd.Value{
	"exp":     (*autograd.Graph).Exp,
	"log":     (*autograd.Graph).Log,
	"sqrt":    (*autograd.Graph).Sqrt,
	"abs":     (*autograd.Graph).Abs,
	"square":  (*autograd.Graph).Square,
	"tanh":    (*autograd.Graph).Tanh,
	"sigmoid": (*autograd.Graph).Sigmoid,
	"relu":    (*autograd.Graph).ReLU,
}

func (p *parser) atom() (*autograd.Value, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, p.errorf("the expression ends where a number, name or ( was expected")
	}
	if p.eat("(") {
		v, err := p.sum()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, p.errorf("missing )")
		}
		return v, nil
	}
	start := p.pos
	c := p.src[p.pos]
	if c >= '0' && c <= '9' || c == '.' {
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.' ||
			p.src[p.pos] == 'e' || p.src[p.pos] == 'E' ||
			(p.src[p.pos] == '-' || p.src[p.pos] == '+') && (p.src[p.pos-1] == 'e' || p.src[p.pos-1] == 'E')) {
			p.pos++
		}
		f, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil {
			p.pos = start
			return nil, p.errorf("%q is not a number", p.src[start:p.pos])
		}
		return p.g.Input(tensor.FromFloat64([]float64{f})).SetName(strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	for p.pos < len(p.src) {
		r := rune(p.src[p.pos])
		if r >= 0x80 || !(r == '_' || unicode.IsLetter(r) || p.pos > start && unicode.IsDigit(r)) {
			break
		}
		p.pos++
	}
	name := p.src[start:p.pos]
	if name == "" {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	if f, ok := functions[name]; ok {
		if !p.eat("(") {
			return nil, p.errorf("%s needs an argument in parentheses", name)
		}
		v, err := p.sum()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, p.errorf("missing ) after the argument of %s", name)
		}
		return f(p.g, v), nil
	}
	if v, ok := p.params[name]; ok {
		return v, nil
	}
	val, ok := p.vars[name]
	if !ok {
		p.missing = append(p.missing, name)
	}
	v := autograd.NewParam(name, tensor.FromFloat64([]float64{val}))
	p.params[name] = v
	return v, nil
}

// Draw writes the graph as Name.dot and, when Graphviz's dot program is
// installed, renders it as Name.png/.svg. It returns the paths written;
// when dot is missing it writes the .dot file and returns
// plot.ErrNoGraphviz with the paths.
func (r *GraphResult) Draw(ctx context.Context, out Output) ([]string, error) {
	var files []string
	dotPath := filepath.Join(out.Dir, r.Name+".dot")
	src := r.Graph.DOT()
	if err := os.MkdirAll(out.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := plot.WriteFileAtomic(dotPath, func(w io.Writer) error {
		_, err := w.Write(src)
		return err
	}); err != nil {
		return nil, err
	}
	files = append(files, dotPath)
	if plot.DotProgram() == "" {
		return files, plot.ErrNoGraphviz
	}
	for _, f := range out.formats() {
		p := filepath.Join(out.Dir, r.Name+"."+f)
		if err := plot.RenderDOT(ctx, src, p); err != nil {
			return files, err
		}
		files = append(files, p)
	}
	return files, nil
}

// graphWord is the word a text model's step graph reads.
const graphWord = "graph"

// textStepGraph is StepGraph for a character language model: one word,
// its characters predicted one after another.
func textStepGraph(m *models.Model) (*GraphResult, error) {
	v, err := text.VocabOfPrep(m.Text())
	if err != nil {
		return nil, err
	}
	word := graphWord
	if _, err := v.Encode(word); err != nil {
		// A vocabulary without those letters: its first characters.
		word = string(v.Runes[:min(len(v.Runes), len(graphWord))])
	}
	ids, err := v.Encode(word)
	if err != nil {
		return nil, err
	}
	steps := len(ids) - 1
	in64 := make([]int64, steps)
	for i, id := range ids[:steps] {
		in64[i] = int64(id)
	}
	in := tensor.FromInt64(in64, 1, steps)
	targets := ids[1:]
	g := trainingGraph()
	logits := m.Forward(g, g.Input(in).SetName("characters"))
	logits = g.Reshape(logits, steps, logits.Shape()[2])
	loss := g.CrossEntropy(logits, targets, autograd.ReduceMean).SetName("L")
	return stepResult(m, loss, fmt.Sprintf("%v on %q", m, word)), nil
}
