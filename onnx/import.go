package onnx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/internal/ctxio"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/tensor"
)

// The opsets Import reads.
const (
	MinImportOpset = 11
	MaxImportOpset = 17
)

// Port is a graph input or output: its name and its shape, -1 for a
// dimension the file leaves free (the batch, usually).
type Port struct {
	Name  string
	Shape []int
}

// Model is an imported ONNX graph: an nn.Module whose Forward evaluates
// the nodes with autograd operations. Its parameters are the initializers
// that feed Conv, Gemm, MatMul and BatchNormalization weights and biases,
// named as in the file, and the W, R and B initializers of RNN, LSTM and
// GRU nodes, kept in ONNX's layout; its buffers are BatchNormalization's
// running statistics; every other initializer and Constant is a constant.
type Model struct {
	// Opset is the version of the default ONNX domain the file imports.
	Opset int
	// Input and Output are the graph's one input and its first output.
	Input, Output Port
	// Metadata is the file's metadata_props.
	Metadata map[string]string
	// Producer is the file's producer_name and producer_version.
	Producer string

	nodes     []*node
	input     int // value id of the graph input
	output    int
	preset    map[int]value // initializers by value id, while compiling
	init      []value       // every value id's initializer (parameters and constants), nothing for computed values
	params    []nn.Param
	buffers   []nn.Buffer
	graph     *pb.GraphProto            // the graph, initializers' numbers left out
	names     []string                  // value names by id
	stats     map[string]*tensor.Tensor // running statistics by name, while compiling
	kept      []*pb.TensorProto         // the constant initializers, as read
	irVersion int64
}

// value is what flows along an edge: a float tensor in the autograd
// graph, or integers of shape arithmetic evaluated outside it. A mask
// (Greater's output) is a float tensor of 0 and 1 that takes no gradient.
type value struct {
	f     *autograd.Value
	ints  []int64
	shape []int // of ints
	isInt bool
}

// node is a compiled NodeProto.
type node struct {
	name, op string
	in, out  []int // value ids; -1 for an optional input left out
	run      func(g *autograd.Graph, in []value) ([]value, error)
}

func (n *node) String() string { return fmt.Sprintf("node %q (%s)", n.name, n.op) }

// ImportFile reads the ONNX model at path. Tensors stored in external
// files are read from the model's folder; a location outside it is
// refused.
func ImportFile(path string) (*Model, error) {
	return ImportFileContext(context.Background(), path)
}

// ImportFileContext is ImportFile, stopping when ctx is done.
func ImportFileContext(ctx context.Context, path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("onnx: %s is not a regular file", path)
	}
	if st.Size() > MaxFileBytes {
		return nil, fmt.Errorf("onnx: %s is %d bytes, more than the limit of %d", path, st.Size(), MaxFileBytes)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	m, err := importReader(ctx, f, externalIn(ctx, dir))
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	return m, nil
}

