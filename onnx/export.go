package onnx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/tensor"
)

// The opsets Export writes: 13 (where Softmax takes one axis and Squeeze
// its axes as an input) to 17, the newest that the ONNX 1.12 schema of
// Debian's libonnx-dev defines and ONNX Runtime 1.30 runs.
const (
	MinExportOpset     = 13
	MaxExportOpset     = 17
	DefaultExportOpset = 17
)

// Options configures Export.
type Options struct {
	// Opset is the ONNX opset to write, MinExportOpset to MaxExportOpset;
	// 0 means DefaultExportOpset.
	Opset int
	// Metadata goes into the model's metadata_props; baeum writes its
	// preprocessing record and class names there.
	Metadata map[string]string
	// InputName and OutputName name the graph's input and output
	// ("input" and "output" when empty).
	InputName, OutputName string
	// InputType is the input's element type: tensor.Float32 (the zero
	// value) or tensor.Int64, for token ids read by an nn.Embedding.
	InputType tensor.DType
	// DimNames names the example's dimensions that are dynamic in the
	// file, as the batch is ("T" for a sequence's steps); "" or a missing
	// name keeps that dimension at the example's size. With a dynamic
	// dimension the outputs' shapes are written as ranks alone.
	DimNames []string
}

// Exporter is implemented by modules that write themselves as ONNX nodes:
// a user-defined layer that Export does not know. ExportONNX adds to e the
// nodes that compute the module's outputs from the values named in and
// returns the outputs' names.
type Exporter interface {
	ExportONNX(e *Emitter, in []string) ([]string, error)
}

// Export writes m, a network whose one example has the given shape (the
// batch dimension left out; it is dynamic in the file), as an ONNX model
// to w. Parameters and batch-normalisation buffers become initializers
// named as in checkpoints ("conv1.weight", "bn1.running_mean"). It returns
// an error naming the layer for a module that has no ONNX form.
func Export(w io.Writer, m nn.Module, example []int, o Options) error {
	b, err := Marshal(m, example, o)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal is Export to bytes. An imported Model is written as its own
// graph, in its own opset, with its parameters' and statistics' current
// numbers (a fine-tuned import exports as it now is) and its metadata
// with o.Metadata added.
func Marshal(m nn.Module, example []int, o Options) ([]byte, error) {
	if im, ok := m.(*Model); ok {
		return im.file(true, o.Metadata)
	}
	mp, err := build(m, example, o)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(mp)
}

// build makes the ModelProto of m.
func build(m nn.Module, example []int, o Options) (*pb.ModelProto, error) {
	if o.Opset == 0 {
		o.Opset = DefaultExportOpset
	}
	if o.Opset < MinExportOpset || o.Opset > MaxExportOpset {
		return nil, fmt.Errorf("onnx: export opset %d: want %d to %d", o.Opset, MinExportOpset, MaxExportOpset)
	}
	if o.InputName == "" {
		o.InputName = "input"
	}
	if o.OutputName == "" {
		o.OutputName = "output"
	}
	if len(example) == 0 || slices.ContainsFunc(example, func(d int) bool { return d <= 0 }) {
		return nil, fmt.Errorf("onnx: export: example shape %v must have positive dimensions", example)
	}
	e := &Emitter{opset: o.Opset, graph: &pb.GraphProto{Name: proto.String("baeum")}, used: map[string]bool{},
		params: map[*autograd.Value]string{}, buffers: map[*tensor.Tensor]string{}, done: map[string]bool{},
		tg: autograd.NewInferenceGraph()}
	for _, p := range nn.Params(m) {
		e.params[p.Value] = p.Name
	}
	for _, b := range nn.Buffers(m) {
		e.buffers[b.Tensor] = b.Name
	}
	var elem pb.TensorProto_DataType
	switch o.InputType {
	case tensor.Float32:
		elem = pb.TensorProto_FLOAT
	case tensor.Int64:
		elem = pb.TensorProto_INT64
	default:
		return nil, fmt.Errorf("onnx: export: input type %v: want float32 or int64", o.InputType)
	}
	if len(o.DimNames) > len(example) {
		return nil, fmt.Errorf("onnx: export: %d dimension names for an example of %d dimensions", len(o.DimNames), len(example))
	}
	dynamic := slices.ContainsFunc(o.DimNames, func(n string) bool { return n != "" })
	in := e.unique(o.InputName)
	e.graph.Input = []*pb.ValueInfoProto{valueInfo(in, elem, example, o.DimNames)}
	x := e.tg.Input(tensor.New(o.InputType, append([]int{1}, example...)...))
	e.trace = map[string]*autograd.Value{in: x}
	outs, err := e.module("", m, []string{in})
	if err != nil {
		return nil, err
	}
	for i, name := range outs {
		want := o.OutputName
		if len(outs) > 1 {
			want += strconv.Itoa(i)
		}
		shape := e.trace[name].Shape()[1:]
		if name == in || e.used[want] {
			// The output gets its own name through an Identity.
			want = e.unique(want)
			e.node("Identity", "", []string{name}, []string{want})
		} else {
			e.rename(name, want)
		}
		if dynamic {
			e.graph.Output = append(e.graph.Output, rankInfo(want, len(shape)))
		} else {
			e.graph.Output = append(e.graph.Output, valueInfo(want, pb.TensorProto_FLOAT, shape, nil))
		}
	}
	mp := &pb.ModelProto{
		IrVersion:       proto.Int64(8),
		ProducerName:    proto.String("baeum"),
		ProducerVersion: proto.String("1"),
		OpsetImport:     []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(int64(o.Opset))}},
		Graph:           e.graph,
	}
	for _, k := range sortedKeys(o.Metadata) {
		mp.MetadataProps = append(mp.MetadataProps, &pb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(o.Metadata[k])})
	}
	return mp, nil
}

