package onnx

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/tensor"
)

// Recurrent layers in ONNX. ONNX's RNN, LSTM and GRU operators are one
// layer each, in one or both directions, and lay their weights out
// differently from PyTorch (and so from baeum):
//
//   - W (D, G·H, in) and R (D, G·H, H) stack the directions' W_ih and
//     W_hh, and B (D, 2·G·H) each direction's [b_ih, b_hh];
//   - an LSTM's gates are stacked i, o, f, c where PyTorch stacks
//     i, f, g, o, and a GRU's z, r, h where PyTorch stacks r, z, n;
//   - PyTorch's GRU applies the reset gate after the hidden state's
//     product, ONNX's linear_before_reset = 1; ONNX's default, 0, resets
//     the state before the product;
//   - the output Y is (T, D, N, H), or (N, T, D, H) with layout 1, and
//     the final states Y_h and Y_c (D, N, H), or (N, D, H).
//
// Export writes each layer of a baeum network as one such operator with
// its weights reordered into new initializers (W_l0, R_l0, B_l0 under the
// layer's path) and Transpose, Squeeze and Reshape nodes between the
// layers. Import keeps W, R and B as the parameters, in ONNX's layout,
// and reorders them with autograd operations at every forward pass, so
// gradients reach the file's own tensors and a fine-tuned import exports
// as it now is.

// onnxGates is, for each cell, the PyTorch gate block that each of ONNX's
// gate blocks holds: ONNX block j is PyTorch block onnxGates[j].
var onnxGates = map[tensor.Cell][]int{
	tensor.CellRNNTanh: {0},
	tensor.CellRNNReLU: {0},
	tensor.CellLSTM:    {0, 3, 1, 2}, // i, o, f, c from i, f, g, o
	tensor.CellGRU:     {1, 0, 2},    // z, r, h from r, z, n
}

// torchGates is the inverse: PyTorch block j is ONNX block torchGates[j].
var torchGates = map[tensor.Cell][]int{
	tensor.CellRNNTanh: {0},
	tensor.CellRNNReLU: {0},
	tensor.CellLSTM:    {0, 2, 3, 1},
	tensor.CellGRU:     {1, 0, 2},
}

// recurrentOf returns the recurrent network inside m.
func recurrentOf(m nn.Module) *nn.Recurrent {
	switch l := m.(type) {
	case *nn.RNN:
		return &l.Recurrent
	case *nn.LSTM:
		return &l.Recurrent
	case *nn.GRU:
		return &l.Recurrent
	case *nn.Recurrent:
		return l
	}
	return nil
}