// Import reads an ONNX model from r. A model whose tensors live in
// external files is refused: ImportFile reads those.
func Import(r io.Reader) (*Model, error) {
	m, err := importReader(context.Background(), r, nil)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// ImportBytes is Import of a model held in memory.
func ImportBytes(b []byte) (*Model, error) { return Import(bytes.NewReader(b)) }

func importReader(ctx context.Context, r io.Reader, ext external) (*Model, error) {
	b, err := io.ReadAll(io.LimitReader(ctxio.Reader(ctx, r), MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileBytes {
		return nil, fmt.Errorf("more than %d bytes", MaxFileBytes)
	}
	if len(b) == 0 {
		return nil, errors.New("empty file: not an ONNX model")
	}
	if err := scan(b); err != nil {
		return nil, err
	}
	mp := &pb.ModelProto{}
	if err := proto.Unmarshal(b, mp); err != nil {
		return nil, fmt.Errorf("not an ONNX model: %v", err)
	}
	return compile(ctx, mp, ext, false)
}

// externalIn reads external data from files inside dir only.
func externalIn(ctx context.Context, dir string) external {
	return func(location string, offset, length int64) ([]byte, error) {
		if location == "" || filepath.IsAbs(location) || strings.Contains(location, "\x00") {
			return nil, fmt.Errorf("external data location %q: want a path relative to the model's folder", location)
		}
		clean := filepath.Clean(filepath.FromSlash(location))
		if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("external data location %q is outside the model's folder", location)
		}
		path := filepath.Join(dir, clean)
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("external data: %w", err)
		}
		realDir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil, err
		}
		if rel, err := filepath.Rel(realDir, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("external data location %q leads outside the model's folder", location)
		}
		f, err := os.Open(real)
		if err != nil {
			return nil, fmt.Errorf("external data: %w", err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("external data %q is not a regular file", location)
		}
		if offset < 0 || length < 0 || length > 4*MaxElements || offset > st.Size() || length > st.Size()-offset {
			return nil, fmt.Errorf("external data %q: bytes %d to %d are outside its %d bytes", location, offset, offset+length, st.Size())
		}
		out := make([]byte, length)
		if _, err := io.ReadFull(ctxio.Reader(ctx, io.NewSectionReader(f, offset, length)), out); err != nil {
			return nil, fmt.Errorf("external data %q: %w", location, err)
		}
		return out, nil
	}
}

// compile checks the model and turns its graph into nodes.
//
// A skeleton (see Model.Skeleton) may leave out the numbers of the
// parameters and running statistics: they are zeros until loaded.
func compile(ctx context.Context, mp *pb.ModelProto, ext external, skeleton bool) (*Model, error) {
	m := &Model{Metadata: map[string]string{}, preset: map[int]value{}, stats: map[string]*tensor.Tensor{}}
	m.Producer = strings.TrimSpace(mp.GetProducerName() + " " + mp.GetProducerVersion())
	m.irVersion = mp.GetIrVersion()
	for _, op := range mp.GetOpsetImport() {
		switch op.GetDomain() {
		case "", "ai.onnx":
			m.Opset = int(op.GetVersion())
		}
	}
	if m.Opset == 0 {
		return nil, errors.New("the model imports no opset of the default ONNX domain")
	}
	if m.Opset < MinImportOpset || m.Opset > MaxImportOpset {
		return nil, fmt.Errorf("opset %d: baeum reads opsets %d to %d (re-export the model with opset_version in that range)", m.Opset, MinImportOpset, MaxImportOpset)
	}
	for _, kv := range mp.GetMetadataProps() {
		m.Metadata[kv.GetKey()] = kv.GetValue()
	}
	g := mp.GetGraph()
	if g == nil {
		return nil, errors.New("the model has no graph")
	}
	if len(g.GetSparseInitializer()) > 0 {
		return nil, errors.New("sparse initializers are not supported")
	}
	ids := map[string]int{}
	id := func(name string) int {
		if v, ok := ids[name]; ok {
			return v
		}
		ids[name] = len(m.names)
		m.names = append(m.names, name)
		return ids[name]
	}
	// Roles of initializers, from the nodes that read them.
	roles := map[string]nn.Role{}
	stats := map[string]bool{}
	for _, n := range g.GetNode() {
		in := n.GetInput()
		at := func(i int) string {
			if i < len(in) {
				return in[i]
			}
			return ""
		}
		switch n.GetOpType() {
		case "Conv", "Gemm":
			roles[at(1)], roles[at(2)] = nn.Weight, nn.Bias
		case "MatMul":
			roles[at(0)], roles[at(1)] = nn.Weight, nn.Weight
		case "BatchNormalization":
			roles[at(1)], roles[at(2)] = nn.Scale, nn.Shift
			stats[at(3)], stats[at(4)] = true, true
		case "RNN", "LSTM", "GRU":
			// W, R and B in ONNX's layout (see rnn.go).
			roles[at(1)], roles[at(2)] = nn.Weight, nn.RecurrentWeight
			if at(3) != "" {
				roles[at(3)] = nn.Bias
			}
		}
	}
	// Initializers, decoded; which become parameters is decided by the
	// nodes that read them.
	inits := map[string]*data{}
	var initOrder []string
	for _, tp := range g.GetInitializer() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := tp.GetName()
		if name == "" {
			return nil, errors.New("an initializer has no name")
		}
		if inits[name] != nil {
			return nil, fmt.Errorf("initializer %q is given twice", name)
		}
		var d *data
		var err error
		if _, param := roles[name]; skeleton && (param || stats[name]) && empty(tp) {
			d, err = zeros(tp)
		} else {
			d, err = decode(tp, ext)
		}
		if err != nil {
			return nil, err
		}
		inits[name] = d
		if _, param := roles[name]; (!param && !stats[name]) || d.isInt {
			m.kept = append(m.kept, tp)
		}
		initOrder = append(initOrder, name)
	}
	// The one real input: the first graph input that is not an
	// initializer (files of IR version 3 list initializers as inputs).
	var inputs []*pb.ValueInfoProto
	for _, in := range g.GetInput() {
		if inits[in.GetName()] == nil {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) != 1 {
		names := make([]string, len(inputs))
		for i, in := range inputs {
			names[i] = in.GetName()
		}
		return nil, fmt.Errorf("the graph has %d inputs (%s); baeum runs models of one input", len(inputs), strings.Join(names, ", "))
	}
	port, err := portOf(inputs[0])
	if err != nil {
		return nil, err
	}
	m.Input = port
	m.input = id(port.Name)
	if len(g.GetOutput()) == 0 {
		return nil, errors.New("the graph has no output")
	}
	if m.Output, err = portOf(g.GetOutput()[0]); err != nil {
		return nil, err
	}
	for _, name := range initOrder {
		d := inits[name]
		vid := id(name)
		role, isParam := roles[name]
		switch {
		case isParam && !d.isInt && !stats[name]:
			v := autograd.NewParam(name, d.tensor())
			m.params = append(m.params, nn.Param{Name: name, Value: v, Role: role})
			m.preset[vid] = value{f: v}
		case stats[name] && !d.isInt:
			t := d.tensor()
			m.buffers = append(m.buffers, nn.Buffer{Name: name, Tensor: t})
			m.stats[name] = t
			m.preset[vid] = value{f: autograd.NewParam(name, t)}
		case d.isInt:
			m.preset[vid] = value{ints: d.i, shape: d.shape, isInt: true}
		default:
			m.preset[vid] = value{f: autograd.NewParam(name, d.tensor())}
		}
	}
	// Nodes, in the order the file gives, which ONNX requires to be
	// topological: every input must be defined before it is read.
	defined := map[string]bool{port.Name: true}
	for name := range inits {
		defined[name] = true
	}
	for i, n := range g.GetNode() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := n.GetName()
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		if d := n.GetDomain(); d != "" && d != "ai.onnx" {
			return nil, fmt.Errorf("node %q (%s): operators of domain %q are not supported, only ONNX's own", name, n.GetOpType(), d)
		}
		c := &node{name: name, op: n.GetOpType()}
		for _, in := range n.GetInput() {
			if in == "" {
				c.in = append(c.in, -1)
				continue
			}
			if !defined[in] {
				return nil, fmt.Errorf("node %q (%s) reads %q before any node writes it", name, c.op, in)
			}
			c.in = append(c.in, id(in))
		}
		for _, out := range n.GetOutput() {
			if out == "" {
				c.out = append(c.out, -1)
				continue
			}
			if defined[out] {
				return nil, fmt.Errorf("node %q (%s) writes %q, which is already defined", name, c.op, out)
			}
			defined[out] = true
			c.out = append(c.out, id(out))
		}
		run, err := m.op(n, c, inits)
		if err != nil {
			return nil, fmt.Errorf("node %q (%s, opset %d): %w", name, c.op, m.Opset, err)
		}
		c.run = run
		m.nodes = append(m.nodes, c)
	}
	if !defined[m.Output.Name] {
		return nil, fmt.Errorf("the graph's output %q is never computed", m.Output.Name)
	}
	m.output = id(m.Output.Name)
	m.init = make([]value, len(m.names))
	for id, v := range m.preset {
		m.init[id] = v
	}
	m.preset, m.stats = nil, nil
	// Keep the graph without the initializers' numbers, for export.
	m.graph = proto.Clone(g).(*pb.GraphProto)
	m.graph.Initializer = nil
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// portOf reads a graph input's or output's name and shape.
func portOf(v *pb.ValueInfoProto) (Port, error) {
	p := Port{Name: v.GetName()}
	if p.Name == "" {
		return p, errors.New("a graph input or output has no name")
	}
	tt := v.GetType().GetTensorType()
	if tt == nil {
		return p, fmt.Errorf("graph input or output %q is not a tensor: sequences and optionals are not supported", p.Name)
	}
	if et := pb.TensorProto_DataType(tt.GetElemType()); et != pb.TensorProto_FLOAT && et != pb.TensorProto_UNDEFINED {
		return p, fmt.Errorf("graph input or output %q holds %v: baeum runs float32 models, other element types are not supported", p.Name, et)
	}
	dims := tt.GetShape().GetDim()
	if len(dims) > maxRank {
		return p, fmt.Errorf("graph input or output %q has %d dimensions, more than %d", p.Name, len(dims), maxRank)
	}
	for _, d := range dims {
		v, ok := d.GetValue().(*pb.TensorShapeProto_Dimension_DimValue)
		switch {
		case !ok || v.DimValue < 0:
			p.Shape = append(p.Shape, -1)
		case v.DimValue > maxDim:
			return p, fmt.Errorf("graph input or output %q: dimension %d is too large", p.Name, v.DimValue)
		default:
			p.Shape = append(p.Shape, int(v.DimValue))
		}
	}
	return p, nil
}

// Example returns the shape of one example the model reads: the input's
// shape without its first (batch) dimension, or nil when a dimension
// other than the batch is free.
func (m *Model) Example() []int {
	if len(m.Input.Shape) < 2 || slices.Contains(m.Input.Shape[1:], -1) {
		return nil
	}
	return slices.Clone(m.Input.Shape[1:])
}

// check runs the graph on zeros of the input's declared shape (a batch
// of two where the batch is free), when the rest of the shape is known,
// so that a graph whose shapes do not fit together is refused on import
// rather than failing later.
func (m *Model) check() error {
	if len(m.Input.Shape) == 0 || slices.Contains(m.Input.Shape[1:], -1) {
		return nil
	}
	shape := slices.Clone(m.Input.Shape)
	if shape[0] < 0 {
		shape[0] = 2
	}
	if tensor.Numel(shape) > MaxElements {
		return fmt.Errorf("input %q of shape %v: more than %d numbers", m.Input.Name, m.Input.Shape, MaxElements)
	}
	g := autograd.NewInferenceGraph()
	_, err := m.Run(g, g.Input(tensor.New(tensor.Float32, shape...)))
	return err
}

// Run evaluates the graph on x and returns its output, or an error naming
// the node that failed.
func (m *Model) Run(g *autograd.Graph, x *autograd.Value) (y *autograd.Value, err error) {
	vals := slices.Clone(m.init)
	ins := make([]value, 0, 8)
	vals[m.input] = value{f: x}
	var cur *node
	defer func() {
		if r := recover(); r != nil {
			where := "the graph"
			if cur != nil {
				where = cur.String()
			}
			err = fmt.Errorf("%s: %v", where, r)
		}
	}()
	for _, n := range m.nodes {
		cur = n
		ins = ins[:0]
		for _, id := range n.in {
			if id < 0 {
				ins = append(ins, value{})
			} else {
				ins = append(ins, vals[id])
			}
		}
		outs, err := n.run(g, ins)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		for i, id := range n.out {
			if id >= 0 && i < len(outs) {
				vals[id] = outs[i]
			}
		}
	}
	out := vals[m.output]
	if out.f == nil {
		return nil, fmt.Errorf("the graph's output %q is not a float tensor", m.Output.Name)
	}
	return out.f, nil
}

// Forward evaluates the graph on x. It panics with the failing node's
// name when the graph cannot run on x (a shape it does not take):
// Import has already run it on zeros of the declared input shape.
func (m *Model) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	y, err := m.Run(g, x)
	if err != nil {
		panic("onnx: " + err.Error())
	}
	return y
}

// Params returns the trainable initializers, named as in the file.
func (m *Model) Params() []nn.Param { return slices.Clone(m.params) }

// Buffers returns the running statistics of the BatchNormalization nodes.
func (m *Model) Buffers() []nn.Buffer { return slices.Clone(m.buffers) }

// String describes the model.
func (m *Model) String() string {
	return fmt.Sprintf("ONNX graph (opset %d, %d nodes, input %s %v)", m.Opset, len(m.nodes), m.Input.Name, m.Input.Shape)
}

// Operators lists the operators of the graph's nodes, in order of first
// use.
func (m *Model) Operators() []string {
	var ops []string
	for _, n := range m.nodes {
		if !slices.Contains(ops, n.op) {
			ops = append(ops, n.op)
		}
	}
	return ops
}