// valueInfo describes a tensor of the given element type of a dynamic
// batch ("N") of examples of the given shape, whose dimensions with a
// name in names are dynamic too.
func valueInfo(name string, elem pb.TensorProto_DataType, example []int, names []string) *pb.ValueInfoProto {
	dims := []*pb.TensorShapeProto_Dimension{{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}}
	for i, d := range example {
		if i < len(names) && names[i] != "" {
			dims = append(dims, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: names[i]}})
			continue
		}
		dims = append(dims, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(elem)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
}

// rankInfo describes a float tensor of the given rank whose dimensions
// are left unknown (an output whose size follows a dynamic input's).
func rankInfo(name string, rank int) *pb.ValueInfoProto {
	dims := make([]*pb.TensorShapeProto_Dimension, rank+1) // and the batch
	for i := range dims {
		dims[i] = &pb.TensorShapeProto_Dimension{}
	}
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(pb.TensorProto_FLOAT)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
}

// Emitter adds nodes and initializers to the graph Export writes. A
// module that implements Exporter receives one.
type Emitter struct {
	opset   int
	graph   *pb.GraphProto
	used    map[string]bool
	params  map[*autograd.Value]string
	buffers map[*tensor.Tensor]string
	done    map[string]bool // initializers written
	tg      *autograd.Graph
	trace   map[string]*autograd.Value // a batch of one example through the graph, for shapes
	consts  int
	path    string
}

// Opset returns the opset being written.
func (e *Emitter) Opset() int { return e.opset }

// Module emits the module m, a child of the module being exported named
// name, on the values named in, and returns its outputs' names: how an
// Exporter of a container writes its children, as Export writes every
// module it knows (nn.Linear, nn.LSTM, nn.Sequential, …, or another
// Exporter).
func (e *Emitter) Module(name string, m nn.Module, in []string) ([]string, error) {
	return e.module(nn.JoinPath(e.path, name), m, in)
}

// Shape returns the shape of the named value for a batch of one.
func (e *Emitter) Shape(name string) []int { return e.trace[name].Shape() }

// Node adds a node of operator op with the given inputs (an empty string
// for an optional input left out) and attributes, and returns the name of
// its one output.
func (e *Emitter) Node(op string, in []string, attrs ...*pb.AttributeProto) string {
	out := e.unique(e.prefix() + strings.ToLower(op))
	e.node(op, "", in, []string{out}, attrs...)
	return out
}