// recurrent emits an RNN, LSTM or GRU: one ONNX operator per layer, from
// zero initial states. Dropout between layers, the identity at
// inference, is left out.
func (e *Emitter) recurrent(m nn.Module, ins []string) (string, error) {
	r := recurrentOf(m)
	if len(ins) != 1 {
		return "", fmt.Errorf("%w: sequence lengths as a second input cannot be exported; export the layer on padded sequences of full length", errNoONNX)
	}
	cfg := r.Config
	d := 1
	dir := "forward"
	if cfg.Bidirectional {
		d, dir = 2, "bidirectional"
	}
	layers := max(cfg.NumLayers, 1)
	if len(r.Weights) != layers*d {
		return "", fmt.Errorf("%d sets of weights for %d layers and %d directions", len(r.Weights), layers, d)
	}
	h, gates := cfg.HiddenSize, r.Cell.Gates()
	op := r.Cell.Family()
	attrs := []*pb.AttributeProto{IntAttr("hidden_size", h), stringAttr("direction", dir)}
	switch r.Cell {
	case tensor.CellRNNReLU:
		acts := make([]string, d)
		for i := range acts {
			acts[i] = "Relu"
		}
		attrs = append(attrs, stringsAttr("activations", acts...))
	case tensor.CellGRU:
		attrs = append(attrs, IntAttr("linear_before_reset", 1))
	}
	cur := ins[0]
	if cfg.BatchFirst {
		cur = e.Node("Transpose", []string{cur}, IntsAttr("perm", 1, 0, 2))
	}
	var yh string
	for l := range layers {
		ws := r.Weights[l*d : (l+1)*d]
		wName := e.weightInit(l, "W", ws, gates, h, r.Cell, func(w autograd.RecurrentWeights) *autograd.Value { return w.IH })
		rName := e.weightInit(l, "R", ws, gates, h, r.Cell, func(w autograd.RecurrentWeights) *autograd.Value { return w.HH })
		bName := ""
		if ws[0].BiasIH != nil || ws[0].BiasHH != nil {
			bName = e.biasInit(l, ws, gates, h, r.Cell)
		}
		last := l == layers-1
		y, yhOut := "", ""
		if !last || !cfg.Last {
			y = e.unique(e.prefix() + strings.ToLower(op) + "_y")
		}
		if last && cfg.Last {
			yhOut = e.unique(e.prefix() + strings.ToLower(op) + "_y_h")
		}
		in := []string{cur, wName, rName}
		if bName != "" {
			in = append(in, bName)
		}
		outs := []string{y}
		if yhOut != "" {
			outs = append(outs, yhOut)
		}
		e.node(op, "", in, outs, attrs...)
		if y != "" {
			// Y (T, D, N, H) to the next layer's input (T, N, D·H).
			if d == 1 {
				cur = e.Node("Squeeze", []string{y, e.Ints([]int64{1})})
			} else {
				cur = e.Node("Reshape", []string{e.Node("Transpose", []string{y}, IntsAttr("perm", 0, 2, 1, 3)), e.Ints([]int64{0, 0, -1})})
			}
		}
		yh = yhOut
	}
	if cfg.Last {
		// Y_h (D, N, H) to (N, D·H), forward then backward.
		if d == 1 {
			return e.Node("Squeeze", []string{yh, e.Ints([]int64{0})}), nil
		}
		return e.Node("Reshape", []string{e.Node("Transpose", []string{yh}, IntsAttr("perm", 1, 0, 2)), e.Ints([]int64{0, -1})}), nil
	}
	if cfg.BatchFirst {
		cur = e.Node("Transpose", []string{cur}, IntsAttr("perm", 1, 0, 2))
	}
	return cur, nil
}

// weightInit writes the W or R initializer of layer l: the matrices that
// pick returns for each direction, gate blocks in ONNX's order, stacked
// (D, G·H, columns). It returns the initializer's name.
func (e *Emitter) weightInit(l int, kind string, ws []autograd.RecurrentWeights, gates, h int, cell tensor.Cell, pick func(autograd.RecurrentWeights) *autograd.Value) string {
	var all []float32
	cols := 0
	for _, w := range ws {
		t := pick(w).Data()
		cols = t.Shape()[1]
		all = append(all, reorderRows(float32s(t), onnxGates[cell], h, cols)...)
	}
	return e.init(fmt.Sprintf("%s_l%d", kind, l), all, []int{len(ws), gates * h, cols})
}

// biasInit writes B of layer l: each direction's b_ih then b_hh, gate
// blocks in ONNX's order, zeros for a bias the layer lacks.
func (e *Emitter) biasInit(l int, ws []autograd.RecurrentWeights, gates, h int, cell tensor.Cell) string {
	var all []float32
	for _, w := range ws {
		for _, b := range []*autograd.Value{w.BiasIH, w.BiasHH} {
			v := make([]float32, gates*h)
			if b != nil {
				v = reorderRows(float32s(b.Data()), onnxGates[cell], h, 1)
			}
			all = append(all, v...)
		}
	}
	return e.init(fmt.Sprintf("B_l%d", l), all, []int{len(ws), 2 * gates * h})
}

// init adds a float initializer named name under the layer's path.
func (e *Emitter) init(name string, v []float32, shape []int) string {
	name = e.unique(nn.JoinPath(e.path, name))
	e.done[name] = true
	e.graph.Initializer = append(e.graph.Initializer, floatTensor(name, v, shape))
	return name
}

// reorderRows returns the blocks of h rows (of cols numbers each) of v in
// the order perm: block j of the result is block perm[j] of v.
func reorderRows(v []float32, perm []int, h, cols int) []float32 {
	out := make([]float32, 0, len(v))
	for _, p := range perm {
		out = append(out, v[p*h*cols:(p+1)*h*cols]...)
	}
	return out
}

func stringAttr(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func stringsAttr(name string, v ...string) *pb.AttributeProto {
	s := make([][]byte, len(v))
	for i, x := range v {
		s[i] = []byte(x)
	}
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRINGS.Enum(), Strings: s}
}

// recurrentSpec is a compiled RNN, LSTM or GRU node.
type recurrentSpec struct {
	cell      tensor.Cell
	dir       string // forward, reverse or bidirectional
	d         int    // directions: 2 for bidirectional
	hidden    int    // 0: from R
	layout    int
	resetLate bool // a GRU's linear_before_reset = 1, PyTorch's GRU
}

// recurrentOp compiles ONNX's RNN, LSTM and GRU. It refuses what baeum's
// cells do not compute: activations other than the defaults (and Relu for
// an RNN), activation parameters, clipping, an LSTM's peepholes and
// coupled input and forget gates.
func (m *Model) recurrentOp(n *pb.NodeProto, c *node) (runFunc, error) {
	names := []string{"activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout"}
	maxIn, maxOut := 6, 2
	defaults := []string{"Tanh"}
	switch c.op {
	case "LSTM":
		names = append(names, "input_forget")
		maxIn, maxOut = 8, 3
		defaults = []string{"Sigmoid", "Tanh", "Tanh"}
	case "GRU":
		names = append(names, "linear_before_reset")
		defaults = []string{"Sigmoid", "Tanh"}
	}
	a, err := newAttrs(n, names)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"activation_alpha", "activation_beta"} {
		if a.has(k) {
			return nil, fmt.Errorf("attribute %q is not supported (the activations baeum computes take no parameters)", k)
		}
	}
	if a.has("clip") {
		return nil, errors.New("attribute \"clip\" (cell clipping) is not supported")
	}
	s := recurrentSpec{}
	if s.dir, err = a.string("direction", "forward"); err != nil {
		return nil, err
	}
	switch s.dir {
	case "forward", "reverse":
		s.d = 1
	case "bidirectional":
		s.d = 2
	default:
		return nil, fmt.Errorf("direction %q: want forward, reverse or bidirectional", s.dir)
	}
	hs, err := a.int("hidden_size", 0)
	if err != nil {
		return nil, err
	}
	if hs < 0 || hs > maxDim {
		return nil, fmt.Errorf("hidden_size %d is out of range", hs)
	}
	s.hidden = int(hs)
	if a.has("layout") && m.Opset < 14 {
		return nil, errors.New("attribute \"layout\" came in opset 14")
	}
	layout, err := a.int("layout", 0)
	if err != nil {
		return nil, err
	}
	if layout != 0 && layout != 1 {
		return nil, fmt.Errorf("layout %d: want 0 or 1", layout)
	}
	s.layout = int(layout)
	acts := defaults
	if at, err := a.typed("activations", pb.AttributeProto_STRINGS); err != nil {
		return nil, err
	} else if at != nil {
		acts = nil
		for _, b := range at.GetStrings() {
			acts = append(acts, string(b))
		}
	}
	per := len(defaults)
	if len(acts) != per && len(acts) != per*s.d {
		return nil, fmt.Errorf("%d activations: want %d per direction", len(acts), per)
	}
	switch c.op {
	case "RNN":
		s.cell = tensor.CellRNNTanh
		for i, f := range acts {
			var cell tensor.Cell
			switch {
			case strings.EqualFold(f, "Tanh"):
				cell = tensor.CellRNNTanh
			case strings.EqualFold(f, "Relu"):
				cell = tensor.CellRNNReLU
			default:
				return nil, fmt.Errorf("activation %q is not supported (Tanh or Relu)", f)
			}
			if i > 0 && cell != s.cell {
				return nil, fmt.Errorf("activations %v: different activations for the two directions are not supported", acts)
			}
			s.cell = cell
		}
	default:
		for i, f := range acts {
			if !strings.EqualFold(f, defaults[i%per]) {
				return nil, fmt.Errorf("activations %v are not supported (only the defaults %v)", acts, defaults)
			}
		}
		s.cell = tensor.CellLSTM
		if c.op == "GRU" {
			s.cell = tensor.CellGRU
		}
	}
	if c.op == "LSTM" {
		f, err := a.int("input_forget", 0)
		if err != nil {
			return nil, err
		}
		if f != 0 {
			return nil, errors.New("input_forget 1 (coupled input and forget gates) is not supported")
		}
		if len(c.in) > 7 && c.in[7] >= 0 {
			return nil, errors.New("peepholes (input P) are not supported")
		}
	}
	if c.op == "GRU" {
		lbr, err := a.int("linear_before_reset", 0)
		if err != nil {
			return nil, err
		}
		if lbr != 0 && lbr != 1 {
			return nil, fmt.Errorf("linear_before_reset %d: want 0 or 1", lbr)
		}
		s.resetLate = lbr == 1
	}
	if len(c.in) < 3 || len(c.in) > maxIn {
		return nil, fmt.Errorf("takes 3 to %d inputs, has %d", maxIn, len(c.in))
	}
	if len(c.out) > maxOut {
		return nil, fmt.Errorf("has %d outputs, at most %d", len(c.out), maxOut)
	}
	want := make([]bool, maxOut)
	anyOut := false
	for i, o := range c.out {
		want[i] = o >= 0
		anyOut = anyOut || want[i]
	}
	if !anyOut {
		return nil, errors.New("has no output")
	}
	return func(g *autograd.Graph, in []value) ([]value, error) {
		ys, err := s.run(g, in, want)
		if err != nil {
			return nil, err
		}
		out := make([]value, len(c.out))
		for i := range out {
			if ys[i] != nil {
				out[i] = value{f: ys[i]}
			}
		}
		return out, nil
	}, nil
}