// Constant adds a float32 initializer holding v with the given shape (a
// scalar with none) and returns its name. It stays a constant on import.
func (e *Emitter) Constant(v []float32, shape ...int) string {
	e.consts++
	name := e.unique(fmt.Sprintf("const_%d", e.consts))
	e.graph.Initializer = append(e.graph.Initializer, floatTensor(name, v, shape))
	return name
}

// Ints adds an int64 initializer (a shape, axes, pads) and returns its name.
func (e *Emitter) Ints(v []int64) string {
	e.consts++
	name := e.unique(fmt.Sprintf("const_%d", e.consts))
	e.graph.Initializer = append(e.graph.Initializer, &pb.TensorProto{Name: proto.String(name),
		DataType: proto.Int32(int32(pb.TensorProto_INT64)), Dims: []int64{int64(len(v))}, Int64Data: v})
	return name
}

// Param adds the parameter v as an initializer, once, named as in
// checkpoints, and returns its name.
func (e *Emitter) Param(v *autograd.Value) string {
	name, ok := e.params[v]
	if !ok {
		name = e.unique(e.prefix() + "param")
		e.params[v] = name
	}
	e.tensorInit(name, v.Data())
	return name
}

// Buffer adds a module's buffer (a running statistic) as an initializer,
// once, and returns its name.
func (e *Emitter) Buffer(t *tensor.Tensor) string {
	name, ok := e.buffers[t]
	if !ok {
		name = e.unique(e.prefix() + "buffer")
		e.buffers[t] = name
	}
	e.tensorInit(name, t)
	return name
}

func (e *Emitter) tensorInit(name string, t *tensor.Tensor) {
	if e.done[name] {
		return
	}
	e.done[name] = true
	e.used[name] = true
	e.graph.Initializer = append(e.graph.Initializer, floatTensor(name, float32s(t), t.Shape()))
}

// Attr helpers: attributes for Node.

// IntAttr is an integer attribute.
func IntAttr(name string, v int) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(int64(v))}
}

// IntsAttr is an attribute holding integers.
func IntsAttr(name string, v ...int) *pb.AttributeProto {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: out}
}

// FloatAttr is a float attribute.
func FloatAttr(name string, v float64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(float32(v))}
}

func (e *Emitter) prefix() string {
	if e.path == "" {
		return ""
	}
	return e.path + "/"
}

// unique returns name, or name with a number, not used before.
func (e *Emitter) unique(name string) string {
	if name == "" {
		name = "value"
	}
	out := name
	for i := 1; e.used[out]; i++ {
		out = name + "_" + strconv.Itoa(i)
	}
	e.used[out] = true
	return out
}

func (e *Emitter) node(op, name string, in, out []string, attrs ...*pb.AttributeProto) {
	if name == "" {
		name = e.prefix() + op
	}
	e.graph.Node = append(e.graph.Node, &pb.NodeProto{OpType: proto.String(op), Name: proto.String(e.unique("node:" + name)[len("node:"):]),
		Input: in, Output: out, Attribute: attrs})
}

// rename gives the value from a node's output a new name.
func (e *Emitter) rename(from, to string) {
	for _, n := range e.graph.Node {
		for i, o := range n.Output {
			if o == from {
				n.Output[i] = to
			}
		}
	}
	e.used[to] = true
	e.trace[to] = e.trace[from]
}