// run evaluates the node and returns Y, Y_h and, for an LSTM, Y_c (nil
// where not wanted).
func (s *recurrentSpec) run(g *autograd.Graph, in []value, want []bool) ([]*autograd.Value, error) {
	var v [3]*autograd.Value
	for i := range v {
		var err error
		if v[i], err = floatAt(in, i); err != nil {
			return nil, err
		}
	}
	x, w, r := v[0], v[1], v[2]
	if x.Data().Dims() != 3 {
		return nil, fmt.Errorf("input X of shape %v: want 3 dimensions", x.Shape())
	}
	if s.layout == 1 {
		x = g.Permute(x, 1, 0, 2)
	}
	t, nb, ni := x.Shape()[0], x.Shape()[1], x.Shape()[2]
	if t == 0 || nb == 0 {
		return nil, fmt.Errorf("input X of shape %v: an empty sequence or batch is not supported", v[0].Shape())
	}
	gates := s.cell.Gates()
	if r.Data().Dims() != 3 || r.Shape()[0] != s.d || r.Shape()[1]%gates != 0 || r.Shape()[1] != gates*r.Shape()[2] {
		return nil, fmt.Errorf("R of shape %v: want (%d, %d·H, H)", r.Shape(), s.d, gates)
	}
	h := r.Shape()[2]
	if s.hidden != 0 && s.hidden != h {
		return nil, fmt.Errorf("R of shape %v for hidden_size %d", r.Shape(), s.hidden)
	}
	gh := gates * h
	if !tensor.EqualShapes(w.Shape(), []int{s.d, gh, ni}) {
		return nil, fmt.Errorf("W of shape %v: want (%d, %d, %d) for input X of shape %v", w.Shape(), s.d, gh, ni, v[0].Shape())
	}
	var b *autograd.Value
	if present(in, 3) {
		var err error
		if b, err = floatAt(in, 3); err != nil {
			return nil, err
		}
		if !tensor.EqualShapes(b.Shape(), []int{s.d, 2 * gh}) {
			return nil, fmt.Errorf("B of shape %v: want (%d, %d)", b.Shape(), s.d, 2*gh)
		}
	}
	var lengths []int
	if present(in, 4) {
		ls, err := intsAt(in, 4, "sequence_lens")
		if err != nil {
			return nil, err
		}
		if len(ls) != nb {
			return nil, fmt.Errorf("%d sequence_lens for a batch of %d", len(ls), nb)
		}
		full := true
		lengths = make([]int, nb)
		for i, l := range ls {
			if l < 0 || l > int64(t) {
				return nil, fmt.Errorf("sequence_lens %v: each must be 0 to %d steps", ls, t)
			}
			lengths[i] = int(l)
			full = full && int(l) == t
		}
		if full {
			lengths = nil
		}
	}
	var states [2]*autograd.Value // initial_h, initial_c
	for k := range states {
		if k == 1 && s.cell != tensor.CellLSTM {
			break
		}
		if !present(in, 5+k) {
			continue
		}
		st, err := floatAt(in, 5+k)
		if err != nil {
			return nil, err
		}
		name := []string{"initial_h", "initial_c"}[k]
		if st.Data().Dims() != 3 {
			return nil, fmt.Errorf("%s of shape %v: want 3 dimensions", name, st.Shape())
		}
		if s.layout == 1 {
			st = g.Permute(st, 1, 0, 2)
		}
		if !tensor.EqualShapes(st.Shape(), []int{s.d, nb, h}) {
			return nil, fmt.Errorf("%s of shape %v: want (%d, %d, %d) in layout 0, its transpose in layout 1", name, in[5+k].f.Shape(), s.d, nb, h)
		}
		states[k] = st
	}
	// Each direction's weights in PyTorch's layout, from ONNX's.
	perm := torchGates[s.cell]
	dirs := make([]autograd.RecurrentWeights, s.d)
	for k := range dirs {
		dirs[k].IH = gateBlocks(g, g.Reshape(g.Slice(w, k, k+1), gh, ni), perm, h)
		dirs[k].HH = gateBlocks(g, g.Reshape(g.Slice(r, k, k+1), gh, h), perm, h)
		if b != nil {
			bk := g.Reshape(g.Slice(b, k, k+1), 2*gh)
			dirs[k].BiasIH = gateBlocks(g, g.Slice(bk, 0, gh), perm, h)
			dirs[k].BiasHH = gateBlocks(g, g.Slice(bk, gh, 2*gh), perm, h)
		}
	}
	var y, yh, yc *autograd.Value
	if s.cell == tensor.CellGRU && !s.resetLate {
		y, yh = s.gruResetEarly(g, x, states[0], dirs, lengths)
	} else {
		y, yh, yc = s.fused(g, x, states, dirs, lengths)
	}
	out := []*autograd.Value{y, yh, yc}
	for i := range out {
		if i >= len(want) || !want[i] {
			out[i] = nil
			continue
		}
		if s.layout == 1 && out[i] != nil {
			if i == 0 {
				out[i] = g.Permute(out[i], 2, 0, 1, 3) // (N, T, D, H)
			} else {
				out[i] = g.Permute(out[i], 1, 0, 2) // (N, D, H)
			}
		}
	}
	return out, nil
}

// fused runs the node with autograd's Recurrent on time-major x (T, N,
// in) and returns Y (T, D, N, H), Y_h and Y_c (D, N, H). A reverse-only
// node runs as a bidirectional one whose forward direction is ignored.
func (s *recurrentSpec) fused(g *autograd.Graph, x *autograd.Value, states [2]*autograd.Value, dirs []autograd.RecurrentWeights, lengths []int) (y, yh, yc *autograd.Value) {
	t, nb := x.Shape()[0], x.Shape()[1]
	h := dirs[0].HH.Shape()[1]
	reverse := s.dir == "reverse"
	d := s.d
	if reverse {
		d = 2
		dirs = []autograd.RecurrentWeights{dirs[0], dirs[0]}
		for k, st := range states {
			if st != nil {
				states[k] = g.Concat(0, st, st)
			}
		}
	}
	o := g.Recurrent(x, states[0], states[1], dirs, autograd.RecurrentOptions{Cell: s.cell, Bidirectional: d == 2, Lengths: lengths})
	if d == 1 {
		y = g.Reshape(o.Out, t, 1, nb, h)
	} else {
		y = g.Permute(g.Reshape(o.Out, t, nb, d, h), 2, 0, 1, 3) // (D, T, N, H)
		if reverse {
			y = g.Slice(y, 1, 2)
		}
		y = g.Permute(y, 1, 0, 2, 3)
	}
	yh, yc = o.H, o.C
	if reverse {
		yh = g.Slice(yh, 1, 2)
		if yc != nil {
			yc = g.Slice(yc, 1, 2)
		}
	}
	return y, yh, yc
}