// module emits m, reached at path, on inputs ins, and returns its outputs.
func (e *Emitter) module(path string, m nn.Module, ins []string) (outs []string, err error) {
	saved := e.path
	e.path = path
	defer func() { e.path = saved }()
	defer func() {
		// Tracing the module on a batch of one runs its Forward: a layer
		// that panics on the traced shape is an error, not a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("onnx: export: layer %q (%T): %v", pathOr(path), m, r)
		}
	}()
	if x, ok := m.(Exporter); ok {
		outs, err := x.ExportONNX(e, ins)
		if err != nil {
			return nil, fmt.Errorf("onnx: export: layer %q (%T): %w", pathOr(path), m, err)
		}
		if err := e.traceLeaf(m, ins, outs); err != nil {
			return nil, err
		}
		return outs, nil
	}
	switch c := m.(type) {
	case *nn.Sequential:
		cur := ins
		for _, ch := range c.Children() {
			if cur, err = e.module(nn.JoinPath(path, ch.Name), ch.Module, cur); err != nil {
				return nil, err
			}
		}
		return cur, nil
	case *nn.Residual:
		body, err := e.module(nn.JoinPath(path, "body"), c.Body, ins)
		if err != nil {
			return nil, err
		}
		short := ins
		if c.Shortcut != nil {
			if short, err = e.module(nn.JoinPath(path, "shortcut"), c.Shortcut, ins); err != nil {
				return nil, err
			}
		}
		if len(body) != 1 || len(short) != 1 {
			return nil, fmt.Errorf("onnx: export: residual %q: body and shortcut must give one value each", pathOr(path))
		}
		return e.leafOut(nn.Add{}, []string{body[0], short[0]})
	case *nn.Branches:
		var all []string
		for _, ch := range c.Children() {
			out, err := e.module(nn.JoinPath(path, ch.Name), ch.Module, ins)
			if err != nil {
				return nil, err
			}
			all = append(all, out...)
		}
		if c.Join == nil {
			return all, nil
		}
		return e.module(nn.JoinPath(path, "join"), c.Join, all)
	case *nn.Parallel:
		ch := c.Children()
		if len(ins) != len(ch) {
			return nil, fmt.Errorf("onnx: export: %q: Parallel of %d modules given %d inputs", pathOr(path), len(ch), len(ins))
		}
		var all []string
		for i, k := range ch {
			out, err := e.module(nn.JoinPath(path, k.Name), k.Module, ins[i:i+1])
			if err != nil {
				return nil, err
			}
			all = append(all, out...)
		}
		return all, nil
	}
	if _, ok := m.(nn.MultiModule); !ok && len(ins) != 1 {
		return nil, fmt.Errorf("onnx: export: layer %q (%T) takes one input, given %d", pathOr(path), m, len(ins))
	}
	if _, ok := m.(nn.Container); ok {
		return nil, fmt.Errorf("onnx: export: layer %q: container %T has no ONNX form: implement onnx.Exporter, or build the network from nn.Sequential, nn.Residual, nn.Branches and nn.Parallel", pathOr(path), m)
	}
	return e.leafOut(m, ins)
}

// leafOut emits a leaf layer and traces it.
func (e *Emitter) leafOut(m nn.Module, ins []string) ([]string, error) {
	out, err := e.leaf(m, ins)
	if err != nil {
		return nil, fmt.Errorf("onnx: export: layer %q (%v): %w", pathOr(e.path), m, err)
	}
	if err := e.traceLeaf(m, ins, []string{out}); err != nil {
		return nil, err
	}
	return []string{out}, nil
}

// traceLeaf runs m on the traced inputs, so that later layers know their
// inputs' shapes.
func (e *Emitter) traceLeaf(m nn.Module, ins, outs []string) error {
	xs := make([]*autograd.Value, len(ins))
	for i, n := range ins {
		xs[i] = e.trace[n]
	}
	var ys []*autograd.Value
	if mm, ok := m.(nn.MultiModule); ok {
		ys = mm.ForwardN(e.tg, xs)
	} else {
		ys = []*autograd.Value{m.Forward(e.tg, xs[0])}
	}
	if len(ys) != len(outs) {
		return fmt.Errorf("onnx: export: layer %q (%T) gives %d values but wrote %d", pathOr(e.path), m, len(ys), len(outs))
	}
	for i, n := range outs {
		e.trace[n] = ys[i]
	}
	return nil
}

// errNoONNX says that a layer has no ONNX form.
var errNoONNX = errors.New("no ONNX form")