// gruResetEarly runs ONNX's default GRU, linear_before_reset = 0, whose
// candidate state resets the state before its product with R:
//
//	z = σ(x·W_zᵀ + h·R_zᵀ + b_z)    r = σ(x·W_rᵀ + h·R_rᵀ + b_r)
//	n = tanh(x·W_hᵀ + (r⊙h)·R_hᵀ + b_h)    h′ = (1−z)⊙n + z⊙h
//
// baeum's fused GRU cell is PyTorch's, which resets after the product, so
// this one is written step by step with autograd's element-wise
// operations. dirs are in PyTorch's layout (r, z, n blocks); x is
// time-major. Padded steps (past lengths) keep the state and give zeros.
func (s *recurrentSpec) gruResetEarly(g *autograd.Graph, x, h0 *autograd.Value, dirs []autograd.RecurrentWeights, lengths []int) (y, yh *autograd.Value) {
	t, nb, ni := x.Shape()[0], x.Shape()[1], x.Shape()[2]
	h := dirs[0].HH.Shape()[1]
	x2 := g.Reshape(x, t*nb, ni)
	var masks []*autograd.Value
	if lengths != nil {
		masks = make([]*autograd.Value, t)
		for st := range t {
			m := make([]float32, nb)
			for i, l := range lengths {
				if st < l {
					m[i] = 1
				}
			}
			masks[st] = g.Input(tensor.FromFloat32(m, nb, 1))
		}
	}
	part := func(v *autograd.Value, k int) *autograd.Value {
		if v == nil {
			return nil
		}
		return g.Slice(v, k*h, (k+1)*h)
	}
	ys := make([]*autograd.Value, len(dirs))
	finals := make([]*autograd.Value, len(dirs))
	for k, w := range dirs {
		reverse := s.dir == "reverse" || k == 1
		// Input projections of every step at once, per gate (r, z, n).
		var xp, rw, rb [3]*autograd.Value
		for j := range 3 {
			xp[j] = g.Linear(x2, part(w.IH, j), part(w.BiasIH, j))
			rw[j], rb[j] = part(w.HH, j), part(w.BiasHH, j)
		}
		var hk *autograd.Value
		if h0 != nil {
			hk = g.Reshape(g.Slice(h0, k, k+1), nb, h)
		} else {
			hk = g.Input(tensor.New(tensor.Float32, nb, h))
		}
		steps := make([]*autograd.Value, t)
		for i := range t {
			st := i
			if reverse {
				st = t - 1 - i
			}
			at := func(j int) *autograd.Value { return g.Slice(xp[j], st*nb, (st+1)*nb) }
			rg := g.Sigmoid(g.Add(at(0), g.Linear(hk, rw[0], rb[0])))
			zg := g.Sigmoid(g.Add(at(1), g.Linear(hk, rw[1], rb[1])))
			ng := g.Tanh(g.Add(at(2), g.Linear(g.Mul(rg, hk), rw[2], rb[2])))
			next := g.Add(ng, g.Mul(zg, g.Sub(hk, ng)))
			if masks != nil {
				next = g.Add(hk, g.Mul(masks[st], g.Sub(next, hk)))
				steps[st] = g.Mul(masks[st], next)
			} else {
				steps[st] = next
			}
			hk = next
		}
		ys[k] = g.Reshape(g.Concat(0, steps...), t, 1, nb, h)
		finals[k] = g.Reshape(hk, 1, nb, h)
	}
	if len(dirs) == 1 {
		return ys[0], finals[0]
	}
	return g.Concat(1, ys...), g.Concat(0, finals...)
}

// gateBlocks returns the blocks of h rows of v in the order perm: block j
// of the result is block perm[j] of v. Its gradient returns to v's rows.
func gateBlocks(g *autograd.Graph, v *autograd.Value, perm []int, h int) *autograd.Value {
	identity := true
	for j, p := range perm {
		identity = identity && j == p
	}
	if identity {
		return v
	}
	parts := make([]*autograd.Value, len(perm))
	for j, p := range perm {
		parts[j] = g.Slice(v, p*h, (p+1)*h)
	}
	return g.Concat(0, parts...)
}