// leaf emits the nodes of one leaf layer and returns its output's name.
func (e *Emitter) leaf(m nn.Module, ins []string) (string, error) {
	x := ins[0]
	switch l := m.(type) {
	case *nn.Linear:
		in := []string{x, e.Param(l.Weight)}
		if l.Bias != nil {
			in = append(in, e.Param(l.Bias))
		}
		return e.Node("Gemm", in, IntAttr("transB", 1)), nil
	case *nn.Conv2D:
		cfg := l.Config
		if cfg.InC == 0 { // a literal without Config
			cfg = nn.Conv2DConfig{InC: l.InC, OutC: l.OutC, KH: l.K, KW: l.K, StrideH: l.Stride, StrideW: l.Stride, PadH: l.Pad, PadW: l.Pad, DilationH: 1, DilationW: 1, Groups: 1}
		}
		p := cfg.Params()
		in := []string{x, e.Param(l.Weight)}
		if l.Bias != nil {
			in = append(in, e.Param(l.Bias))
		}
		return e.Node("Conv", in, IntsAttr("kernel_shape", cfg.KH, cfg.KW), IntsAttr("strides", max(p.StrideH, 1), max(p.StrideW, 1)),
			IntsAttr("pads", p.PadTop, p.PadLeft, p.PadBottom, p.PadRight), IntsAttr("dilations", max(p.DilationH, 1), max(p.DilationW, 1)),
			IntAttr("group", max(p.Groups, 1))), nil
	case nn.MaxPool2D:
		return e.pool("MaxPool", tensor.Pool2DParams{KH: l.K, KW: l.K, StrideH: l.Stride, StrideW: l.Stride}, x), nil
	case nn.AvgPool2D:
		return e.pool("AveragePool", tensor.Pool2DParams{KH: l.K, KW: l.K, StrideH: l.Stride, StrideW: l.Stride}, x), nil
	case *nn.Pool2D:
		op := "MaxPool"
		if l.Kind == tensor.AvgPool {
			op = "AveragePool"
		}
		return e.pool(op, l.Config.Params(), x), nil
	case nn.AdaptiveAvgPool2D:
		s := e.Shape(x)
		if len(s) != 4 {
			return "", fmt.Errorf("adaptive pooling of a %d-D value", len(s))
		}
		if l.H == 1 && l.W == 1 {
			return e.Node("GlobalAveragePool", []string{x}), nil
		}
		if s[2]%l.H != 0 || s[3]%l.W != 0 {
			return "", fmt.Errorf("%w: adaptive pooling of %d×%d to %d×%d has windows of different sizes, which ONNX's AveragePool cannot express", errNoONNX, s[2], s[3], l.H, l.W)
		}
		kh, kw := s[2]/l.H, s[3]/l.W
		return e.pool("AveragePool", tensor.Pool2DParams{KH: kh, KW: kw, StrideH: kh, StrideW: kw}, x), nil
	case nn.GlobalAvgPool:
		return e.Node("Flatten", []string{e.Node("GlobalAveragePool", []string{x})}, IntAttr("axis", 1)), nil
	case nn.Flatten:
		return e.Node("Flatten", []string{x}, IntAttr("axis", 1)), nil
	case nn.Dropout:
		return x, nil // the identity at inference: no node
	case *nn.Embedding:
		return e.Node("Gather", []string{e.Param(l.Weight), x}, IntAttr("axis", 0)), nil
	case *nn.RNN, *nn.LSTM, *nn.GRU, *nn.Recurrent:
		return e.recurrent(m, ins) // rnn.go
	case *nn.BatchNorm:
		return e.Node("BatchNormalization", []string{x, e.Param(l.Weight), e.Param(l.Bias), e.Buffer(l.State.RunningMean), e.Buffer(l.State.RunningVar)},
			FloatAttr("epsilon", l.State.Eps), FloatAttr("momentum", 1-l.State.Momentum)), nil
	case nn.ReLU:
		return e.Node("Relu", []string{x}), nil
	case nn.Sigmoid:
		return e.Node("Sigmoid", []string{x}), nil
	case nn.Tanh:
		return e.Node("Tanh", []string{x}), nil
	case nn.LeakyReLU:
		return e.Node("LeakyRelu", []string{x}, FloatAttr("alpha", l.Slope)), nil
	case nn.ELU:
		return e.Node("Elu", []string{x}, FloatAttr("alpha", l.Alpha)), nil
	case nn.Softmax:
		return e.Node("Softmax", []string{x}, IntAttr("axis", l.Axis)), nil
	case nn.LogSoftmax:
		return e.Node("LogSoftmax", []string{x}, IntAttr("axis", l.Axis)), nil
	case nn.SiLU:
		return e.Node("Mul", []string{x, e.Node("Sigmoid", []string{x})}), nil
	case nn.GELU:
		return e.gelu(x, l.Approximate)
	case nn.Softplus:
		return e.softplus(x, l.Beta, l.Threshold), nil
	case nn.Add:
		out := ins[0]
		for _, y := range ins[1:] {
			out = e.Node("Add", []string{out, y})
		}
		if len(ins) == 1 {
			out = e.Node("Identity", []string{out})
		}
		return out, nil
	case nn.Concat:
		if len(ins) == 1 {
			return e.Node("Identity", ins), nil
		}
		return e.Node("Concat", ins, IntAttr("axis", l.Axis)), nil
	}
	return "", fmt.Errorf("%w: implement onnx.Exporter on %T to write it", errNoONNX, m)
}

// pool emits max or average pooling with PyTorch's semantics: padding is
// counted by average pooling unless excluded.
func (e *Emitter) pool(op string, p tensor.Pool2DParams, x string) string {
	attrs := []*pb.AttributeProto{IntsAttr("kernel_shape", p.KH, p.KW), IntsAttr("strides", p.StrideH, p.StrideW),
		IntsAttr("pads", p.PadH, p.PadW, p.PadH, p.PadW)}
	if p.CeilMode {
		attrs = append(attrs, IntAttr("ceil_mode", 1))
	}
	if op == "AveragePool" && !p.ExcludePad {
		attrs = append(attrs, IntAttr("count_include_pad", 1))
	}
	return e.Node(op, []string{x}, attrs...)
}

// gelu emits GELU from Erf (exact) or Tanh (approximate), which every
// opset from 13 has; ONNX's own Gelu operator came in opset 20.
func (e *Emitter) gelu(x, approx string) (string, error) {
	half := e.Constant([]float32{0.5})
	one := e.Constant([]float32{1})
	var inner string
	switch approx {
	case "", "none":
		// 0.5·x·(1 + erf(x/√2))
		inner = e.Node("Erf", []string{e.Node("Mul", []string{x, e.Constant([]float32{float32(1 / math.Sqrt2)})})})
	case "tanh":
		// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
		cube := e.Node("Mul", []string{x, e.Node("Mul", []string{x, x})})
		poly := e.Node("Add", []string{x, e.Node("Mul", []string{cube, e.Constant([]float32{0.044715})})})
		inner = e.Node("Tanh", []string{e.Node("Mul", []string{poly, e.Constant([]float32{float32(math.Sqrt(2 / math.Pi))})})})
	default:
		return "", fmt.Errorf("GELU approximation %q: want none or tanh", approx)
	}
	return e.Node("Mul", []string{e.Node("Mul", []string{x, half}), e.Node("Add", []string{inner, one})}), nil
}

// softplus emits PyTorch's Softplus: log(1 + exp(β·x))/β, and x itself
// where β·x exceeds the threshold.
func (e *Emitter) softplus(x string, beta, threshold float64) string {
	if beta == 0 {
		beta = 1
	}
	if threshold == 0 {
		threshold = 20
	}
	bx := x
	if beta != 1 {
		bx = e.Node("Mul", []string{x, e.Constant([]float32{float32(beta)})})
	}
	sp := e.Node("Softplus", []string{bx})
	if beta != 1 {
		sp = e.Node("Div", []string{sp, e.Constant([]float32{float32(beta)})})
	}
	over := e.Node("Greater", []string{bx, e.Constant([]float32{float32(threshold)})})
	return e.Node("Where", []string{over, x, sp})
}

func pathOr(path string) string {
	if path == "" {
		return "(top)"
	}
	return path
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
